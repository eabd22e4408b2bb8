// The shim's streaming requests, spoken directly over its socket: attach (the container's stdin
// handed over, its output proxied), exec with a terminal (the pty's primary side handed over),
// and a container with a terminal of its own.

#include <catch2/catch.hpp>
#include <poll.h>
#include <unistd.h>

#include "runtime/pod/shim_client.h"
#include "test_support.h"

using namespace mk::runtime;
using namespace mk::runtime::test;
using namespace std::chrono_literals;

namespace {

// Reads from `fd` until `needle` shows up, EOF/EIO, or the deadline.
std::string read_until(int fd, const std::string& needle, std::chrono::milliseconds limit = 10s) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (out.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace

TEST_CASE("attach hands over the container's stdin and proxies its output") {
  if (!is_root()) {
    WARN("skipped: the pod runtime tests need root (namespaces, mounts, cgroups)");
    return;
  }
  Sandbox sb;
  pod::Runtime rt(sb.config());
  auto spec = shell_pod(sb, "reader", "echo waiting; read line; echo got $line");
  spec.containers[0].stdin_open = true;
  REQUIRE(rt.run_pod(spec));
  std::string dir = rt.pod_dir(spec.uid);
  auto sock = pod::connect_shim(dir);
  REQUIRE(sock);
  REQUIRE(shim::send_message(sock->get(), {{"op", "attach"}, {"container", "main"}}));
  auto reply = shim::receive_message(sock->get());
  REQUIRE(reply);
  REQUIRE(reply->body.value("ok", false));
  REQUIRE(reply->fds.size() == 1);
  REQUIRE(::write(reply->fds[0].get(), "hello\n", 6) == 6);
  std::string out = read_until(sock->get(), "got hello");
  CHECK(out.find("got hello") != std::string::npos);
  auto state = wait_exited(rt, spec.uid, "main");
  CHECK(state.exit_code == 0);
}

TEST_CASE("exec with a terminal hands back the pty and then the exit code") {
  if (!is_root()) {
    WARN("skipped: the pod runtime tests need root (namespaces, mounts, cgroups)");
    return;
  }
  Sandbox sb;
  pod::Runtime rt(sb.config());
  auto spec = shell_pod(sb, "ttyexec", "while true; do sleep 1; done");
  spec.grace_seconds = 0;
  REQUIRE(rt.run_pod(spec));
  std::string dir = rt.pod_dir(spec.uid);
  auto sock = pod::connect_shim(dir);
  REQUIRE(sock);
  REQUIRE(shim::send_message(sock->get(), {{"op", "exec"}, {"container", "main"}, {"tty", true},
                                           {"args", {"sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo on-a-tty; exit 4"}}}));
  auto reply = shim::receive_message(sock->get());
  REQUIRE(reply);
  INFO(reply->body.dump());
  REQUIRE(reply->body.value("ok", false));
  REQUIRE(reply->fds.size() == 1);
  std::string out = read_until(reply->fds[0].get(), "on-a-tty");
  CHECK(out.find("on-a-tty") != std::string::npos);
  auto done = shim::receive_message(sock->get());
  REQUIRE(done);
  CHECK(done->body.value("exit_code", -1) == 4);
}

TEST_CASE("a container with a terminal logs the terminal's output as stdout") {
  if (!is_root()) {
    WARN("skipped: the pod runtime tests need root (namespaces, mounts, cgroups)");
    return;
  }
  Sandbox sb;
  pod::Runtime rt(sb.config());
  auto spec = shell_pod(sb, "ttyctr", "[ -t 1 ] && echo tty-yes");
  spec.containers[0].tty = true;
  REQUIRE(rt.run_pod(spec));
  auto state = wait_exited(rt, spec.uid, "main");
  CHECK(state.exit_code == 0);
  std::string path = rt.log_path(spec.uid, "main");
  CHECK(eventually([&] { return read_file(path).find("stdout F tty-yes") != std::string::npos; }));
}
