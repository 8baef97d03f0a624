#!/usr/bin/env bash
# Networking figures of the embedded engine, next to Docker's where Docker
# Engine runs here:
#  - DNS: latency of A queries for a service name from inside a container's
#    network namespace (bench/dns-query.mjs: N sequential UDP queries, median
#    and p99 round trip; the name is answered by the agent on the gateway),
#    and the time of one busybox `nslookup` run in the container (process
#    start and all, median and p99 over a smaller loop).
#  - Published port: 1 GiB streamed from busybox `nc` in the container
#    through its published port to the host (`cat < /dev/tcp/127.0.0.1/PORT`).
# Usage: bench/network.sh [QUERIES] [NSLOOKUPS]   (root; `npm run build` first)
set -euo pipefail
QUERIES="${1:-2000}"
LOOKUPS="${2:-200}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$REPO/dist/bin.js"
[ -f "$BIN" ] || { echo "dist/bin.js missing: run npm run build" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tsc-bench-XXXXXX")"
export TSCOMPOSE_ROOT="$WORK/root"
PROJECT="tscnetbench$$"
PORT="${BENCH_PORT:-29100}"
T() { (cd "$WORK/project" && node "$BIN" --progress quiet "$@"); }
cleanup() {
  T down -t 0 >/dev/null 2>&1 || true
  if [ -n "${DOCKER:-}" ]; then (cd "$WORK/project" && docker compose -p "${PROJECT}d" down -t 0 >/dev/null 2>&1) || true; fi
  grep " $TSCOMPOSE_ROOT/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/project"
cat > "$WORK/project/compose.yaml" <<YAML
name: $PROJECT
services:
  web:
    image: busybox:latest
    command: sleep 100000
    stop_signal: SIGKILL
  client:
    image: busybox:latest
    command: sleep 100000
    stop_signal: SIGKILL
  stream:
    image: busybox:latest
    command: ["sh", "-c", "while true; do dd if=/dev/zero bs=1048576 count=1024 2>/dev/null | nc -l -p 9000; done"]
    stop_signal: SIGKILL
    ports: ["$PORT:9000"]
YAML

node --import tsx "$REPO/bench/busybox-tar.mts" "$WORK/busybox.tar"
node "$BIN" image import "$WORK/busybox.tar" busybox:latest >/dev/null
T up -d >/dev/null 2>&1

now_ns() { date +%s%N; }


# nslookup_loop EXEC...: mean µs of one `nslookup web` run in the container, over
# LOOKUPS runs (busybox's date has no %N here, so the loop is timed whole by `time`).
nslookup_loop() {
  "$@" sh -c "time sh -c 'i=0; while [ \$i -lt $LOOKUPS ]; do nslookup -type=a web >/dev/null; i=\$((i+1)); done'" 2>&1 \
    | awk -v n="$LOOKUPS" '/^real/ { t = $2; sub(/s$/, "", $3); m = t; sub(/m$/, "", m); printf "%d\n", (m * 60 + $3) * 1e6 / n }'
}

# stream_gib: seconds and MiB/s to read 1 GiB from 127.0.0.1:PORT.
stream_gib() {
  local t0 t1 bytes
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  t0=$(now_ns)
  bytes=$(cat < "/dev/tcp/127.0.0.1/$PORT" | wc -c)
  t1=$(now_ns)
  awk -v b="$bytes" -v ns="$((t1 - t0))" 'BEGIN { printf "%.2f s, %.0f MiB/s (%d bytes)\n", ns/1e9, b/1048576/(ns/1e9), b }'
}

CID=$(T ps -q client)
NETNS="tsc-${CID:0:12}"
GW=$(T exec -T client sh -c "sed -n 's/^nameserver //p' /etc/resolv.conf" | head -1)
read -r Q50 Q99 QFAIL < <(ip netns exec "$NETNS" node "$REPO/bench/dns-query.mjs" "$GW" web "$QUERIES")
LMEAN=$(nslookup_loop T exec -T client)
echo "DNS from a container (name of another service; answered by the agent on $GW)"
printf '  %-40s median %6s µs   p99 %6s µs   failures %s\n' "tscompose: $QUERIES UDP queries" "$Q50" "$Q99" "$QFAIL"
printf '  %-40s mean   %6s µs (process start included)\n' "tscompose: $LOOKUPS busybox nslookup runs" "$LMEAN"
echo "Published port: 1 GiB from busybox nc in the container to 127.0.0.1:$PORT"
printf '  %-40s %s\n' "tscompose" "$(stream_gib)"
T down -t 0 >/dev/null 2>&1

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  DOCKER=1
  docker load -q -i "$WORK/busybox.tar" >/dev/null 2>&1 || docker import "$WORK/busybox.tar" busybox:latest >/dev/null
  (cd "$WORK/project" && docker compose -p "${PROJECT}d" up -d >/dev/null 2>&1)
  DCID=$(cd "$WORK/project" && docker compose -p "${PROJECT}d" ps -q client)
  PID=$(docker inspect -f '{{.State.Pid}}' "$DCID")
  read -r D50 D99 DFAIL < <(nsenter -t "$PID" -n node "$REPO/bench/dns-query.mjs" 127.0.0.11 web "$QUERIES")
  DLMEAN=$(nslookup_loop docker exec "$DCID")
  printf '  %-40s median %6s µs   p99 %6s µs   failures %s\n' "docker: $QUERIES UDP queries" "$D50" "$D99" "$DFAIL"
  printf '  %-40s mean   %6s µs (process start included)\n' "docker: $LOOKUPS busybox nslookup runs" "$DLMEAN"
  printf '  %-40s %s\n' "docker (published port)" "$(stream_gib)"
else
  echo "  docker: not installed (or dockerd not running): no comparison"
fi

# The floor any engine meets on this host: the same 1 GiB over a bare veth pair into a
# namespace of our own (no bridge, no NAT, no rules), with the same tools.
echo "Baseline: 1 GiB from busybox nc in a bare netns over a plain veth pair (no bridge, no NAT)"
ip netns add tscbench$$
ip link add tscbva$$ type veth peer name tscbvb$$
cleanup_veth() { ip netns del "tscbench$$" 2>/dev/null || true; ip link del "tscbva$$" 2>/dev/null || true; }
trap 'cleanup_veth; cleanup' EXIT
ip link set "tscbvb$$" netns "tscbench$$"
ip addr add 198.18.99.1/30 dev "tscbva$$"
ip link set "tscbva$$" up
ip netns exec "tscbench$$" ip addr add 198.18.99.2/30 dev "tscbvb$$"
ip netns exec "tscbench$$" ip link set "tscbvb$$" up
(ip netns exec "tscbench$$" sh -c "dd if=/dev/zero bs=1048576 count=1024 2>/dev/null | timeout 120 busybox nc -l -p 9000") &
sleep 0.5
t0=$(now_ns)
bytes=$(cat < /dev/tcp/198.18.99.2/9000 | wc -c)
t1=$(now_ns)
wait
printf '  %-40s %s\n' "plain veth" "$(awk -v b="$bytes" -v ns="$((t1 - t0))" 'BEGIN { printf "%.2f s, %.0f MiB/s (%d bytes)", ns/1e9, b/1048576/(ns/1e9), b }')"
cleanup_veth
