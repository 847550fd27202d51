#!/usr/bin/env bash
# A throwaway container engine serving the Docker Engine API on a unix socket, for the container
# tests and the benchmark: Podman's compatible service, or Docker's own daemon. Each keeps its
# storage, run and temporary directories below DIR (nothing of the machine's engines is
# touched), runs containers with runc (crun fails on hosts with cgroups in hybrid mode), and has
# one image made without a registry from busybox-static (sh, sleep, env, cat).
#   containers.sh start DIR [podman|docker]   prints the socket path (DIR/engine.sock) once the
#                                             API answers (podman when not named)
#   containers.sh env DIR     prints the variables the engine's command line and docker-compose
#                             need (KEY=VALUE lines)
#   containers.sh stop DIR    removes every container and the image, stops the engine, removes DIR
# The image is localhost/pushguard-busybox:1; containers need explicit ulimits (raising the
# limits is not permitted here) and network_mode none (neither engine sets up a network).
set -euo pipefail
command=$1 dir=$2
engine=${3:-$(cat "$dir/engine" 2>/dev/null || echo podman)}
socket=$dir/engine.sock
export CONTAINERS_CONF="$dir/containers.conf" CONTAINERS_STORAGE_CONF="$dir/storage.conf"
podman_() { podman --cgroup-manager=cgroupfs --events-backend=file "$@"; }
docker_() { DOCKER_HOST="unix://$socket" docker "$@"; }

# True once the API answers a ping on the socket.
answers() {
  [ -S "$socket" ] && python3 - "$socket" <<'PING' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
sys.exit(0 if s.recv(64).startswith(b"HTTP/1.") else 1)
PING
}

case $command in
start)
  case $engine in
    podman) tools="podman runc docker-compose busybox" packages="podman runc docker-compose busybox-static" ;;
    docker) tools="dockerd docker runc docker-compose busybox" packages="docker.io runc docker-compose busybox-static" ;;
    *) echo "containers.sh: no engine \"$engine\"; use podman or docker" >&2; exit 2 ;;
  esac
  for tool in $tools; do
    command -v "$tool" >/dev/null || { echo "containers.sh: $tool is missing (apt-get install $packages)" >&2; exit 2; }
  done
  mkdir -p "$dir/root/bin" "$dir/tmp" "$dir/volumes"
  echo "$engine" >"$dir/engine"
  cp "$(command -v busybox)" "$dir/root/bin/busybox"
  for link in sh sleep env cat; do ln -sf busybox "$dir/root/bin/$link"; done
  tar -C "$dir/root" -cf "$dir/root.tar" .
  if [ "$engine" = podman ]; then
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
    podman_ import -q "$dir/root.tar" localhost/pushguard-busybox:1 >/dev/null
    # setsid: the service outlives this script and is stopped by pid.
    setsid podman --cgroup-manager=cgroupfs --events-backend=file system service --time=0 "unix://$socket" \
      >"$dir/service.log" 2>&1 </dev/null &
    echo $! >"$dir/service.pid"
  else
    # Docker's daemon: no bridge and no iptables rules; its own containerd, or the machine's
    # when one runs (dockerd then uses it), in namespaces of its own.
    setsid dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
      --host "unix://$socket" --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
      --containerd-namespace pushguard-test --containerd-plugins-namespace pushguard-test-plugins \
      --default-ulimit nofile=1024:1024 --default-ulimit nproc=4096:4096 \
      >"$dir/service.log" 2>&1 </dev/null &
    echo $! >"$dir/service.pid"
  fi
  for _ in $(seq 200); do
    if answers; then
      if [ "$engine" = docker ]; then docker_ import "$dir/root.tar" localhost/pushguard-busybox:1 >/dev/null; fi
      echo "$socket"; exit 0
    fi
    sleep 0.1
  done
  echo "containers.sh: the $engine service did not answer on $socket:" >&2; cat "$dir/service.log" >&2; exit 1
  ;;
env)
  if [ "$engine" = podman ]; then
    echo "CONTAINERS_CONF=$CONTAINERS_CONF"
    echo "CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF"
  fi
  echo "DOCKER_HOST=unix://$socket"
  ;;
stop)
  [ -f "$dir/engine" ] || { rm -rf "$dir"; exit 0; }
  if [ "$engine" = podman ]; then
    podman_ rm -af -t 0 >/dev/null 2>&1 || true
    if [ -f "$dir/service.pid" ]; then kill "$(cat "$dir/service.pid")" 2>/dev/null || true; fi
    podman_ rmi -af >/dev/null 2>&1 || true
    sleep 0.2
  else
    ids=$(docker_ ps -aq 2>/dev/null || true)
    [ -z "$ids" ] || docker_ rm -f $ids >/dev/null 2>&1 || true
    if [ -f "$dir/service.pid" ]; then
      pid=$(cat "$dir/service.pid")
      kill "$pid" 2>/dev/null || true
      # The daemon stops its containerd and waits for it; then nothing of it is left running.
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    # Anything still mounted below DIR (a container's network namespace), deepest first.
    for mount in $(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r); do
      umount -l "$mount" 2>/dev/null || true
    done
  fi
  rm -rf "$dir"
  ;;
esac
