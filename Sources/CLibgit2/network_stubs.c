/*
 * libgit2's network libraries, replaced.
 *
 * PushGuard links Debian's libgit2.a instead of libgit2.so. The shared library loads about 18
 * libraries at every hook start (mbedTLS, libssh2 and OpenSSL, Kerberos, http-parser): several
 * milliseconds a push, for transports a hook never uses. The archive's transport code still
 * refers to those libraries; this file defines every symbol it refers to, so none of them is
 * linked. Each definition is one of three kinds:
 *
 *  - Inert: git_libgit2_init and git_libgit2_shutdown call these to prepare and tear down TLS
 *    and SSH. They succeed, and keep only the state libgit2 reads back (it frees two pointers
 *    it stored in the TLS configuration: left as garbage, that free crashes). The CA bundle is
 *    not loaded. mbedtls_ssl_get_ciphersuite_id must name a cipher: when none is known, init
 *    fails ("no cipher could be enabled") and stops before it sets up the pack-window map, and
 *    the first pack read would crash.
 *  - Fenced: everything a network operation calls. Each fails the way its caller checks (a
 *    negative code, NULL, an HTTP parser error), sets libgit2's error to
 *    "PushGuard is built without libgit2's network transports (NAME)" and records NAME for
 *    pushguard_network_fence_take(). Error-text functions (mbedtls_strerror, ...) return that
 *    sentence. Functions that return nothing do nothing: each is only reached next to one that
 *    fails, and libgit2 cannot get far enough to reach most of them, since network_fence.c
 *    refuses every socket and TLS stream first.
 *  - SHA-256: libgit2 1.5 hashes objects with SHA-1 only (SHA-256 object ids are an
 *    experimental build option Debian does not enable), so nothing calls these. Rather than
 *    return a wrong digest, they stop the process with a message.
 *
 * The list is checked when PushGuard is built (Plugins/Libgit2NetworkSymbols runs
 * network-symbols.sh): the build fails when libgit2.a refers to a symbol of these libraries
 * that is not defined here, or when one defined here is no longer referred to. So a libgit2
 * update that calls something new stops the build, and someone decides its kind.
 *
 * Convention the check relies on: a replaced symbol's name starts its line (the return type is
 * on the line before); helpers keep their return type on the same line as their name.
 *
 * Prototypes come from the libraries' own headers (libgit2-dev depends on their -dev
 * packages), so the compiler rejects a definition whose signature differs. GSSAPI's header
 * (libkrb5-dev) is not a build dependency; its eight functions are declared below from RFC 2744.
 * Everything here is hidden: the executable must not export these names, or a library loaded
 * later (libpq and libcurl are opened with dlopen and use GSSAPI and libssh2) would bind to them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2/errors.h>
#include <http_parser.h>
#include <libssh2.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "CLibgit2.h"
#include "network_fence.h"

/* After the headers: only what is defined here is hidden, not libc's functions. */
#pragma GCC visibility push(hidden)

#define FENCED_MESSAGE PUSHGUARD_NO_NETWORK_MESSAGE

static int fenced_mbedtls(const char *symbol) { pushguard_network_fence(symbol); return MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE; }
static int fenced_ssh(const char *symbol) { pushguard_network_fence(symbol); return LIBSSH2_ERROR_METHOD_NOT_SUPPORTED; }

/* Writes the sentence into a caller's buffer; returns its length as snprintf does. */
static int write_message(char *buffer, size_t size, const char *prefix) {
    if (buffer == NULL || size == 0) return 0;
    return snprintf(buffer, size, "%s%s", prefix ? prefix : "", FENCED_MESSAGE);
}

static _Noreturn void unreachable_sha256(const char *symbol) {
    static const char text[] = "pushguard: libgit2 asked for SHA-256 (";
    static const char end[] = "), which this build of PushGuard does not include; SHA-1 repositories only\n";
    (void)!write(2, text, sizeof text - 1);
    (void)!write(2, symbol, strlen(symbol));
    (void)!write(2, end, sizeof end - 1);
    abort();
}

