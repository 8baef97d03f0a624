#!/usr/bin/env bash
# Whole-process wall times (median of N runs) of commands that start no
# container: `version`, `config` (samples/hello), and `node -e 0` as the floor.
# Usage: bench/startup.sh [RUNS]   (run `npm run build` first)
set -euo pipefail
RUNS="${1:-11}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$REPO/dist/bin.js"
[ -f "$BIN" ] || { echo "dist/bin.js missing: run npm run build" >&2; exit 1; }

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

# measure LABEL DIR COMMAND...: prints the median wall time of COMMAND run in DIR.
measure() {
  local label="$1" dir="$2" times=() t
  shift 2
  for _ in $(seq 1 "$RUNS"); do
    t=$(now_ms); (cd "$dir" && "$@" >/dev/null 2>&1) || { echo "failed: $*" >&2; exit 1; }; times+=($(( $(now_ms) - t )))
  done
  printf '%-28s %6sms\n' "$label" "$(printf '%s\n' "${times[@]}" | median)"
}

echo "median of $RUNS runs (whole-process wall time)"
measure "node -e 0 (floor)" "$REPO" node -e 0
measure "tscompose version" "$REPO" node "$BIN" version
measure "tscompose config" "$REPO/samples/hello" node "$BIN" config
