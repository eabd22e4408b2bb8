#include "runtime/pod/sandbox.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/shim/container_files.h"
#include "runtime/shim/unique_fd.h"

namespace mk::runtime::pod {
namespace {

using shim::UniqueFd;

const char* const kNsNames[] = {"net", "ipc", "uts"};

std::string read_host_file(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string hosts_content(const PodSpec& spec) {
  if (spec.host_network) return read_host_file("/etc/hosts");
  return "# Kubernetes-managed hosts file.\n"
         "127.0.0.1\tlocalhost\n"
         "::1\tlocalhost ip6-localhost ip6-loopback\n"
         "fe00::0\tip6-localnet\n"
         "fe00::0\tip6-mcastprefix\n"
         "fe00::1\tip6-allnodes\n"
         "fe00::2\tip6-allrouters\n";
}

std::string resolv_content(const PodSpec& spec) {
  if (spec.dns_servers.empty() && spec.dns_searches.empty() && spec.dns_options.empty()) {
    return read_host_file("/etc/resolv.conf");
  }
  std::string out;
  if (!spec.dns_searches.empty()) {
    out += "search";
    for (const auto& s : spec.dns_searches) out += " " + s;
    out += "\n";
  }
  for (const auto& s : spec.dns_servers) out += "nameserver " + s + "\n";
  if (!spec.dns_options.empty()) {
    out += "options";
    for (const auto& s : spec.dns_options) out += " " + s;
    out += "\n";
  }
  return out;
}

// Runs in the forked child: async-signal-safe calls only. Reports 0 or an errno on `report`,
// then waits until the parent has bound the namespace files (it closes `hold`).
[[noreturn]] void unshare_child(int flags, const char* hostname, int report, int hold) {
  int err = 0;
  if (::unshare(flags) != 0) err = errno;
  if (!err && (flags & CLONE_NEWUTS) && ::sethostname(hostname, std::strlen(hostname)) != 0) err = errno;
  if (!err && (flags & CLONE_NEWNET)) {
    int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (sock < 0 || ::ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) err = errno;
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (!err && ::ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) err = errno;
  }
  (void)!::write(report, &err, sizeof err);
  char byte;
  while (::read(hold, &byte, 1) < 0 && errno == EINTR) {
  }
  ::_exit(err ? 1 : 0);
}

Status bind_namespaces(const std::string& ns_dir, int flags, const std::string& hostname) {
  int report[2], hold[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return errno_error("create pipe", errno);
  UniqueFd report_read(report[0]), report_write(report[1]);
  if (::pipe2(hold, O_CLOEXEC) != 0) return errno_error("create pipe", errno);
  UniqueFd hold_read(hold[0]), hold_write(hold[1]);
  pid_t child = ::fork();
  if (child < 0) return errno_error("fork namespace holder", errno);
  if (child == 0) {
    // Only its own two ends stay open in the child, on fds 3 and 4: the parent's ends would keep
    // the pipes open (it would never see EOF), and so would the ends of holders that other
    // threads fork at the same time (close-on-exec does not help a child that never execs), which
    // would leave those waiting for each other.
    int report_fd = ::fcntl(report_write.get(), F_DUPFD, 10);
    int hold_fd = ::fcntl(hold_read.get(), F_DUPFD, 10);
    ::dup2(report_fd, 3);
    ::dup2(hold_fd, 4);
    ::close_range(5, ~0U, 0);
    unshare_child(flags, hostname.c_str(), 3, 4);
  }
  report_write.reset();
  hold_read.reset();
  int err = -1;
  ssize_t n;
  do {
    n = ::read(report_read.get(), &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  Status result;
  if (n != sizeof err) {
    result = make_error(Errc::internal, "create pod namespaces: the helper died");
  } else if (err != 0) {
    result = errno_error("create pod namespaces", err);
  } else {
    for (const char* name : kNsNames) {
      int flag = std::string(name) == "net" ? CLONE_NEWNET : std::string(name) == "ipc" ? CLONE_NEWIPC : CLONE_NEWUTS;
      if (!(flags & flag)) continue;
      std::string target = ns_dir + "/" + name;
      std::string source = "/proc/" + std::to_string(child) + "/ns/" + name;
      UniqueFd file(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
      if (!file) {
        result = errno_error("create " + target, errno);
        break;
      }
      if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
        result = errno_error("bind " + source + " to " + target, errno);
        break;
      }
    }
  }
  hold_write.reset();
  int status;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

}  // namespace

SandboxPaths sandbox_paths(const std::string& pod_dir, const PodSpec& spec) {
  SandboxPaths p;
  if (!spec.host_network) {
    p.net = pod_dir + "/ns/net";
    p.uts = pod_dir + "/ns/uts";
  }
  if (!spec.host_ipc) p.ipc = pod_dir + "/ns/ipc";
  p.hostname_file = pod_dir + "/hostname";
  p.hosts_file = pod_dir + "/hosts";
  p.resolv_conf = pod_dir + "/resolv.conf";
  return p;
}

Result<SandboxPaths> create_sandbox(const std::string& pod_dir, const PodSpec& spec) {
  SandboxPaths paths = sandbox_paths(pod_dir, spec);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string hostname = spec.host_network ? std::string(host) : spec.hostname;
  if (auto s = shim::write_file_atomic(paths.hostname_file, hostname + "\n"); !s) return s.error();
  if (auto s = shim::write_file_atomic(paths.hosts_file, hosts_content(spec)); !s) return s.error();
  if (auto s = shim::write_file_atomic(paths.resolv_conf, resolv_content(spec)); !s) return s.error();

  int flags = (paths.net.empty() ? 0 : CLONE_NEWNET | CLONE_NEWUTS) | (paths.ipc.empty() ? 0 : CLONE_NEWIPC);
  if (flags == 0) return paths;
  std::string ns_dir = pod_dir + "/ns";
  if (::mkdir(ns_dir.c_str(), 0700) != 0 && errno != EEXIST) return errno_error("create " + ns_dir, errno);
  // A private mount of its own, so the nsfs binds below stay in this mount namespace.
  if (::mount(ns_dir.c_str(), ns_dir.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return errno_error("bind " + ns_dir + " onto itself", errno);
  }
  if (::mount(nullptr, ns_dir.c_str(), nullptr, MS_PRIVATE, nullptr) != 0) {
    Error e = errno_error("make " + ns_dir + " private", errno);
    (void)destroy_sandbox(pod_dir);
    return e;
  }
  if (auto s = bind_namespaces(ns_dir, flags, spec.hostname); !s) {
    (void)destroy_sandbox(pod_dir);
    return s.error();
  }
  return paths;
}

Status destroy_sandbox(const std::string& pod_dir) {
  std::string ns_dir = pod_dir + "/ns";
  Status result;
  for (const char* name : kNsNames) {
    std::string path = ns_dir + "/" + name;
    if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
      result = errno_error("unmount " + path, errno);
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT && result) result = errno_error("remove " + path, errno);
  }
  if (::umount2(ns_dir.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT && result) {
    result = errno_error("unmount " + ns_dir, errno);
  }
  if (::rmdir(ns_dir.c_str()) != 0 && errno != ENOENT && result) result = errno_error("remove " + ns_dir, errno);
  return result;
}

}  // namespace mk::runtime::pod
