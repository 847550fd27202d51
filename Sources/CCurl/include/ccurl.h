#ifndef PUSHGUARD_CCURL_H
#define PUSHGUARD_CCURL_H
/* libcurl, loaded on first use with dlopen (see CPostgres for why). curl_easy_setopt and
 * curl_easy_getinfo are variadic, which Swift cannot call; these wrappers fix their types. */
#include <stddef.h>
#include <curl/curl.h>

/* Loads libcurl.so.4; 0 on success, else -1 with a message in error. Safe to call again. */
int pushguard_curl_load(char *error, size_t size);

typedef size_t (*pushguard_curl_write_callback)(char *data, size_t size, size_t count, void *context);

CURL *pg_curl_easy_init(void);
void pg_curl_easy_cleanup(CURL *handle);
CURLcode pg_curl_easy_perform(CURL *handle);
const char *pg_curl_easy_strerror(CURLcode code);
CURLcode pg_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode pg_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value);
CURLcode pg_curl_setopt_write_function(CURL *handle, pushguard_curl_write_callback callback);
CURLcode pg_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode pg_curl_getinfo_string(CURL *handle, CURLINFO info, char **value);
struct curl_slist *pg_curl_slist_append(struct curl_slist *list, const char *text);
void pg_curl_slist_free_all(struct curl_slist *list);
#endif
