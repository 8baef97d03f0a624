#!/usr/bin/env bash
# Pull figures against a loopback registry (Debian's docker-registry), offline:
# an image of busybox plus 5 layers of 50 MB random bytes (gzip; ~250 MB), pushed
# with tscompose. Then, in the same run: a cold `tscompose image pull` (into an
# empty state root: download, verify, unpack), `skopeo copy` of the same image
# to an OCI layout (download and verify only), `docker pull` when a dockerd runs,
# and a warm `up -d --pull always` when nothing changed next to a plain `up -d`.
# Usage: bench/pull.sh [RUNS] [LAYERS] [MB]   (root; run `npm run build` first)
set -euo pipefail
RUNS="${1:-3}"
LAYERS="${2:-5}"
MB="${3:-50}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$REPO/dist/bin.js"
[ -f "$BIN" ] || { echo "dist/bin.js missing: run npm run build" >&2; exit 1; }
command -v docker-registry >/dev/null && command -v skopeo >/dev/null || { echo "needs docker-registry and skopeo: scripts/install-deps.sh" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tsc-pullbench-XXXXXX")"
REG_PID=""
PROJECT="tscpull$$"
cleanup() {
  (cd "$WORK/project" 2>/dev/null && node "$BIN" --root "$WORK/run" --progress quiet -p "$PROJECT" down -t 0 >/dev/null 2>&1) || true
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null || true
  grep " $WORK/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
mkdir -p "$WORK/registry"
cat > "$WORK/registry/config.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/registry/data}}
http: {addr: "127.0.0.1:$PORT"}
YAML
docker-registry serve "$WORK/registry/config.yml" 2>"$WORK/registry/log" &
REG_PID=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
REF="127.0.0.1:$PORT/bench/big:1"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
run() { "$@" >"$WORK/last.log" 2>&1 || { echo "failed: $*" >&2; cat "$WORK/last.log" >&2; exit 1; }; }
timed() { local t; t=$(now_ms); run "$@"; echo $(( $(now_ms) - t )); }

echo "making the image: busybox + $LAYERS gzip layers of $MB MB random bytes"
(cd "$REPO" && node --import tsx bench/pull-image.mts "$WORK/seed" "$REF" "$LAYERS" "$MB")
T_PUSH=$(timed node "$BIN" --root "$WORK/seed" image push "$REF")
SIZE_MB=$(du -sm "$WORK/registry/data" | cut -f1)

ours=() sko=() dock=()
HAVE_DOCKER=""
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then HAVE_DOCKER=1; fi
for i in $(seq 1 "$RUNS"); do
  ours+=("$(timed node "$BIN" --root "$WORK/cold$i" image pull "$REF")")
  rm -rf "$WORK/cold$i"
  sko+=("$(timed skopeo copy --quiet --src-tls-verify=false "docker://$REF" "oci:$WORK/oci$i:big")")
  rm -rf "$WORK/oci$i"
  if [ -n "$HAVE_DOCKER" ]; then
    docker rmi -f "$REF" >/dev/null 2>&1 || true
    dock+=("$(timed docker pull -q "$REF")")
    docker rmi -f "$REF" >/dev/null 2>&1 || true
  fi
done
T_OURS=$(printf '%s\n' "${ours[@]}" | median)
T_SKO=$(printf '%s\n' "${sko[@]}" | median)

mkdir -p "$WORK/project"
printf 'services:\n  big:\n    image: %s\n    command: sleep 100000\n    stop_signal: SIGKILL\n' "$REF" > "$WORK/project/compose.yaml"
cd "$WORK/project"
run node "$BIN" --root "$WORK/run" --progress quiet -p "$PROJECT" up -d --pull always
warm=() plain=()
for _ in $(seq 1 $(( RUNS * 2 + 1 ))); do
  warm+=("$(timed node "$BIN" --root "$WORK/run" --progress quiet -p "$PROJECT" up -d --pull always)")
  plain+=("$(timed node "$BIN" --root "$WORK/run" --progress quiet -p "$PROJECT" up -d)")
done
T_WARM=$(printf '%s\n' "${warm[@]}" | median)
read -r T_CHECK T_GET < <(cd "$REPO" && node --import tsx bench/pull-warm.mts "$WORK/run" "$REF")
T_PLAIN=$(printf '%s\n' "${plain[@]}" | median)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "image: $((LAYERS + 1)) layers, ${SIZE_MB} MB in the registry; push (tscompose) ${T_PUSH} ms"
echo "median of $RUNS runs (whole-process wall time)"
printf '%-46s %8s ms\n' "cold pull, tscompose image pull (and unpack)" "$T_OURS"
printf '%-46s %8s ms   tscompose/skopeo %s\n' "cold copy, skopeo copy to an OCI layout" "$T_SKO" "$(ratio "$T_OURS" "$T_SKO")"
if [ -n "$HAVE_DOCKER" ]; then
  T_DOCK=$(printf '%s\n' "${dock[@]}" | median)
  printf '%-46s %8s ms   tscompose/docker %s\n' "cold pull, docker pull" "$T_DOCK" "$(ratio "$T_OURS" "$T_DOCK")"
else
  echo "docker pull: skipped (no dockerd)"
fi
printf '%-46s %8s ms\n' "warm up -d --pull always, nothing changed" "$T_WARM"
printf '%-46s %8s ms   pull check: %s ms\n' "up -d (no pull), for comparison" "$T_PLAIN" "$(( T_WARM - T_PLAIN ))"
printf '%-46s %8s ms   a bare manifest GET: %s ms\n' "warm pull check in process (median of 21)" "$T_CHECK" "$T_GET"
