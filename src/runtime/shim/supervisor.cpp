#include "runtime/shim/supervisor.h"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/cgroup/cgroup.h"
#include "runtime/container/container.h"

namespace mk::runtime::shim {
namespace {

using nlohmann::json;

// The shim stays small: no iostreams, one write(2) per line to stderr (the pod's shim.log).
void note(const std::string& message) {
  std::string line = CriLog::timestamp(now_ns()) + " shim: " + message + "\n";
  (void)!::write(2, line.data(), line.size());
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno_error("create pipe", errno);
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

struct Pty {
  UniqueFd primary, secondary;
};

Result<Pty> make_pty() {
  UniqueFd primary(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!primary) return errno_error("open pty", errno);
  if (::grantpt(primary.get()) != 0 || ::unlockpt(primary.get()) != 0) return errno_error("unlock pty", errno);
  char name[64];
  if (::ptsname_r(primary.get(), name, sizeof name) != 0) return errno_error("name pty", errno);
  UniqueFd secondary(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!secondary) return errno_error(std::string("open ") + name, errno);
  return Pty{std::move(primary), std::move(secondary)};
}

// How many OOM kills the container's cgroup has seen; 0 when it cannot be read.
uint64_t oom_kills(const std::string& cgroup_path) {
  if (cgroup_path.empty()) return 0;
  auto layout = cgroup::detect();
  if (!layout) return 0;
  auto cg = cgroup::Cgroup::open(*layout, cgroup_path);
  if (!cg) return 0;
  auto usage = cg->usage();
  return usage ? usage->oom_kills : 0;
}

void kill_cgroup(const std::string& cgroup_path) {
  if (cgroup_path.empty()) return;
  auto layout = cgroup::detect();
  if (!layout) return;
  if (auto cg = cgroup::Cgroup::open(*layout, cgroup_path)) (void)cg->kill_all();
}

}  // namespace

Supervisor::Supervisor(std::string pod_dir) : pod_dir_(std::move(pod_dir)) {}

std::string Supervisor::container_dir(const std::string& name) const {
  return pod_dir_ + "/containers/" + name;
}

Status Supervisor::init() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return errno_error("block signals", errno);
  ::signal(SIGPIPE, SIG_IGN);
  signals_.reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!signals_) return errno_error("create signalfd", errno);

  std::string sock_path = pod_dir_ + "/shim.sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (sock_path.size() >= sizeof addr.sun_path) {
    return make_error(Errc::invalid_argument, "bind " + sock_path + ": path too long for a unix socket");
  }
  std::memcpy(addr.sun_path, sock_path.c_str(), sock_path.size() + 1);
  listen_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listen_) return errno_error("create shim socket", errno);
  ::unlink(sock_path.c_str());
  if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return errno_error("bind " + sock_path, errno);
  }
  ::chmod(sock_path.c_str(), 0600);
  if (::listen(listen_.get(), 16) != 0) return errno_error("listen " + sock_path, errno);

  int pid = static_cast<int>(::getpid());
  json identity = {{"pid", pid}, {"start_time", process_start_time(pid)}};
  return write_file_atomic(pod_dir_ + "/shim.json", identity.dump() + "\n");
}

bool Supervisor::any_running() const {
  for (const auto& [name, c] : containers_) {
    if (c->state.phase == Phase::running) return true;
  }
  return false;
}

void Supervisor::save_state(const Running& c) {
  if (auto s = write_file_atomic(container_dir(c.record.name) + "/state.json", to_json(c.state).dump() + "\n"); !s) {
    note("save state of " + c.record.name + ": " + s.error().message);
  }
}

json Supervisor::status_reply() const {
  json containers = json::object();
  for (const auto& [name, c] : containers_) containers[name] = to_json(c->state);
  return {{"ok", true}, {"pid", static_cast<int>(::getpid())}, {"containers", containers}};
}

