#ifndef PUSHGUARD_CLIBGIT2_H
#define PUSHGUARD_CLIBGIT2_H
/*
 * libgit2 as PushGuard links it: Debian's static archive (libgit2.a from libgit2-dev) with its
 * network transports replaced (network_stubs.c), so a hook loads no TLS, SSH or Kerberos
 * library. See network_fence.c.
 */
#include <git2.h>

/* What a libgit2 operation that needs the network fails with. */
#define PUSHGUARD_NO_NETWORK_MESSAGE "PushGuard is built without libgit2's network transports"

/*
 * git_libgit2_init, then PushGuard's allocator (allocation_limit.c), then the fence: libgit2's
 * socket and TLS streams are replaced by ones that refuse to connect (so no libgit2 operation
 * opens a connection). Returns git_libgit2_init's result when it failed, else 0 or the error
 * (< 0) of what followed it.
 */
int pushguard_libgit2_init(void);

/* Makes libgit2 use malloc and free through PushGuard's allocator, which has a limit. */
int pushguard_install_allocator(void);

/*
 * While set (not 0), any single allocation libgit2 makes on this thread above `bytes` fails, and
 * with it the libgit2 call that needed it: a read of a blob larger than that fails before the
 * blob is inflated. Set it around one read, and back to 0 after.
 */
void pushguard_set_allocation_limit(size_t bytes);

/*
 * The replaced function libgit2 reached last on this thread (e.g. "http_parser_parse_url"),
 * or NULL; reading it clears it. libgit2 often replaces the error a replaced function set with
 * its own words ("malformed URL"), so a caller that sees a failure asks here whether the
 * network fence was the cause.
 */
const char *pushguard_network_fence_take(void);

/* git_libgit2_opts is variadic, which Swift cannot call: one typed wrapper per option used. */
static inline int pushguard_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}

/*
 * Whether libgit2 hashes every object it reads again to check its id (on by default). The
 * scan for environment-variable reads turns it off while it reads changed blobs: git checked
 * every object's id when it received it, and re-hashing (SHA-1 with collision detection) was
 * a fifth of the time of a push changing 1,000 files.
 */
static inline int pushguard_set_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}
#endif
