#!/usr/bin/env bash
# Debian packages the embedded engine (and its tests) need, installed when missing (root):
# runc/crun under conmon, overlayfs tools, busybox-static for offline images, attr
# (setfattr) for overlay whiteouts and xattrs, iproute2 and iptables for networking,
# tini for `init: true`, kmod (modprobe br_netfilter); docker-registry, skopeo, zstd and openssl
# for the registry tests (a loopback registry, an independent client, zstd layers, a token
# server's certificate); docker.io (dockerd, containerd) and docker-compose (v1) for the Docker
# backend's tests, which start a dockerd of their own (openssl: their TLS certificates too).
set -euo pipefail
packages=(runc crun conmon busybox-static attr iproute2 iptables tini kmod docker-registry skopeo zstd openssl docker.io docker-compose)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "--- apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # No service may start at install time (docker.io would start a dockerd that changes the
  # firewall, docker-registry a registry): the tests start their own and stop them after.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
