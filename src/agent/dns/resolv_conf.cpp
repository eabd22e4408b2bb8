#include "agent/dns/resolv_conf.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace mk::agent::dns {

ResolvConf parse_resolv_conf(std::string_view text) {
  ResolvConf out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (auto hash = line.find_first_of("#;"); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string key, value;
    if (!(words >> key)) continue;
    if (key == "nameserver") {
      if (words >> value) out.nameservers.push_back(value);
    } else if (key == "search" || key == "domain") {
      // The last search or domain line wins (resolv.conf(5)).
      out.searches.clear();
      while (words >> value) out.searches.push_back(value);
    } else if (key == "options") {
      while (words >> value) out.options.push_back(value);
    }
  }
  return out;
}

bool is_loopback_nameserver(const std::string& address) {
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    uint32_t a = ntohl(v4.s_addr);
    return (a >> 24) == 127 || a == 0;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6) || IN6_IS_ADDR_UNSPECIFIED(&v6);
  return false;
}

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string pick_resolv_conf(const std::string& etc, const std::string& systemd) {
  ResolvConf conf = parse_resolv_conf(read_text(etc));
  bool all_loopback = !conf.nameservers.empty();
  for (const auto& ns : conf.nameservers) all_loopback = all_loopback && is_loopback_nameserver(ns);
  if (all_loopback && ::access(systemd.c_str(), R_OK) == 0) return systemd;
  return etc;
}

ResolvConf host_resolv_conf(const std::string& path) {
  ResolvConf conf = parse_resolv_conf(read_text(path.empty() ? pick_resolv_conf() : path));
  std::vector<std::string> kept;
  for (auto& ns : conf.nameservers)
    if (!is_loopback_nameserver(ns)) kept.push_back(std::move(ns));
  conf.nameservers = std::move(kept);
  return conf;
}

}  // namespace mk::agent::dns
