#pragma once
// The agent's cluster DNS: what k3s runs as the CoreDNS deployment, embedded in the agent. It
// follows Services and EndpointSlices through informers into ClusterRecords, answers the
// cluster zone on UDP and TCP port 53 of the cluster DNS address, and forwards every other
// name to the host's resolvers. In production the address is put on a dummy link of the node
// (DnsLink); tests give a loopback address and port instead.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "agent/dns/forwarder.h"
#include "agent/dns/records.h"
#include "common/error.h"

namespace mk::client {
class ApiClient;
}

namespace mk::agent::dns {

struct ClusterDnsConfig {
  std::string node_name;
  std::string data_dir;  // with the node name, names the dummy link (dns_link.h)
  std::string cluster_dns = "10.43.0.10";
  std::string cluster_domain = "cluster.local";
  // Where to listen: empty means the cluster DNS address, put on a dummy link of the node.
  std::string listen_address;
  uint16_t port = 53;  // 0: any free port
  int metrics_port = 9153;  // Prometheus /metrics on the same address; -1: none, 0: any free port
  // Upstreams for other names; empty: the host's (resolv_conf, or the file pick_resolv_conf
  // chooses), loopback ones left out.
  std::vector<Upstream> upstreams;
  std::string resolv_conf;
  std::chrono::milliseconds forward_timeout{2000};
  int64_t sync_timeout_ms = 10'000;  // how long start() waits for the first lists
};

class ClusterDns {
 public:
  static Result<std::unique_ptr<ClusterDns>> start(client::ApiClient& client, const ClusterDnsConfig& config);
  ~ClusterDns();
  ClusterDns(const ClusterDns&) = delete;
  ClusterDns& operator=(const ClusterDns&) = delete;

  uint16_t port() const;
  uint16_t metrics_port() const;
  const std::string& address() const;

  struct Impl;

 private:
  explicit ClusterDns(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mk::agent::dns
