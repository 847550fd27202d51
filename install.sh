#!/usr/bin/env bash
# Installs PushGuard on a git server: the system packages it needs (as root, on Debian),
# a release build, and PushGuard's two executables under PREFIX (default /usr/local):
# PREFIX/bin/pushguard and PREFIX/lib/pushguard/pushguard-cli.
# Any arguments are passed to `pushguard install` afterwards, e.g.
#   ./install.sh --repo /srv/git/billing-api.git
#   ./install.sh --root /srv/git --user git
# `./install.sh --deps-only [PACKAGE…]` installs only the system packages (plus any named).
# `./install.sh --deb OUTDIR` builds OUTDIR/pushguard_VERSION_ARCH.deb instead of installing:
# a Debian package for git servers without Swift (`apt-get install ./pushguard_…deb`).
# `./install.sh --list-files` prints what is installed where (FILE DIRECTORY-UNDER-PREFIX MODE).
set -euo pipefail

# The executables installed, in this order: built file (in .build/release), directory under
# PREFIX, mode. `pushguard` is what hooks link to and admins type; it runs `pushguard-cli` (the
# admin CLI) for every command and finds it at ../lib/pushguard/ from its own real path (or
# beside it). install_files below and the Debian package install these same files.
installed_files=(
  "pushguard-cli lib/pushguard 0755"
  "pushguard bin 0755"
)
if [ "${1:-}" = "--list-files" ]; then
  printf '%s\n' "${installed_files[@]}"
  exit 0
fi

PREFIX=${PREFIX:-/usr/local}
mode=install
case "${1:-}" in
  --deps-only)
    mode=deps
    shift
    ;;
  --deb)
    if [ $# -ne 2 ] || [ -z "$2" ]; then
      echo "usage: $0 --deb OUTDIR   (writes OUTDIR/pushguard_VERSION_ARCH.deb)" >&2
      exit 2
    fi
    mode=deb
    outdir=$(realpath -m "$2")   # before the cd below: OUTDIR is relative to the caller
    set --
    ;;
esac
cd "$(dirname "$0")"

# libpq and libcurl headers are needed to build; the libraries are loaded only when a
# postgres:// or http(s):// store is used. libgit2, SQLite and libstdc++ are linked from their
# static archives (libgit2-dev, libsqlite3-dev, libstdc++-12-dev); the build checks libgit2.a's
# symbols with nm (binutils) against Sources/CLibgit2/network_stubs.c.
packages=(git pkg-config binutils libstdc++-12-dev libgit2-dev libsqlite3-dev sqlite3 libpq-dev libcurl4-openssl-dev)
case $mode in
  deps) packages+=("$@"); set -- ;;
  deb) packages+=(dpkg-dev) ;;   # dpkg-shlibdeps, for the package's Depends
esac
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

if [ $mode = deps ]; then exit 0; fi

if ! command -v swift >/dev/null 2>&1; then
  echo "install.sh: no Swift toolchain on PATH; install Swift 6 (swift.org/install) and run again" >&2
  exit 2
fi

# Every file PushGuard installs, below DESTDIR/PREFIX: the one list that both the install under
# PREFIX and the Debian package (DESTDIR a staging directory, PREFIX /usr) use. A new file goes
# here. ZSH_DIR is where zsh completions go below PREFIX/share (zsh reads zsh/site-functions
# under /usr/local, Debian's packages use zsh/vendor-completions).
#   install_files DESTDIR PREFIX ZSH_DIR
install_files() {
  local root=$1$2 entry file directory mode
  for entry in "${installed_files[@]}"; do
    read -r file directory mode <<<"$entry"
    install -d "$root/$directory"
    install -m "$mode" ".build/release/$file" "$root/$directory/$file"
  done
  # The man page and bash/zsh/fish completions, generated from the installed binary's commands.
  ./generate-docs.sh "$root/bin/pushguard" "$root/share" "$3"
}

echo "install.sh: building release (a minute or two)"
# The Swift runtime is linked statically: hooks start faster and the binary has no
# dependency on the toolchain's location. No $ORIGIN rpath: the loader would search the
# binary's directory for every library first, about 1 ms of failed opens on every hook run.
swift build -c release --static-swift-stdlib --disable-local-rpath >/dev/null

