#include "server/apiserver/strategies/pod_admission.h"

#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

struct Priority {
  std::string class_name;
  int64_t value = 0;
  std::string preemption = "PreemptLowerPriority";
};

// The classes every cluster has; upstream creates them at start-up, so pods may name them
// whether or not they are stored here.
std::optional<Priority> builtin_class(const std::string& name) {
  if (name == "system-node-critical") return Priority{name, 2000001000, "PreemptLowerPriority"};
  if (name == "system-cluster-critical") return Priority{name, 2000000000, "PreemptLowerPriority"};
  return std::nullopt;
}

Priority from_class(const json& pc) {
  Priority p{string_of(object_of(pc, "metadata"), "name"), int_of(pc, "value").value_or(0), string_of(pc, "preemptionPolicy")};
  if (p.preemption.empty()) p.preemption = "PreemptLowerPriority";
  return p;
}

std::vector<json> stored_classes(ApiContext* ctx) {
  std::vector<json> out;
  if (!ctx) return out;
  const api::KindInfo* kind = ctx->kinds.by_kind("scheduling.k8s.io", "v1", "PriorityClass");
  if (!kind) return out;
  auto page = ctx->objects.list(*kind, "", ListOptions{}, [](const json&) { return true; });
  if (page) out = std::move(page->items);
  return out;
}

// The priority the pod gets, or nullopt when its class does not exist.
std::optional<Priority> resolve(const json& spec, ApiContext* ctx) {
  std::string name = string_of(spec, "priorityClassName");
  auto classes = stored_classes(ctx);
  if (name.empty()) {
    // With several global defaults (a race between writers) the lowest value wins.
    std::optional<Priority> chosen;
    for (const auto& pc : classes) {
      if (!bool_of(pc, "globalDefault")) continue;
      Priority p = from_class(pc);
      if (!chosen || p.value < chosen->value) chosen = p;
    }
    return chosen ? *chosen : Priority{};
  }
  for (const auto& pc : classes)
    if (string_of(object_of(pc, "metadata"), "name") == name) return from_class(pc);
  return builtin_class(name);
}

api::ApiError forbidden(const json& pod, const std::string& why) {
  std::string name = string_of(object_of(pod, "metadata"), "name");
  api::ApiError e = api::forbidden("pods \"" + name + "\" is forbidden: " + why);
  e.name = name;
  e.kind = "pods";
  return e;
}

bool tolerates(const json& tolerations, const std::string& key) {
  for (const auto& t : tolerations) {
    std::string k = string_of(t, "key");
    std::string effect = string_of(t, "effect");
    if ((k == key || k.empty()) && (effect == "NoExecute" || effect.empty())) return true;
  }
  return false;
}

}  // namespace

void admit_new_pod(json& pod, ApiContext* ctx) {
  json& spec = ensure_object(pod, "spec");
  // ServiceAccount plugin: pods run as the namespace's "default" account unless they name one.
  if (string_of(spec, "serviceAccountName").empty()) {
    spec["serviceAccountName"] = "default";
    spec["serviceAccount"] = "default";
  }
  // DefaultTolerationSeconds: five minutes on a node that is not ready or unreachable.
  json tolerations = array_of(spec, "tolerations");
  bool changed = false;
  for (const char* key : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
    if (tolerates(tolerations, key)) continue;
    tolerations.push_back({{"key", key}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}});
    changed = true;
  }
  if (changed) spec["tolerations"] = std::move(tolerations);
  // Priority plugin; a class that does not exist is refused in check_pod_priority.
  if (auto p = resolve(spec, ctx)) {
    if (!p->class_name.empty()) spec["priorityClassName"] = p->class_name;
    if (!has(spec, "priority")) spec["priority"] = p->value;
    if (!has(spec, "preemptionPolicy")) spec["preemptionPolicy"] = p->preemption;
  }
}

std::optional<api::ApiError> check_pod_priority(const json& pod, ApiContext* ctx) {
  const json& spec = object_of(pod, "spec");
  auto p = resolve(spec, ctx);
  if (!p) return forbidden(pod, "no PriorityClass with name " + string_of(spec, "priorityClassName") + " was found");
  if (auto given = int_of(spec, "priority"); given && *given != p->value)
    return forbidden(pod, "the integer value of priority (" + std::to_string(*given) +
                              ") must not be provided in pod spec; priority admission controller computed " +
                              std::to_string(p->value) + " from the given PriorityClass name");
  std::string policy = string_of(spec, "preemptionPolicy");
  if (!policy.empty() && policy != p->preemption)
    return forbidden(pod, "the string value of PreemptionPolicy (" + policy +
                              ") must not be provided in pod spec; priority admission controller computed " + p->preemption +
                              " from the given PriorityClass name");
  return std::nullopt;
}

}  // namespace mk::apiserver
