/*
 * The program's arguments for Swift's `CommandLine`, taken from what glibc passes every
 * .init_array function (argc, argv, envp).
 *
 * The static Swift runtime (--static-swift-stdlib) finds them otherwise: a constructor in its
 * CommandLine.cpp walks back from `environ` and reads /proc/self/maps line by line to check it
 * stays on the stack, at every start, about 0.1 ms of a hook's run. These two functions are the
 * only ones that object file defines, so when they are defined here the linker never takes it
 * from libswiftCore.a, and its constructor is gone. Should a Swift update need anything else
 * from it, the link fails with duplicate symbols instead of doing something else silently.
 * (With the runtime as a shared library, in debug builds, the runtime uses its own.)
 */
#include <stddef.h>
#include "arguments.h"

static char **arguments;
static int count;
static char **override_arguments;
static int override_count;

static void pushguard_save_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    count = argc;
    arguments = argv;
}

__attribute__((section(".init_array"), used))
static void (*const pushguard_save_arguments_entry)(int, char **, char **) = pushguard_save_arguments;

char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen) {
    static char *none[] = { NULL };
    if (override_arguments) {
        *outArgLen = override_count;
        return override_arguments;
    }
    if (!arguments) {
        *outArgLen = 0;
        return none;
    }
    *outArgLen = count;
    return arguments;
}

void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc) {
    override_arguments = argv;
    override_count = argc;
}
