#pragma once
// The shim's control protocol, spoken over the unix stream socket `<pod-dir>/shim.sock`.
//
// Every message, both ways, is a 4-byte big-endian length followed by that many bytes of one
// JSON object. File descriptors travel as SCM_RIGHTS on the length header. A connection carries
// one request and its reply, except where noted.
//
// Requests ({"op": ...}) and replies ({"ok": true, ...} or {"ok": false, "error": "..."}):
//   status                      -> {"ok", "pid", "containers": {name: <state, see state_file.h>}}
//   start    {"container"}      -> {"ok", "pid"}: starts the container from
//                                  containers/<name>/config.json under the pod dir
//   stop     {"container", "grace_seconds"}
//                               -> sends the stop signal, SIGKILL to the container's cgroup after
//                                  the grace period; replies once the process has been reaped
//   exec     {"container", "args", "env", "tty"} + fds [stdin, stdout, stderr] (without tty)
//                               -> {"ok", "pid"} (+ the pty's primary side as one fd with tty),
//                                  then, on the same connection, {"exit_code"} when it ends
//   attach   {"container"}      -> {"ok"} + the container's stdin write end as an fd when it has
//                                  stdin; then the container's output as raw bytes until it exits
//   reopen_log {"container"}    -> {"ok"}: reopens the log file by path
//   shutdown                    -> {"ok"}; the shim exits once no container is running

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/shim/unique_fd.h"

namespace mk::runtime::shim {

struct Message {
  nlohmann::json body;
  std::vector<UniqueFd> fds;
};

constexpr size_t kMaxMessageBytes = 1 << 20;
constexpr size_t kMaxMessageFds = 4;

Status send_message(int sock, const nlohmann::json& body, const std::vector<int>& fds = {});
// Reads one whole message; Errc::unavailable when the peer closed before any byte.
Result<Message> receive_message(int sock);

// A reply saying what failed.
nlohmann::json error_reply(const std::string& message);

}  // namespace mk::runtime::shim
