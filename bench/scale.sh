#!/usr/bin/env bash
# Scale figures of the embedded engine: `up -d`, a no-op `up -d` and `down` of
# N busybox services (default: 100 and 300), with the resident memory (VmRSS) of
# the agent and of the conmon processes while they run; in the same run, the
# same project under docker compose (v2 plugin, else Debian's docker-compose v1)
# on a private dockerd (bench/private-dockerd.mts: own data/exec root, socket,
# containerd and network namespace), with dockerd+containerd and the
# containerd-shims as the memory to compare, and tscompose/docker ratios.
# Usage: bench/scale.sh [N...]   (root; `npm run build` first; SCALE_DOCKER=0 skips docker;
# SCALE_ONLY=docker skips tscompose; SCALE_DC_LIMIT=L gives docker-compose v1 COMPOSE_PARALLEL_LIMIT=L;
# SCALE_SPAWNS=1 runs tscompose's down under bench/trace-spawns.mjs and prints its child processes per service)
set -euo pipefail
SIZES=("$@")
[ $# -eq 0 ] && SIZES=(100 300)
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$REPO/dist/bin.js"
[ -f "$BIN" ] || { echo "dist/bin.js missing: run npm run build" >&2; exit 1; }
TSC=1
case "${SCALE_ONLY:-}" in
  "") ;;
  docker) TSC=""; [ "${SCALE_DOCKER:-1}" = 0 ] && { echo "SCALE_ONLY=docker and SCALE_DOCKER=0 leave nothing to run" >&2; exit 2; } ;;
  *) echo "SCALE_ONLY must be docker (got '$SCALE_ONLY')" >&2; exit 2 ;;
esac
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tsc-scale-XXXXXX")"
export TSCOMPOSE_ROOT="$WORK/root"
PROJECT="tscscale$$"
DC="" DOCKERD_PID="" DOCKER_INFO="$WORK/dockerd.json"

# The agent of this run's own state root (by its command line).
agent_pids() { local f; for f in /proc/[0-9]*/cmdline; do { tr '\0' ' ' < "$f"; } 2>/dev/null | grep -q -- "agent/main.* --root $TSCOMPOSE_ROOT" && basename "$(dirname "$f")"; done; return 0; }
T() { (cd "$WORK/project" && node "$BIN" --progress quiet -p "$PROJECT" "$@"); }
TD() { (cd "$WORK/project" && node ${SCALE_SPAWNS:+--import "$REPO/bench/trace-spawns.mjs"} "$BIN" --progress quiet -p "$PROJECT" "$@"); }
# docker-compose v1's 60 s HTTP read timeout failed `up -d` of 100 services on a loaded 2-core box; tscompose has none.
# docker-compose v1 deadlocks in `up -d` once it has more services than COMPOSE_PARALLEL_LIMIT (default 64):
# each service's task holds one of the limit's permits while it waits for its container's create+start task,
# which needs another permit of the same semaphore (compose/parallel.py GlobalLimit; docker/compose#5864, #8226).
# Thread dumps of a hung `up -d` of 150 services (30-45 containers created; 100 services hung too, 1 run in 5):
# 0 permits free, 64 threads in project.py `do` waiting on their inner parallel_execute queue, 106 producer
# threads waiting for a permit, no request at dockerd. A limit above N cannot deadlock (N service tasks leave
# a permit for a container task), so v1's `up` gets max(64, N+1): v1's default wherever it is safe, and for
# `down`, which nests no tasks. 100 services measured within noise either way (up -d: default 27-38 s,
# 101: 25-34 s, 4-5 runs each) though at most 32 vs 50 containers were being created at a time.
# SCALE_DC_LIMIT=L sets L instead (64 for v1's default). Each docker command is still bounded by
# SCALE_DOCKER_TIMEOUT seconds (default 1200), then its row says "failed".
dc_limit() { [ "$DC" = docker-compose ] && echo $(($1 >= 64 ? $1 + 1 : 64)) || echo ""; }
D() { local limit=""; [ "$1" != up ] || limit=${DC_LIMIT:-}
  (cd "$WORK/project" && env DOCKER_HOST="$DOCKER_HOST_PRIVATE" COMPOSE_HTTP_TIMEOUT=600 ${limit:+COMPOSE_PARALLEL_LIMIT=$limit} \
  timeout "${SCALE_DOCKER_TIMEOUT:-1200}" $DC -p "${PROJECT}n${n:-}" "$@"); }
