/*
 * libgit2's allocator, with a limit a caller can set around one read: while it is set, any
 * single allocation libgit2 asks for above it fails (libgit2 then fails the read), so a blob
 * larger than what the scan reads is never inflated whole. Outside such a read there is no
 * limit and this is plain malloc/free, as libgit2's own allocator is.
 */
#include <stdlib.h>
#include <string.h>
#include <git2.h>
#include <git2/sys/alloc.h>

#pragma GCC visibility push(hidden)

/* 0: no limit. Per thread, so a limit set by one reader never fails another thread's read. */
static _Thread_local size_t allocation_limit;

void pushguard_set_allocation_limit(size_t bytes) {
    allocation_limit = bytes;
}

static int refused(size_t bytes) {
    if (allocation_limit == 0 || bytes <= allocation_limit) return 0;
    git_error_set_oom();
    return 1;
}

static int refused_array(size_t count, size_t size, size_t *bytes) {
    if (__builtin_mul_overflow(count, size, bytes)) {
        git_error_set_oom();
        return 1;
    }
    return refused(*bytes);
}

static void *limited_malloc(size_t bytes, const char *file, int line) {
    (void)file; (void)line;
    if (refused(bytes)) return NULL;
    void *memory = malloc(bytes);
    if (!memory) git_error_set_oom();
    return memory;
}

static void *limited_calloc(size_t count, size_t size, const char *file, int line) {
    (void)file; (void)line;
    size_t bytes;
    if (refused_array(count, size, &bytes)) return NULL;
    void *memory = calloc(count, size);
    if (!memory) git_error_set_oom();
    return memory;
}

static char *limited_substrdup(const char *string, size_t length, const char *file, int line) {
    size_t bytes;
    if (__builtin_add_overflow(length, 1, &bytes)) {
        git_error_set_oom();
        return NULL;
    }
    char *copy = limited_malloc(bytes, file, line);
    if (!copy) return NULL;
    memcpy(copy, string, length);
    copy[length] = '\0';
    return copy;
}

static char *limited_strdup(const char *string, const char *file, int line) {
    return limited_substrdup(string, strlen(string), file, line);
}

static char *limited_strndup(const char *string, size_t most, const char *file, int line) {
    return limited_substrdup(string, strnlen(string, most), file, line);
}

static void *limited_realloc(void *memory, size_t bytes, const char *file, int line) {
    (void)file; (void)line;
    if (refused(bytes)) return NULL;
    void *moved = realloc(memory, bytes);
    if (!moved) git_error_set_oom();
    return moved;
}

static void *limited_reallocarray(void *memory, size_t count, size_t size, const char *file, int line) {
    size_t bytes;
    if (refused_array(count, size, &bytes)) return NULL;
    return limited_realloc(memory, bytes, file, line);
}

static void *limited_mallocarray(size_t count, size_t size, const char *file, int line) {
    size_t bytes;
    if (refused_array(count, size, &bytes)) return NULL;
    return limited_malloc(bytes, file, line);
}

static void limited_free(void *memory) {
    free(memory);
}

int pushguard_install_allocator(void) {
    static git_allocator allocator = {
        .gmalloc = limited_malloc,
        .gcalloc = limited_calloc,
        .gstrdup = limited_strdup,
        .gstrndup = limited_strndup,
        .gsubstrdup = limited_substrdup,
        .grealloc = limited_realloc,
        .greallocarray = limited_reallocarray,
        .gmallocarray = limited_mallocarray,
        .gfree = limited_free,
    };
    return git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &allocator);
}

#pragma GCC visibility pop
