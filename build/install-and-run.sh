#!/usr/bin/env bash
# One command for a newcomer: install everything, then run the main job (the local demo mesh
# in network namespaces). Needs root: namespaces, tun devices and routes.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "install-and-run.sh needs root (it installs packages and builds network namespaces): run it with sudo" >&2
  exit 1
fi
build/install-deps.sh
exec npm start
