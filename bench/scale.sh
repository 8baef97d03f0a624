#!/usr/bin/env bash
# Scale figures of the embedded engine: `up -d`, a no-op `up -d` and `down` of
# N busybox services (default: 100 and 300), with the resident memory of the
# agent and of the conmon processes while they run; next to docker-compose +
# dockerd in the same run where `docker compose` works here.
# Usage: bench/scale.sh [N...]   (root; `npm run build` first)
set -euo pipefail
SIZES=("$@")
[ $# -eq 0 ] && SIZES=(100 300)
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$REPO/dist/bin.js"
[ -f "$BIN" ] || { echo "dist/bin.js missing: run npm run build" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tsc-scale-XXXXXX")"
export TSCOMPOSE_ROOT="$WORK/root"
DOCKER=""
if docker compose version >/dev/null 2>&1 && docker info >/dev/null 2>&1; then DOCKER=1; fi
# The agent of this run's own state root (by its command line).
agent_pids() { local f; for f in /proc/[0-9]*/cmdline; do { tr '\0' ' ' < "$f"; } 2>/dev/null | grep -q -- "agent/main.* --root $TSCOMPOSE_ROOT" && basename "$(dirname "$f")"; done; return 0; }
T() { (cd "$WORK/project" && node "$BIN" --progress quiet "$@"); }
cleanup() {
  T down -t 0 >/dev/null 2>&1 || true
  if [ -n "$DOCKER" ]; then (cd "$WORK/project" && docker compose -p tscscaled down -t 0 >/dev/null 2>&1) || true; fi
  for pid in $(agent_pids); do kill "$pid" 2>/dev/null || true; done
  grep " $TSCOMPOSE_ROOT/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/project"
node --import tsx "$REPO/bench/busybox-tar.mts" "$WORK/busybox.tar"
node "$BIN" image import "$WORK/busybox.tar" busybox:latest >/dev/null

secs() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>"$WORK/err" || { echo "failed: $*" >&2; tail -5 "$WORK/err" >&2; return 1; }; e=$(date +%s%N); awk -v d=$((e - s)) 'BEGIN { printf "%.2f", d / 1e9 }'; }
rss_mb() { awk '/^VmRSS/ { s += $2 } END { printf "%.1f", s / 1024 }' "$@" 2>/dev/null || echo "?"; }
agent_rss() { local pids; pids=$(agent_pids); [ -n "$pids" ] && rss_mb $(for p in $pids; do echo "/proc/$p/status"; done) || echo "-"; }
conmon_rss() { local files=() p; for p in $(pgrep -x conmon); do grep -q -- "$TSCOMPOSE_ROOT" "/proc/$p/cmdline" 2>/dev/null && files+=("/proc/$p/status"); done; [ ${#files[@]} -gt 0 ] && echo "$(rss_mb "${files[@]}") MB total, ${#files[@]} conmon" || echo "-"; }

printf '%-8s %-14s %8s %12s %8s %12s  %s\n' services tool up "no-op up" down "agent RSS" "conmon RSS"
for n in "${SIZES[@]}"; do
  { echo "name: tscscale"; echo "services:"; for i in $(seq 1 "$n"); do printf '  s%d:\n    image: busybox:latest\n    command: sleep 100000\n    stop_signal: SIGKILL\n' "$i"; done; } > "$WORK/project/compose.yaml"
  up=$(secs T up -d)
  noop=$(secs T up -d)
  agent=$(agent_rss)
  conmon=$(conmon_rss)
  down=$(secs T down -t 0)
  printf '%-8s %-14s %7ss %11ss %7ss %9s MB  %s\n' "$n" tscompose "$up" "$noop" "$down" "$agent" "$conmon"
  if [ -n "$DOCKER" ]; then
    D() { (cd "$WORK/project" && docker compose -p tscscaled "$@"); }
    up=$(secs D up -d); noop=$(secs D up -d); down=$(secs D down -t 0)
    printf '%-8s %-14s %7ss %11ss %7ss\n' "$n" docker-compose "$up" "$noop" "$down"
  fi
done
