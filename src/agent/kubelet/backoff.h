#pragma once
// The kubelet's container restart back-off, as client-go's flowcontrol.Backoff with the
// kubelet's settings: 10 s doubling up to 300 s per container; an entry last updated more than
// twice the maximum (10 min) before the event is forgotten, so a container that ran that long
// starts again at 10 s. Times are nanoseconds since the epoch, passed in, so tests need no clock.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace mk::agent::kubelet {

class Backoff {
 public:
  explicit Backoff(std::chrono::seconds initial = std::chrono::seconds(10),
                   std::chrono::seconds max = std::chrono::seconds(300))
      : initial_(initial), max_(max) {}

  // IsInBackOffSince: true while less than the current back-off has passed since `event_ns`
  // (the container's finish time).
  bool in_backoff_since(const std::string& key, int64_t event_ns, int64_t now_ns) const;
  // Next: starts (10 s) or doubles the entry's back-off; called when a restart goes ahead.
  void next(const std::string& key, int64_t event_ns, int64_t now_ns);
  // The current back-off (0 without an entry).
  std::chrono::seconds get(const std::string& key) const;
  // Forgets every key starting with `prefix` (a pod's uid when the pod goes away).
  void forget(const std::string& prefix);

 private:
  struct Entry {
    std::chrono::seconds backoff{0};
    int64_t last_update_ns = 0;
  };
  bool expired(const Entry& e, int64_t event_ns) const;
  std::chrono::seconds initial_, max_;
  std::map<std::string, Entry> entries_;
};

// "name_namespace(uid)", upstream's format.Pod.
std::string format_pod(const std::string& name, const std::string& ns, const std::string& uid);

// "back-off 10s restarting failed container=c pod=p_ns(uid)", the CrashLoopBackOff message.
std::string crash_loop_message(std::chrono::seconds backoff, const std::string& container, const std::string& pod);

// Go's time.Duration String for whole seconds: "10s", "1m20s", "5m0s".
std::string go_duration(std::chrono::seconds d);

}  // namespace mk::agent::kubelet
