#pragma once
// Pod address management for one node's pod subnet, kept on disk so that it survives agent
// restarts (as CNI's host-local plugin does): one file per address in use, named by the address
// and holding the pod's uid and host ports. An address is claimed by link(2)ing a complete file
// into place, which fails if the name exists, so it is never handed out twice while held.
// Allocation continues after the last address handed out (last_reserved), so a just-released
// address is not reused at once.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/network/ipv4.h"
#include "common/error.h"

namespace mk::agent::network {

struct HostPort {
  std::string protocol = "TCP";  // TCP, UDP or SCTP
  int host_port = 0;
  int container_port = 0;
  std::string host_ip;  // empty: every local address
  bool operator==(const HostPort&) const = default;
};

struct Allocation {
  std::string ip;
  std::string uid;
  std::vector<HostPort> host_ports;
};

class Ipam {
 public:
  // `dir` is created when missing. The gateway (first address), the network and the broadcast
  // address are never handed out.
  Ipam(std::string dir, Ipv4Net subnet);

  // The pod's address: the one it holds already, else the next free one.
  Result<Allocation> allocate(const std::string& uid, const std::vector<HostPort>& host_ports);
  // Frees the pod's address; a pod holding none is fine.
  Status release(const std::string& uid);
  // Every allocation in the subnet (files of other subnets, after a podCIDR change, are ignored).
  std::vector<Allocation> list() const;
  std::optional<Allocation> find(const std::string& uid) const;

  const Ipv4Net& subnet() const { return subnet_; }

 private:
  std::string dir_;
  Ipv4Net subnet_;
};

}  // namespace mk::agent::network
