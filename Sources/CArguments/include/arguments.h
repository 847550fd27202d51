#ifndef PUSHGUARD_CARGUMENTS_H
#define PUSHGUARD_CARGUMENTS_H
/* Defined for the Swift runtime (see arguments.c); nothing here is called from Swift. */
char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen);
void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc);
#endif
