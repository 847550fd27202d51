#!/usr/bin/env bash
# Runs every test: installs what the tests need when missing (as root, on Debian), then
# `swift test`: unit tests of the pure core, and end-to-end tests through real git pushes
# against SQLite, a PostgreSQL server they start (as the postgres user, on 127.0.0.1), a
# gitolite3 server behind its own sshd (Tests/Fixtures/gitolite.sh, as root), a local HTTP
# server (Tests/Fixtures/state_server.py) and helper programs, and the Debian package
# installed into a clean Debian 12 root (mmdebstrap, chroot; needs Debian's mirrors), and
# containers run by a throwaway Podman serving the Docker Engine API (ContainerTests) and by
# a throwaway Docker daemon (DockerContainerTests).
set -euo pipefail
cd "$(dirname "$0")"

# The build's packages, plus a PostgreSQL server and Python for the store tests, strace
# for the start-up tests, gitolite with an ssh server and client for pushes over ssh, man
# to render the generated man page, mmdebstrap, lintian and dpkg-dev for the Debian
# package's tests, openssl (the HTTPS store's test certificate), curl (reading what the
# test HTTP server recorded) and procps (pgrep, for helpers' children that must not survive),
# and podman (its Docker-compatible API), docker.io (Docker's daemon), runc, docker-compose and
# busybox-static for the container tests (Tests/Fixtures/containers.sh): under CI=true a test
# missing any of these fails instead of skipping.
./install.sh --deps-only postgresql python3 strace gitolite3 openssh-server openssh-client man-db \
  mmdebstrap lintian dpkg-dev openssl curl procps podman docker.io runc docker-compose busybox-static

# The Debian package DebianPackageTests installs into a clean Debian root. Built here: a
# release build cannot run inside `swift test`, which holds the build directory's lock.
./install.sh --deb .build/deb

swift build --build-tests
# XCTest only: the suites are XCTest, and its summary line is the one to read.
swift test --skip-build --disable-swift-testing "$@"
