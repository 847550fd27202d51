#!/usr/bin/env bash
# Runs every test: installs what the tests need when missing (as root, on Debian), then
# `swift test`: unit tests of the pure core, and end-to-end tests through real git pushes
# against SQLite, a PostgreSQL server they start (as the postgres user, on 127.0.0.1), a
# gitolite3 server behind its own sshd (Tests/Fixtures/gitolite.sh, as root), a local HTTP
# server (Tests/Fixtures/state_server.py) and helper programs.
set -euo pipefail
cd "$(dirname "$0")"

# The build's packages, plus a PostgreSQL server and Python for the store tests, strace
# for the start-up tests, gitolite with an ssh server and client for pushes over ssh, and man
# to render the generated man page.
./install.sh --deps-only postgresql python3 strace gitolite3 openssh-server openssh-client man-db

swift build --build-tests
# XCTest only: the suites are XCTest, and its summary line is the one to read.
swift test --skip-build --disable-swift-testing "$@"
