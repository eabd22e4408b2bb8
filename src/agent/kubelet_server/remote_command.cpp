#include "agent/kubelet_server/remote_command.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "api/status.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "http/byte_stream.h"
#include "http/websocket.h"
#include "runtime/shim/protocol.h"

namespace mk::agent::kubelet {
namespace {

namespace ws = http::websocket;
using nlohmann::json;

constexpr unsigned char kStdin = 0, kStdout = 1, kStderr = 2, kError = 3, kResize = 4, kClose = 255;
constexpr size_t kMaxQueued = 4u << 20;  // bytes queued to the client before output reads pause

bool truthy(const std::string& v) { return v == "true" || v == "True" || v == "1"; }

void respond_error(const std::shared_ptr<http::ResponseWriter>& w, const api::ApiError& e) {
  w->respond(e.code, {{"Content-Type", "application/json"}}, e.to_status().dump());
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

struct Pipe {
  UniqueFd read, write;
};
std::optional<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::string failure_json(const std::string& message) {
  return json{{"metadata", json::object()},
              {"status", "Failure"},
              {"message", "Internal error occurred: " + message},
              {"reason", "InternalError"},
              {"details", {{"causes", json::array({{{"message", message}}})}}},
              {"code", 500}}
      .dump();
}

// One exec or attach: the WebSocket side (fed on the server's I/O thread) and the process side
// (pumped on a task thread).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(bool v5, bool tty) : v5_(v5), tty_(tty), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

  void set_stream(std::shared_ptr<http::ByteStream> stream) {
    stream_ = std::move(stream);
    std::weak_ptr<Session> weak = shared_from_this();
    stream_->start(
        [weak](std::string_view data) {
          if (auto self = weak.lock()) self->on_data(data);
        },
        [weak] {
          if (auto self = weak.lock()) {
            self->client_gone_ = true;
            self->wake();
          }
        });
  }

  void send(unsigned char channel, std::string_view data) {
    std::string payload;
    payload.reserve(data.size() + 1);
    payload += static_cast<char>(channel);
    payload.append(data);
    stream_->write(ws::encode_frame(ws::Opcode::binary, payload));
  }

  // Ends the session: the Status on channel 3, then a normal close.
  void finish(const std::string& status_json) {
    if (!client_gone_) {
      send(kError, status_json);
      stream_->write(ws::close_frame(1000));
    }
    stream_->close();
  }

  void wake() {
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
  }

  // Everything the process side needs, taken under the lock.
  struct Inbox {
    std::string stdin_data;
    bool stdin_closed = false;
    std::optional<std::pair<int, int>> resize;  // width, height
  };
  Inbox take_inbox() {
    std::lock_guard<std::mutex> lock(mu_);
    Inbox out = std::move(inbox_);
    inbox_ = Inbox{};
    out.stdin_closed = stdin_closed_;
    return out;
  }
  size_t queued_stdin() {
    std::lock_guard<std::mutex> lock(mu_);
    return inbox_.stdin_data.size();
  }

  bool client_gone() const { return client_gone_; }
  int wake_fd() const { return wake_.get(); }
  http::ByteStream& stream() { return *stream_; }
  bool tty() const { return tty_; }

 private:
  void on_data(std::string_view data) {
    std::vector<ws::Message> messages;
    bool ok = decoder_.feed(data, messages);
    bool changed = false;
    for (auto& m : messages) {
      if (m.opcode == ws::Opcode::ping) {
        stream_->write(ws::encode_frame(ws::Opcode::pong, m.payload));
      } else if (m.opcode == ws::Opcode::close) {
        // The client is done: answer the close, stop reading.
        std::lock_guard<std::mutex> lock(mu_);
        stdin_closed_ = true;
        client_gone_ = true;
        changed = true;
      } else if ((m.opcode == ws::Opcode::binary || m.opcode == ws::Opcode::text) && !m.payload.empty()) {
        auto channel = static_cast<unsigned char>(m.payload[0]);
        std::string_view body(m.payload);
        body.remove_prefix(1);
        std::lock_guard<std::mutex> lock(mu_);
        if (channel == kStdin) {
          inbox_.stdin_data.append(body);
        } else if (channel == kResize) {
          auto size = json::parse(body, nullptr, false);
          if (size.is_object()) inbox_.resize = std::make_pair(size.value("Width", 0), size.value("Height", 0));
        } else if (channel == kClose && v5_ && !body.empty() && static_cast<unsigned char>(body[0]) == kStdin) {
          stdin_closed_ = true;
        }
        changed = true;
      }
    }
    if (!ok) {
      MK_LOG(debug) << "kubelet: exec stream: " << decoder_.error();
      client_gone_ = true;
      changed = true;
    }
    if (changed) wake();
    if (queued_stdin() > kMaxQueued) stream_->pause_reading(true);
  }

  bool v5_, tty_;
  UniqueFd wake_;
  std::shared_ptr<http::ByteStream> stream_;
  ws::Decoder decoder_;
  std::mutex mu_;
  Inbox inbox_;
  bool stdin_closed_ = false;
  std::atomic<bool> client_gone_{false};
};

// The process side: outputs to channels, stdin from the client, the end to wait for.
struct Pump {
  struct Output {
    UniqueFd fd;
    unsigned char channel;  // 0: read and dropped
  };
  std::vector<Output> outputs;
  UniqueFd stdin_fd;
  int pty = -1;             // resized on channel 4
  int exit_connection = -1; // the shim sends {"exit_code"} here (tty exec)
  std::atomic<int>* exit_code = nullptr;  // set by a waiter thread (exec without tty)
  bool ends_with_outputs = false;         // attach: done when the output ends
};

void run_pump(Session& s, Pump& p, StreamTasks& tasks, std::optional<int>& code, std::string& failure) {
  std::string pending_stdin;
  bool stdin_eof = false;
  std::optional<std::chrono::steady_clock::time_point> exited_at;
  for (auto& o : p.outputs) set_nonblocking(o.fd.get());
  if (p.stdin_fd) set_nonblocking(p.stdin_fd.get());
  char buf[32768];
  for (;;) {
    if (s.client_gone() || tasks.stopping()) return;
    auto inbox = s.take_inbox();
    pending_stdin += inbox.stdin_data;
    if (!inbox.stdin_data.empty()) s.stream().pause_reading(false);
    if (inbox.stdin_closed) stdin_eof = true;
    if (inbox.resize && p.pty >= 0 && inbox.resize->first > 0 && inbox.resize->second > 0) {
      winsize size{};
      size.ws_col = static_cast<unsigned short>(inbox.resize->first);
      size.ws_row = static_cast<unsigned short>(inbox.resize->second);
      ::ioctl(p.pty, TIOCSWINSZ, &size);
    }
    if (p.stdin_fd && !pending_stdin.empty()) {
      ssize_t n = ::write(p.stdin_fd.get(), pending_stdin.data(), pending_stdin.size());
      if (n > 0) pending_stdin.erase(0, static_cast<size_t>(n));
      else if (n < 0 && errno != EAGAIN && errno != EINTR) pending_stdin.clear(), p.stdin_fd.reset();
    }
    if (stdin_eof && pending_stdin.empty() && p.stdin_fd) {
      // A terminal has no EOF of its own: the reader sees one on Ctrl-D, which kubectl sends.
      if (p.stdin_fd.get() != p.pty) p.stdin_fd.reset();
    }
    if (!pending_stdin.empty() && !p.stdin_fd) pending_stdin.clear();

    if (!code && p.exit_code && p.exit_code->load() != INT32_MIN) code = p.exit_code->load();
    if (code && !exited_at) exited_at = std::chrono::steady_clock::now();

    bool outputs_open = false;
    for (auto& o : p.outputs) outputs_open = outputs_open || static_cast<bool>(o.fd);
    if (p.ends_with_outputs && !outputs_open) return;
    if (code && !outputs_open) return;
    // Output still held open by something the command left behind: give it a moment.
    if (exited_at && std::chrono::steady_clock::now() - *exited_at > std::chrono::milliseconds(500)) return;

    std::vector<pollfd> fds;
    fds.push_back({s.wake_fd(), POLLIN, 0});
    bool slow_client = s.stream().pending_bytes() > kMaxQueued;
    std::vector<Pump::Output*> polled;
    for (auto& o : p.outputs) {
      if (!o.fd || slow_client) continue;
      fds.push_back({o.fd.get(), POLLIN, 0});
      polled.push_back(&o);
    }
    if (p.stdin_fd && !pending_stdin.empty() && p.stdin_fd.get() != p.pty) fds.push_back({p.stdin_fd.get(), POLLOUT, 0});
    int exit_index = -1;
    if (p.exit_connection >= 0 && !code) {
      exit_index = static_cast<int>(fds.size());
      fds.push_back({p.exit_connection, POLLIN, 0});
    }
    int timeout = slow_client || (p.stdin_fd && p.stdin_fd.get() == p.pty && !pending_stdin.empty()) ? 20 : 100;
    int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno != EINTR) {
      failure = "poll: " + std::string(strerror(errno));
      return;
    }
    if (fds[0].revents & POLLIN) {
      uint64_t v;
      (void)!::read(s.wake_fd(), &v, sizeof v);
    }
    for (size_t i = 0; i < polled.size(); ++i) {
      short ev = fds[1 + i].revents;
      if (!ev) continue;
      Pump::Output& o = *polled[i];
      ssize_t r = ::read(o.fd.get(), buf, sizeof buf);
      if (r > 0) {
        if (o.channel != 0) s.send(o.channel, std::string_view(buf, static_cast<size_t>(r)));
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        // EOF, or EIO from a terminal whose process side closed.
        if (o.fd.get() == p.pty) p.pty = -1;
        o.fd.reset();
      }
    }
    if (exit_index >= 0 && fds[exit_index].revents) {
      auto done = runtime::shim::receive_message(p.exit_connection);
      code = done ? done->body.value("exit_code", -1) : -1;
    }
  }
}

void start_session(std::shared_ptr<Session> session, runtime::pod::Runtime runtime, PodTarget pod,
                   RemoteCommandOptions o, StreamTasks& tasks) {
  auto body = [session, runtime, pod, o, &tasks]() mutable {
    Pump pump;
    std::optional<int> code;
    std::string failure;
    UniqueFd exit_connection;
    auto exit_code = std::make_shared<std::atomic<int>>(INT32_MIN);
    struct StartError {
      std::mutex mu;
      std::string message;
    };
    auto start_error = std::make_shared<StartError>();
    if (!o.exec) {
      auto attached = runtime.attach(pod.uid, o.container);
      if (!attached) {
        session->finish(failure_json(attached.error().message));
        return;
      }
      pump.outputs.push_back({std::move(attached->output), static_cast<unsigned char>(o.stdout_ ? kStdout : 0)});
      if (o.stdin_ && attached->stdin_fd) {
        pump.stdin_fd = std::move(attached->stdin_fd);
        // A terminal container: the input goes to its terminal, which channel 4 resizes.
        if (o.tty) pump.pty = pump.stdin_fd.get();
      }
      pump.ends_with_outputs = true;
    } else if (o.tty) {
      runtime::pod::ExecRequest req;
      req.args = o.command;
      req.env = {"TERM=xterm"};
      auto started = runtime.exec_tty(pod.uid, o.container, req);
      if (!started) {
        session->finish(failure_json(started.error().message));
        return;
      }
      int pty = started->pty.get();
      exit_connection = std::move(started->connection);
      pump.exit_connection = exit_connection.get();
      pump.pty = pty;
      if (o.stdin_) {
        int dup = ::fcntl(pty, F_DUPFD_CLOEXEC, 0);
        pump.outputs.push_back({std::move(started->pty), kStdout});
        // The same terminal takes the input; a separate descriptor so each closes on its own.
        pump.stdin_fd = UniqueFd(dup);
        pump.pty = dup;
      } else {
        pump.outputs.push_back({std::move(started->pty), kStdout});
      }
    } else {
      runtime::pod::ExecRequest req;
      req.args = o.command;
      std::optional<Pipe> in, out, err;
      if (o.stdin_) in = make_pipe();
      if (o.stdout_) out = make_pipe();
      if (o.stderr_) err = make_pipe();
      if ((o.stdin_ && !in) || (o.stdout_ && !out) || (o.stderr_ && !err)) {
        session->finish(failure_json("create pipes: " + std::string(strerror(errno))));
        return;
      }
      auto child_in = std::make_shared<UniqueFd>(in ? std::move(in->read) : UniqueFd());
      auto child_out = std::make_shared<UniqueFd>(out ? std::move(out->write) : UniqueFd());
      auto child_err = std::make_shared<UniqueFd>(err ? std::move(err->write) : UniqueFd());
      if (in) pump.stdin_fd = std::move(in->write);
      if (out) pump.outputs.push_back({std::move(out->read), kStdout});
      if (err) pump.outputs.push_back({std::move(err->read), kStderr});
      req.stdin_fd = child_in->get();
      req.stdout_fd = child_out->get();
      req.stderr_fd = child_err->get();
      // The runtime call waits for the exit; on a thread of its own, so the pump can run. It
      // holds only copies (the runtime is its configuration) and the session by reference count.
      std::thread([runtime, pod, o, req, child_in, child_out, child_err, exit_code, session, start_error]() mutable {
        auto result = runtime.exec(pod.uid, o.container, req);
        child_in->reset();
        child_out->reset();
        child_err->reset();
        if (!result) {
          MK_LOG(info) << "kubelet: exec in " << pod.namespace_name << "/" << pod.name << ": " << result.error().message;
          std::lock_guard<std::mutex> lock(start_error->mu);
          start_error->message = result.error().message;
        }
        exit_code->store(result ? *result : -2);
        session->wake();
      }).detach();
      pump.exit_code = exit_code.get();
    }
    run_pump(*session, pump, tasks, code, failure);
    if (!failure.empty()) return session->finish(failure_json(failure));
    if (o.exec && code && *code == -2) {
      std::lock_guard<std::mutex> lock(start_error->mu);
      return session->finish(failure_json(start_error->message.empty() ? "the command could not be run" : start_error->message));
    }
    if (!o.exec || !code) return session->finish(exit_status_json(0));
    session->finish(exit_status_json(*code));
  };
  if (!tasks.spawn(std::move(body))) session->finish(failure_json("the kubelet is shutting down"));
}

}  // namespace