/* ---- mbedTLS: inert (git_libgit2_init prepares TLS; git_libgit2_shutdown tears it down) ----
 * libgit2 reads two fields of the configuration back (conf->ca_chain and conf->p_rng, which
 * it frees when the CA location changes and at shutdown), so these keep the state the real
 * functions keep: initialisers zero their structure, setters store what they are given. */

void
mbedtls_ssl_config_init(mbedtls_ssl_config *conf) { memset(conf, 0, sizeof *conf); }

int
mbedtls_ssl_config_defaults(mbedtls_ssl_config *conf, int endpoint, int transport, int preset) {
    (void)conf; (void)endpoint; (void)transport; (void)preset;
    return 0;
}

void
mbedtls_ssl_conf_min_version(mbedtls_ssl_config *conf, int major, int minor) {
    conf->min_major_ver = (unsigned char)major;
    conf->min_minor_ver = (unsigned char)minor;
}

void
mbedtls_ssl_conf_authmode(mbedtls_ssl_config *conf, int authmode) { conf->authmode = (uint8_t)authmode; }

/* Any non-zero id: init needs at least one cipher, and nothing ever negotiates with it. */
int
mbedtls_ssl_get_ciphersuite_id(const char *ciphersuite_name) { (void)ciphersuite_name; return 1; }

void
mbedtls_ssl_conf_ciphersuites(mbedtls_ssl_config *conf, const int *ciphersuites) {
    for (size_t version = 0; version < 4; version++) conf->ciphersuite_list[version] = ciphersuites;
}

/* Left as libgit2 allocated it: nothing reads the context (mbedtls_ctr_drbg_seed below, which
 * would, is inert), and clearing its 38 KB touched ten fresh heap pages at every start. */
void
mbedtls_entropy_init(mbedtls_entropy_context *ctx) { (void)ctx; }

void
mbedtls_ctr_drbg_init(mbedtls_ctr_drbg_context *ctx) { memset(ctx, 0, sizeof *ctx); }

int
mbedtls_ctr_drbg_seed(mbedtls_ctr_drbg_context *ctx, int (*f_entropy)(void *, unsigned char *, size_t),
                      void *p_entropy, const unsigned char *custom, size_t len) {
    (void)ctx; (void)f_entropy; (void)p_entropy; (void)custom; (void)len;
    return 0;
}

void
mbedtls_ssl_conf_rng(mbedtls_ssl_config *conf, int (*f_rng)(void *, unsigned char *, size_t), void *p_rng) {
    conf->f_rng = f_rng;
    conf->p_rng = p_rng;
}

/* The CA bundle: init loads it (about 50 million instructions in mbedTLS); nothing needs it,
 * so the chain stays empty. */
void
mbedtls_x509_crt_init(mbedtls_x509_crt *crt) { memset(crt, 0, sizeof *crt); }

int
mbedtls_x509_crt_parse_file(mbedtls_x509_crt *chain, const char *path) { (void)chain; (void)path; return 0; }

int
mbedtls_x509_crt_parse_path(mbedtls_x509_crt *chain, const char *path) { (void)chain; (void)path; return 0; }

void
mbedtls_ssl_conf_ca_chain(mbedtls_ssl_config *conf, mbedtls_x509_crt *ca_chain, mbedtls_x509_crl *ca_crl) {
    conf->ca_chain = ca_chain;
    conf->ca_crl = ca_crl;
}

/* Frees: nothing above allocates; libgit2 frees the structures themselves. */
void
mbedtls_x509_crt_free(mbedtls_x509_crt *crt) { (void)crt; }

void
mbedtls_ctr_drbg_free(mbedtls_ctr_drbg_context *ctx) { (void)ctx; }

void
mbedtls_ssl_config_free(mbedtls_ssl_config *conf) { (void)conf; }

void
mbedtls_entropy_free(mbedtls_entropy_context *ctx) { (void)ctx; }

/* ---- mbedTLS: fenced (a TLS connection) ---- */

