// A thousand concurrent watch-like streams on two I/O threads. The clients run in a child
// process so that the thread count and memory read here are the server's own.

#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "http/test_client.h"
#include "http/test_util.h"
#include "http/server.h"

using namespace mk::http;
using namespace mk::http::test;
using namespace std::chrono_literals;

namespace {

constexpr int kStreams = 1000;
const std::string kEvent = R"({"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1"}})"
                           "\n";

bool write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// One line from the pipe, waiting at most `timeout`.
bool read_line(int fd, std::string& line, std::chrono::milliseconds timeout) {
  line.clear();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char c;
    if (::read(fd, &c, 1) != 1) return false;
    if (c == '\n') return true;
    line += c;
  }
}

// The client side, in the child: open the streams, report, read one chunk on each, report.
int run_clients(int in, int out) {
  std::string line;
  if (!read_line(in, line, 30s)) return 2;
  int port = std::stoi(line);
  ClientTls tls(shared_pki().ca.cert_pem);
  std::vector<std::unique_ptr<Conn>> conns;
  conns.reserve(kStreams);
  for (int i = 0; i < kStreams; ++i) {
    std::string error;
    auto c = Conn::open(port, &tls, &error);
    if (!c) {
      write_all(out, "error open " + std::to_string(i) + ": " + error + "\n");
      return 3;
    }
    if (!c->send(get_request("/api/v1/pods?watch=true")) || !c->read_head(10s)) {
      write_all(out, "error head " + std::to_string(i) + "\n");
      return 3;
    }
    conns.push_back(std::move(c));
  }
  write_all(out, "open\n");
  if (!read_line(in, line, 60s) || line != "pushed") return 4;
  int received = 0;
  for (auto& c : conns) {
    auto chunk = c->read_chunk(10s);
    if (chunk && *chunk == kEvent) ++received;
  }
  write_all(out, std::to_string(received) + "\n");
  if (!read_line(in, line, 60s) || line != "close") return 5;
  conns.clear();
  return 0;
}

}  // namespace

TEST_CASE("1000 concurrent streams on two I/O threads", "[http][scale]") {
  shared_pki();  // made before fork, used on both sides
  int to_child[2];
  int to_parent[2];
  REQUIRE(::pipe(to_child) == 0);
  REQUIRE(::pipe(to_parent) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(to_child[1]);
    ::close(to_parent[0]);
    int code = 1;
    try {
      code = run_clients(to_child[0], to_parent[1]);
    } catch (...) {
      code = 9;
    }
    ::_exit(code);
  }
  ::close(to_child[0]);
  ::close(to_parent[1]);
  struct ChildGuard {
    pid_t pid;
    int in, out;
    ~ChildGuard() {
      ::close(in);
      ::close(out);
      int status = 0;
      for (int i = 0; i < 200; ++i) {
        if (::waitpid(pid, &status, WNOHANG) == pid) return;
        ::usleep(50 * 1000);
      }
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
  } child{pid, to_parent[0], to_child[1]};

  std::mutex mu;
  std::vector<std::shared_ptr<ResponseWriter>> writers;
  std::atomic<int> closed{0};
  ServerOptions options = tls_options();
  options.threads = 2;
  auto started = Server::start(options, [&](Request&& req, std::shared_ptr<ResponseWriter> w) {
    if (req.query != "watch=true") {
      w->respond(404, {}, "");
      return;
    }
    w->start_stream(200, {{"Content-Type", "application/json"}});
    w->on_close([&] { ++closed; });
    std::lock_guard lock(mu);
    writers.push_back(std::move(w));
  });
  REQUIRE(started);
  auto server = std::move(*started);
  const long threads_before = proc_status_value("Threads");
  const long rss_before = proc_status_value("VmRSS");
  const long heap_before = static_cast<long>(mallinfo2().uordblks);

  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(write_all(child.out, std::to_string(server->port()) + "\n"));
  std::string line;
  REQUIRE(read_line(child.in, line, 90s));
  INFO(line);
  REQUIRE(line == "open");
  auto opened_in = std::chrono::steady_clock::now() - t0;
  REQUIRE(wait_until([&] {
    std::lock_guard lock(mu);
    return writers.size() == kStreams;
  }, 10s));
  CHECK(server->connection_count() == static_cast<std::size_t>(kStreams));
  const long threads_open = proc_status_value("Threads");
  const long rss_open = proc_status_value("VmRSS");
  const long heap_open = static_cast<long>(mallinfo2().uordblks);
  CHECK(threads_open == threads_before);

  // Push one event to every stream from this (non-I/O) thread, as a watch hub would.
  auto t1 = std::chrono::steady_clock::now();
  int accepted = 0;
  {
    std::lock_guard lock(mu);
    for (auto& w : writers) accepted += w->write_chunk(kEvent) ? 1 : 0;
  }
  CHECK(accepted == kStreams);
  REQUIRE(write_all(child.out, "pushed\n"));
  REQUIRE(read_line(child.in, line, 90s));
  auto delivered_in = std::chrono::steady_clock::now() - t1;
  CHECK(line == std::to_string(kStreams));
  const long threads_pushed = proc_status_value("Threads");
  const long rss_pushed = proc_status_value("VmRSS");
  CHECK(threads_pushed == threads_before);

  REQUIRE(write_all(child.out, "close\n"));
  CHECK(wait_until([&] { return closed == kStreams; }, 30s));
  CHECK(wait_until([&] { return server->connection_count() == 0; }, 30s));
  {
    std::lock_guard lock(mu);
    writers.clear();
  }
  server->shutdown(2s);

  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf(
      "http scale: %d TLS streams, %ld threads before / %ld open / %ld after push; "
      "RSS %ld KiB before, %ld KiB open (+%ld B/stream; live heap +%ld B/stream), %ld KiB after push; "
      "opened in %lld ms, one event to all delivered in %lld ms\n",
      kStreams, threads_before, threads_open, threads_pushed, rss_before, rss_open,
      (rss_open - rss_before) * 1024 / kStreams, (heap_open - heap_before) / kStreams, rss_pushed,
      static_cast<long long>(ms(opened_in)),
      static_cast<long long>(ms(delivered_in)));
}
