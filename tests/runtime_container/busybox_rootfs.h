#pragma once
// Test helpers: a busybox root filesystem in a temporary directory, running a container to
// completion with its output captured, and checks that nothing is left mounted.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/container/container.h"

namespace mk_test {

namespace fs = std::filesystem;
namespace ctr = mk::runtime::container;

inline bool is_root() { return ::geteuid() == 0; }

#define MK_REQUIRE_ROOT()                                                     \
  do {                                                                        \
    if (!mk_test::is_root()) {                                                \
      WARN("skipped: starting containers needs root (mounts, namespaces)");   \
      return;                                                                 \
    }                                                                         \
  } while (0)

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mk-ctr-test-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p);
  out << text;
  REQUIRE(out.good());
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// /bin/busybox, the applets the tests use, /etc/passwd and /etc/group.
inline void make_busybox_rootfs(const fs::path& root) {
  for (const char* d : {"bin", "etc", "proc", "sys", "dev", "tmp", "root", "home/app"}) fs::create_directories(root / d);
  fs::copy_file("/bin/busybox", root / "bin/busybox");
  for (const char* applet : {"sh", "true", "false", "echo", "cat", "hostname", "ls", "grep", "unshare", "mount",
                             "chown", "touch", "id", "sleep", "wc", "mkdir", "head"}) {
    fs::create_symlink("busybox", root / "bin" / applet);
  }
  write_file(root / "etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n");
  write_file(root / "etc/group", "root:x:0:\napp:x:1000:\nextra:x:2000:app\n");
}

inline ctr::Config base_config(const fs::path& rootfs) {
  ctr::Config c;
  c.id = "test";
  c.rootfs = rootfs.string();
  c.hostname = "box";
  c.namespaces = {{CLONE_NEWPID, ""}, {CLONE_NEWUTS, ""}, {CLONE_NEWIPC, ""}, {CLONE_NEWNET, ""}};
  c.process.env = {"PATH=/bin"};
  return c;
}

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read >= 0) ::close(read);
    read = -1;
  }
  void close_write() {
    if (write >= 0) ::close(write);
    write = -1;
  }
  std::string drain() {
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(read, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) s.append(buf, static_cast<size_t>(n));
    }
    return s;
  }
};

inline int wait_exit_code(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  REQUIRE(r == pid);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

struct Outcome {
  int exit_code = -1;
  std::string out, err;
};

// Starts the container, reads its output to EOF and reaps it.
inline Outcome run(ctr::Config config) {
  Pipe out, err;
  config.process.stdout_fd = out.write;
  config.process.stderr_fd = err.write;
  auto pid = ctr::start(config);
  out.close_write();
  err.close_write();
  INFO((pid ? std::string() : pid.error().message));
  REQUIRE(pid.has_value());
  Outcome o;
  o.out = out.drain();
  o.err = err.drain();
  o.exit_code = wait_exit_code(*pid);
  return o;
}

// Mounts made for a container live in its own mount namespace: none may show up here.
inline void require_no_mounts_under(const fs::path& dir) {
  std::string info = read_file("/proc/self/mountinfo");
  INFO(info);
  REQUIRE(info.find(dir.string()) == std::string::npos);
}

}  // namespace mk_test
