#include "server/apiserver/subresources/binding.h"

#include "api/json_path.h"
#include "server/apiserver/subresources/type_meta.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

// Upstream reports binding refusals as conflicts on the "pods/binding" resource, which is how
// the scheduler recognises them.
api::ApiError binding_conflict(const std::string& pod, const std::string& why) {
  return api::conflict("pods/binding", "", "pods/binding", pod, why);
}

void set_scheduled_condition(json& pod) {
  json& status = pod["status"];
  if (!status.is_object()) status = json::object();
  json& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  for (auto& c : conditions) {
    if (c.value("type", "") != "PodScheduled") continue;
    if (c.value("status", "") != "True") {
      c["status"] = "True";
      c["lastTransitionTime"] = now_rfc3339();
      c.erase("reason");
      c.erase("message");
    }
    return;
  }
  conditions.push_back({{"type", "PodScheduled"}, {"status", "True"}, {"lastProbeTime", nullptr},
                        {"lastTransitionTime", now_rfc3339()}});
}

// ValidatePodBinding.
std::vector<api::StatusCause> validate_binding(const json& binding) {
  std::vector<api::StatusCause> causes;
  std::string kind = api::string_at(binding, "target.kind");
  if (!kind.empty() && kind != "Node")
    causes.push_back({"FieldValueNotSupported",
                      "target.kind: Unsupported value: \"" + kind + "\": supported values: \"Node\", \"<empty>\"",
                      "target.kind"});
  if (api::string_at(binding, "target.name").empty())
    causes.push_back({"FieldValueRequired", "target.name: Required value", "target.name"});
  return causes;
}

}  // namespace

ApiResult<json> bind_pod(Registry& registry, const std::string& ns, const std::string& pod_name, const json& binding,
                         const WriteOptions& opts) {
  if (auto e = check_body_type(binding, "Binding", {"v1"})) return *e;
  std::string name = api::string_at(binding, "metadata.name");
  if (!name.empty() && name != pod_name) return api::bad_request("name in URL does not match name in Binding object");
  std::string body_ns = api::string_at(binding, "metadata.namespace");
  if (!body_ns.empty() && body_ns != ns)
    return api::bad_request("the namespace of the provided object does not match the namespace sent on the request");
  if (auto causes = validate_binding(binding); !causes.empty())
    return api::invalid("Binding", "", pod_name, std::move(causes));

  const std::string node = api::string_at(binding, "target.name");
  const std::string want_uid = api::string_at(binding, "metadata.uid");
  const std::string want_rv = api::string_at(binding, "metadata.resourceVersion");
  const json* annotations = api::find_path(binding, "metadata.annotations");
  ApiContext& ctx = registry.context();
  const api::KindInfo& pods = *ctx.kinds.by_kind("", "v1", "Pod");

  // spec.nodeName is immutable to ordinary updates; like upstream's assignPod this writes the
  // stored pod directly instead of going through update validation.
  auto assign = [&](const json& current) -> ApiResult<json> {
    if (!want_uid.empty() && want_uid != api::string_at(current, "metadata.uid"))
      return api::conflict("pods", "", "pods", pod_name,
                           "Precondition failed: UID in precondition: " + want_uid + ", UID in object meta: " +
                               api::string_at(current, "metadata.uid"));
    if (!want_rv.empty() && want_rv != api::string_at(current, "metadata.resourceVersion"))
      return api::modified_conflict("pods", "", "pods", pod_name);
    if (api::find_path(current, "metadata.deletionTimestamp"))
      return binding_conflict(pod_name, "pod " + pod_name + " is being deleted, cannot be assigned to a host");
    if (std::string bound = api::string_at(current, "spec.nodeName"); !bound.empty())
      return binding_conflict(pod_name, "pod " + pod_name + " is already assigned to node \"" + bound + "\"");
    if (const json* gates = api::find_path(current, "spec.schedulingGates"); gates && gates->is_array() && !gates->empty())
      return binding_conflict(pod_name, "pod " + pod_name + " has non-empty .spec.schedulingGates");
    json next = current;
    next["spec"]["nodeName"] = node;
    if (annotations && annotations->is_object()) {
      for (const auto& [k, v] : annotations->items()) next["metadata"]["annotations"][k] = v;
    }
    set_scheduled_condition(next);
    next["kind"] = pods.kind;
    next["apiVersion"] = pods.api_version();
    return next;
  };
  if (opts.dry_run) {
    auto current = ctx.objects.get(pods, ns, pod_name);
    if (!current) return current.error();
    if (auto checked = assign(*current); !checked) return checked.error();
    return success_status(201);
  }
  if (auto stored = ctx.objects.update(pods, ns, pod_name, assign); !stored) return stored.error();
  return success_status(201);
}

}  // namespace mk::apiserver
