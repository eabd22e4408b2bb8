#pragma once
// A little network for the service proxy and NetworkPolicy tests, made of network namespaces
// (`ip netns`, names unique per run) joined by veth pairs to a "node" namespace that routes
// between them, with small TCP and UDP servers running on threads inside them. Everything
// (namespaces, and with them their devices and nftables tables; threads) goes away on
// destruction, also when a test fails.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace mk::e2e {

// Runs argv (no shell); returns exit code, with stdout+stderr in `out`.
int run_command(const std::vector<std::string>& argv, std::string* out = nullptr);

class NetNs {
 public:
  explicit NetNs(std::string name);
  ~NetNs();
  NetNs(const NetNs&) = delete;
  NetNs& operator=(const NetNs&) = delete;
  const std::string& name() const { return name_; }
  int fd() const { return fd_; }
  // `ip -n <name> args...`; throws with the output when it fails.
  void ip(const std::vector<std::string>& args) const;
  // Runs argv inside the namespace (ip netns exec); returns the exit code.
  int exec(const std::vector<std::string>& argv, std::string* out = nullptr) const;

 private:
  std::string name_;
  int fd_ = -1;
};

// A server on a thread inside a namespace. TCP: greets each connection with "<reply>\n" and
// then echoes every line back prefixed with the reply. UDP: answers each datagram with
// "<reply>".
class TestServer {
 public:
  enum class Proto { tcp, udp };
  TestServer(const NetNs& ns, Proto proto, int port, std::string reply);
  ~TestServer();

 private:
  void serve();
  int fd_ = -1;
  Proto proto_;
  std::string reply_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct Reply {
  bool ok = false;
  int error = 0;  // errno of the failure (ECONNREFUSED, ETIMEDOUT, ...)
  std::string text;
};

// From inside `ns`: connects to ip:port and reads the greeting line.
Reply tcp_get(const NetNs& ns, const std::string& ip, int port, std::chrono::milliseconds timeout);
// From inside `ns`: sends one datagram from `local_port` (0: any) and waits for the answer.
Reply udp_get(const NetNs& ns, const std::string& ip, int port, std::chrono::milliseconds timeout, int local_port = 0);

// A TCP connection made from inside a namespace, kept open to send lines on.
class TcpSession {
 public:
  TcpSession(const NetNs& ns, const std::string& ip, int port, std::chrono::milliseconds timeout);
  ~TcpSession();
  const std::string& greeting() const { return greeting_; }
  // Sends `line` and returns the echoed line ("" on failure).
  std::string exchange(const std::string& line, std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string greeting_;
};

}  // namespace mk::e2e
