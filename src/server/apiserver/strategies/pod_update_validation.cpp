#include "server/apiserver/strategies/pod_update_validation.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <set>

#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr const char* kUpdatableFields =
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

bool trimmed(const std::string& s) {
  return s.empty() || (!std::isspace(static_cast<unsigned char>(s.front())) && !std::isspace(static_cast<unsigned char>(s.back())));
}

// ValidateContainerUpdates; true when the lists differ in length, which ends the checks.
bool check_containers(const json& now, const json& before, const std::string& path, api::FieldErrors& out) {
  if (now.size() != before.size()) {
    out.push_back(api::field_forbidden(path, "pod updates may not add or remove containers"));
    return true;
  }
  for (size_t i = 0; i < now.size(); ++i) {
    std::string image = string_of(now[i], "image");
    std::string at = index_path(path, i) + ".image";
    if (image.empty()) out.push_back(api::field_required(at, ""));
    if (!trimmed(image)) out.push_back(api::field_invalid(at, image, "must not have leading or trailing whitespace"));
  }
  return false;
}

// validateOnlyAddedTolerations: every old toleration is still there, up to tolerationSeconds.
void check_tolerations(const json& now, const json& before, api::FieldErrors& out) {
  for (const auto& old : before) {
    bool found = false;
    for (const auto& t : now) {
      json clone = old;
      if (t.is_object() && t.contains("tolerationSeconds")) clone["tolerationSeconds"] = t["tolerationSeconds"];
      else if (clone.is_object()) clone.erase("tolerationSeconds");
      found |= semantic_equal(clone, t);
    }
    if (!found) {
      out.push_back(api::field_forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
      return;
    }
  }
}

// The Go field name of a PodSpec member, for the change summary.
std::string go_name(const std::string& json_name) {
  if (json_name == "serviceAccount") return "DeprecatedServiceAccount";
  std::string out = json_name;
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// A line per changed member, in the -/+ style of upstream's diff.
std::string change_summary(const json& before, const json& after) {
  std::set<std::string> keys;
  if (before.is_object())
    for (const auto& [k, v] : before.items()) keys.insert(k);
  if (after.is_object())
    for (const auto& [k, v] : after.items()) keys.insert(k);
  std::string out = "  core.PodSpec{\n";
  static const json kNull;
  for (const auto& k : keys) {
    const json& a = before.is_object() && before.contains(k) ? before[k] : kNull;
    const json& b = after.is_object() && after.contains(k) ? after[k] : kNull;
    if (semantic_equal(a, b)) continue;
    out += "- \t" + go_name(k) + ": " + a.dump() + ",\n";
    out += "+ \t" + go_name(k) + ": " + b.dump() + ",\n";
  }
  return out + "  }\n";
}

}  // namespace

void validate_pod_update(const json& pod, const json& old, api::FieldErrors& out) {
  const json& spec = object_of(pod, "spec");
  const json& old_spec = object_of(old, "spec");
  if (check_containers(array_of(spec, "containers"), array_of(old_spec, "containers"), "spec.containers", out)) return;
  if (check_containers(array_of(spec, "initContainers"), array_of(old_spec, "initContainers"), "spec.initContainers", out)) return;

  // activeDeadlineSeconds may be set, or lowered, but not removed or raised.
  auto deadline = int_of(spec, "activeDeadlineSeconds");
  auto old_deadline = int_of(old_spec, "activeDeadlineSeconds");
  if (deadline) {
    if (*deadline < 0 || *deadline > 2147483647) {
      out.push_back(api::field_invalid_verbatim("spec.activeDeadlineSeconds", std::to_string(*deadline),
                                                "must be between 0 and 2147483647, inclusive"));
      return;
    }
    if (old_deadline && *old_deadline < *deadline) {
      out.push_back(api::field_invalid_verbatim("spec.activeDeadlineSeconds", std::to_string(*deadline),
                                                "must be less than or equal to previous value"));
      return;
    }
  } else if (old_deadline) {
    out.push_back(api::field_invalid_verbatim("spec.activeDeadlineSeconds", "\"null\"", "must not update from a positive integer to nil value"));
  }
  check_tolerations(array_of(spec, "tolerations"), array_of(old_spec, "tolerations"), out);

  // Everything allowed to change is taken from the old spec; what still differs may not change.
  json munged = spec;
  for (const char* list : {"containers", "initContainers"}) {
    if (!munged.contains(list) || !munged[list].is_array()) continue;
    const json& before = array_of(old_spec, list);
    for (size_t i = 0; i < munged[list].size() && i < before.size(); ++i) {
      if (!munged[list][i].is_object()) continue;
      if (has(before[i], "image")) munged[list][i]["image"] = before[i]["image"];
      else munged[list][i].erase("image");
    }
  }
  for (const char* f : {"activeDeadlineSeconds", "schedulingGates", "tolerations"}) {
    if (old_spec.contains(f)) munged[f] = old_spec[f];
    else munged.erase(f);
  }
  auto old_grace = int_of(old_spec, "terminationGracePeriodSeconds");
  if (old_grace && *old_grace < 0 && int_of(munged, "terminationGracePeriodSeconds") == 1)
    munged["terminationGracePeriodSeconds"] = *old_grace;
  if (!semantic_equal(munged, old_spec))
    out.push_back(api::field_forbidden("spec", std::string(kUpdatableFields) + "\n" + change_summary(old_spec, munged)));
}

}  // namespace mk::apiserver
