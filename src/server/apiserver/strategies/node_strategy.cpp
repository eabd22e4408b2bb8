// Nodes: podCIDR and podCIDRs kept alike (v1 conversion), ValidateNode (taints, pod CIDRs) and
// ValidateNodeUpdate (pod CIDRs and providerID are set once). A node keeps the status its
// kubelet registers it with.
#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "api/go_strconv.h"
#include "api/validation.h"
#include "server/apiserver/strategies/go_format.h"
#include "server/apiserver/strategies/ip_address.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/pod_spec_validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void defaults(json& node, const AdmissionRequest&) {
  json& spec = ensure_object(node, "spec");
  // An old client's podCIDR becomes the list; the first of the list is always podCIDR.
  if (array_of(spec, "podCIDRs").empty() && !string_of(spec, "podCIDR").empty()) spec["podCIDRs"] = json::array({spec["podCIDR"]});
  const json& cidrs = array_of(spec, "podCIDRs");
  if (!cidrs.empty() && cidrs[0].is_string()) spec["podCIDR"] = cidrs[0];
}

// %#v of a core.Taint; a set timeAdded is a pointer whose address Go would print.
std::string go_taint(const json& t) {
  return "core.Taint{Key:" + api::go_quote(string_of(t, "key")) + ", Value:" + api::go_quote(string_of(t, "value")) +
         ", Effect:" + api::go_quote(string_of(t, "effect")) + ", TimeAdded:" +
         (has(t, "timeAdded") ? "(*v1.Time)(0xc000000000)" : "(*v1.Time)(nil)") + "}";
}

void validate_taints(const json& taints, api::FieldErrors& out) {
  // Upstream reports taints under "metadata.taints", and so do we.
  const std::string path = "metadata.taints";
  std::map<std::string, std::set<std::string>> unique;
  for (size_t i = 0; i < taints.size(); ++i) {
    const json& t = taints[i];
    std::string at = index_path(path, i);
    std::string key = string_of(t, "key");
    std::string value = string_of(t, "value");
    std::string effect = string_of(t, "effect");
    add_invalid(out, at + ".key", key, api::check_qualified_name(key));
    auto value_errs = api::check_label_value(value);
    if (!value_errs.empty()) {
      std::string joined;
      for (size_t k = 0; k < value_errs.size(); ++k) joined += (k ? ";" : "") + value_errs[k];
      out.push_back(api::field_invalid(at + ".value", value, joined));
    }
    validate_taint_effect(effect, false, at + ".effect", out);
    if (!unique[effect].insert(key).second) {
      api::FieldError e = api::field_duplicate(at, go_taint(t));
      e.value_verbatim = true;
      e.detail = "taints must be unique by key and effect pair";
      out.push_back(e);
    }
  }
}

void validate_pod_cidrs(const json& spec, api::FieldErrors& out) {
  const json& cidrs = array_of(spec, "podCIDRs");
  const std::string path = "spec.podCIDRs";
  std::vector<std::string> values;
  for (size_t i = 0; i < cidrs.size(); ++i) {
    std::string v = cidrs[i].is_string() ? cidrs[i].get<std::string>() : "";
    values.push_back(v);
    validate_cidr(v, index_path(path, i), out);
  }
  if (values.size() < 2) return;
  // At most one range per address family.
  bool dual = false;
  if (values.size() == 2) {
    auto a = parse_cidr(values[0]);
    auto b = parse_cidr(values[1]);
    dual = a && b && a->base.v4 != b->base.v4;
  }
  if (!dual || values.size() > 2)
    out.push_back(api::field_invalid_verbatim(path, api::go_string_slice(values, false), "may specify no more than one CIDR for each IP family"));
  std::set<std::string> seen;
  for (size_t i = 0; i < values.size(); ++i)
    if (!seen.insert(values[i]).second) out.push_back(api::field_duplicate(index_path(path, i), values[i]));
}

std::vector<api::StatusCause> validate(const json& node, const AdmissionRequest& req) {
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  const json& spec = object_of(node, "spec");
  validate_taints(array_of(spec, "taints"), errs);
  validate_pod_cidrs(spec, errs);
  if (req.old) {
    const json& old_spec = object_of(*req.old, "spec");
    const json& before = array_of(old_spec, "podCIDRs");
    const json& now = array_of(spec, "podCIDRs");
    const std::string why = "node updates may not change podCIDR except from \"\" to valid";
    if (!before.empty()) {
      if (before.size() > now.size()) {
        errs.push_back(api::field_forbidden("spec.podCIDRs", why));
      } else {
        for (size_t i = 0; i < before.size(); ++i)
          if (before[i] != now[i]) errs.push_back(api::field_forbidden("spec.podCIDRs", why));
      }
    }
    std::string provider = string_of(old_spec, "providerID");
    if (!provider.empty() && provider != string_of(spec, "providerID"))
      errs.push_back(api::field_forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"));
  }
  return to_causes(errs);
}

}  // namespace

KindStrategy node_strategy() {
  KindStrategy s;
  s.initial_status = [](const json& node) { return object_of(node, "status"); };
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