int Supervisor::run() {
  note("serving " + pod_dir_);
  for (;;) {
    if (shutting_down_ && !any_running()) break;
    std::vector<pollfd> fds;
    fds.push_back({signals_.get(), POLLIN, 0});
    fds.push_back({listen_.get(), POLLIN, 0});
    std::vector<std::pair<Running*, int>> streams;  // index into fds -> (container, 0 out / 1 err)
    int64_t next_deadline = 0;
    for (auto& [name, c] : containers_) {
      if (c->out) {
        streams.push_back({c.get(), 0});
        fds.push_back({c->out.get(), POLLIN, 0});
      }
      if (c->err) {
        streams.push_back({c.get(), 1});
        fds.push_back({c->err.get(), POLLIN, 0});
      }
      if (c->kill_deadline_ns && (!next_deadline || c->kill_deadline_ns < next_deadline)) {
        next_deadline = c->kill_deadline_ns;
      }
    }
    int timeout = -1;
    if (next_deadline) {
      int64_t left = (next_deadline - now_ns()) / 1000000;
      timeout = left < 0 ? 0 : static_cast<int>(left) + 1;
    }
    int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno != EINTR) {
      note(std::string("poll: ") + std::strerror(errno));
      return 1;
    }
    // Grace periods that ran out: SIGKILL to the container's whole cgroup and its main process.
    int64_t now = now_ns();
    for (auto& [name, c] : containers_) {
      if (c->kill_deadline_ns && c->kill_deadline_ns <= now && c->state.phase == Phase::running) {
        note("grace period of " + name + " over, killing it");
        kill_cgroup(c->record.cgroup);
        ::kill(c->state.pid, SIGKILL);
        c->kill_deadline_ns = 0;
      }
    }
    if (n <= 0) continue;
    for (size_t i = 2; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      auto [c, which] = streams[i - 2];
      drain(*c, which == 0 ? c->out : c->err, which == 0 ? CriLog::out : CriLog::err);
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info;
      while (::read(signals_.get(), &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGCHLD) {
          reap();
        } else {
          // SIGTERM to the shim itself: containers keep running; only a shutdown request or the
          // end of every container ends the shim. Logged so an operator sees it was asked.
          note("ignoring signal " + std::to_string(info.ssi_signo) + "; send a shutdown request instead");
        }
      }
    }
    if (fds[1].revents & POLLIN) {
      UniqueFd conn(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn) {
        // A client that stalls mid-request must not stall every container's logs.
        timeval tv{2, 0};
        ::setsockopt(conn.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(conn.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        handle_connection(std::move(conn));
      }
    }
  }
  ::unlink((pod_dir_ + "/shim.sock").c_str());
  note("no container running after shutdown request, exiting");
  return 0;
}

void Supervisor::drain(Running& c, UniqueFd& fd, CriLog::Stream stream) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      std::string_view data(buf, static_cast<size_t>(n));
      c.log->write(stream, data);
      for (auto it = c.attached.begin(); it != c.attached.end();) {
        if (::send(it->get(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN) {
          it = c.attached.erase(it);
        } else {
          ++it;
        }
      }
      continue;
    }
    if (n < 0 && errno == EAGAIN) return;
    // EOF (or EIO from a pty whose other side closed): the stream is over.
    c.log->finish(stream);
    fd.reset();
    if (!c.out && !c.err) c.attached.clear();
    return;
  }
}

void Supervisor::handle_connection(UniqueFd conn) {
  auto message = receive_message(conn.get());
  if (!message) return;
  const json& body = message->body;
  std::string op = body.value("op", "");
  std::string name = body.value("container", "");
  if (op == "status") {
    (void)send_message(conn.get(), status_reply());
  } else if (op == "start") {
    start_container(conn, name);
  } else if (op == "stop") {
    stop_container(std::move(conn), name, body.value("grace_seconds", 30));
  } else if (op == "exec") {
    exec_in_container(std::move(conn), body, message->fds);
  } else if (op == "attach") {
    attach(std::move(conn), name);
  } else if (op == "reopen_log") {
    auto it = containers_.find(name);
    if (it == containers_.end()) {
      (void)send_message(conn.get(), error_reply("reopen log of " + name + ": no such container"));
    } else if (auto s = it->second->log->reopen(); !s) {
      (void)send_message(conn.get(), error_reply(s.error().message));
    } else {
      (void)send_message(conn.get(), {{"ok", true}});
    }
  } else if (op == "shutdown") {
    shutting_down_ = true;
    (void)send_message(conn.get(), {{"ok", true}});
  } else {
    (void)send_message(conn.get(), error_reply("unknown shim request \"" + op + "\""));
  }
}

