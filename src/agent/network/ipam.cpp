#include "agent/network/ipam.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace mk::agent::network {
namespace {

using nlohmann::json;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<Allocation> read_allocation(const std::string& path, const std::string& ip) {
  json j = json::parse(read_text(path), nullptr, false);
  if (!j.is_object() || !j.contains("uid") || !j["uid"].is_string()) return std::nullopt;
  Allocation a{ip, j["uid"].get<std::string>(), {}};
  for (const auto& p : j.value("host_ports", json::array())) {
    if (!p.is_object()) continue;
    a.host_ports.push_back({p.value("protocol", "TCP"), p.value("host_port", 0), p.value("container_port", 0),
                            p.value("host_ip", "")});
  }
  return a;
}

std::string to_text(const Allocation& a) {
  json ports = json::array();
  for (const auto& p : a.host_ports) {
    ports.push_back({{"protocol", p.protocol}, {"host_port", p.host_port}, {"container_port", p.container_port},
                     {"host_ip", p.host_ip}});
  }
  return json{{"uid", a.uid}, {"host_ports", ports}}.dump() + "\n";
}

Status write_file(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno_error("create " + path, errno);
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  int err = errno;
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return errno_error("write " + path, err ? err : EIO);
  return Status::ok();
}

}  // namespace

Ipam::Ipam(std::string dir, Ipv4Net subnet) : dir_(std::move(dir)), subnet_(subnet) {}

std::vector<Allocation> Ipam::list() const {
  std::vector<Allocation> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename();
    auto addr = parse_ipv4(name);
    if (!addr || !subnet_.contains(*addr)) continue;
    if (auto a = read_allocation(entry.path(), name)) out.push_back(std::move(*a));
  }
  return out;
}

std::optional<Allocation> Ipam::find(const std::string& uid) const {
  for (auto& a : list()) {
    if (a.uid == uid) return a;
  }
  return std::nullopt;
}

Result<Allocation> Ipam::allocate(const std::string& uid, const std::vector<HostPort>& host_ports) {
  if (auto held = find(uid)) return *held;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return make_error(Errc::io, "create " + dir_ + ": " + ec.message());
  if (subnet_.prefix > 30) return make_error(Errc::invalid_argument, "pod subnet " + subnet_.text() + " is too small");

  Allocation a{"", uid, host_ports};
  std::string tmp = dir_ + "/.claim-" + uid;
  if (auto s = write_file(tmp, to_text(a)); !s) return s.error();
  // Usable: gateway+1 .. broadcast-1.
  uint32_t first = subnet_.gateway() + 1, last = subnet_.broadcast() - 1;
  uint32_t start = first;
  if (auto prev = parse_ipv4(read_text(dir_ + "/last_reserved")); prev && *prev >= first && *prev < last) start = *prev + 1;
  uint64_t count = uint64_t{last} - first + 1;
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t candidate = first + static_cast<uint32_t>((start - first + i) % count);
    std::string ip = format_ipv4(candidate);
    if (::link(tmp.c_str(), (dir_ + "/" + ip).c_str()) == 0) {
      ::unlink(tmp.c_str());
      (void)write_file(dir_ + "/last_reserved", ip);
      a.ip = ip;
      return a;
    }
    if (errno != EEXIST) {
      int err = errno;
      ::unlink(tmp.c_str());
      return errno_error("claim " + ip + " in " + dir_, err);
    }
  }
  ::unlink(tmp.c_str());
  return make_error(Errc::unavailable, "no free address left in pod subnet " + subnet_.text());
}

Status Ipam::release(const std::string& uid) {
  for (const auto& a : list()) {
    if (a.uid != uid) continue;
    std::string path = dir_ + "/" + a.ip;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error("release " + path, errno);
  }
  return Status::ok();
}

}  // namespace mk::agent::network