cleanup() {
  if [ -n "$TSC" ]; then T down -t 0 >/dev/null 2>&1 || true; fi
  if [ -n "$DC" ]; then D down -t 0 >/dev/null 2>&1 || true; fi
  if [ -n "$DOCKERD_PID" ]; then kill -TERM "$DOCKERD_PID" 2>/dev/null || true; wait "$DOCKERD_PID" 2>/dev/null || true; fi
  for pid in $(agent_pids); do kill "$pid" 2>/dev/null || true; done
  grep " $TSCOMPOSE_ROOT/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/project"
(cd "$REPO" && node --import tsx bench/busybox-tar.mts "$WORK/busybox.tar")  # tsx resolves from the repo
[ -z "$TSC" ] || node "$BIN" image import "$WORK/busybox.tar" busybox:latest >/dev/null

[ -n "$TSC" ] || echo "tscompose: skipped (SCALE_ONLY=docker)"
if [ "${SCALE_DOCKER:-1}" = 0 ]; then echo "docker: skipped (SCALE_DOCKER=0)"
elif docker compose version >/dev/null 2>&1; then DC="docker compose"
elif command -v docker-compose >/dev/null 2>&1; then DC="docker-compose"
else echo "docker: no docker compose / docker-compose here"
fi
if [ -n "$DC" ]; then
  (cd "$REPO" && exec node --import tsx bench/private-dockerd.mts "$DOCKER_INFO") > "$WORK/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  until [ -s "$DOCKER_INFO" ]; do
    kill -0 "$DOCKERD_PID" 2>/dev/null || { echo "private dockerd failed:" >&2; tail -20 "$WORK/dockerd.log" >&2; DOCKERD_PID="" DC=""; break; }
    sleep 0.5
  done
fi
if [ -n "$DC" ]; then
  json() { node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]))' "$DOCKER_INFO" "$1"; }
  DOCKER_HOST_PRIVATE=$(json host)
  DOCKERD=$(json dockerdPid) CONTAINERD=$(json containerdPid) CONTAINERD_SOCK=$(json containerdSocket)
  DOCKER_HOST="$DOCKER_HOST_PRIVATE" docker import "$WORK/busybox.tar" busybox:latest >/dev/null
  echo "docker: $($DC version 2>/dev/null | head -1), dockerd $(DOCKER_HOST="$DOCKER_HOST_PRIVATE" docker version -f '{{.Server.Version}}'), private (bench/private-dockerd.mts)"
  [ "$DC" != docker-compose ] || echo "docker-compose: COMPOSE_PARALLEL_LIMIT=${SCALE_DC_LIMIT:-max(64, N+1)} for up (its default 64 deadlocks up -d above 64 services)"
fi

