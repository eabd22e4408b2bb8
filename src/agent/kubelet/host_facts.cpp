#include "agent/kubelet/host_facts.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace mk::agent::kubelet {
namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  return line;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int64_t mem_total_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemTotal:") return kb * 1024;
  return 0;
}

// The interface of the default route (from /proc/net/route), then its first IPv4 address.
std::string default_route_address() {
  std::ifstream routes("/proc/net/route");
  std::string line, iface;
  std::getline(routes, line);  // header
  while (std::getline(routes, line)) {
    std::istringstream f(line);
    std::string name, dest;
    f >> name >> dest;
    if (dest == "00000000") {
      iface = name;
      break;
    }
  }
  struct ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "127.0.0.1";
  std::string found, fallback;
  for (auto* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    if (a->ifa_flags & IFF_LOOPBACK) continue;
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, buf, sizeof buf);
    if (!iface.empty() && iface == a->ifa_name) {
      found = buf;
      break;
    }
    if (fallback.empty()) fallback = buf;
  }
  freeifaddrs(list);
  if (!found.empty()) return found;
  return fallback.empty() ? "127.0.0.1" : fallback;
}

}  // namespace

std::string go_arch(const std::string& machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64" || machine == "arm64") return "arm64";
  if (machine.rfind("armv", 0) == 0) return "arm";
  if (machine == "i686" || machine == "i386") return "386";
  return machine;
}

std::string os_image_from(const std::string& os_release) {
  std::istringstream in(os_release);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string v = line.substr(12);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
    return v;
  }
  return "Linux";
}

HostFacts read_host_facts(const std::string& data_dir) {
  HostFacts f;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  f.hostname = host;
  f.internal_ip = default_route_address();
  f.cpus = std::max<long>(1, sysconf(_SC_NPROCESSORS_ONLN));
  f.memory_bytes = mem_total_bytes();
  struct statvfs vfs {};
  if (statvfs(data_dir.c_str(), &vfs) == 0) f.ephemeral_storage_bytes = static_cast<int64_t>(vfs.f_blocks) * vfs.f_frsize;
  f.machine_id = first_line("/etc/machine-id");
  f.system_uuid = first_line("/sys/class/dmi/id/product_uuid");
  if (f.system_uuid.empty()) f.system_uuid = f.machine_id;
  f.boot_id = first_line("/proc/sys/kernel/random/boot_id");
  struct utsname u {};
  uname(&u);
  f.kernel_version = u.release;
  f.architecture = go_arch(u.machine);
  f.os_image = os_image_from(slurp("/etc/os-release"));
  return f;
}

}  // namespace mk::agent::kubelet
