#!/usr/bin/env bash
# Installs PushGuard on a git server: the system packages it needs (as root, on Debian),
# a release build, and PushGuard's two executables under PREFIX (default /usr/local):
# PREFIX/bin/pushguard and PREFIX/lib/pushguard/pushguard-cli.
# Any arguments are passed to `pushguard install` afterwards, e.g.
#   ./install.sh --repo /srv/git/billing-api.git
#   ./install.sh --root /srv/git --user git
# `./install.sh --deps-only [PACKAGE…]` installs only the system packages (plus any named).
# `./install.sh --list-files` prints what is installed where (FILE DIRECTORY-UNDER-PREFIX MODE).
set -euo pipefail

PREFIX=${PREFIX:-/usr/local}
cd "$(dirname "$0")"

# libpq and libcurl headers are needed to build; the libraries are loaded only when a
# postgres:// or http(s):// store is used. libgit2, SQLite and libstdc++ are linked from their
# static archives (libgit2-dev, libsqlite3-dev, libstdc++-12-dev); the build checks libgit2.a's
# symbols with nm (binutils) against Sources/CLibgit2/network_stubs.c.
packages=(git pkg-config binutils libstdc++-12-dev libgit2-dev libsqlite3-dev sqlite3 libpq-dev libcurl4-openssl-dev)
# The files installed, in this order: built file (in .build/release), directory under PREFIX, mode.
# `pushguard` is what hooks link to and admins type; it runs `pushguard-cli` (the admin CLI)
# for every command and finds it at ../lib/pushguard/ from its own real path (or beside it).
# A package installs the same files to the same places: `./install.sh --list-files` prints them.
installed_files=(
  "pushguard-cli lib/pushguard 0755"
  "pushguard bin 0755"
)
if [ "${1:-}" = "--list-files" ]; then
  printf '%s\n' "${installed_files[@]}"
  exit 0
fi

deps_only=false
if [ "${1:-}" = "--deps-only" ]; then
  deps_only=true
  shift
  packages+=("$@")
  set --
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
  echo "install.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if $deps_only; then exit 0; fi

if ! command -v swift >/dev/null 2>&1; then
  echo "install.sh: no Swift toolchain on PATH; install Swift 6 (swift.org/install) and run again" >&2
  exit 2
fi

echo "install.sh: building release (a minute or two)"
# The Swift runtime is linked statically: hooks start faster and the binary has no
# dependency on the toolchain's location. No $ORIGIN rpath: the loader would search the
# binary's directory for every library first, about 1 ms of failed opens on every hook run.
swift build -c release --static-swift-stdlib --disable-local-rpath >/dev/null
for entry in "${installed_files[@]}"; do
  read -r file directory mode <<<"$entry"
  install -d "$PREFIX/$directory"
  install -m "$mode" ".build/release/$file" "$PREFIX/$directory/$file"
  echo "install.sh: installed $PREFIX/$directory/$file"
done

# The man page and bash/zsh/fish completions, generated from the installed binary's commands.
./generate-docs.sh "$PREFIX/bin/pushguard" "$PREFIX/share"
echo "install.sh: installed man page $PREFIX/share/man/man1/pushguard.1 and shell completions"

if (($#)); then
  "$PREFIX/bin/pushguard" install "$@"
else
  cat <<EONEXT
next:
  pushguard install --repo /srv/git/APP.git      # or --root /srv/git for every bare repository
  pushguard config set -a APP -e production KEY=- --transmit <<<"value"
  pushguard doctor --repo /srv/git/APP.git
EONEXT
fi
