#!/usr/bin/env bash
# Sets tscompose up on a fresh Debian machine (as root) and brings up a sample stack:
#   bash samples/up.sh [SAMPLE]      (default: hello)
# Installs the Debian packages the engine needs, builds tscompose, makes a busybox
# image offline from Debian's busybox-static, then runs `tscompose up -d` in the sample.
set -euo pipefail
cd "$(dirname "$0")/.."
sample="${1:-hello}"
scripts/install-deps.sh
[ -d node_modules ] || npm install --no-audit --no-fund  # the locked versions (see .ci/run for why not npm ci)
npm run build --silent
bin="$PWD/dist/bin.js"
tscompose() { node "$bin" "$@"; }

if ! tscompose image inspect busybox:latest >/dev/null 2>&1; then
  rootfs="$(mktemp -d /tmp/tsc-busybox-XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root"
  cp /bin/busybox "$rootfs/bin/busybox"
  chroot "$rootfs" /bin/busybox --install -s /bin
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
  tscompose image import "$rootfs" busybox:latest
fi

cd "samples/$sample"
tscompose up -d
tscompose ps
