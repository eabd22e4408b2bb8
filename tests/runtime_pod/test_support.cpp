#include "test_support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace mk::runtime::test {

bool is_root() { return ::geteuid() == 0; }

namespace {

const char* const kApplets[] = {"sh", "echo", "sleep", "cat", "head", "tail", "printf", "hostname", "ls",
                                "true", "yes", "seq", "tr", "dd", "id", "env"};

std::string shim_path() {
  const char* bin = std::getenv("MINIKUBE_BIN");
  std::string path = bin ? bin : "minikube";
  return path.substr(0, path.rfind('/') + 1) + "minikube-shim";
}

// Every directory under `dir` (deepest first) is removed; cgroup directories only go by rmdir.
void rmdir_tree(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) rmdir_tree(entry.path());
  }
  ::rmdir(dir.c_str());
}

std::vector<std::string> hierarchy_mounts() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    fields >> id >> parent >> dev >> root >> mount_point;
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::string type = line.substr(dash + 3, line.find(' ', dash + 3) - dash - 3);
    if (type == "cgroup" || type == "cgroup2") out.push_back(mount_point);
  }
  return out;
}

}  // namespace

Sandbox::Sandbox() {
  std::string tmpl = (fs::temp_directory_path() / "mk-runtime-pod-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  std::random_device rd;
  cgroup_root_ = "mk-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000);
  std::string root = rootfs();
  for (const char* sub : {"/bin", "/etc", "/proc", "/dev", "/sys", "/tmp", "/root"}) fs::create_directories(root + sub);
  fs::copy_file("/bin/busybox", root + "/bin/busybox");
  fs::permissions(root + "/bin/busybox", fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  for (const char* applet : kApplets) fs::create_symlink("busybox", root + "/bin/" + applet);
  for (const char* file : {"/etc/hosts", "/etc/hostname", "/etc/resolv.conf"}) std::ofstream(root + file).put('\n');
  std::ofstream(root + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
  std::ofstream(root + "/etc/group") << "root:x:0:\n";
  fs::create_directories(data_dir());
}

Sandbox::~Sandbox() {
  pod::Runtime rt(config());
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(rt.pods_dir(), ec)) (void)rt.remove_pod(entry.path().filename());
  // Anything the runtime left behind (a failed test) still goes: mounts first, then cgroups.
  for (const auto& m : mounts_under(dir_)) ::umount2(m.c_str(), MNT_DETACH);
  for (const auto& mount_point : hierarchy_mounts()) rmdir_tree(mount_point + "/" + cgroup_root_);
  fs::remove_all(dir_, ec);
}

pod::RuntimeConfig Sandbox::config() const {
  pod::RuntimeConfig c;
  c.data_dir = data_dir();
  c.cgroup_root = cgroup_root_;
  c.shim_path = shim_path();
  return c;
}

std::vector<std::string> Sandbox::cli_flags() const {
  return {"--data-dir", data_dir(), "--cgroup-root", cgroup_root_};
}

pod::PodSpec shell_pod(const Sandbox& sb, const std::string& name, const std::string& script) {
  pod::PodSpec spec;
  std::random_device rd;
  spec.uid = name + "-" + std::to_string(rd());
  spec.name = name;
  spec.hostname = name;
  spec.grace_seconds = 5;
  pod::ContainerSpec c;
  c.name = "main";
  c.rootfs = sb.rootfs();
  c.command = {"sh", "-c", script};
  spec.containers.push_back(c);
  return spec;
}

namespace {

pid_t spawn(const std::vector<std::string>& args, int out_fd, int err_fd) {
  const char* bin = std::getenv("MINIKUBE_BIN");
  std::vector<std::string> argv_s{bin ? bin : "minikube"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, 0);
    ::dup2(out_fd >= 0 ? out_fd : null_fd, 1);
    ::dup2(err_fd >= 0 ? err_fd : null_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

CliResult run_cli(const std::vector<std::string>& args, std::chrono::seconds limit) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return {};
  pid_t pid = spawn(args, out[1], err[1]);
  ::close(out[1]);
  ::close(err[1]);
  CliResult r;
  auto deadline = std::chrono::steady_clock::now() + limit;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

pid_t spawn_cli(const std::vector<std::string>& args) { return spawn(args, -1, -1); }

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

shim::ContainerState wait_exited(pod::Runtime& rt, const std::string& uid, const std::string& container,
                                 std::chrono::milliseconds limit) {
  shim::ContainerState last;
  eventually(
      [&] {
        auto st = rt.status(uid);
        if (!st) return false;
        for (const auto& c : st->containers) {
          if (c.name == container) last = c.state;
        }
        return last.phase == shim::Phase::exited;
      },
      limit);
  return last;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> mounts_under(const std::string& prefix) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point;
    fields >> id >> parent >> dev >> root >> mount_point;
    if (mount_point.rfind(prefix, 0) == 0) out.push_back(mount_point);
  }
  // Deepest first, for unmounting.
  std::sort(out.rbegin(), out.rend());
  return out;
}

std::vector<std::string> cgroup_dirs(const std::string& relative) {
  std::vector<std::string> out;
  for (const auto& mount_point : hierarchy_mounts()) {
    std::string path = mount_point + "/" + relative;
    if (fs::exists(path)) out.push_back(path);
  }
  return out;
}

long status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return 0;
}

}  // namespace mk::runtime::test
