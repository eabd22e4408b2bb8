#include "server/apiserver/subresources/eviction.h"

#include <mutex>
#include <optional>
#include <vector>

#include "api/json_path.h"
#include "server/apiserver/subresources/disruption_budget.h"
#include "server/apiserver/subresources/type_meta.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

// Evictions are checked and carried out one at a time, so two drains cannot both take the
// last disruption a budget allows between the check and the delete.
std::mutex eviction_mutex;

ApiResult<DeleteOptions> delete_options_of(const json& eviction, bool dry_run) {
  DeleteOptions o;
  o.dry_run = dry_run;
  const json* d = api::find_path(eviction, "deleteOptions");
  if (!d || d->is_null()) return o;
  if (!d->is_object()) return api::bad_request("deleteOptions must be an object");
  if (auto v = d->find("gracePeriodSeconds"); v != d->end() && v->is_number_integer()) o.grace_period_seconds = v->get<int64_t>();
  if (auto v = d->find("orphanDependents"); v != d->end() && v->is_boolean())
    o.propagation_policy = v->get<bool>() ? "Orphan" : "Background";
  if (auto v = d->find("propagationPolicy"); v != d->end() && v->is_string()) o.propagation_policy = v->get<std::string>();
  if (o.propagation_policy && *o.propagation_policy != "Background" && *o.propagation_policy != "Foreground" &&
      *o.propagation_policy != "Orphan")
    return api::bad_request("propagationPolicy: Unsupported value: \"" + *o.propagation_policy +
                            "\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
  if (auto pre = d->find("preconditions"); pre != d->end() && pre->is_object()) {
    if (auto u = pre->find("uid"); u != pre->end() && u->is_string()) o.precondition_uid = u->get<std::string>();
    if (auto r = pre->find("resourceVersion"); r != pre->end() && r->is_string())
      o.precondition_resource_version = r->get<std::string>();
  }
  if (auto v = d->find("dryRun"); v != d->end() && v->is_array())
    for (const auto& x : *v) o.dry_run |= x == "All";
  return o;
}

api::ApiError budget_violation(const std::string& cause) {
  api::ApiError e = api::too_many_requests("Cannot evict pod as it would violate the pod's disruption budget.", 0);
  e.causes.push_back({"DisruptionBudget", cause, ""});
  return e;
}

// Pods the Eviction API deletes without asking any budget: those already disrupted (finished,
// never started, or on their way out).
bool exempt_from_budgets(const json& pod) {
  std::string phase = api::string_at(pod, "status.phase");
  return phase == "Succeeded" || phase == "Failed" || phase == "Pending" ||
         api::find_path(pod, "metadata.deletionTimestamp") != nullptr;
}

// Takes one disruption from a budget whose status a controller maintains, recording the pod
// as disrupted so the controller does not hand the same disruption out again.
std::optional<api::ApiError> consume_disruption(Registry& registry, const api::KindInfo& pdbs, const std::string& ns,
                                                const std::string& pdb_name, const std::string& pod_name, bool dry_run) {
  WriteOptions opts;
  opts.dry_run = dry_run;
  opts.user = User{"system:apiserver", {"system:masters"}};
  auto updated = registry.modify(
      pdbs, ns, pdb_name, "status",
      [&](const json& current) -> ApiResult<json> {
        int64_t allowed = api::int_at(current, "status.disruptionsAllowed");
        if (allowed <= 0)
          return budget_violation("The disruption budget " + pdb_name + " needs " +
                                  std::to_string(api::int_at(current, "status.desiredHealthy")) + " healthy pods and has " +
                                  std::to_string(api::int_at(current, "status.currentHealthy")) + " currently");
        json next = current;
        next["status"]["disruptionsAllowed"] = allowed - 1;
        next["status"]["disruptedPods"][pod_name] = now_rfc3339();
        return next;
      },
      opts);
  if (!updated) return updated.error();
  return std::nullopt;
}

}  // namespace

ApiResult<json> evict_pod(Registry& registry, const std::string& ns, const std::string& pod_name, const json& eviction,
                          bool dry_run) {
  if (auto e = check_body_type(eviction, "Eviction", {"policy/v1", "policy/v1beta1"})) return *e;
  std::string name = api::string_at(eviction, "metadata.name");
  if (!name.empty() && name != pod_name) return api::bad_request("name in URL does not match name in Eviction object");
  auto opts = delete_options_of(eviction, dry_run);
  if (!opts) return opts.error();

  const api::KindRegistry& kinds = registry.context().kinds;
  const api::KindInfo& pods = *kinds.by_kind("", "v1", "Pod");
  const api::KindInfo& pdbs = *kinds.by_kind("policy", "v1", "PodDisruptionBudget");

  std::lock_guard lock(eviction_mutex);
  auto pod = registry.get(pods, ns, pod_name);
  if (!pod) return pod.error();

  if (!exempt_from_budgets(*pod)) {
    auto budgets = registry.list(pdbs, ns, {});
    if (!budgets) return budgets.error();
    std::vector<json> matching;
    for (const auto& b : (*budgets)["items"])
      if (budget_selects(b, *pod)) matching.push_back(b);
    if (matching.size() > 1)
      return api::internal_error("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    if (matching.size() == 1) {
      const json& pdb = matching.front();
      auto all_pods = registry.list(pods, ns, {});
      if (!all_pods) return all_pods.error();
      std::vector<json> in_namespace((*all_pods)["items"].begin(), (*all_pods)["items"].end());
      BudgetDecision d = check_budget(pdb, *pod, in_namespace);
      if (d.invalid_status) return api::bad_request("pdb disruptions allowed is negative");
      if (!d.allowed) return budget_violation(d.refusal);
      if (d.consume_status) {
        if (auto e = consume_disruption(registry, pdbs, ns, api::string_at(pdb, "metadata.name"), pod_name, opts->dry_run))
          return *e;
      }
    }
  }

  auto deleted = registry.remove(pods, ns, pod_name, *opts);
  if (!deleted) return deleted.error();
  return success_status(201);
}

}  // namespace mk::apiserver