std::string exit_status_json(int exit_code) {
  if (exit_code == 0) return json{{"metadata", json::object()}, {"status", "Success"}}.dump();
  std::string code = std::to_string(exit_code);
  return json{{"metadata", json::object()},
              {"status", "Failure"},
              {"message", "command terminated with non-zero exit code: exit status " + code},
              {"reason", "NonZeroExitCode"},
              {"details", {{"causes", json::array({{{"reason", "ExitCode"}, {"message", code}}})}}}}
      .dump();
}

Result<RemoteCommandOptions> parse_remote_command_options(
    const std::vector<std::pair<std::string, std::string>>& query, bool exec) {
  RemoteCommandOptions o;
  o.exec = exec;
  for (const auto& [k, v] : query) {
    if (k == "command") o.command.push_back(v);
    else if (k == "stdin" || k == "input") o.stdin_ = truthy(v);
    else if (k == "stdout" || k == "output") o.stdout_ = truthy(v);
    else if (k == "stderr" || k == "error") o.stderr_ = truthy(v);
    else if (k == "tty") o.tty = truthy(v);
  }
  if (exec && o.command.empty())
    return make_error(Errc::invalid_argument, "you must specify at least one command for the container");
  if (!o.stdin_ && !o.stdout_ && !o.stderr_)
    return make_error(Errc::invalid_argument, "you must specify at least 1 of stdin, stdout, stderr");
  if (o.tty && o.stderr_) o.stderr_ = false;  // a terminal has one output; kubectl sends no stderr with -t
  return o;
}

