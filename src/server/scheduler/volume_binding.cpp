#include "server/scheduler/volume_binding.h"

#include <nlohmann/json.hpp>

#include "api/json_path.h"
#include "client/client.h"
#include "common/log.h"

namespace mk::scheduler {
namespace {

using nlohmann::json;

const client::Resource kClaims{"", "v1", "persistentvolumeclaims"};
const client::Resource kVolumes{"", "v1", "persistentvolumes"};
const client::Resource kClasses{"storage.k8s.io", "v1", "storageclasses"};
constexpr const char* kSelectedNode = "volume.kubernetes.io/selected-node";

// The node a PersistentVolume's required node affinity names through kubernetes.io/hostname.
std::optional<std::string> affinity_node(const json& pv) {
  const json* terms = api::find_path(pv, "spec.nodeAffinity.required.nodeSelectorTerms");
  if (!terms || !terms->is_array()) return std::nullopt;
  for (const auto& t : *terms)
    for (const auto& e : t.value("matchExpressions", json::array()))
      if (e.value("key", "") == "kubernetes.io/hostname" && e.value("operator", "") == "In" &&
          e.contains("values") && e["values"].is_array() && e["values"].size() == 1 && e["values"][0].is_string())
        return e["values"][0].get<std::string>();
  return std::nullopt;
}

}  // namespace

ClaimsCheck check_claims(client::ApiClient& client, const json& pod) {
  ClaimsCheck out;
  const json* volumes = api::find_path(pod, "spec.volumes");
  if (!volumes || !volumes->is_array()) return out;
  std::string ns = api::string_at(pod, "metadata.namespace");
  for (const auto& v : *volumes) {
    const json* claim = api::find_path(v, "persistentVolumeClaim.claimName");
    if (!claim || !claim->is_string()) continue;
    std::string name = claim->get<std::string>();
    auto pvc = client.get(kClaims, ns, name);
    if (!pvc) {
      out.unschedulable = pvc.not_found() ? "persistentvolumeclaim \"" + name + "\" not found" : pvc.error().message;
      return out;
    }
    if (api::find_path(*pvc, "metadata.deletionTimestamp")) {
      out.unschedulable = "persistentvolumeclaim \"" + name + "\" is being deleted";
      return out;
    }
    std::string volume = api::string_at(*pvc, "spec.volumeName");
    if (!volume.empty()) {
      auto pv = client.get(kVolumes, "", volume);
      if (pv) {
        if (auto node = affinity_node(*pv)) out.pinned_node = *node;
        if (api::string_at(*pvc, "status.phase") == "Bound") continue;
      }
      out.waiting.emplace_back(ns, name);  // being bound
      continue;
    }
    out.waiting.emplace_back(ns, name);
    auto sc = client.get(kClasses, "", api::string_at(*pvc, "spec.storageClassName"));
    if (sc && sc->value("volumeBindingMode", "") == "WaitForFirstConsumer") out.to_select.emplace_back(ns, name);
  }
  return out;
}

bool select_node(client::ApiClient& client, const ClaimsCheck& check, const std::string& node) {
  bool ok = true;
  for (const auto& [ns, name] : check.to_select) {
    json patch = {{"metadata", {{"annotations", {{kSelectedNode, node}}}}}};
    auto r = client.patch(kClaims, ns, name, "application/merge-patch+json", patch.dump());
    if (!r && !r.not_found()) {
      MK_LOG(warn) << "scheduler: annotate claim " << ns << "/" << name << ": " << r.error().message;
      ok = false;
    }
  }
  return ok;
}

}  // namespace mk::scheduler