void
mbedtls_ssl_init(mbedtls_ssl_context *ssl) { memset(ssl, 0, sizeof *ssl); }

int
mbedtls_ssl_setup(mbedtls_ssl_context *ssl, const mbedtls_ssl_config *conf) {
    (void)ssl; (void)conf;
    return fenced_mbedtls("mbedtls_ssl_setup");
}

int
mbedtls_ssl_set_hostname(mbedtls_ssl_context *ssl, const char *hostname) {
    (void)ssl; (void)hostname;
    return fenced_mbedtls("mbedtls_ssl_set_hostname");
}

void
mbedtls_ssl_set_bio(mbedtls_ssl_context *ssl, void *p_bio, mbedtls_ssl_send_t *f_send, mbedtls_ssl_recv_t *f_recv,
                    mbedtls_ssl_recv_timeout_t *f_recv_timeout) {
    (void)ssl; (void)p_bio; (void)f_send; (void)f_recv; (void)f_recv_timeout;
}

int
mbedtls_ssl_handshake(mbedtls_ssl_context *ssl) { (void)ssl; return fenced_mbedtls("mbedtls_ssl_handshake"); }

int
mbedtls_ssl_read(mbedtls_ssl_context *ssl, unsigned char *buf, size_t len) {
    (void)ssl; (void)buf; (void)len;
    return fenced_mbedtls("mbedtls_ssl_read");
}

int
mbedtls_ssl_write(mbedtls_ssl_context *ssl, const unsigned char *buf, size_t len) {
    (void)ssl; (void)buf; (void)len;
    return fenced_mbedtls("mbedtls_ssl_write");
}

int
mbedtls_ssl_close_notify(mbedtls_ssl_context *ssl) { (void)ssl; return fenced_mbedtls("mbedtls_ssl_close_notify"); }

void
mbedtls_ssl_free(mbedtls_ssl_context *ssl) { (void)ssl; }

const mbedtls_x509_crt *
mbedtls_ssl_get_peer_cert(const mbedtls_ssl_context *ssl) {
    (void)ssl;
    pushguard_network_fence("mbedtls_ssl_get_peer_cert");
    return NULL;
}

/* Every verification flag set: a certificate is never "verified" by this build. */
uint32_t
mbedtls_ssl_get_verify_result(const mbedtls_ssl_context *ssl) {
    (void)ssl;
    pushguard_network_fence("mbedtls_ssl_get_verify_result");
    return UINT32_MAX;
}

int
mbedtls_x509_crt_verify_info(char *buf, size_t size, const char *prefix, uint32_t flags) {
    (void)flags;
    return write_message(buf, size, prefix);
}

void
mbedtls_strerror(int errnum, char *buffer, size_t buflen) {
    (void)errnum;
    write_message(buffer, buflen, NULL);
}

int
mbedtls_ctr_drbg_random(void *p_rng, unsigned char *output, size_t output_len) {
    (void)p_rng; (void)output; (void)output_len;
    return fenced_mbedtls("mbedtls_ctr_drbg_random");
}

int
mbedtls_entropy_func(void *data, unsigned char *output, size_t len) {
    (void)data; (void)output; (void)len;
    return fenced_mbedtls("mbedtls_entropy_func");
}

/* ---- mbedTLS: SHA-256 (unreachable in libgit2 1.5) ---- */

void
mbedtls_sha256_init(mbedtls_sha256_context *ctx) { (void)ctx; unreachable_sha256("mbedtls_sha256_init"); }

void
mbedtls_sha256_free(mbedtls_sha256_context *ctx) { (void)ctx; unreachable_sha256("mbedtls_sha256_free"); }

void
mbedtls_sha256_starts(mbedtls_sha256_context *ctx, int is224) {
    (void)ctx; (void)is224;
    unreachable_sha256("mbedtls_sha256_starts");
}

void
mbedtls_sha256_update(mbedtls_sha256_context *ctx, const unsigned char *input, size_t ilen) {
    (void)ctx; (void)input; (void)ilen;
    unreachable_sha256("mbedtls_sha256_update");
}

