#!/usr/bin/env bash
# Installs every build and test dependency from Debian bookworm (or Raspberry Pi OS) with apt-get.
# Idempotent: packages already present are left alone, and apt-get update runs only when something
# is missing. Usage: packaging/install-deps.sh [--build-only]
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  libsqlite3-dev        # embedded datastore
  nlohmann-json3-dev    # JSON object model
  libcli11-dev          # command line
  libyaml-cpp-dev       # config.yaml, registries.yaml, YAML request bodies
  libssl-dev            # TLS, certificates, hashing
  libboost1.81-dev      # Boost.Beast/Asio: the async HTTPS server (watch streams, upgrades)
  libcpp-httplib-dev    # simple synchronous HTTP client
  libseccomp-dev        # container syscall filters
  libarchive-dev        # image layers
  libzstd-dev           # zstd-compressed image layers (through libarchive)
  zlib1g-dev            # SPDY/3.1 header compression (kubectl port-forward)
  libnl-3-dev libnl-route-3-dev  # pod network: bridge, veth, VXLAN, routes, FDB over netlink
  libmnl-dev libnftables-dev     # service proxy and NetworkPolicy rules in nftables
  libnetfilter-conntrack-dev     # removing stale UDP conntrack entries when endpoints go
  catch2                # unit tests
)
test_pkgs=(
  etcd-server etcd-client   # benchmark baseline (bench/store_bench)
  python3 python3-kubernetes
  procps iproute2
  busybox-static            # the test images are built from it
  docker-registry skopeo    # a real OCI registry on loopback, fed by skopeo
  umoci                     # OCI layouts for the image tests
  crun runc                 # benchmark baselines (bench/runtime)
  podman                    # benchmark baseline (bench/pods: podman kube play)
  nftables conntrack        # inspecting rules and conntrack in network tests
  iptables                  # benchmark baseline (bench/proxy: kube-proxy's iptables ruleset)
  dnsutils                  # dig: querying the cluster DNS in its tests
)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--build-only" ] || want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
