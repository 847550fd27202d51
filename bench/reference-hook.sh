#!/usr/bin/env bash
# Reference pre-receive hook for the benchmark: the check a competent platform engineer would
# write without PushGuard, with git, jq and sqlite3, reading the same SQLite store.
# For each pushed ref that deploys (main/master -> production): read app.json from the pushed
# commit, and refuse when a required key is not set, or when any key's latest change is not
# applied on every active instance (or, without instances, not transmitted to the environment).
# Inputs: GIT_DIR (set by git), PUSHGUARD_BENCH_DB (the SQLite file), stdin as git gives it.
set -euo pipefail

db=${PUSHGUARD_BENCH_DB:?set PUSHGUARD_BENCH_DB to the SQLite store}
app=$(git config pushguard.app || basename "$(cd "${GIT_DIR:-.}" && pwd)" .git)
zero=0000000000000000000000000000000000000000
status=0

while read -r old new ref; do
  [ "$new" = "$zero" ] && continue                     # deletions are never blocked
  case "$ref" in
    refs/heads/main|refs/heads/master) env=production ;;
    *) continue ;;                                      # tags and other branches pass
  esac
  required=$(git cat-file blob "$new:app.json" 2>/dev/null |
    jq -r '(.env // {}) | to_entries[] | select((.value | type) == "string" or (.value.required // true)) | .key' || true)
  # One query: keys not live, plus required keys that are not set.
  values=$(printf "('%s')," $required | sed 's/,$//')
  problems=$(sqlite3 -separator ' ' "$db" "
    WITH active AS (SELECT applied_version FROM instances WHERE app = '$app' AND environment = '$env' AND state = 'active'),
         env AS (SELECT applied_version FROM environments WHERE app = '$app' AND environment = '$env')
    SELECT key, 'not-synchronized' FROM config c WHERE app = '$app' AND environment = '$env' AND (
        (EXISTS (SELECT 1 FROM active) AND EXISTS (SELECT 1 FROM active WHERE applied_version < c.version))
     OR (NOT EXISTS (SELECT 1 FROM active) AND (SELECT applied_version FROM env) < c.version))
    ${required:+UNION ALL SELECT r.column1, 'missing' FROM (VALUES $values) r
      WHERE NOT EXISTS (SELECT 1 FROM config c WHERE c.app = '$app' AND c.environment = '$env' AND c.key = r.column1 AND c.deleted = 0)};")
  if [ -n "$problems" ]; then
    echo "push to $app/$env ($ref) rejected: config not synchronized" >&2
    echo "$problems" | sed 's/^/  /' >&2
    status=1
  fi
done
exit $status
