/*
 * The floor for the benchmark: a pre-receive hook that does only the git part of PushGuard's
 * work, in C. It opens the repository the way git describes it in the environment (GIT_DIR and
 * the quarantine's object directories) and reads app.json from each pushed commit, then exits
 * 0. bench/run compiles it against libgit2 the way PushGuard links it (libgit2.a with
 * Sources/CLibgit2's stubs and fence) and times it beside PushGuard's hook: whatever PushGuard
 * takes beyond this is PushGuard's own (settings, the store, the decision, the audit record).
 */
#include <stdio.h>
#include <string.h>

#include "CLibgit2.h"

static int fail(const char *what) {
    const git_error *error = git_error_last();
    fprintf(stderr, "floor-hook: %s: %s\n", what, error && error->message ? error->message : "failed");
    return 1;
}

int main(void) {
    if (pushguard_libgit2_init() < 0) return fail("git_libgit2_init");
    git_repository *repository = NULL;
    if (git_repository_open_ext(&repository, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL) < 0) return fail("open");
    char line[4096];
    size_t manifest_bytes = 0;
    while (fgets(line, sizeof line, stdin)) {
        char old_id[64], new_id[64], ref[4000];
        if (sscanf(line, "%63s %63s %3999s", old_id, new_id, ref) != 3) return fail("hook input");
        if (strspn(new_id, "0") == strlen(new_id)) continue; /* a deletion */
        git_oid oid;
        git_commit *commit = NULL;
        git_tree *tree = NULL;
        git_tree_entry *entry = NULL;
        git_blob *blob = NULL;
        if (git_oid_fromstr(&oid, new_id) < 0 || git_commit_lookup(&commit, repository, &oid) < 0) return fail("commit");
        if (git_commit_tree(&tree, commit) < 0) return fail("tree");
        if (git_tree_entry_bypath(&entry, tree, "app.json") < 0) return fail("app.json");
        if (git_blob_lookup(&blob, repository, git_tree_entry_id(entry)) < 0) return fail("blob");
        manifest_bytes += (size_t)git_blob_rawsize(blob);
        git_blob_free(blob);
        git_tree_entry_free(entry);
        git_tree_free(tree);
        git_commit_free(commit);
    }
    git_repository_free(repository);
    return manifest_bytes > 0 ? 0 : fail("no app.json read");
}