void
mbedtls_sha256_finish(mbedtls_sha256_context *ctx, unsigned char output[32]) {
    (void)ctx; (void)output;
    unreachable_sha256("mbedtls_sha256_finish");
}

/* ---- libssh2: inert (git_libgit2_init / git_libgit2_shutdown) ---- */

int
libssh2_init(int flags) { (void)flags; return 0; }

void
libssh2_exit(void) {}

/* ---- libssh2: fenced (an SSH session) ---- */

static void *no_abstract;

LIBSSH2_SESSION *
libssh2_session_init_ex(LIBSSH2_ALLOC_FUNC((*my_alloc)), LIBSSH2_FREE_FUNC((*my_free)),
                        LIBSSH2_REALLOC_FUNC((*my_realloc)), void *abstract) {
    (void)my_alloc; (void)my_free; (void)my_realloc; (void)abstract;
    pushguard_network_fence("libssh2_session_init_ex");
    return NULL;
}

void **
libssh2_session_abstract(LIBSSH2_SESSION *session) {
    (void)session;
    pushguard_network_fence("libssh2_session_abstract");
    return &no_abstract;
}

int
libssh2_session_handshake(LIBSSH2_SESSION *session, libssh2_socket_t sock) {
    (void)session; (void)sock;
    return fenced_ssh("libssh2_session_handshake");
}

int
libssh2_session_method_pref(LIBSSH2_SESSION *session, int method_type, const char *prefs) {
    (void)session; (void)method_type; (void)prefs;
    return fenced_ssh("libssh2_session_method_pref");
}

void
libssh2_session_set_blocking(LIBSSH2_SESSION *session, int blocking) { (void)session; (void)blocking; }

/* libgit2 quotes this text after its own ("failed to start SSH session: ..."). */
int
libssh2_session_last_error(LIBSSH2_SESSION *session, char **errmsg, int *errmsg_len, int want_buf) {
    (void)session;
    if (errmsg) {
        if (want_buf) {
            *errmsg = strdup(FENCED_MESSAGE);
        } else {
            *errmsg = (char *)FENCED_MESSAGE;
        }
    }
    if (errmsg_len) *errmsg_len = (int)strlen(FENCED_MESSAGE);
    return fenced_ssh("libssh2_session_last_error");
}

const char *
libssh2_session_hostkey(LIBSSH2_SESSION *session, size_t *len, int *type) {
    (void)session;
    if (len) *len = 0;
    if (type) *type = LIBSSH2_HOSTKEY_TYPE_UNKNOWN;
    pushguard_network_fence("libssh2_session_hostkey");
    return NULL;
}

const char *
libssh2_hostkey_hash(LIBSSH2_SESSION *session, int hash_type) {
    (void)session; (void)hash_type;
    pushguard_network_fence("libssh2_hostkey_hash");
    return NULL;
}

int
libssh2_session_disconnect_ex(LIBSSH2_SESSION *session, int reason, const char *description, const char *lang) {
    (void)session; (void)reason; (void)description; (void)lang;
    return fenced_ssh("libssh2_session_disconnect_ex");
}

int
libssh2_session_free(LIBSSH2_SESSION *session) { (void)session; return fenced_ssh("libssh2_session_free"); }

LIBSSH2_KNOWNHOSTS *
libssh2_knownhost_init(LIBSSH2_SESSION *session) {
    (void)session;
    pushguard_network_fence("libssh2_knownhost_init");
    return NULL;
}

int
libssh2_knownhost_readfile(LIBSSH2_KNOWNHOSTS *hosts, const char *filename, int type) {
    (void)hosts; (void)filename; (void)type;
    return fenced_ssh("libssh2_knownhost_readfile");
}

int
libssh2_knownhost_checkp(LIBSSH2_KNOWNHOSTS *hosts, const char *host, int port, const char *key, size_t keylen,
                         int typemask, struct libssh2_knownhost **knownhost) {
    (void)hosts; (void)host; (void)port; (void)key; (void)keylen; (void)typemask;
    if (knownhost) *knownhost = NULL;
    pushguard_network_fence("libssh2_knownhost_checkp");
    return LIBSSH2_KNOWNHOST_CHECK_FAILURE;
}

