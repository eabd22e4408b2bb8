#pragma once
// The shim's event loop: one thread polling the control socket, the containers' output, and a
// signalfd for SIGCHLD/SIGTERM. It starts containers as its own children, writes their output to
// CRI logs, records exits in state.json, and answers the requests described in protocol.h.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/shim/container_files.h"
#include "runtime/shim/cri_log.h"
#include "runtime/shim/protocol.h"
#include "runtime/shim/unique_fd.h"

namespace mk::runtime::shim {

class Supervisor {
 public:
  explicit Supervisor(std::string pod_dir);
  // Binds the control socket, writes shim.json (pid + start time) and prepares the signalfd.
  Status init();
  // Runs until a shutdown request has been made and no container is running. Returns the exit code.
  int run();

 private:
  struct Running {
    ContainerRecord record;
    ContainerState state;
    std::unique_ptr<CriLog> log;
    UniqueFd out, err;     // read ends (out is the pty's primary side with a tty)
    UniqueFd stdin_write;  // write end of the container's stdin pipe, when it has stdin
    std::vector<UniqueFd> stop_waiters, attached;
    int64_t kill_deadline_ns = 0;
  };

  std::string container_dir(const std::string& name) const;
  void handle_connection(UniqueFd conn);
  nlohmann::json status_reply() const;
  void start_container(UniqueFd& conn, const std::string& name);
  void stop_container(UniqueFd conn, const std::string& name, int grace_seconds);
  void exec_in_container(UniqueFd conn, const nlohmann::json& body, std::vector<UniqueFd>& fds);
  void attach(UniqueFd conn, const std::string& name);
  void reap();
  void on_exit(Running& c, int status);
  void drain(Running& c, UniqueFd& fd, CriLog::Stream stream);
  void save_state(const Running& c);
  bool any_running() const;

  std::string pod_dir_;
  UniqueFd listen_, signals_;
  std::map<std::string, std::unique_ptr<Running>> containers_;
  std::map<int, UniqueFd> exec_waiters_;  // exec pid -> connection waiting for its exit code
  bool shutting_down_ = false;
};

}  // namespace mk::runtime::shim
