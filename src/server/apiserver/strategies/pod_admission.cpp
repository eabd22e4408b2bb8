#include "server/apiserver/strategies/pod_admission.h"

#include <nlohmann/json.hpp>

#include <random>

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

constexpr const char* kTokenMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

// names.SimpleNameGenerator: five characters from utilrand's alphabet.
std::string random_suffix() {
  static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::string out;
  for (int i = 0; i < 5; ++i) out += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return out;
}

// The account's automountServiceAccountToken, when the account exists and sets it.
std::optional<bool> account_automount(ApiContext* ctx, const json& pod, const std::string& account) {
  if (!ctx) return std::nullopt;
  const api::KindInfo* kind = ctx->kinds.by_kind("", "v1", "ServiceAccount");
  if (!kind) return std::nullopt;
  auto sa = ctx->objects.get(*kind, string_of(object_of(pod, "metadata"), "namespace"), account);
  if (!sa) return std::nullopt;
  const json* v = member(*sa, "automountServiceAccountToken");
  if (!v || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

// The projected kube-api-access-xxxxx volume: a bound token, the cluster CA from the
// kube-root-ca.crt ConfigMap and the namespace, mounted in every container that has nothing
// at the service-account path yet (mountServiceAccountToken).
void mount_service_account_token(json& spec) {
  std::string volume_name;
  if (spec.contains("volumes") && spec["volumes"].is_array())
    for (const auto& v : spec["volumes"])
      if (string_of(v, "name").rfind("kube-api-access-", 0) == 0) volume_name = string_of(v, "name");
  bool has_volume = !volume_name.empty();
  if (!has_volume) volume_name = "kube-api-access-" + random_suffix();
  bool needed = false;
  for (const char* list : {"initContainers", "containers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) continue;
    for (auto& c : spec[list]) {
      bool mounted = false;
      for (const auto& m : array_of(c, "volumeMounts")) mounted = mounted || string_of(m, "mountPath") == kTokenMountPath;
      if (mounted) continue;
      if (!c.contains("volumeMounts") || !c["volumeMounts"].is_array()) c["volumeMounts"] = json::array();
      c["volumeMounts"].push_back({{"name", volume_name}, {"readOnly", true}, {"mountPath", kTokenMountPath}});
      needed = true;
    }
  }
  if (has_volume || !needed) return;
  if (!spec.contains("volumes") || !spec["volumes"].is_array()) spec["volumes"] = json::array();
  spec["volumes"].push_back(
      {{"name", volume_name},
       {"projected",
        {{"defaultMode", 420},
         {"sources",
          json::array({{{"serviceAccountToken", {{"expirationSeconds", 3607}, {"path", "token"}}}},
                       {{"configMap", {{"name", "kube-root-ca.crt"}, {"items", json::array({{{"key", "ca.crt"}, {"path", "ca.crt"}}})}}}},
                       {{"downwardAPI",
                         {{"items", json::array({{{"path", "namespace"},
                                                  {"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "metadata.namespace"}}}}})}}}}})}}}});
}

}  // namespace

void admit_new_pod(json& pod, ApiContext* ctx) {
  json& spec = ensure_object(pod, "spec");
  // ServiceAccount plugin: pods run as the namespace's "default" account unless they name one,
  // and get its token mounted unless the pod or the account opts out. Mirror pods (static
  // pods of a kubelet) are left as their node wrote them.
  bool mirror = member(object_of(object_of(pod, "metadata"), "annotations"), "kubernetes.io/config.mirror") != nullptr;
  if (!mirror) {
    if (string_of(spec, "serviceAccountName").empty()) {
      spec["serviceAccountName"] = "default";
      spec["serviceAccount"] = "default";
    }
    std::optional<bool> automount;
    if (const json* v = member(spec, "automountServiceAccountToken"); v && v->is_boolean()) automount = v->get<bool>();
    if (!automount) automount = account_automount(ctx, pod, string_of(spec, "serviceAccountName"));
    if (automount.value_or(true)) mount_service_account_token(spec);
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