void
libssh2_knownhost_free(LIBSSH2_KNOWNHOSTS *hosts) { (void)hosts; }

char *
libssh2_userauth_list(LIBSSH2_SESSION *session, const char *username, unsigned int username_len) {
    (void)session; (void)username; (void)username_len;
    pushguard_network_fence("libssh2_userauth_list");
    return NULL;
}

int
libssh2_userauth_authenticated(LIBSSH2_SESSION *session) {
    (void)session;
    pushguard_network_fence("libssh2_userauth_authenticated");
    return 0;
}

int
libssh2_userauth_password_ex(LIBSSH2_SESSION *session, const char *username, unsigned int username_len,
                             const char *password, unsigned int password_len,
                             LIBSSH2_PASSWD_CHANGEREQ_FUNC((*passwd_change_cb))) {
    (void)session; (void)username; (void)username_len; (void)password; (void)password_len; (void)passwd_change_cb;
    return fenced_ssh("libssh2_userauth_password_ex");
}

int
libssh2_userauth_keyboard_interactive_ex(LIBSSH2_SESSION *session, const char *username, unsigned int username_len,
                                         LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC((*response_callback))) {
    (void)session; (void)username; (void)username_len; (void)response_callback;
    return fenced_ssh("libssh2_userauth_keyboard_interactive_ex");
}

int
libssh2_userauth_publickey(LIBSSH2_SESSION *session, const char *username, const unsigned char *pubkeydata,
                           size_t pubkeydata_len, LIBSSH2_USERAUTH_PUBLICKEY_SIGN_FUNC((*sign_callback)),
                           void **abstract) {
    (void)session; (void)username; (void)pubkeydata; (void)pubkeydata_len; (void)sign_callback; (void)abstract;
    return fenced_ssh("libssh2_userauth_publickey");
}

int
libssh2_userauth_publickey_fromfile_ex(LIBSSH2_SESSION *session, const char *username, unsigned int username_len,
                                       const char *publickey, const char *privatekey, const char *passphrase) {
    (void)session; (void)username; (void)username_len; (void)publickey; (void)privatekey; (void)passphrase;
    return fenced_ssh("libssh2_userauth_publickey_fromfile_ex");
}

int
libssh2_userauth_publickey_frommemory(LIBSSH2_SESSION *session, const char *username, size_t username_len,
                                      const char *publickeyfiledata, size_t publickeyfiledata_len,
                                      const char *privatekeyfiledata, size_t privatekeyfiledata_len,
                                      const char *passphrase) {
    (void)session; (void)username; (void)username_len; (void)publickeyfiledata; (void)publickeyfiledata_len;
    (void)privatekeyfiledata; (void)privatekeyfiledata_len; (void)passphrase;
    return fenced_ssh("libssh2_userauth_publickey_frommemory");
}

LIBSSH2_AGENT *
libssh2_agent_init(LIBSSH2_SESSION *session) {
    (void)session;
    pushguard_network_fence("libssh2_agent_init");
    return NULL;
}

int
libssh2_agent_connect(LIBSSH2_AGENT *agent) { (void)agent; return fenced_ssh("libssh2_agent_connect"); }

int
libssh2_agent_list_identities(LIBSSH2_AGENT *agent) { (void)agent; return fenced_ssh("libssh2_agent_list_identities"); }

int
libssh2_agent_get_identity(LIBSSH2_AGENT *agent, struct libssh2_agent_publickey **store,
                           struct libssh2_agent_publickey *prev) {
    (void)agent; (void)prev;
    if (store) *store = NULL;
    return fenced_ssh("libssh2_agent_get_identity");
}

int
libssh2_agent_userauth(LIBSSH2_AGENT *agent, const char *username, struct libssh2_agent_publickey *identity) {
    (void)agent; (void)username; (void)identity;
    return fenced_ssh("libssh2_agent_userauth");
}

