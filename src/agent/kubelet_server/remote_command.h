#pragma once
// exec and attach over WebSocket with the Kubernetes channel protocol (v5.channel.k8s.io for
// kubectl, v4.channel.k8s.io for the Python client and others): every binary message starts
// with its channel, 0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 terminal resize
// ({"Width","Height"}), and in v5 255 to close a channel ([255, 0]: stdin EOF). When the
// command ends, one Status on channel 3 (Success, or NonZeroExitCode with the ExitCode cause)
// and a close frame (1000).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/kubelet_server/kubelet_server.h"
#include "agent/kubelet_server/stream_tasks.h"
#include "common/error.h"

namespace mk::agent::kubelet {

struct RemoteCommandOptions {
  bool exec = true;  // false: attach
  std::string container;
  std::vector<std::string> command;
  bool stdin_ = false, stdout_ = false, stderr_ = false, tty = false;
};

// From the query (command=..&command=..&stdin=true...), checked as upstream does.
Result<RemoteCommandOptions> parse_remote_command_options(
    const std::vector<std::pair<std::string, std::string>>& query, bool exec);

// The channel-3 Status for an exit code: Success, or Failure NonZeroExitCode.
std::string exit_status_json(int exit_code);

// Checks the container, upgrades the connection and runs the command (or attaches); the
// streams are pumped on a thread of `tasks`.
void serve_remote_command(const runtime::pod::Runtime& runtime, const PodTarget& pod,
                          const RemoteCommandOptions& options, const http::Request& request,
                          std::shared_ptr<http::ResponseWriter> writer, StreamTasks& tasks);

}  // namespace mk::agent::kubelet
