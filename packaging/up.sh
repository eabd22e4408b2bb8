#!/usr/bin/env bash
# Builds minikube and runs a single-node cluster on this machine (Debian bookworm or Raspberry
# Pi OS, as root). Arguments are passed to `minikube server`, e.g.
#   packaging/up.sh --debug --tls-san my-pi.local
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packaging/install-deps.sh --build-only
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
ninja -C build -j"$(nproc)" minikube
exec build/src/minikube server "$@"
