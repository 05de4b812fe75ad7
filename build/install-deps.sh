#!/usr/bin/env bash
# Installs what vifibnet needs on Debian/Ubuntu (as root): the programs the helper drives, the
# browser the UI tests use, then the npm packages. Used by install-and-run.sh and by CI.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  openvpn babeld iproute2 nftables iputils-ping procps chromium >/dev/null

# The Electron binary is fetched from outside npm at install time; skip it (see README).
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
npm ci --no-audit --no-fund
