#include "ccurl.h"
#include <dlfcn.h>
#include <stdio.h>

static void *library;
static struct {
    CURL *(*init)(void);
    void (*cleanup)(CURL *);
    CURLcode (*perform)(CURL *);
    const char *(*strerror)(CURLcode);
    CURLcode (*setopt)(CURL *, CURLoption, ...);
    CURLcode (*getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slistAppend)(struct curl_slist *, const char *);
    void (*slistFreeAll)(struct curl_slist *);
} curl;

/* A library without one of the symbols is released again (dlclose), so a failed load leaks no
 * handle and the next call tries afresh; the message names the missing symbol. */
#define LOAD(field, name) \
    if (!(*(void **)(&curl.field) = dlsym(library, name))) { \
        snprintf(error, size, "libcurl.so.4 has no %s (apt-get install libcurl4)", name); \
        dlclose(library); library = NULL; return -1; }

int pushguard_curl_load(char *error, size_t size) {
    if (library) return 0;
    library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(error, size, "cannot load libcurl (apt-get install libcurl4): %s", dlerror());
        return -1;
    }
    LOAD(init, "curl_easy_init") LOAD(cleanup, "curl_easy_cleanup") LOAD(perform, "curl_easy_perform")
    LOAD(strerror, "curl_easy_strerror") LOAD(setopt, "curl_easy_setopt") LOAD(getinfo, "curl_easy_getinfo")
    LOAD(slistAppend, "curl_slist_append") LOAD(slistFreeAll, "curl_slist_free_all")
    return 0;
}

CURL *pushguard_curl_easy_init(void) { return curl.init(); }
void pushguard_curl_easy_cleanup(CURL *h) { curl.cleanup(h); }
CURLcode pushguard_curl_easy_perform(CURL *h) { return curl.perform(h); }
const char *pushguard_curl_easy_strerror(CURLcode c) { return curl.strerror(c); }
CURLcode pushguard_curl_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl.setopt(h, o, v); }
CURLcode pushguard_curl_easy_setopt_pointer(CURL *h, CURLoption o, const void *v) { return curl.setopt(h, o, v); }
CURLcode pushguard_curl_easy_setopt_write_function(CURL *h, pushguard_curl_write_callback f) {
    return curl.setopt(h, CURLOPT_WRITEFUNCTION, f);
}
CURLcode pushguard_curl_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl.getinfo(h, i, v); }
CURLcode pushguard_curl_easy_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl.getinfo(h, i, v); }
struct curl_slist *pushguard_curl_slist_append(struct curl_slist *l, const char *t) { return curl.slistAppend(l, t); }
void pushguard_curl_slist_free_all(struct curl_slist *l) { curl.slistFreeAll(l); }
