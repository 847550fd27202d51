#!/usr/bin/env bash
# A throwaway Podman serving the Docker Engine API on a unix socket, for the container tests:
# its own storage, run and temporary directories below DIR (nothing of the machine's Podman is
# touched), runc (crun fails on hosts with cgroups in hybrid mode), and one image made without a
# registry from busybox-static (sh, sleep, env, cat).
#   containers.sh start DIR   prints the socket path (DIR/podman.sock) once the API answers
#   containers.sh env DIR     prints the variables podman and docker-compose need (KEY=VALUE lines)
#   containers.sh stop DIR    removes every container and the image, stops the service, removes DIR
# The image is localhost/pushguard-busybox:1; containers need explicit ulimits (raising the
# limits is not permitted here) and network_mode none.
set -euo pipefail
command=$1 dir=$2
export CONTAINERS_CONF="$dir/containers.conf" CONTAINERS_STORAGE_CONF="$dir/storage.conf"
podman_() { podman --cgroup-manager=cgroupfs --events-backend=file "$@"; }

case $command in
start)
  for tool in podman runc docker-compose busybox; do
    command -v "$tool" >/dev/null || { echo "containers.sh: $tool is missing (apt-get install podman runc docker-compose busybox-static)" >&2; exit 2; }
  done
  mkdir -p "$dir/root/bin" "$dir/tmp" "$dir/volumes"
  cat >"$CONTAINERS_CONF" <<CONF
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$dir/tmp"
volume_path = "$dir/volumes"
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
CONF
  cat >"$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "vfs"
runroot = "$dir/runroot"
graphroot = "$dir/graph"
CONF
  cp "$(command -v busybox)" "$dir/root/bin/busybox"
  for link in sh sleep env cat; do ln -sf busybox "$dir/root/bin/$link"; done
  tar -C "$dir/root" -cf "$dir/root.tar" .
  podman_ import -q "$dir/root.tar" localhost/pushguard-busybox:1 >/dev/null
  # setsid: the service outlives this script and is stopped by pid.
  setsid podman --cgroup-manager=cgroupfs --events-backend=file system service --time=0 "unix://$dir/podman.sock" \
    >"$dir/service.log" 2>&1 </dev/null &
  echo $! >"$dir/service.pid"
  for _ in $(seq 100); do
    if [ -S "$dir/podman.sock" ] && python3 - "$dir/podman.sock" <<'PING' 2>/dev/null; then
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
sys.exit(0 if s.recv(64).startswith(b"HTTP/1.") else 1)
PING
      echo "$dir/podman.sock"; exit 0
    fi
    sleep 0.1
  done
  echo "containers.sh: the podman service did not answer on $dir/podman.sock:" >&2; cat "$dir/service.log" >&2; exit 1
  ;;
env)
  echo "CONTAINERS_CONF=$CONTAINERS_CONF"
  echo "CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF"
  echo "DOCKER_HOST=unix://$dir/podman.sock"
  ;;
stop)
  [ -f "$CONTAINERS_CONF" ] || { rm -rf "$dir"; exit 0; }
  podman_ rm -af -t 0 >/dev/null 2>&1 || true
  if [ -f "$dir/service.pid" ]; then kill "$(cat "$dir/service.pid")" 2>/dev/null || true; fi
  podman_ rmi -af >/dev/null 2>&1 || true
  sleep 0.2
  rm -rf "$dir"
  ;;
esac
