#pragma once
// The node-local device that holds the cluster DNS address: a dummy link (a port-less bridge on
// kernels without the dummy driver) with the address as a /32, up. Pods reach it through their default route to the node; the server binds to it.
// Named from the node and its data directory ("mkdns" + 8 hex digits of a hash of both): an
// agent restarted after a crash finds and replaces its own stale link, while two agents on one
// machine (tests) keep apart. Destroying the object deletes the link it made.

#include <memory>
#include <string>

#include "common/error.h"

namespace mk::agent::dns {

class DnsLink {
 public:
  // Creates the link (replacing a stale one of the same name left by an agent that died) and
  // adds `address` to it. Needs CAP_NET_ADMIN.
  static Result<std::unique_ptr<DnsLink>> create(const std::string& node_name, const std::string& data_dir,
                                                 const std::string& address);
  ~DnsLink();
  DnsLink(const DnsLink&) = delete;
  DnsLink& operator=(const DnsLink&) = delete;

  const std::string& name() const { return name_; }

 private:
  explicit DnsLink(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// "mkdns" + 8 hex digits (FNV-1a of node name and data dir): at most 15 bytes, as link names
// must be.
std::string dns_link_name(const std::string& node_name, const std::string& data_dir);

}  // namespace mk::agent::dns
