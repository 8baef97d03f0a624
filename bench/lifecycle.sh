#!/usr/bin/env bash
# Whole-process wall times (median of N runs) of `up -d`, a no-op `up -d` and
# `down` for a project of 10 busybox services: tscompose's embedded engine,
# and, when docker compose (or docker-compose) and a dockerd are available
# (DOCKER_HOST), docker compose and tscompose --engine docker on that same dockerd.
# Usage: bench/lifecycle.sh [RUNS]   (root; run `npm run build` first)
set -euo pipefail
RUNS="${1:-5}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$REPO/dist/bin.js"
[ -f "$BIN" ] || { echo "dist/bin.js missing: run npm run build" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tsc-bench-XXXXXX")"
export TSCOMPOSE_ROOT="$WORK/root"
PROJECT="tscbench$$"
cleanup() {
  (cd "$WORK/project" && node "$BIN" --progress quiet -p "$PROJECT" down --volumes -t 0 >/dev/null 2>&1) || true
  if [ -n "${DC:-}" ]; then (cd "$WORK/project" && node "$BIN" --engine docker --progress quiet -p "$PROJECT" down -t 0 >/dev/null 2>&1) || true; fi
  if [ -n "${DC:-}" ]; then (cd "$WORK/project" && $DC -p "$PROJECT" down -t 0 >/dev/null 2>&1) || true; fi
  grep " $TSCOMPOSE_ROOT/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/project"
# No top-level `name:` (docker-compose v1 refuses it): every tool gets `-p`.
{
  echo "services:"
  for i in $(seq 1 10); do
    printf '  s%s:\n    image: busybox:latest\n    command: sleep 100000\n    stop_signal: SIGKILL\n' "$i"
  done
} > "$WORK/project/compose.yaml"

(cd "$REPO" && node --import tsx bench/busybox-tar.mts "$WORK/busybox.tar")  # tsx resolves from the repo
node "$BIN" image import "$WORK/busybox.tar" busybox:latest >/dev/null

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

# run COMMAND...: in the project directory, quietly; on failure, shows its output and stops.
run() {
  (cd "$WORK/project" && "$@" >"$WORK/last.log" 2>&1) || { echo "failed: $*" >&2; cat "$WORK/last.log" >&2; exit 1; }
}

# bench COMMAND...: runs up -d, up -d, down RUNS times; sets UP NOOP DOWN (ms medians).
bench() {
  local up=() noop=() down=() t
  for _ in $(seq 1 "$RUNS"); do
    t=$(now_ms); run "$@" up -d; up+=($(( $(now_ms) - t )))
    t=$(now_ms); run "$@" up -d; noop+=($(( $(now_ms) - t )))
    t=$(now_ms); run "$@" down -t 0; down+=($(( $(now_ms) - t )))
  done
  UP=$(printf '%s\n' "${up[@]}" | median)
  NOOP=$(printf '%s\n' "${noop[@]}" | median)
  DOWN=$(printf '%s\n' "${down[@]}" | median)
}

echo "10 busybox services, median of $RUNS runs (whole-process wall time)"
bench node "$BIN" --progress quiet -p "$PROJECT"
T_UP=$UP T_NOOP=$NOOP T_DOWN=$DOWN
printf '%-22s %10s %10s %10s\n' "" "up -d" "no-op up" "down"
printf '%-22s %8sms %8sms %8sms\n' "tscompose (embedded)" "$T_UP" "$T_NOOP" "$T_DOWN"

DC=""
if docker compose version >/dev/null 2>&1; then DC="docker compose"
elif command -v docker-compose >/dev/null 2>&1; then DC="docker-compose"
fi
if [ -z "$DC" ]; then
  printf '%-22s %s\n' "docker compose" "not installed"
elif ! docker info >/dev/null 2>&1; then
  printf '%-22s %s\n' "docker compose" "dockerd not running"
  DC=""
elif ! docker image inspect busybox:latest >/dev/null 2>&1 && ! docker import "$WORK/busybox.tar" busybox:latest >/dev/null 2>&1; then
  printf '%-22s %s\n' "docker compose" "could not import busybox:latest"
  DC=""
else
  bench $DC -p "$PROJECT"
  printf '%-22s %8sms %8sms %8sms\n' "$DC" "$UP" "$NOOP" "$DOWN"
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2fx" : "n/a"), a / b }'; }
  printf '%-22s %10s %10s %10s\n' "tscompose / docker" "$(ratio "$T_UP" "$UP")" "$(ratio "$T_NOOP" "$NOOP")" "$(ratio "$T_DOWN" "$DOWN")"
  D_UP=$UP D_NOOP=$NOOP D_DOWN=$DOWN
  bench node "$BIN" --engine docker --progress quiet -p "$PROJECT"
  printf '%-22s %8sms %8sms %8sms\n' "tscompose (docker)" "$UP" "$NOOP" "$DOWN"
  printf '%-22s %10s %10s %10s\n' "tsc-docker / docker" "$(ratio "$UP" "$D_UP")" "$(ratio "$NOOP" "$D_NOOP")" "$(ratio "$DOWN" "$D_DOWN")"
fi
