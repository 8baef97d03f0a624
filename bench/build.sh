#!/usr/bin/env bash
# Whole-process wall times (median of N runs) of building one Dockerfile (a
# dependency step, then a late COPY of the sources): a first build (empty
# cache), a fully cached rebuild, and a rebuild after a source file changed.
# tscompose's embedded builder, and Docker's builder on a dockerd of its own
# (own data root, exec root, socket and pidfile; no iptables, no bridge;
# stopped by its pid) when dockerd and docker are installed.
# Usage: bench/build.sh [RUNS]   (root; run `npm run build` first)
set -euo pipefail
RUNS="${1:-3}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$REPO/dist/bin.js"
[ -f "$BIN" ] || { echo "dist/bin.js missing: run npm run build" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tsc-bench-build-XXXXXX")"
export TSCOMPOSE_ROOT="$WORK/root"
DOCKERD_PID=""
cleanup() {
  if [ -n "$DOCKERD_PID" ]; then kill "$DOCKERD_PID" 2>/dev/null || true; for _ in $(seq 1 50); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done; fi
  grep " $WORK/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

P="$WORK/project"
mkdir -p "$P/src"
cat > "$P/Dockerfile" <<'DOCKERFILE'
FROM busybox:latest
WORKDIR /app
# The dependency step: slow, and rarely changed.
RUN mkdir -p deps && for i in $(seq 1 300); do echo "package $i" > deps/p$i.txt; done && sleep 1
COPY src/ ./src/
RUN ls src | wc -l > files.txt
CMD ["cat", "files.txt"]
DOCKERFILE
for i in $(seq 1 50); do echo "source $i" > "$P/src/f$i.txt"; done
printf 'services:\n  app:\n    build: .\n' > "$P/compose.yaml"

(cd "$REPO" && node --import tsx bench/busybox-tar.mts "$WORK/busybox.tar")
node "$BIN" image import "$WORK/busybox.tar" busybox:latest >/dev/null

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
run() {
  (cd "$P" && "$@" >"$WORK/last.log" 2>&1) || { echo "failed: $*" >&2; cat "$WORK/last.log" >&2; exit 1; }
}

# bench PRUNE-COMMAND -- BUILD-COMMAND...: sets FIRST CACHED TOUCHED (ms medians).
bench() {
  local prune=() build=() first=() cached=() touched=() t
  while [ "$1" != "--" ]; do prune+=("$1"); shift; done
  shift
  build=("$@")
  for n in $(seq 1 "$RUNS"); do
    run "${prune[@]}"
    t=$(now_ms); run "${build[@]}"; first+=($(( $(now_ms) - t )))
    t=$(now_ms); run "${build[@]}"; cached+=($(( $(now_ms) - t )))
    echo "changed $n $RANDOM" > "$P/src/f1.txt"
    t=$(now_ms); run "${build[@]}"; touched+=($(( $(now_ms) - t )))
  done
  FIRST=$(printf '%s\n' "${first[@]}" | median)
  CACHED=$(printf '%s\n' "${cached[@]}" | median)
  TOUCHED=$(printf '%s\n' "${touched[@]}" | median)
}

echo "Dockerfile: dependency step (300 files + 1s), late COPY of 50 sources; median of $RUNS runs (whole-process wall time)"
printf '%-26s %12s %12s %14s\n' "" "first build" "cached" "source changed"
bench node "$BIN" builder prune -f -- node "$BIN" build
T_FIRST=$FIRST T_CACHED=$CACHED T_TOUCHED=$TOUCHED
printf '%-26s %10sms %10sms %12sms\n' "tscompose build" "$T_FIRST" "$T_CACHED" "$T_TOUCHED"

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  printf '%-26s %s\n' "docker build" "dockerd or docker not installed"
  exit 0
fi
dockerd --data-root "$WORK/docker" --exec-root "$WORK/docker-exec" -H "unix://$WORK/docker.sock" --pidfile "$WORK/docker.pid" \
  --iptables=false --ip6tables=false --bridge=none >"$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
export DOCKER_HOST="unix://$WORK/docker.sock"
for _ in $(seq 1 100); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
if ! docker info >/dev/null 2>&1; then
  printf '%-26s %s\n' "docker build" "dockerd did not start (see its log)"; tail -5 "$WORK/dockerd.log"; exit 0
fi
docker import "$WORK/busybox.tar" busybox:latest >/dev/null
# The classic builder when buildx is missing: it works offline on local images.
if docker buildx version >/dev/null 2>&1; then export DOCKER_BUILDKIT=1; NAME="docker build (BuildKit)"; else export DOCKER_BUILDKIT=0; NAME="docker build (classic)"; fi
bench sh -c 'docker rmi -f bench-app >/dev/null 2>&1; docker builder prune -af' -- docker build --network none -t bench-app .
printf '%-26s %10sms %10sms %12sms\n' "$NAME" "$FIRST" "$CACHED" "$TOUCHED"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2fx" : "n/a"), a / b }'; }
printf '%-26s %12s %12s %14s\n' "tscompose / docker" "$(ratio "$T_FIRST" "$FIRST")" "$(ratio "$T_CACHED" "$CACHED")" "$(ratio "$T_TOUCHED" "$TOUCHED")"
