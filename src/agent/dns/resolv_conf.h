#pragma once
// The host's resolver configuration, read the way the kubelet and k3s read it: the
// nameservers, search domains and options of a resolv.conf, with loopback nameservers left out
// (they would point a pod, or the cluster DNS forwarding to them, back at itself). When
// /etc/resolv.conf names only systemd-resolved's stub 127.0.0.53, the real upstreams are in
// /run/systemd/resolve/resolv.conf (k3s PR #265).

#include <string>
#include <string_view>
#include <vector>

namespace mk::agent::dns {

struct ResolvConf {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<std::string> options;
};

ResolvConf parse_resolv_conf(std::string_view text);

// True for 127.0.0.0/8, ::1 and 0.0.0.0.
bool is_loopback_nameserver(const std::string& address);

// The file to read: `etc` unless it has only loopback nameservers and `systemd` exists.
std::string pick_resolv_conf(const std::string& etc = "/etc/resolv.conf",
                             const std::string& systemd = "/run/systemd/resolve/resolv.conf");

// parse_resolv_conf of that file without the loopback nameservers; empty when unreadable.
ResolvConf host_resolv_conf(const std::string& path = "");

}  // namespace mk::agent::dns
