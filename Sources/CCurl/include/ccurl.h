#ifndef PUSHGUARD_CCURL_H
#define PUSHGUARD_CCURL_H
/* libcurl, loaded on first use with dlopen (see CPostgres for why). Each pushguard_curl_X
 * calls libcurl's curl_X through the loaded library. curl_easy_setopt and curl_easy_getinfo are
 * variadic, which Swift cannot call: pushguard_curl_easy_setopt_TYPE and
 * pushguard_curl_easy_getinfo_TYPE fix the argument's type. */
#include <stddef.h>
#include <curl/curl.h>

/* Loads libcurl.so.4; 0 on success, else -1 with a message in error (naming the symbol, when one
 * is missing) and the library released again. Safe to call again. */
int pushguard_curl_load(char *error, size_t size);

typedef size_t (*pushguard_curl_write_callback)(char *data, size_t size, size_t count, void *context);

CURL *pushguard_curl_easy_init(void);
void pushguard_curl_easy_cleanup(CURL *handle);
CURLcode pushguard_curl_easy_perform(CURL *handle);
const char *pushguard_curl_easy_strerror(CURLcode code);
CURLcode pushguard_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode pushguard_curl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value);
CURLcode pushguard_curl_easy_setopt_write_function(CURL *handle, pushguard_curl_write_callback callback);
CURLcode pushguard_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode pushguard_curl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value);
struct curl_slist *pushguard_curl_slist_append(struct curl_slist *list, const char *text);
void pushguard_curl_slist_free_all(struct curl_slist *list);
#endif
