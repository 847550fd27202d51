/*
 * git_libgit2_init() in Debian's libgit2 prepares every transport, though a hook only reads
 * the local repository. Two of those preparations were most of a hook's run:
 *   - mbedTLS loads the whole system CA bundle (about 50 million instructions);
 *   - libssh2_init() initialises OpenSSL and loads its engines (about 1 million).
 * PushGuard never lets libgit2 speak TLS or SSH (the HTTP store uses libcurl), so this
 * executable defines those functions; the dynamic linker binds libgit2's calls to the
 * executable's definitions first. Were libgit2 ever to open a TLS connection it would find no
 * trusted roots and fail closed; OpenSSL (3.x) initialises itself on first use, should libssh2
 * ever need it.
 * Tests/EndToEndTests/StartupTests checks that libgit2's calls bind to these definitions, that
 * the bundle is never opened, and that pushed objects are still read in quarantine.
 */
#include "chookstartup.h"

struct mbedtls_x509_crt;

static int requests;

int pushguard_ca_bundle_requests(void) { return requests; }

__attribute__((visibility("default"), used))
int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path) {
    (void)chain;
    (void)path;
    requests++;
    return 0;
}

__attribute__((visibility("default"), used))
int mbedtls_x509_crt_parse_path(struct mbedtls_x509_crt *chain, const char *path) {
    (void)chain;
    (void)path;
    requests++;
    return 0;
}

__attribute__((visibility("default"), used))
int libssh2_init(int flags) {
    (void)flags;
    return 0;
}
