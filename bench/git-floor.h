/*
 * The git part of PushGuard's work for a pushed ref, shared by the benchmark's two floors
 * (floor-hook.c, job-floor-hook.c): open the repository the way git describes it in the
 * environment (GIT_DIR and the quarantine's object directories), then read app.json from each
 * pushed commit of git's hook input on stdin.
 */
#ifndef PUSHGUARD_BENCH_GIT_FLOOR_H
#define PUSHGUARD_BENCH_GIT_FLOOR_H

#include <stdio.h>
#include <string.h>

#include "CLibgit2.h"

/* One line of git's hook input. */
struct update {
    char old_id[64], new_id[64], ref[4000];
};

/* libgit2's last error, as `program: what: message` on stderr; returns -1. */
static int git_floor_fail(const char *program, const char *what) {
    const git_error *error = git_error_last();
    fprintf(stderr, "%s: %s: %s\n", program, what, error && error->message ? error->message : "failed");
    return -1;
}

/* Reads every pushed commit's app.json (deletions are skipped). Keeps the first `max` updates
 * in `updates` when it is not NULL; more than `max` then is an error. Returns how many updates
 * there were, or -1 after saying what failed (no app.json read at all is a failure: a floor
 * that read nothing would measure nothing). */
static int read_pushed_manifests(const char *program, struct update *updates, int max) {
    if (pushguard_libgit2_init() < 0) return git_floor_fail(program, "git_libgit2_init");
    git_repository *repository = NULL;
    if (git_repository_open_ext(&repository, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL) < 0)
        return git_floor_fail(program, "open");
    char line[4096];
    struct update update;
    size_t manifest_bytes = 0;
    int count = 0;
    while (fgets(line, sizeof line, stdin)) {
        if (sscanf(line, "%63s %63s %3999s", update.old_id, update.new_id, update.ref) != 3)
            return git_floor_fail(program, "hook input");
        if (strspn(update.new_id, "0") == strlen(update.new_id)) continue; /* a deletion */
        if (updates) {
            if (count == max) return git_floor_fail(program, "more refs than this floor handles");
            updates[count] = update;
        }
        count++;
        git_oid oid;
        git_commit *commit = NULL;
        git_tree *tree = NULL;
        git_tree_entry *entry = NULL;
        git_blob *blob = NULL;
        if (git_oid_fromstr(&oid, update.new_id) < 0 || git_commit_lookup(&commit, repository, &oid) < 0)
            return git_floor_fail(program, "commit");
        if (git_commit_tree(&tree, commit) < 0) return git_floor_fail(program, "tree");
        if (git_tree_entry_bypath(&entry, tree, "app.json") < 0) return git_floor_fail(program, "app.json");
        if (git_blob_lookup(&blob, repository, git_tree_entry_id(entry)) < 0) return git_floor_fail(program, "blob");
        manifest_bytes += (size_t)git_blob_rawsize(blob);
        git_blob_free(blob);
        git_tree_entry_free(entry);
        git_tree_free(tree);
        git_commit_free(commit);
    }
    git_repository_free(repository);
    return manifest_bytes > 0 ? count : git_floor_fail(program, "no app.json read");
}

#endif