void Supervisor::start_container(UniqueFd& conn, const std::string& name) {
  auto fail = [&](const std::string& message) { (void)send_message(conn.get(), error_reply(message)); };
  if (name.empty() || name.find('/') != std::string::npos) return fail("start container: bad name \"" + name + "\"");
  auto existing = containers_.find(name);
  if (existing != containers_.end() && existing->second->state.phase == Phase::running) {
    return fail("start container " + name + ": already running");
  }
  auto j = read_json_file(container_dir(name) + "/config.json");
  if (!j) return fail("start container " + name + ": " + j.error().message);
  auto record = record_from_json(*j);
  if (!record) return fail("start container " + name + ": " + record.error().message);

  auto c = std::make_unique<Running>();
  c->record = std::move(*record);
  c->log = std::make_unique<CriLog>(c->record.log_path, c->record.log_max_bytes, c->record.log_max_files);
  if (auto s = c->log->open(); !s) return fail("start container " + name + ": " + s.error().message);

  container::Config config = c->record.config;
  UniqueFd child_in, child_out, child_err, child_tty;
  if (c->record.tty) {
    auto pty = make_pty();
    if (!pty) return fail("start container " + name + ": " + pty.error().message);
    c->out = std::move(pty->primary);
    child_tty = std::move(pty->secondary);
    config.process.terminal = child_tty.get();
  } else {
    auto out = make_pipe();
    auto err = make_pipe();
    if (!out || !err) return fail("start container " + name + ": create output pipes");
    c->out = std::move(out->read);
    c->err = std::move(err->read);
    child_out = std::move(out->write);
    child_err = std::move(err->write);
    config.process.stdout_fd = child_out.get();
    config.process.stderr_fd = child_err.get();
    if (c->record.stdin_open) {
      auto in = make_pipe();
      if (!in) return fail("start container " + name + ": " + in.error().message);
      c->stdin_write = std::move(in->write);
      child_in = std::move(in->read);
      config.process.stdin_fd = child_in.get();
    }
  }
  auto pid = container::start(config);
  // Setting up a container allocates (mount tables, seccomp filters) and frees it all again;
  // give those pages back so that each idle shim stays small.
  ::malloc_trim(0);
  if (!pid) {
    c->state.phase = Phase::exited;
    c->state.exit_code = 128;
    c->state.reason = "StartError";
    c->state.message = pid.error().message;
    c->state.finished_at_ns = now_ns();
    c->out.reset();
    c->err.reset();
    save_state(*c);
    containers_[name] = std::move(c);
    return fail(pid.error().message);
  }
  if (c->out) set_nonblocking(c->out.get());
  if (c->err) set_nonblocking(c->err.get());
  c->state.phase = Phase::running;
  c->state.pid = static_cast<int>(*pid);
  c->state.pid_start_time = process_start_time(c->state.pid);
  c->state.started_at_ns = now_ns();
  save_state(*c);
  note("started " + name + " as pid " + std::to_string(c->state.pid));
  int started = c->state.pid;
  containers_[name] = std::move(c);
  (void)send_message(conn.get(), {{"ok", true}, {"pid", started}});
}

void Supervisor::stop_container(UniqueFd conn, const std::string& name, int grace_seconds) {
  auto it = containers_.find(name);
  if (it == containers_.end()) {
    (void)send_message(conn.get(), error_reply("stop container " + name + ": no such container"));
    return;
  }
  Running& c = *it->second;
  if (c.state.phase != Phase::running) {
    (void)send_message(conn.get(), {{"ok", true}, {"exit_code", c.state.exit_code}});
    return;
  }
  // The main process is our unreaped child, so its pid cannot have been reused.
  ::kill(c.state.pid, c.record.stop_signal);
  int64_t deadline = now_ns() + int64_t{grace_seconds < 0 ? 0 : grace_seconds} * 1000000000;
  if (!c.kill_deadline_ns || deadline < c.kill_deadline_ns) c.kill_deadline_ns = deadline;
  c.stop_waiters.push_back(std::move(conn));
}