void serve_remote_command(const runtime::pod::Runtime& runtime, const PodTarget& pod,
                          const RemoteCommandOptions& options, const http::Request& request,
                          std::shared_ptr<http::ResponseWriter> writer, StreamTasks& tasks) {
  auto status = runtime.status(pod.uid);
  if (!status) return respond_error(writer, api::internal_error(status.error().message));
  const runtime::pod::ContainerStatus* container = nullptr;
  for (const auto& c : status->containers)
    if (c.name == options.container) container = &c;
  if (!container)
    return respond_error(writer, api::bad_request("container " + options.container + " is not valid for pod " + pod.name));
  if (container->state.phase != runtime::shim::Phase::running || status->shim_pid == 0)
    return respond_error(writer, api::bad_request("container \"" + options.container + "\" in pod \"" + pod.name +
                                                  "\" is not running"));
  if (!ws::is_upgrade_request(request))
    return respond_error(writer, api::bad_request("Upgrade request required: exec and attach need a WebSocket "
                                                  "upgrade with protocol v5.channel.k8s.io or v4.channel.k8s.io"));
  std::string protocol;
  for (const auto& p : ws::offered_protocols(request)) {
    if (p == "v5.channel.k8s.io" || p == "v4.channel.k8s.io") {
      if (protocol.empty() || p == "v5.channel.k8s.io") protocol = p;
    }
  }
  if (protocol.empty())
    return respond_error(writer, api::bad_request("unable to upgrade: none of the offered WebSocket protocols is "
                                                  "supported (v5.channel.k8s.io, v4.channel.k8s.io)"));
  auto session = std::make_shared<Session>(protocol == "v5.channel.k8s.io", options.tty);
  runtime::pod::Runtime copy = runtime;
  StreamTasks* task_group = &tasks;
  writer->upgrade(101, ws::handshake_headers(request, protocol),
                  [session, copy, pod, options, task_group](std::shared_ptr<http::ByteStream> stream) {
                    session->set_stream(std::move(stream));
                    start_session(session, copy, pod, options, *task_group);
                  });
}

}  // namespace mk::agent::kubelet
