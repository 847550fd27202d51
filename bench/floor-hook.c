/*
 * The floor for the benchmark: a pre-receive hook that does only the git part of PushGuard's
 * work, in C. It opens the repository the way git describes it in the environment (GIT_DIR and
 * the quarantine's object directories) and reads app.json from each pushed commit, then exits
 * 0. bench/run compiles it against libgit2 the way PushGuard links it (libgit2.a with
 * Sources/CLibgit2's stubs and fence) and times it beside PushGuard's hook: whatever PushGuard
 * takes beyond this is PushGuard's own (settings, the store, the decision, the audit record).
 */
#include "git-floor.h"

int main(void) {
    return read_pushed_manifests("floor-hook", NULL, 0) < 0 ? 1 : 0;
}
