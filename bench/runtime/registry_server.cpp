#include "registry_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <thread>

namespace mk::rtbench {
namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A port the kernel hands out as free; the registry binds it right after.
Result<uint16_t> free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error("socket", errno);
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    int err = errno;
    ::close(fd);
    return errno_error("bind 127.0.0.1:0", err);
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

bool accepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

Result<std::unique_ptr<RegistryServer>> RegistryServer::start(const std::string& program, const std::string& work) {
  auto port = free_port();
  if (!port) return port.error();
  std::string root = work + "/registry-root";
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) return make_error(Errc::io, "create " + root + ": " + ec.message());
  std::string address = "127.0.0.1:" + std::to_string(*port);
  std::string config = work + "/registry.yml";
  {
    std::ofstream out(config);
    out << "version: 0.1\n"
        << "log:\n  level: warn\n"
        << "storage:\n  filesystem:\n    rootdirectory: " << root << "\n"
        << "http:\n  addr: " << address << "\n";
    if (!out) return make_error(Errc::io, "write " + config);
  }
  auto process = bench::ChildProcess::spawn({program, "serve", config}, work + "/registry.log");
  if (!process) return process.error();
  for (int i = 0; i < 300; ++i) {
    if (accepts(*port)) {
      return std::unique_ptr<RegistryServer>(new RegistryServer(std::move(*process), address));
    }
    if (!process->running()) {
      return make_error(Errc::unavailable, program + " exited before listening (see " + work + "/registry.log)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return make_error(Errc::unavailable, program + " not listening on " + address + " after 15 s");
}

}  // namespace mk::rtbench
