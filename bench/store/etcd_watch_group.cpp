#include "etcd_watch_group.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include <nlohmann/json.hpp>

#include "base64.h"
#include "interrupt.h"
#include "store/kv.h"

namespace mk::bench {
namespace {

constexpr auto kCreateDeadline = std::chrono::seconds(60);
constexpr int kPollTimeoutMs = 50;

Status send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("send watch request", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<EtcdWatchGroup>> EtcdWatchGroup::open(const std::string& host, int port,
                                                             const std::string& prefix,
                                                             size_t watchers, size_t threads,
                                                             EventSink sink) {
  std::unique_ptr<EtcdWatchGroup> group(new EtcdWatchGroup(std::move(sink)));
  if (threads == 0) threads = 1;
  for (size_t t = 0; t < threads; ++t) {
    int efd = epoll_create1(EPOLL_CLOEXEC);
    if (efd < 0) return errno_error("epoll_create1", errno);
    group->epoll_fds_.push_back(efd);
  }
  nlohmann::json body = {{"create_request",
                          {{"key", base64_encode(prefix)},
                           {"range_end", base64_encode(store::prefix_end(prefix))},
                           {"prev_kv", true}}}};
  std::string payload = body.dump();
  std::string request = "POST /v3/watch HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
                        "\r\nContent-Type: application/json\r\nContent-Length: " +
                        std::to_string(payload.size()) + "\r\n\r\n" + payload;
  for (size_t i = 0; i < watchers && !interrupted(); ++i) {
    if (Status s = group->connect_stream(host, port, request, i); !s) {
      return s.error().wrap("watch " + std::to_string(i));
    }
  }
  for (int efd : group->epoll_fds_) {
    group->threads_.emplace_back([g = group.get(), efd] { g->run_loop(efd); });
  }
  auto deadline = std::chrono::steady_clock::now() + kCreateDeadline;
  while (group->created_.load() < watchers) {
    if (Status s = group->health(); !s) return s.error();
    if (interrupted()) return make_error(Errc::cancelled, "interrupted");
    if (std::chrono::steady_clock::now() > deadline) {
      return make_error(Errc::unavailable, "etcd created only " +
                                               std::to_string(group->created_.load()) + " of " +
                                               std::to_string(watchers) + " watches in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return group;
}

Status EtcdWatchGroup::connect_stream(const std::string& host, int port,
                                      const std::string& request, size_t index) {
  auto stream = std::make_unique<Stream>();
  stream->index = index;
  stream->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (stream->fd < 0) return errno_error("socket", errno);
  Stream& s = *stream;
  streams_.push_back(std::move(stream));  // owned from here on, closed by the destructor
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return make_error(Errc::invalid_argument, "bad address " + host);
  }
  if (connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return errno_error("connect " + host + ":" + std::to_string(port), errno);
  }
  int one = 1;
  setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (Status st = send_all(s.fd, request); !st) return st;
  fcntl(s.fd, F_SETFL, fcntl(s.fd, F_GETFL) | O_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &s;
  int efd = epoll_fds_[index % epoll_fds_.size()];
  if (epoll_ctl(efd, EPOLL_CTL_ADD, s.fd, &ev) != 0) return errno_error("epoll_ctl", errno);
  return Status::ok();
}

void EtcdWatchGroup::run_loop(int epoll_fd) {
  epoll_event events[64];
  while (!stop_.load(std::memory_order_relaxed)) {
    int n = epoll_wait(epoll_fd, events, 64, kPollTimeoutMs);
    if (n < 0 && errno != EINTR) {
      record_error(errno_error("epoll_wait", errno));
      return;
    }
    for (int i = 0; i < n; ++i) read_stream(epoll_fd, *static_cast<Stream*>(events[i].data.ptr));
  }
}

void EtcdWatchGroup::read_stream(int epoll_fd, Stream& stream) {
  char buf[16384];
  for (;;) {
    ssize_t n = recv(stream.fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    Status status;
    if (n < 0) {
      status = errno_error("recv watch stream", errno);
    } else if (n == 0) {
      status = make_error(Errc::unavailable, "watch stream closed by etcd");
    } else {
      status = stream.reader.feed(std::string_view(buf, static_cast<size_t>(n)),
                                  [&](std::string_view line) { return on_line(stream, line); });
    }
    if (!status) {
      record_error(status.error().wrap("watch " + std::to_string(stream.index)));
      epoll_ctl(epoll_fd, EPOLL_CTL_DEL, stream.fd, nullptr);
      return;
    }
  }
}

Status EtcdWatchGroup::on_line(Stream& stream, std::string_view line) {
  auto message = nlohmann::json::parse(line, nullptr, false);
  if (message.is_discarded() || !message.is_object()) {
    return make_error(Errc::internal, "unparsable watch message");
  }
  auto result = message.find("result");
  if (result == message.end()) {
    return make_error(Errc::internal, "watch error: " + message.dump());
  }
  if (result->value("created", false) && !stream.created) {
    stream.created = true;
    created_.fetch_add(1);
  }
  if (result->value("canceled", false)) {
    return make_error(Errc::cancelled, "watch canceled: " + result->dump());
  }
  auto events = result->find("events");
  if (events == result->end()) return Status::ok();
  for (const auto& event : *events) {
    auto kv = event.find("kv");
    if (kv == event.end()) continue;
    auto value = base64_decode(kv->value("value", ""));
    if (!value) return value.error();
    sink_(stream.index, *value);
  }
  return Status::ok();
}

void EtcdWatchGroup::record_error(const Error& error) {
  std::lock_guard<std::mutex> lock(error_mu_);
  if (!error_) error_ = error;
}

Status EtcdWatchGroup::health() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  if (error_) return *error_;
  return Status::ok();
}

EtcdWatchGroup::~EtcdWatchGroup() {
  stop_.store(true);
  for (auto& t : threads_) t.join();
  for (auto& s : streams_) {
    if (s->fd >= 0) close(s->fd);
  }
  for (int efd : epoll_fds_) close(efd);
}

}  // namespace mk::bench
