#pragma once
// GET /containerLogs/<ns>/<pod>/<container>: a container's CRI log files (current and rotated,
// or the previous instance's with `previous`) as plain text, as upstream's kubelet serves them:
// tailLines, sinceSeconds/sinceTime, timestamps (RFC 3339 with nanoseconds before each line),
// limitBytes, and follow (until the container ends or the client goes away).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/kubelet_server/kubelet_server.h"
#include "agent/kubelet_server/stream_tasks.h"
#include "common/error.h"

namespace mk::agent::kubelet {

struct LogOptions {
  std::string container;
  bool follow = false;
  bool previous = false;
  bool timestamps = false;
  std::optional<int64_t> tail_lines;
  std::optional<int64_t> limit_bytes;
  std::optional<int64_t> since_ns;  // unix time in ns; lines older are left out
};

// From the query; `now_ns` anchors sinceSeconds. Errc::invalid_argument for bad values.
Result<LogOptions> parse_log_options(const std::vector<std::pair<std::string, std::string>>& query,
                                     int64_t now_ns = 0);

// One line of a CRI log file: "<RFC3339Nano> <stream> <P|F> <content>".
struct CriLine {
  int64_t time_ns = 0;
  std::string timestamp;
  std::string content;
  bool partial = false;
};
std::optional<CriLine> parse_cri_line(const std::string& line);
// "2024-05-01T10:00:00.123456789Z" (or with an offset) -> ns since the epoch.
std::optional<int64_t> parse_rfc3339(const std::string& text);

// What the lines of these files (oldest first) print as with `options` (not following).
std::string render_logs(const std::vector<std::string>& cri_lines, const LogOptions& options);

// Answers on a thread of its own.
void serve_container_logs(const runtime::pod::Runtime& runtime, const PodTarget& pod, const LogOptions& options,
                          std::shared_ptr<http::ResponseWriter> writer, StreamTasks& tasks);

}  // namespace mk::agent::kubelet
