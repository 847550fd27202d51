#!/usr/bin/env bash
# Runs every test: installs what the tests need when missing (as root, on Debian), then
# `swift test` (unit tests of the pure core and end-to-end tests through real git pushes).
set -euo pipefail
cd "$(dirname "$0")"

packages=(git pkg-config libgit2-dev libsqlite3-dev sqlite3)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: missing packages: ${missing[*]}; install them first" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

swift build --build-tests
# XCTest only: the suites are XCTest, and its summary line is the one to read.
swift test --skip-build --disable-swift-testing "$@"
