#include "agent/kubelet/backoff.h"

#include <algorithm>

namespace mk::agent::kubelet {

bool Backoff::expired(const Entry& e, int64_t event_ns) const {
  return event_ns - e.last_update_ns > std::chrono::nanoseconds(max_ * 2).count();
}

bool Backoff::in_backoff_since(const std::string& key, int64_t event_ns, int64_t now_ns) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || expired(it->second, event_ns)) return false;
  return now_ns - event_ns < std::chrono::nanoseconds(it->second.backoff).count();
}

void Backoff::next(const std::string& key, int64_t event_ns, int64_t now_ns) {
  auto it = entries_.find(key);
  if (it == entries_.end() || expired(it->second, event_ns)) {
    entries_[key] = Entry{initial_, now_ns};
    return;
  }
  it->second.backoff = std::min(max_, it->second.backoff * 2);
  it->second.last_update_ns = now_ns;
}

std::chrono::seconds Backoff::get(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? std::chrono::seconds(0) : it->second.backoff;
}

void Backoff::forget(const std::string& prefix) {
  for (auto it = entries_.lower_bound(prefix); it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    it = entries_.erase(it);
  }
}

std::string format_pod(const std::string& name, const std::string& ns, const std::string& uid) {
  return name + "_" + ns + "(" + uid + ")";
}

std::string go_duration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  return std::to_string(s / 3600) + "h" + std::to_string(s % 3600 / 60) + "m" + std::to_string(s % 60) + "s";
}

std::string crash_loop_message(std::chrono::seconds backoff, const std::string& container, const std::string& pod) {
  return "back-off " + go_duration(backoff) + " restarting failed container=" + container + " pod=" + pod;
}

}  // namespace mk::agent::kubelet
