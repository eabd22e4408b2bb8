#include "agent/kubelet/streaming/pod_connection.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace mk::agent::kubelet::streaming {

void InboundGate::add(std::size_t n) {
  std::lock_guard lock(mu_);
  queued_ += n;
  if (!paused_ && queued_ > high_) {
    paused_ = true;
    transport_->pause_reading(true);
  }
}

void InboundGate::sub(std::size_t n) {
  std::lock_guard lock(mu_);
  queued_ -= std::min(n, queued_);
  if (paused_ && queued_ <= low_) {
    paused_ = false;
    transport_->pause_reading(false);
  }
}

PodConnection::PodConnection(Callbacks callbacks, std::shared_ptr<InboundGate> gate)
    : cb_(std::move(callbacks)), gate_(std::move(gate)), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

PodConnection::~PodConnection() = default;

std::shared_ptr<PodConnection> PodConnection::start(Callbacks callbacks, std::shared_ptr<InboundGate> gate) {
  std::shared_ptr<PodConnection> c(new PodConnection(std::move(callbacks), std::move(gate)));
  // The thread owns a reference: the connection lives until it has finished.
  std::thread([c] { c->run(); }).detach();
  return c;
}

void PodConnection::wake() {
  std::uint64_t one = 1;
  if (wake_fd_) [[maybe_unused]] auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

void PodConnection::deliver(std::string_view data) {
  {
    std::lock_guard lock(mu_);
    if (ended_ || aborted_ || client_eof_) return;
    inbound_.append(data);
  }
  if (gate_) gate_->add(data.size());
  wake();
}

void PodConnection::client_eof() {
  {
    std::lock_guard lock(mu_);
    client_eof_ = true;
  }
  wake();
}

void PodConnection::abort() {
  {
    std::lock_guard lock(mu_);
    aborted_ = true;
  }
  wake();
}

void PodConnection::run() {
  End end;
  UniqueFd sock;
  if (!wake_fd_) {
    end.error = std::string("eventfd: ") + std::strerror(errno);
  } else if (auto dialed = cb_.dial(); !dialed) {
    end.error = dialed.error().message;
  } else {
    sock = std::move(*dialed);
    ::fcntl(sock.get(), F_SETFL, ::fcntl(sock.get(), F_GETFL) | O_NONBLOCK);
  }

  bool write_shut = false;
  char buf[64 * 1024];
  while (sock) {
    bool have_out, eof;
    {
      std::lock_guard lock(mu_);
      if (aborted_) {
        end.aborted = true;
        break;
      }
      have_out = !inbound_.empty();
      eof = client_eof_;
    }
    if (!have_out && eof && !write_shut) {
      ::shutdown(sock.get(), SHUT_WR);
      write_shut = true;
    }
    bool backed_up = cb_.client_backlog && cb_.client_backlog() >= kMaxClientBacklog;
    pollfd fds[2] = {{sock.get(), 0, 0}, {wake_fd_.get(), POLLIN, 0}};
    if (!backed_up) fds[0].events |= POLLIN;
    if (have_out) fds[0].events |= POLLOUT;
    // A backed-up client transport has no wake-up of its own: look again shortly.
    int rc = ::poll(fds, 2, backed_up ? 10 : -1);
    if (rc < 0 && errno != EINTR) {
      end.error = std::string("poll: ") + std::strerror(errno);
      break;
    }
    if (fds[1].revents & POLLIN) {
      std::uint64_t n;
      [[maybe_unused]] auto r = ::read(wake_fd_.get(), &n, sizeof n);
    }
    if (fds[0].revents & POLLOUT) {
      std::lock_guard lock(mu_);
      ssize_t n = ::send(sock.get(), inbound_.data(), inbound_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        inbound_.erase(0, static_cast<std::size_t>(n));
        if (gate_) gate_->sub(static_cast<std::size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        end.error = std::string("write: ") + std::strerror(errno);
        break;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(sock.get(), buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        if (!cb_.to_client(std::string_view(buf, static_cast<std::size_t>(n)))) break;
      } else if (n == 0) {
        break;  // the pod closed the connection
      } else if (errno != EAGAIN && errno != EINTR) {
        end.error = std::string("read: ") + std::strerror(errno);
        break;
      }
    }
  }
  std::size_t left;
  {
    std::lock_guard lock(mu_);
    ended_ = true;
    left = inbound_.size();
    inbound_.clear();
  }
  if (gate_ && left) gate_->sub(left);
  sock.reset();
  if (cb_.on_end) cb_.on_end(end);
  cb_ = Callbacks{};  // drop what the callbacks hold (the session) now, not at the last reference
}

}  // namespace mk::agent::kubelet::streaming