int
libssh2_agent_disconnect(LIBSSH2_AGENT *agent) { (void)agent; return fenced_ssh("libssh2_agent_disconnect"); }

void
libssh2_agent_free(LIBSSH2_AGENT *agent) { (void)agent; }

LIBSSH2_CHANNEL *
libssh2_channel_open_ex(LIBSSH2_SESSION *session, const char *channel_type, unsigned int channel_type_len,
                        unsigned int window_size, unsigned int packet_size, const char *message,
                        unsigned int message_len) {
    (void)session; (void)channel_type; (void)channel_type_len; (void)window_size; (void)packet_size;
    (void)message; (void)message_len;
    pushguard_network_fence("libssh2_channel_open_ex");
    return NULL;
}

int
libssh2_channel_process_startup(LIBSSH2_CHANNEL *channel, const char *request, unsigned int request_len,
                                const char *message, unsigned int message_len) {
    (void)channel; (void)request; (void)request_len; (void)message; (void)message_len;
    return fenced_ssh("libssh2_channel_process_startup");
}

void
libssh2_channel_set_blocking(LIBSSH2_CHANNEL *channel, int blocking) { (void)channel; (void)blocking; }

ssize_t
libssh2_channel_read_ex(LIBSSH2_CHANNEL *channel, int stream_id, char *buf, size_t buflen) {
    (void)channel; (void)stream_id; (void)buf; (void)buflen;
    return fenced_ssh("libssh2_channel_read_ex");
}

ssize_t
libssh2_channel_write_ex(LIBSSH2_CHANNEL *channel, int stream_id, const char *buf, size_t buflen) {
    (void)channel; (void)stream_id; (void)buf; (void)buflen;
    return fenced_ssh("libssh2_channel_write_ex");
}

int
libssh2_channel_close(LIBSSH2_CHANNEL *channel) { (void)channel; return fenced_ssh("libssh2_channel_close"); }

int
libssh2_channel_free(LIBSSH2_CHANNEL *channel) { (void)channel; return fenced_ssh("libssh2_channel_free"); }

/* ---- http-parser: fenced (URLs of network remotes, HTTP responses) ---- */

/* Non-zero is failure: libgit2 then reports "malformed URL", and the fence record says why. */
int
http_parser_parse_url(const char *buf, size_t buflen, int is_connect, struct http_parser_url *u) {
    (void)buf; (void)buflen; (void)is_connect;
    if (u) memset(u, 0, sizeof *u);
    pushguard_network_fence("http_parser_parse_url");
    return 1;
}

void
http_parser_init(http_parser *parser, enum http_parser_type type) {
    (void)type;
    if (parser) memset(parser, 0, sizeof *parser);
}

/* Parses nothing and flags an error, which libgit2 checks after every call. */
size_t
http_parser_execute(http_parser *parser, const http_parser_settings *settings, const char *data, size_t len) {
    (void)settings; (void)data; (void)len;
    if (parser) parser->http_errno = HPE_UNKNOWN;
    pushguard_network_fence("http_parser_execute");
    return 0;
}

void
http_parser_pause(http_parser *parser, int paused) { (void)parser; (void)paused; }

int
http_should_keep_alive(const http_parser *parser) { (void)parser; return 0; }

const char *
http_errno_description(enum http_errno err) { (void)err; return FENCED_MESSAGE; }

/* ---- GSSAPI (Kerberos "Negotiate" HTTP authentication): fenced ---- */

/* RFC 2744's types, as far as these signatures need them. */
typedef uint32_t OM_uint32;
typedef struct gss_OID_desc_struct { OM_uint32 length; void *elements; } gss_OID_desc, *gss_OID;
typedef struct gss_OID_set_desc_struct { size_t count; gss_OID elements; } gss_OID_set_desc, *gss_OID_set;
typedef struct gss_buffer_desc_struct { size_t length; void *value; } gss_buffer_desc, *gss_buffer_t;
typedef struct gss_name_struct *gss_name_t;
typedef struct gss_ctx_id_struct *gss_ctx_id_t;
typedef struct gss_cred_id_struct *gss_cred_id_t;
typedef struct gss_channel_bindings_struct *gss_channel_bindings_t;
#define GSS_S_COMPLETE 0u
#define GSS_S_FAILURE (13u << 16)

