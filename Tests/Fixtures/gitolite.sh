#!/usr/bin/env bash
# Starts or stops a throwaway gitolite3 server for the end-to-end tests: its own system user,
# its own sshd on 127.0.0.1 and a free port, everything else under one temporary directory.
# Needs root (it adds a user and starts sshd) and the Debian packages gitolite3,
# openssh-server, openssh-client and python3 (test.sh installs them).
#
#   gitolite.sh start DIR        start (or, if already running, just report); prints KEY=VALUE
#                                lines, also kept in DIR/env:
#     GITOLITE_DIR, GITOLITE_USER, GITOLITE_HOME, GITOLITE_RC, REPOSITORIES, SSH_PORT,
#     URL_BASE (append a repository name), and for admin, alice, bob and carol:
#     GIT_SSH_COMMAND_<USER>  (set it as GIT_SSH_COMMAND to run git as that user)
#   gitolite.sh stop DIR         stop sshd, remove the user and DIR (safe after a failed start)
#   gitolite.sh conf DIR         push stdin as conf/gitolite.conf through gitolite-admin (the whole
#                                file: keep "repo gitolite-admin / RW+ = admin" in it); always
#                                pushes, so it also recompiles after an rc change
#   gitolite.sh as-git DIR CMD…  run CMD as the git user, in its home, with a clean environment
#
# Why a throwaway user rather than Debian's "gitolite3": the tests must not depend on, or
# disturb, a gitolite the machine may already run, and two test runs must not share one. The
# user is named pgtest-git-<random>, its home is DIR/home, and it is removed on stop; start
# also removes users of that pattern whose home has disappeared (left by a killed test run).
# The server mirrors Debian's layout otherwise: repositories in ~/repositories, rc in
# ~/.gitolite.rc, the account's shell runs gitolite-shell through authorized_keys.
set -euo pipefail
command=${1:?usage: gitolite.sh start|stop|conf|as-git DIR}
dir=${2:?usage: gitolite.sh start|stop|conf|as-git DIR}
dir=$(realpath -m "$dir")
# The path goes unquoted into sshd and ssh configs and into GIT_SSH_COMMAND.
[[ $dir =~ [[:space:]\'\"\\] ]] && { echo "gitolite.sh: DIR must not contain spaces or quotes: $dir" >&2; exit 2; }
users=(admin alice bob carol)
user_prefix=pgtest-git-

fail() { echo "gitolite.sh: $*" >&2; exit 2; }

# Runs a command as the git user with only the environment a login would give it.
as_git() {
  local user
  user=$(cat "$dir/user")
  (cd "$dir/home" && runuser -u "$user" -- env -i HOME="$dir/home" USER="$user" LOGNAME="$user" \
    PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@")
}

# Runs git as one of the ssh users (the client side).
git_as() {
  local who=$1
  shift
  env -u GIT_CONFIG_NOSYSTEM GIT_SSH_COMMAND="ssh -F $dir/ssh/$who.config" HOME="$dir/client-home" \
    GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_SYSTEM=/dev/null \
    GIT_AUTHOR_NAME=$who GIT_AUTHOR_EMAIL=$who@example.com \
    GIT_COMMITTER_NAME=$who GIT_COMMITTER_EMAIL=$who@example.com git "$@"
}

sshd_running() {
  local pid
  [ -s "$dir/sshd.pid" ] || return 1
  pid=$(cat "$dir/sshd.pid")
  # The pid is ours only if that process is an sshd reading this directory's config.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/sshd_config"
}

# A process that has exited but not been reaped (a zombie, as a daemon's is until init gets
# to it) counts as gone.
alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

stop_server() {
  local pid user home i
  if sshd_running; then
    pid=$(cat "$dir/sshd.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 100); do alive "$pid" || break; sleep 0.02; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
  fi
  if [ -s "$dir/user" ]; then
    user=$(cat "$dir/user")
    home=$(getent passwd "$user" | cut -d: -f6 || true)
    # Only a user this fixture made: our prefix, and its home inside this directory.
    if [[ $user == "$user_prefix"* ]] && [ "$home" = "$dir/home" ]; then
      pkill -KILL -u "$user" 2>/dev/null || true
      for i in $(seq 50); do pgrep -u "$user" >/dev/null || break; sleep 0.05; done
      userdel "$user" >/dev/null 2>&1 || userdel -f "$user" >/dev/null 2>&1 || true
      getent group "$user" >/dev/null && groupdel "$user" >/dev/null 2>&1 || true
    fi
  fi
  # Never remove a directory this fixture did not make.
  if [ -e "$dir" ] && [ ! -e "$dir/.gitolite-fixture" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
    echo "gitolite.sh: $dir is not a gitolite.sh directory; not removing it" >&2
    return 1
  fi
  rm -rf "$dir"
}

# Users of our pattern whose home is gone belong to test runs that were killed before stop.
sweep_stale_users() {
  local user home
  while IFS=: read -r user _ _ _ _ home _; do
    [[ $user == "$user_prefix"* ]] || continue
    [ -e "$home" ] && continue
    pgrep -u "$user" >/dev/null && continue
    userdel "$user" >/dev/null 2>&1 || true
    getent group "$user" >/dev/null && groupdel "$user" >/dev/null 2>&1 || true
  done < <(getent passwd)
}

print_env() { cat "$dir/env"; }

push_conf() {
  local work=$dir/admin-work
  if [ ! -d "$work/.git" ]; then
    git_as admin clone -q "$(grep '^URL_BASE=' "$dir/env" | cut -d= -f2-)gitolite-admin" "$work"
  else
    git_as admin -C "$work" pull -q --ff-only
  fi
  cat >"$work/conf/gitolite.conf"
  git_as admin -C "$work" add -A
  # Even an unchanged conf is pushed: the push recompiles, which also applies rc changes
  # and retries a conf whose earlier compile failed.
  git_as admin -C "$work" commit -q --allow-empty -m "gitolite.sh: test configuration"
  # gitolite reports compile errors on stderr but may still exit 0; fail on them too.
  local out
  out=$(git_as admin -C "$work" push -q origin HEAD:master 2>&1) || { echo "$out" >&2; return 1; }
  if grep -q "FATAL\|WARNING" <<<"$out"; then echo "$out" >&2; return 1; fi
}

default_conf() {
  cat <<'EOF'
repo gitolite-admin
    RW+                     =   admin

repo testing
    RW+                     =   @all

# The smoke test's rights: alice may do anything, bob only read, carol only push dev.
repo billing
    RW+                     =   alice
    R                       =   bob
    RW  refs/heads/dev$     =   carol
    config pushguard.app    =   billing
EOF
}

started=no
on_failed_start() {
  echo "gitolite.sh: start failed; cleaning up. Last log lines:" >&2
  tail -n 20 "$dir"/*.log >&2 2>/dev/null || true
  stop_server
}

start_server() {
  local start_ns user home port attempt who pid
  start_ns=$(date +%s%N)
  # DIR must stay traversable for the git user, whose home is inside it.
  umask 022
  [ "$(id -u)" -eq 0 ] || fail "needs root (it adds a user and starts sshd)"
  for program in gitolite /usr/sbin/sshd ssh ssh-keygen python3 runuser useradd; do
    command -v "$program" >/dev/null || fail "missing $program (apt-get install gitolite3 openssh-server openssh-client python3)"
  done
  if [ -s "$dir/env" ] && sshd_running; then print_env; return 0; fi
  [ -e "$dir" ] && { stop_server || exit 2; }    # leftovers of a failed or half-stopped start
  sweep_stale_users

  mkdir -p "$dir"
  chmod 0755 "$dir"
  touch "$dir/.gitolite-fixture"
  # Whatever fails from here on (set -e, fail, a signal), nothing is left behind.
  trap 'status=$?; if [ "$started" != yes ]; then on_failed_start; fi; exit $status' EXIT
  trap 'exit 130' INT TERM HUP
  mkdir -p "$dir/keys" "$dir/ssh" "$dir/client-home"

  # The git account. Password "*" rather than the locked "!": without PAM, sshd refuses
  # every login, keys included, to an account whose password field is locked.
  user=$user_prefix$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
  home=$dir/home
  echo "$user" >"$dir/user"
  useradd --system --user-group --home-dir "$home" --no-create-home --shell /bin/sh \
    --password '*' --comment "PushGuard gitolite test server" "$user"
  mkdir -p "$home"
  chown "$user:" "$home"
  chmod 0700 "$home"
  as_git test -w "$home" || fail "$user cannot write $home (is a parent of $dir closed to others?)"

  for who in "${users[@]}"; do
    ssh-keygen -q -t ed25519 -N '' -C "$who" -f "$dir/keys/$who"
  done
  cp "$dir/keys/admin.pub" "$home/admin.pub"
  chown "$user:" "$home/admin.pub"
  as_git gitolite setup -pk "$home/admin.pub" >"$dir/setup.log" 2>&1
  rm -f "$home/admin.pub"
  # Per-repository pushguard.* settings and receive.advertisePushOptions may come from
  # gitolite.conf "config" lines.
  sed -i "s/^\(\s*GIT_CONFIG_KEYS\s*=>\s*\)'',/\1'pushguard\\\\..* receive\\\\.advertisePushOptions',/" "$home/.gitolite.rc"
  grep -q "GIT_CONFIG_KEYS.*'pushguard\\\\\.\.\* receive" "$home/.gitolite.rc" || fail "could not set GIT_CONFIG_KEYS in $home/.gitolite.rc"

  # sshd of our own: own config, host key, pid file and log; the system sshd is not touched.
  ssh-keygen -q -t ed25519 -N '' -C gitolite-test-host -f "$dir/ssh_host_ed25519_key"
  mkdir -p /run/sshd    # privilege separation directory sshd requires; absent without systemd
  chmod 0755 /run/sshd
  for attempt in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # StrictModes no: the home lies below a world-writable temporary directory.
    cat >"$dir/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $port
HostKey $dir/ssh_host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile .ssh/authorized_keys
AllowUsers $user
UsePAM no
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
PermitUserEnvironment no
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
PrintMotd no
UseDNS no
MaxStartups 100
LogLevel VERBOSE
EOF
    rm -f "$dir/sshd.pid"
    # Without -D sshd daemonizes; it writes the pid file once it listens.
    /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log" </dev/null >/dev/null 2>&1
    for _ in $(seq 100); do [ -s "$dir/sshd.pid" ] && break; sleep 0.02; done
    sshd_running && break
    grep -q "Address already in use" "$dir/sshd.log" 2>/dev/null || fail "sshd did not start: $(tail -n 5 "$dir/sshd.log" 2>/dev/null)"
  done
  sshd_running || fail "sshd did not start: no free port"

  # Clients pin the host key (no prompt, no "Permanently added" noise on stderr) and offer
  # only their own key.
  echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")" >"$dir/ssh/known_hosts"
  for who in "${users[@]}"; do
    cat >"$dir/ssh/$who.config" <<EOF
Host gitolite
    HostName 127.0.0.1
    Port $port
    User $user
Host *
    IdentityFile $dir/keys/$who
    IdentitiesOnly yes
    IdentityAgent none
    UserKnownHostsFile $dir/ssh/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
    ConnectTimeout 10
    LogLevel ERROR
EOF
  done

  {
    echo "GITOLITE_DIR=$dir"
    echo "GITOLITE_USER=$user"
    echo "GITOLITE_HOME=$home"
    echo "GITOLITE_RC=$home/.gitolite.rc"
    echo "REPOSITORIES=$home/repositories"
    echo "SSH_PORT=$port"
    echo "URL_BASE=ssh://$user@127.0.0.1:$port/"
    for who in "${users[@]}"; do
      echo "GIT_SSH_COMMAND_${who^^}=ssh -F $dir/ssh/$who.config"
    done
  } >"$dir/env.partial"
  mv "$dir/env.partial" "$dir/env"

  # Users' keys and the repositories, pushed the way an admin would.
  git_as admin clone -q "ssh://$user@127.0.0.1:$port/gitolite-admin" "$dir/admin-work"
  for who in alice bob carol; do cp "$dir/keys/$who.pub" "$dir/admin-work/keydir/$who.pub"; done
  default_conf | push_conf
  started=yes
  echo "START_SECONDS=$(awk -v ns=$(($(date +%s%N) - start_ns)) 'BEGIN { printf "%.2f", ns / 1e9 }')" >>"$dir/env"
  print_env
}

case $command in
start) start_server ;;
stop) stop_server ;;
conf)
  [ -s "$dir/env" ] || fail "no server in $dir"
  push_conf
  ;;
as-git)
  [ -s "$dir/user" ] || fail "no server in $dir"
  shift 2
  as_git "$@"
  ;;
*) fail "unknown command $command (start, stop, conf, as-git)" ;;
esac
