#pragma once
// A network namespace of the benchmark's own (/run/netns/<name>, made with `ip netns add`), with
// loopback up and a link (one end of a veth pair inside it) holding the node's address. enter() moves the calling thread into
// it, so the server and every program the benchmark starts from then on run there and nothing
// touches the host's network. The destructor moves the thread back and deletes the namespace,
// on failure and after Ctrl-C too.

#include <string>

#include "common/error.h"
#include "common/unique_fd.h"

namespace mk::netbench {

class PrivateNetns {
 public:
  // `node_cidr` e.g. "10.213.0.1/24": the node link's address (the node IP).
  static Result<PrivateNetns> create(const std::string& name, const std::string& node_cidr,
                                     const std::string& log_path);
  PrivateNetns(PrivateNetns&& other) noexcept;
  PrivateNetns& operator=(PrivateNetns&&) = delete;
  PrivateNetns(const PrivateNetns&) = delete;
  PrivateNetns& operator=(const PrivateNetns&) = delete;
  ~PrivateNetns();

  Status enter();
  const std::string& name() const { return name_; }

 private:
  PrivateNetns(std::string name, std::string log_path) : name_(std::move(name)), log_path_(std::move(log_path)) {}

  std::string name_;  // empty once moved from
  std::string log_path_;
  UniqueFd host_;  // the thread's namespace before enter()
};

}  // namespace mk::netbench
