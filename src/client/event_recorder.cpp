#include "client/event_recorder.h"

#include <chrono>
#include <cstdio>

#include "api/json_path.h"
#include "api/timestamp.h"

namespace mk::client {

using nlohmann::json;

namespace {

const Resource kEvents{"", "v1", "events"};

// Upstream names events <object>.<hex nanoseconds>.
std::string event_name(const std::string& object_name) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(ns.count()));
  return object_name + "." + buf;
}

}  // namespace

void EventRecorder::record(const json& object, const std::string& type, const std::string& reason,
                           const std::string& message, const std::string& field_path) {
  const std::string ns = api::string_at(object, "metadata.namespace", "default");
  const std::string name = api::string_at(object, "metadata.name");
  const std::string uid = api::string_at(object, "metadata.uid");
  const std::string now = api::format_time(std::chrono::system_clock::now());
  const std::string key = uid + "\n" + field_path + "\n" + reason + "\n" + message;

  std::lock_guard lock(mu_);
  if (auto it = seen_.find(key); it != seen_.end()) {
    auto current = client_.get(kEvents, ns, it->second);
    if (current) {
      json ev = *current;
      ev["count"] = ev.value("count", 1) + 1;
      ev["lastTimestamp"] = now;
      if (client_.update(kEvents, ns, ev)) return;
    }
    seen_.erase(it);
  }
  json ev = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", event_name(name)}, {"namespace", ns}}},
      {"involvedObject",
       {{"kind", api::string_at(object, "kind")},
        {"apiVersion", api::string_at(object, "apiVersion")},
        {"namespace", api::string_at(object, "metadata.namespace")},
        {"name", name},
        {"uid", uid},
        {"resourceVersion", api::string_at(object, "metadata.resourceVersion")}}},
      {"reason", reason},
      {"message", message},
      {"type", type},
      {"source", {{"component", component_}}},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1},
      {"reportingComponent", component_},
      {"reportingInstance", host_},
  };
  if (!host_.empty()) ev["source"]["host"] = host_;
  if (!field_path.empty()) ev["involvedObject"]["fieldPath"] = field_path;
  if (ev["involvedObject"]["namespace"] == "") ev["involvedObject"].erase("namespace");
  auto created = client_.create(kEvents, ns, ev);
  if (created) {
    if (seen_.size() > 4096) seen_.clear();
    seen_[key] = api::string_at(*created, "metadata.name");
  }
}

}  // namespace mk::client
