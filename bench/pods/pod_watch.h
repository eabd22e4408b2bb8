#pragma once
// One watch stream on the pods of a namespace, noting per pod name when the stream first showed
// it bound to a node (spec.nodeName) and first showed it Running (status.phase). Times are
// taken when the event's bytes were read, before parsing.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/error.h"
#include "tls_material.h"
#include "watch_streams.h"

namespace mk::podbench {

struct PodTimes {
  int64_t scheduled_ns = 0;  // steady clock; 0 until seen
  int64_t running_ns = 0;
};

class PodWatch {
 public:
  // Watches `ns` from resourceVersion `from` on.
  static Result<std::unique_ptr<PodWatch>> open(const bench::TlsMaterial& tls, int port, const std::string& ns,
                                                const std::string& from);

  // Waits until `name` has been seen Running, the deadline passes, the stream fails or the run
  // is interrupted.
  Result<PodTimes> wait_running(const std::string& name, std::chrono::steady_clock::time_point deadline);

 private:
  PodWatch() = default;
  void on_event(std::string_view line, int64_t received_ns);

  std::mutex mu_;
  std::condition_variable seen_;
  std::map<std::string, PodTimes> times_;
  std::unique_ptr<bench::WatchStreams> stream_;  // last: stopped before the rest goes away
};

}  // namespace mk::podbench
