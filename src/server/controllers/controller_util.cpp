#include "server/controllers/controller_util.h"

#include "api/json_path.h"
#include "api/timestamp.h"
#include "common/log.h"

namespace mk::controllers {

using nlohmann::json;

std::optional<ControllerRef> controller_ref(const json& obj) {
  if (const json* refs = api::find_path(obj, "metadata.ownerReferences"); refs && refs->is_array())
    for (const auto& r : *refs)
      if (r.is_object() && r.value("controller", false))
        return ControllerRef{r.value("apiVersion", ""), r.value("kind", ""), r.value("name", ""), r.value("uid", "")};
  return std::nullopt;
}

json make_controller_ref(const json& owner, const std::string& api_version, const std::string& kind) {
  return {{"apiVersion", api_version},
          {"kind", kind},
          {"name", api::string_at(owner, "metadata.name")},
          {"uid", api::string_at(owner, "metadata.uid")},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

namespace {
const json* ready_condition(const json& pod) {
  if (const json* cs = api::find_path(pod, "status.conditions"); cs && cs->is_array())
    for (const auto& c : *cs)
      if (c.is_object() && c.value("type", "") == "Ready") return &c;
  return nullptr;
}
}  // namespace

bool pod_ready(const json& pod) {
  const json* c = ready_condition(pod);
  return c && c->value("status", "") == "True";
}

bool pod_available(const json& pod, int64_t min_ready_seconds, std::chrono::system_clock::time_point now) {
  const json* c = ready_condition(pod);
  if (!c || c->value("status", "") != "True") return false;
  if (min_ready_seconds <= 0) return true;
  auto since = api::parse_time(c->value("lastTransitionTime", ""));
  if (!since) return false;
  return *since + std::chrono::seconds(min_ready_seconds) <= now;
}

bool pod_active(const json& pod) {
  std::string phase = api::string_at(pod, "status.phase");
  return phase != "Succeeded" && phase != "Failed" && !api::find_path(pod, "metadata.deletionTimestamp");
}

std::string ns_name_key(const json& obj) {
  return api::string_at(obj, "metadata.namespace") + "/" + api::string_at(obj, "metadata.name");
}

std::pair<std::string, std::string> split_key(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::thread run_worker(client::WorkQueue& queue, const std::string& name, std::function<bool(const std::string&)> sync) {
  return std::thread([&queue, name, sync = std::move(sync)] {
    while (auto key = queue.get()) {
      bool ok = false;
      try {
        ok = sync(*key);
      } catch (const std::exception& e) {
        MK_LOG(warn) << name << ": " << *key << ": " << e.what();
      }
      if (ok) queue.forget(*key);
      else queue.add_rate_limited(*key);
      queue.done(*key);
    }
  });
}

}  // namespace mk::controllers
