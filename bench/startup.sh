#!/usr/bin/env bash
# Start-up cost of the CLI, side by side in one run, with each figure's ratio
# to the floor `node -e 0`: `version`, `config -q` and `config` of a project of
# 200 services, and (as root) a no-op `up -d` of 10 busybox services that are
# already up. hyperfine when it is installed (apt-get install hyperfine), else
# a loop that runs the commands in turn, round after round (so that a change of
# the machine's load hits every command alike), and takes medians.
# The CLI keeps V8's code cache of itself and its libraries, one per command (src/util/code-cache.ts): here
# in the run's own directory, made by the first run of each command; one more
# line shows `config` without it (TSCOMPOSE_CODE_CACHE=off), as a first run.
# Usage: bench/startup.sh [RUNS]   (run `npm run build` first; root for `up`;
#   STARTUP_BLOCKS=B: hyperfine's runs in B blocks, default 3)
set -euo pipefail
RUNS="${1:-30}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$REPO/dist/bin.js"
[ -f "$BIN" ] || { echo "dist/bin.js missing: run npm run build" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tsc-startup-XXXXXX")"
export TSCOMPOSE_ROOT="$WORK/root"
export TSCOMPOSE_CODE_CACHE="$WORK/code-cache"
UP=""
[ "$(id -u)" = 0 ] && UP=1
T() { node "$BIN" --progress quiet "$@"; }
# The agent of this run's own state root (by its command line).
agent_pids() { local f; for f in /proc/[0-9]*/cmdline; do { tr '\0' ' ' < "$f"; } 2>/dev/null | grep -q -- "--root $TSCOMPOSE_ROOT" && basename "$(dirname "$f")"; done; return 0; }
cleanup() {
  if [ -n "$UP" ]; then
    T -f "$WORK/up/compose.yaml" down -t 0 >/dev/null 2>&1 || true
    for pid in $(agent_pids); do kill "$pid" 2>/dev/null || true; done
    grep " $TSCOMPOSE_ROOT/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/big" "$WORK/up"
# The services of bench/scale.sh.
{
  echo "name: tscstartupbig"; echo "services:"
  for i in $(seq 1 200); do printf '  s%d:\n    image: busybox:latest\n    command: sleep 100000\n    stop_signal: SIGKILL\n' "$i"; done
} > "$WORK/big/compose.yaml"
{
  echo "name: tscstartup$$"; echo "services:"
  for i in $(seq 1 10); do printf '  s%d:\n    image: busybox:latest\n    command: sleep 100000\n    stop_signal: SIGKILL\n' "$i"; done
} > "$WORK/up/compose.yaml"

LABELS=("node -e 0" "tscompose version" "config -q (200 services)" "config (200 services)" "config, no code cache")
CMDS=("node -e 0" "node $BIN version" "node $BIN -f $WORK/big/compose.yaml config -q" "node $BIN -f $WORK/big/compose.yaml config"
  "env TSCOMPOSE_CODE_CACHE=off node $BIN -f $WORK/big/compose.yaml config")
if [ -n "$UP" ]; then
  (cd "$REPO" && node --import tsx bench/busybox-tar.mts "$WORK/busybox.tar")  # tsx resolves from the repo
  T image import "$WORK/busybox.tar" busybox:latest >/dev/null
  T -f "$WORK/up/compose.yaml" up -d >/dev/null
  LABELS+=("no-op up -d (10 services)")
  CMDS+=("node $BIN --progress quiet -f $WORK/up/compose.yaml up -d")
else
  echo "(not root: no-op up -d left out)"
fi
for c in "${CMDS[@]}"; do $c >/dev/null 2>"$WORK/err" || { echo "failed: $c" >&2; cat "$WORK/err" >&2; exit 1; }; done

MEDIANS=()
CPU=()  # mean user+system ms (hyperfine only): steadier than wall time on a shared machine
if command -v hyperfine >/dev/null; then
  # In BLOCKS blocks of RUNS/BLOCKS runs, the commands in turn within each block: a change of the
  # machine's speed (a shared VM's varies by a third within minutes) then hits every command alike.
  BLOCKS="${STARTUP_BLOCKS:-3}"
  PER=$(( (RUNS + BLOCKS - 1) / BLOCKS ))
  ROTATED=()
  pad=""
  for _ in $(seq 1 "$BLOCKS"); do
    for c in "${CMDS[@]}"; do ROTATED+=("$c$pad"); done  # trailing spaces: hyperfine lists each block apart
    pad+=" "
  done
  hyperfine -N --style none --warmup 2 --runs "$PER" --export-json "$WORK/h.json" "${ROTATED[@]}" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
  # Per command: the median of all its runs' wall times, the mean of its blocks' mean CPU.
  summary() { node -e '
    const n = Number(process.argv[2]); const rs = JSON.parse(require("fs").readFileSync(process.argv[1])).results;
    for (let i = 0; i < n; i++) {
      const mine = rs.filter((_, k) => k % n === i);
      const t = mine.flatMap((r) => r.times).sort((a, b) => a - b);
      const median = t.length % 2 ? t[(t.length - 1) / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
      const cpu = mine.reduce((a, r) => a + r.user + r.system, 0) / mine.length;
      console.log(process.argv[3] === "cpu" ? Math.round(cpu * 1000) : Math.round(median * 1000));
    }' "$WORK/h.json" "${#CMDS[@]}" "$1"; }
  mapfile -t MEDIANS < <(summary wall)
  mapfile -t CPU < <(summary cpu)
  HOW="hyperfine, $BLOCKS blocks of $PER runs each, the commands in turn"
else
  now_ns() { date +%s%N; }
  declare -A times
  for _ in $(seq 1 "$RUNS"); do
    for i in "${!CMDS[@]}"; do
      t=$(now_ns); ${CMDS[$i]} >/dev/null 2>&1; times[$i]+="$(( ($(now_ns) - t) / 1000 )) "
    done
  done
  for i in "${!CMDS[@]}"; do
    MEDIANS+=("$(printf '%s\n' ${times[$i]} | sort -n | awk '{a[NR]=$1} END {m = (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; print int(m/1000 + 0.5)}')")
  done
  HOW="loop, $RUNS rounds"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
echo "whole-process wall time, median ($HOW), and its ratio to node -e 0; CPU (user+sys, mean) likewise"
printf '%-28s %9s %7s %9s %7s\n' "" "wall" "ratio" "cpu" "ratio"
for i in "${!CMDS[@]}"; do
  printf '%-28s %6s ms %7s' "${LABELS[$i]}" "${MEDIANS[$i]}" "$(ratio "${MEDIANS[$i]}" "${MEDIANS[0]}")"
  if [ ${#CPU[@]} -gt 0 ]; then printf ' %6s ms %7s' "${CPU[$i]}" "$(ratio "${CPU[$i]}" "${CPU[0]}")"; fi
  echo
done
