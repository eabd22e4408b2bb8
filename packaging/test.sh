#!/usr/bin/env bash
# Builds everything and runs the whole test suite. Extra arguments go to ctest, e.g.
#   packaging/test.sh -L unit          only the unit tests
#   packaging/test.sh -R cli_          only the command line tests
# Uses build/ at the top of the repository; run as root so missing packages can be installed
# and the tests labelled `root` can run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packaging/install-deps.sh
# ccache keyed on paths relative to the checkout, so every clone of it shares one cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINIKUBE_WERROR=ON
ninja -C build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j2 "$@"
