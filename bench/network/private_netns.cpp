#include "private_netns.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstring>

#include "command.h"
#include "common/log.h"

namespace mk::netbench {
namespace {

constexpr const char* kIp = "/usr/sbin/ip";
constexpr auto kTimeout = std::chrono::seconds(10);

}  // namespace

Result<PrivateNetns> PrivateNetns::create(const std::string& name, const std::string& node_cidr,
                                          const std::string& log_path) {
  auto added = bench::run_checked({kIp, "netns", "add", name}, log_path, kTimeout);
  if (!added) return added.error().wrap("ip netns add " + name);
  PrivateNetns ns(name, log_path);  // deleted again if a step below fails
  const std::vector<std::vector<std::string>> steps = {
      {kIp, "-n", name, "link", "set", "lo", "up"},
      // A veth pair with both ends inside (the kernel may lack the dummy link type).
      {kIp, "-n", name, "link", "add", "node0", "type", "veth", "peer", "name", "node1"},
      {kIp, "-n", name, "link", "set", "node1", "up"},
      {kIp, "-n", name, "addr", "add", node_cidr, "dev", "node0"},
      {kIp, "-n", name, "link", "set", "node0", "up"},
      // The agent looks for a default route's interface; nothing leaves the namespace through it.
      {kIp, "-n", name, "route", "add", "default", "dev", "node0"},
  };
  for (const auto& argv : steps) {
    auto r = bench::run_checked(argv, log_path, kTimeout);
    if (!r) return r.error().wrap("set up namespace " + name);
  }
  return ns;
}

PrivateNetns::PrivateNetns(PrivateNetns&& other) noexcept
    : name_(std::exchange(other.name_, {})), log_path_(other.log_path_), host_(std::move(other.host_)) {}

Status PrivateNetns::enter() {
  UniqueFd host(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!host) return make_error(Errc::io, std::string("open own netns: ") + std::strerror(errno));
  std::string path = "/run/netns/" + name_;
  UniqueFd target(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!target) return make_error(Errc::io, "open " + path + ": " + std::strerror(errno));
  if (::setns(target.get(), CLONE_NEWNET) != 0) {
    return make_error(Errc::io, "enter " + path + ": " + std::strerror(errno));
  }
  host_ = std::move(host);
  return Status::ok();
}

PrivateNetns::~PrivateNetns() {
  if (name_.empty()) return;
  if (host_ && ::setns(host_.get(), CLONE_NEWNET) != 0) {
    MK_LOG(warn) << "bench: back to the host's network namespace: " << std::strerror(errno);
  }
  auto r = bench::run_command({kIp, "netns", "delete", name_}, log_path_, kTimeout);
  if (!r || r->exit_code != 0) MK_LOG(warn) << "bench: ip netns delete " << name_ << " failed";
}

}  // namespace mk::netbench