# The Debian package: the files of install_files below /usr, stripped and compressed as Debian
# policy asks, the docs, and a control file whose Depends dpkg-shlibdeps derives from the
# libraries the binaries load (libpq and libcurl are opened with dlopen, only for postgres:// and
# http(s):// stores: Suggests). No maintainer scripts: installing, upgrading and removing the
# package never touch the store (/var/lib/pushguard), the digest key or any repository.
build_deb() {
  local version arch work stage doc maintainer epoch shlibs size deb
  version=$(.build/release/pushguard --version)   # Sources/PushGuardCommands/Version.swift
  if ! [[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]]; then
    echo "install.sh: pushguard --version printed \"$version\", which is not a Debian version" >&2
    exit 2
  fi
  arch=$(dpkg --print-architecture)
  maintainer="${DEBFULLNAME:-PushGuard maintainers} <${DEBEMAIL:-maintainers@pushguard.invalid}>"
  # Dates and file times from the last commit rather than the clock of the build.
  epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
  work=$(mktemp -d)
  # shellcheck disable=SC2064  # $work is fixed now
  trap "rm -rf '$work'" EXIT
  stage=$work/debian/pushguard   # where dpkg-shlibdeps expects a package's files
  install -d -m 0755 "$stage"
  install_files "$stage" /usr zsh/vendor-completions

  # Policy 10.1, 12.1: executables stripped as dh_strip does, manual pages gzip -9n.
  find "$stage/usr/bin" "$stage/usr/lib/pushguard" -type f -exec strip --remove-section=.comment --remove-section=.note {} +
  find "$stage/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9n {} +

  doc=$stage/usr/share/doc/pushguard
  install -d "$doc"
  gzip -9n < README.md > "$doc/README.md.gz"
  chmod 0644 "$doc/README.md.gz"
  copyright_file > "$doc/copyright"
  chmod 0644 "$doc/copyright"
  # A native package's changelog (lintian: no-changelog).
  cat <<EOCHANGELOG | gzip -9n > "$doc/changelog.gz"
pushguard ($version) unstable; urgency=medium

  * Built from PushGuard's source with ./install.sh --deb. What each version
    changed is in the project's history; README.md.gz describes this one.

 -- $maintainer  $(LC_ALL=C date -u -R -d "@$epoch")
EOCHANGELOG
  chmod 0644 "$doc/changelog.gz"
  # Depends: git, and the package of every library the binaries load (dpkg-shlibdeps reads
  # debian/control beside it, finds the package's root by its DEBIAN directory and looks the
  # libraries up in dpkg's database).
  install -d -m 0755 "$stage/DEBIAN"
  printf 'Source: pushguard\nMaintainer: %s\n\nPackage: pushguard\nArchitecture: any\n' "$maintainer" > "$work/debian/control"
  local binaries=()
  while IFS= read -r -d '' file; do binaries+=("${file#"$work"/}"); done < <(find "$stage/usr/bin" "$stage/usr/lib/pushguard" -type f -print0)
  shlibs=$(cd "$work" && dpkg-shlibdeps -O "${binaries[@]/#/-e}" | sed -n 's/^shlibs:Depends=//p')
  if [ -z "$shlibs" ]; then
    echo "install.sh: dpkg-shlibdeps found no library dependencies for ${binaries[*]}" >&2
    exit 2
  fi
  # The executables' relocations are packed (Package.swift), which only glibc 2.36's loader
  # reads: a version requirement (GLIBC_ABI_DT_RELR) that dpkg-shlibdeps does not count.
  if readelf -V "$stage/usr/bin/pushguard" | grep -q GLIBC_ABI_DT_RELR; then
    libc=$(grep -o 'libc6 (>= [^)]*)' <<<"$shlibs" | sed 's/^libc6 (>= //; s/)$//')
    if [ -z "$libc" ] || dpkg --compare-versions "$libc" lt 2.36; then
      shlibs=$(sed 's/libc6 (>= [^)]*)/libc6 (>= 2.36)/' <<<"$shlibs")
      case $shlibs in *"libc6 (>= 2.36)"*) ;; *) shlibs="libc6 (>= 2.36), $shlibs" ;; esac
    fi
  fi

  find "$stage" -exec touch --no-dereference --date="@$epoch" {} +
  size=$(du -sk --apparent-size --exclude=DEBIAN "$stage" | cut -f1)
  # For debsums and dpkg --verify.
  (cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
  chmod 0644 "$stage/DEBIAN/md5sums"
  cat > "$stage/DEBIAN/control" <<EOCONTROL
Package: pushguard
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: git, $shlibs
Suggests: libpq5, libcurl4
Section: vcs
Priority: optional
Description: refuses git pushes whose config is not synchronized
 PushGuard is a set of compiled git hooks (pre-receive, update,
 post-receive, pre-push) for git-push deploy servers. On every push it reads
 the pushed commit's app.json, looks up the target environment's config
 state (the desired config versus what each instance has applied) and
 accepts, warns or rejects with a message that names the keys, the
 environment, how many instances have them, and the command that fixes it.
 .
 The store is SQLite by default; PostgreSQL (libpq5) and a platform's HTTP
 API (libcurl4) are loaded only when such a store is configured.
EOCONTROL
  chmod 0644 "$stage/DEBIAN/control"
  install -d "$outdir"
  deb=$outdir/pushguard_${version}_${arch}.deb
  SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
  echo "install.sh: wrote $deb ($(du -k "$deb" | cut -f1) KiB; Depends: git, $shlibs)"
}

# /usr/share/doc/pushguard/copyright in Debian's machine-readable format.
copyright_file() {
  cat <<'EOCOPYRIGHT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: PushGuard
Comment: Built from PushGuard's source with ./install.sh --deb. /usr/bin/pushguard
 and /usr/lib/pushguard/pushguard-cli also contain statically linked copies of:
  - the Swift runtime, standard library and Foundation (Copyright Apple Inc.
    and the Swift project authors; Apache-2.0 with the Runtime Library
    Exception) and swift-argument-parser (the same authors; Apache-2.0);
  - libgit2 (Copyright the libgit2 contributors; GPL-2 with the linking
    exception that permits linking it into any program);
  - SQLite (public domain);
  - libstdc++ (Copyright Free Software Foundation, Inc.; GPL-3 with the GCC
    Runtime Library Exception 3.1).
 On Debian systems the licenses' full texts are in
 /usr/share/common-licenses/Apache-2.0, GPL-2 and GPL-3.

Files: *
Copyright: the PushGuard authors
License: PushGuard
 PushGuard's authors have not published a license for it yet. Until they do,
 ask them before redistributing this package.
EOCOPYRIGHT
}

if [ $mode = deb ]; then
  build_deb
  exit 0
fi

install_files "" "$PREFIX" zsh/site-functions
echo "install.sh: installed $PREFIX/bin/pushguard, $PREFIX/lib/pushguard/pushguard-cli, its man pages $PREFIX/share/man/man1/pushguard.1 and man5/pushguard-config.5 and shell completions"

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