static OM_uint32 fenced_gss(OM_uint32 *minor_status, const char *symbol) {
    if (minor_status) *minor_status = 0;
    pushguard_network_fence(symbol);
    return GSS_S_FAILURE;
}

gss_OID
GSS_C_NT_HOSTBASED_SERVICE = NULL;

OM_uint32
gss_import_name(OM_uint32 *minor_status, gss_buffer_t input_name_buffer, gss_OID input_name_type,
                gss_name_t *output_name) {
    (void)input_name_buffer; (void)input_name_type;
    if (output_name) *output_name = NULL;
    return fenced_gss(minor_status, "gss_import_name");
}

OM_uint32
gss_indicate_mechs(OM_uint32 *minor_status, gss_OID_set *mech_set) {
    if (mech_set) *mech_set = NULL;
    return fenced_gss(minor_status, "gss_indicate_mechs");
}

OM_uint32
gss_init_sec_context(OM_uint32 *minor_status, gss_cred_id_t initiator_cred_handle, gss_ctx_id_t *context_handle,
                     gss_name_t target_name, gss_OID mech_type, OM_uint32 req_flags, OM_uint32 time_req,
                     gss_channel_bindings_t input_chan_bindings, gss_buffer_t input_token, gss_OID *actual_mech_type,
                     gss_buffer_t output_token, OM_uint32 *ret_flags, OM_uint32 *time_rec) {
    (void)initiator_cred_handle; (void)context_handle; (void)target_name; (void)mech_type; (void)req_flags;
    (void)time_req; (void)input_chan_bindings; (void)input_token;
    if (actual_mech_type) *actual_mech_type = NULL;
    if (output_token) { output_token->length = 0; output_token->value = NULL; }
    if (ret_flags) *ret_flags = 0;
    if (time_rec) *time_rec = 0;
    return fenced_gss(minor_status, "gss_init_sec_context");
}

/* libgit2 formats its error with this (which it then releases): the sentence, never freed. */
OM_uint32
gss_display_status(OM_uint32 *minor_status, OM_uint32 status_value, int status_type, gss_OID mech_type,
                   OM_uint32 *message_context, gss_buffer_t status_string) {
    (void)status_value; (void)status_type; (void)mech_type;
    if (message_context) *message_context = 0;
    if (status_string) {
        status_string->length = strlen(FENCED_MESSAGE);
        status_string->value = (void *)FENCED_MESSAGE;
    }
    if (minor_status) *minor_status = 0;
    return GSS_S_COMPLETE;
}

/* Releases: nothing here allocates, so there is nothing to release. */
OM_uint32
gss_release_buffer(OM_uint32 *minor_status, gss_buffer_t buffer) {
    if (minor_status) *minor_status = 0;
    if (buffer) { buffer->length = 0; buffer->value = NULL; }
    return GSS_S_COMPLETE;
}

OM_uint32
gss_release_name(OM_uint32 *minor_status, gss_name_t *name) {
    if (minor_status) *minor_status = 0;
    if (name) *name = NULL;
    return GSS_S_COMPLETE;
}

OM_uint32
gss_release_oid_set(OM_uint32 *minor_status, gss_OID_set *set) {
    if (minor_status) *minor_status = 0;
    if (set) *set = NULL;
    return GSS_S_COMPLETE;
}

OM_uint32
gss_delete_sec_context(OM_uint32 *minor_status, gss_ctx_id_t *context_handle, gss_buffer_t output_token) {
    if (minor_status) *minor_status = 0;
    if (context_handle) *context_handle = NULL;
    if (output_token) { output_token->length = 0; output_token->value = NULL; }
    return GSS_S_COMPLETE;
}

#pragma GCC visibility pop
