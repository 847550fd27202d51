/*
 * The network fence around the libgit2 PushGuard links.
 *
 * network_stubs.c replaces the libraries libgit2's transports use (mbedTLS, libssh2, GSSAPI,
 * http-parser). Plain sockets come from libc, though, so the fence is also raised one level
 * up: libgit2 creates every connection (git://, http://, https://, ssh:// and scp-like ssh)
 * through its stream registry, and PushGuard registers socket and TLS streams that refuse.
 * No libgit2 operation opens a connection; it fails with PUSHGUARD_NO_NETWORK_MESSAGE.
 * PushGuard's own network use (HTTP stores, PostgreSQL) goes through libcurl and libpq.
 */
#include <git2/sys/stream.h>

#include "CLibgit2.h"
#include "network_fence.h"

/* After the headers: only what is defined here is hidden, not libc's functions. */
#pragma GCC visibility push(hidden)

static _Thread_local const char *fenced;

void pushguard_network_fence(const char *what) {
    fenced = what;
    git_error_set(GIT_ERROR_NET, "%s (%s)", PUSHGUARD_NO_NETWORK_MESSAGE, what);
}

const char *pushguard_network_fence_take(void) {
    const char *what = fenced;
    fenced = NULL;
    return what;
}

static int refuse_stream(const char *what) {
    pushguard_network_fence(what);
    return -1;
}

static int refuse_connection(git_stream **out, const char *host, const char *port) {
    (void)host; (void)port;
    *out = NULL;
    return refuse_stream("no connection to a remote");
}

static int refuse_wrap(git_stream **out, git_stream *in, const char *host) {
    (void)in; (void)host;
    *out = NULL;
    return refuse_stream("no TLS");
}

int pushguard_libgit2_init(void) {
    int initialised = git_libgit2_init();
    if (initialised < 0) return initialised;
    int allocator = pushguard_install_allocator();
    if (allocator < 0) return allocator;
    git_stream_registration refusal = {
        .version = GIT_STREAM_VERSION, .init = refuse_connection, .wrap = refuse_wrap,
    };
    int registered = git_stream_register(GIT_STREAM_STANDARD | GIT_STREAM_TLS, &refusal);
    return registered < 0 ? registered : 0;
}

#pragma GCC visibility pop
