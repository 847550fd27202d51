#ifndef PUSHGUARD_NETWORK_FENCE_H
#define PUSHGUARD_NETWORK_FENCE_H
/*
 * Records that libgit2 reached `what` (a replaced function, or a connection) and sets libgit2's
 * error to "PushGuard is built without libgit2's network transports (what)". The caller then
 * returns its failure. pushguard_network_fence_take() reads the record.
 */
void pushguard_network_fence(const char *what);
#endif
