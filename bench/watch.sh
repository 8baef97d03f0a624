#!/usr/bin/env bash
# Watch latencies: a host file write to its content visible in the container
# (median and p95 over N edits), and a compose.yaml edit to the recreated
# service running. tscompose's embedded engine, and `docker compose watch`
# when Docker Compose v2 and dockerd are available.
# Usage: bench/watch.sh [EDITS]   (root; run `npm run build` first)
set -euo pipefail
EDITS="${1:-100}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$REPO/dist/bin.js"
[ -f "$BIN" ] || { echo "dist/bin.js missing: run npm run build" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tsc-bench-watch-XXXXXX")"
export TSCOMPOSE_ROOT="$WORK/root"
PROJECT="tscwatch$$"
WATCHER=""
cleanup() {
  [ -n "$WATCHER" ] && kill -INT "$WATCHER" 2>/dev/null && wait "$WATCHER" 2>/dev/null || true
  (cd "$WORK/project" && node "$BIN" --progress quiet -p "$PROJECT" down -t 0 >/dev/null 2>&1) || true
  if [ -n "${DC:-}" ]; then (cd "$WORK/project" && $DC -p "$PROJECT" down -t 0 >/dev/null 2>&1) || true; fi
  grep " $TSCOMPOSE_ROOT/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/project/src"
compose() {
  cat > "$WORK/project/compose.yaml" <<YAML
services:
  web:
    image: busybox:latest
    command: sleep 100000
    stop_signal: SIGKILL
    environment: { EDIT: "$1" }
    develop:
      watch:
        - { path: ./src, target: /app, action: sync }
YAML
}
compose 0
(cd "$REPO" && node --import tsx bench/busybox-tar.mts "$WORK/busybox.tar")
node "$BIN" image import "$WORK/busybox.tar" busybox:latest >/dev/null

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# measure NAME WATCH_COMMAND PID_COMMAND: starts the watcher, runs the edits, then one compose edit.
measure() {
  local name="$1" watch_cmd="$2" pid_cmd="$3" edit_compose="$4" pid sync t0 edit="n/a"
  (cd "$WORK/project" && exec $watch_cmd >"$WORK/watch.log" 2>&1) &
  WATCHER=$!
  for _ in $(seq 1 300); do grep -q "Watch enabled" "$WORK/watch.log" && break; sleep 0.1; done
  grep -q "Watch enabled" "$WORK/watch.log" || { echo "$name: watch did not start" >&2; cat "$WORK/watch.log" >&2; exit 1; }
  pid="$(cd "$WORK/project" && eval "$pid_cmd")"
  sync="$(node "$REPO/bench/watch-latency.mjs" "$WORK/project/src" "$pid" /app "$EDITS")"
  if [ "$edit_compose" = yes ]; then
    # Running again: the watcher's progress says "Started" once more (polling the CLI would add its own start-up).
    local started
    started=$(grep -c "Started" "$WORK/watch.log" || true)
    t0=$(now_ms)
    compose 1
    for _ in $(seq 1 1000); do
      [ "$(grep -c "Started" "$WORK/watch.log" || true)" -gt "$started" ] && break
      sleep 0.005
    done
    [ "$(grep -c "Started" "$WORK/watch.log" || true)" -gt "$started" ] || { echo "$name: the compose edit was not applied" >&2; cat "$WORK/watch.log" >&2; exit 1; }
    edit="$(( $(now_ms) - t0 ))ms"
  fi
  printf '%-22s %8sms %8sms %12s\n' "$name" ${sync} "$edit"
  kill -INT "$WATCHER" 2>/dev/null || true
  wait "$WATCHER" 2>/dev/null || true
  WATCHER=""
  compose 0
}

echo "sync: host write → content visible in the container, $EDITS edits"
printf '%-22s %10s %10s %12s\n' "" "median" "p95" "compose edit"
TSC="node $BIN --progress plain -p $PROJECT"
measure "tscompose (embedded)" "$TSC watch" "$TSC inspect web | node -e 'process.stdout.write(String(JSON.parse(require(\"fs\").readFileSync(0,\"utf8\"))[0].State.Pid))'" yes
$TSC down -t 0 >/dev/null 2>&1 || true

DC=""
if docker compose version >/dev/null 2>&1 && docker info >/dev/null 2>&1; then DC="docker compose"; fi
if [ -z "$DC" ]; then
  printf '%-22s %s\n' "docker compose" "not available (needs Docker Compose v2 and dockerd)"
else
  docker image inspect busybox:latest >/dev/null 2>&1 || docker import "$WORK/busybox.tar" busybox:latest >/dev/null
  # docker compose watch does not apply compose.yaml edits: no figure for it.
  measure "docker compose" "$DC -p $PROJECT watch" "docker inspect -f '{{.State.Pid}}' \$($DC -p $PROJECT ps -q web)" no
fi