void Supervisor::exec_in_container(UniqueFd conn, const json& body, std::vector<UniqueFd>& fds) {
  std::string name = body.value("container", "");
  auto it = containers_.find(name);
  if (it == containers_.end()) {
    (void)send_message(conn.get(), error_reply("exec in container " + name + ": no such container"));
    return;
  }
  if (it->second->state.phase != Phase::running) {
    (void)send_message(conn.get(), error_reply("exec in container " + name + ": not running"));
    return;
  }
  Running& c = *it->second;
  container::ExecConfig config;
  config.target = c.state.pid;
  config.cgroup_procs = c.record.config.cgroup_procs;
  config.rootfs_hint = c.record.config.rootfs;
  config.process = c.record.config.process;
  config.process.args = body.value("args", std::vector<std::string>{});
  for (const auto& e : body.value("env", std::vector<std::string>{})) config.process.env.push_back(e);
  bool tty = body.value("tty", false);
  UniqueFd primary, secondary;
  if (tty) {
    auto pty = make_pty();
    if (!pty) {
      (void)send_message(conn.get(), error_reply("exec in container " + name + ": " + pty.error().message));
      return;
    }
    primary = std::move(pty->primary);
    secondary = std::move(pty->secondary);
    config.process.terminal = secondary.get();
  } else {
    config.process.stdin_fd = fds.size() > 0 ? fds[0].get() : -1;
    config.process.stdout_fd = fds.size() > 1 ? fds[1].get() : -1;
    config.process.stderr_fd = fds.size() > 2 ? fds[2].get() : -1;
  }
  auto pid = container::exec(config);
  ::malloc_trim(0);
  fds.clear();
  secondary.reset();
  if (!pid) {
    (void)send_message(conn.get(), error_reply(pid.error().message));
    return;
  }
  std::vector<int> reply_fds;
  if (primary) reply_fds.push_back(primary.get());
  (void)send_message(conn.get(), {{"ok", true}, {"pid", static_cast<int>(*pid)}}, reply_fds);
  // The exit code is sent later, on this connection; a slow reader must not block the shim then.
  timeval tv{1, 0};
  ::setsockopt(conn.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  exec_waiters_[static_cast<int>(*pid)] = std::move(conn);
}

void Supervisor::attach(UniqueFd conn, const std::string& name) {
  auto it = containers_.find(name);
  if (it == containers_.end() || it->second->state.phase != Phase::running) {
    (void)send_message(conn.get(), error_reply("attach to container " + name + ": not running"));
    return;
  }
  Running& c = *it->second;
  std::vector<int> fds;
  if (c.stdin_write) fds.push_back(c.stdin_write.get());
  // A terminal takes its input on the same side the output comes from.
  else if (c.record.tty && c.out) fds.push_back(c.out.get());
  bool has_stdin = !fds.empty();
  if (send_message(conn.get(), {{"ok", true}, {"stdin", has_stdin}}, fds)) {
    c.attached.push_back(std::move(conn));
    // stdinOnce: the attacher now holds the only write end, so its close is the container's EOF.
    if (c.record.stdin_once && c.stdin_write) c.stdin_write.reset();
  }
}

void Supervisor::reap() {
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (auto waiter = exec_waiters_.find(pid); waiter != exec_waiters_.end()) {
      (void)send_message(waiter->second.get(), {{"exit_code", code}});
      exec_waiters_.erase(waiter);
      continue;
    }
    for (auto& [name, c] : containers_) {
      if (c->state.phase == Phase::running && c->state.pid == pid) {
        on_exit(*c, status);
        break;
      }
    }
  }
}

void Supervisor::on_exit(Running& c, int status) {
  // Take what the container wrote before it died, so the log is complete when the state says so.
  if (c.out) drain(c, c.out, CriLog::out);
  if (c.err) drain(c, c.err, CriLog::err);
  c.state.phase = Phase::exited;
  c.state.finished_at_ns = now_ns();
  c.state.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  bool killed = (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) || c.state.exit_code == 128 + SIGKILL;
  if (killed && oom_kills(c.record.cgroup) > 0) {
    c.state.reason = "OOMKilled";
  } else {
    c.state.reason = c.state.exit_code == 0 ? "Completed" : "Error";
  }
  c.kill_deadline_ns = 0;
  c.stdin_write.reset();
  save_state(c);
  note("container " + c.record.name + " exited with code " + std::to_string(c.state.exit_code) + " (" +
       c.state.reason + ")");
  for (auto& waiter : c.stop_waiters) {
    (void)send_message(waiter.get(), {{"ok", true}, {"exit_code", c.state.exit_code}});
  }
  c.stop_waiters.clear();
}

}  // namespace mk::runtime::shim