# secs CMD...: CMD's wall time ("12.34s"); when it fails, 1 with its stderr's tail (the time is in $WORK/secs).
secs() {
  local s e rc=0; s=$(date +%s%N); "$@" >/dev/null 2>"$WORK/err" || rc=$?; e=$(date +%s%N)
  awk -v d=$((e - s)) 'BEGIN { printf "%.2fs", d / 1e9 }' > "$WORK/secs"
  [ "$rc" = 0 ] || { echo "failed: $*" >&2; tail -5 "$WORK/err" >&2; return 1; }
  cat "$WORK/secs"
}
# rss_kb PID...: the sum of their VmRSS in kB.
rss_kb() { local p; for p in "$@"; do cat "/proc/$p/status" 2>/dev/null; done | awk '/^VmRSS/ { s += $2 } END { print s + 0 }'; }
# pids_with NAME TEXT: processes called NAME whose command line contains TEXT.
pids_with() { local p; for p in $(pgrep -x "$1"); do { tr '\0' ' ' < "/proc/$p/cmdline"; } 2>/dev/null | grep -q -- "$2" && echo "$p"; done; return 0; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
per() { awk -v k="$1" -v n="$2" 'BEGIN { printf (n > 0 ? "%.2f" : "-"), k / 1024 / n }'; }
# ratio A B: A/B of two figures (a trailing "s" or "s*" allowed; a "*" carries over), "n/a" when either is
# not a positive number ("failed").
ratio() {
  local a=${1%\*} b=${2%\*} mark=""; [ "$a$b" = "$1$2" ] || mark="*"
  awk -v a="${a%s}" -v b="${b%s}" -v m="$mark" 'BEGIN { ok = a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && a > 0 && b > 0; printf (ok ? "%.2fx%s" : "n/a"), (ok ? a / b : 0), m }'
}
# docker-compose's `down` failed only on the network, dockerd saying "has active endpoints" with none left:
# libnetwork's endpoint count goes stale under concurrent removals (moby/moby#42119; 4 runs in 4 at 300
# services, 1 in 4 at 100; not when the same 300 containers were removed one at a time). Its containers are
# gone, so its time counts, marked "*". Each size has a docker project of its own: such a network never carries over.
stale_network() { grep -q "has active endpoints" "$WORK/err" && [ -z "$(D ps -a -q 2>/dev/null)" ]; }

printf '%-8s %-30s %9s %9s %9s %12s %10s %8s\n' services tool "up -d" "no-op up" down "daemon MB" "monitors" "MB each"
for n in "${SIZES[@]}"; do
  # No top-level `name:` (docker-compose v1 refuses it): both tools get `-p`.
  { echo "services:"; for i in $(seq 1 "$n"); do printf '  s%d:\n    image: busybox:latest\n    command: sleep 100000\n    stop_signal: SIGKILL\n' "$i"; done; } > "$WORK/project/compose.yaml"
  if [ -n "$TSC" ]; then
    t_up=$(secs T up -d)
    t_noop=$(secs T up -d)
    t_daemon=$(rss_kb $(agent_pids))
    conmons=($(pids_with conmon "$TSCOMPOSE_ROOT"))
    t_mon=$(rss_kb "${conmons[@]}")
    t_down=$(secs TD down -t 0)
    printf '%-8s %-30s %9s %9s %9s %12s %10s %8s\n' "$n" "tscompose (agent)" "$t_up" "$t_noop" "$t_down" "$(mb "$t_daemon")" "${#conmons[@]} conmon" "$(per "$t_mon" "${#conmons[@]}")"
  fi
  if [ -n "$TSC" ] && [ -n "${SCALE_SPAWNS:-}" ]; then
    spawns=$(sed -n 's/^\[spawns\] \([0-9]*\) children.*/\1/p' "$WORK/err")
    printf '%-8s %-30s %s\n' "$n" "  down: child processes" "${spawns:-?} ($(awk -v a="${spawns:-0}" -v n="$n" 'BEGIN { printf "%.2f", a / n }') per service)"
  fi
  if [ -n "$DC" ]; then
    DC_LIMIT=${SCALE_DC_LIMIT:-$(dc_limit "$n")}
    # A failed step prints "failed" in the row (but see stale_network) and the run goes on.
    d_up=$(secs D up -d || echo failed)
    d_noop=$(secs D up -d || echo failed)
    d_daemon=$(rss_kb "$DOCKERD" "$CONTAINERD")
    shims=($(pids_with containerd-shim "$CONTAINERD_SOCK"))
    d_mon=$(rss_kb "${shims[@]}")
    d_down=$(secs D down -t 0 || { stale_network && echo "$(cat "$WORK/secs")*"; } || echo failed)
    printf '%-8s %-30s %9s %9s %9s %12s %10s %8s\n' "$n" "$DC (dockerd+ctrd)" "$d_up" "$d_noop" "$d_down" "$(mb "$d_daemon")" "${#shims[@]} shim" "$(per "$d_mon" "${#shims[@]}")"
    if [ "${d_down%\*}" != "$d_down" ]; then
      echo "         * docker-compose down removed its containers, then dockerd refused the network: \"has active endpoints\""
    fi
    if [ -n "$TSC" ]; then
      printf '%-8s %-30s %9s %9s %9s %12s %10s %8s\n' "$n" "tscompose / docker" "$(ratio "$t_up" "$d_up")" "$(ratio "$t_noop" "$d_noop")" "$(ratio "$t_down" "$d_down")" \
        "$(ratio "$t_daemon" "$d_daemon")" "" "$(ratio "$t_mon" "$d_mon")"
    fi
  fi
done
