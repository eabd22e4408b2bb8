#include "server/apiserver/strategies/pod_defaults.h"

#include <nlohmann/json.hpp>

#include "api/quantity.h"
#include "server/apiserver/strategies/image_reference.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void default_string(json& obj, const char* key, const char* value) {
  if (unset_string(obj, key)) obj[key] = value;
}

// Go decodes 0 and absent alike, so SetDefaults_Probe replaces both.
void default_positive(json& obj, const char* key, int64_t value) {
  auto v = int_of(obj, key);
  if (!v || *v == 0) obj[key] = value;
}

void default_http_get(json& handler) {
  json* get = handler.is_object() && handler.contains("httpGet") ? &handler["httpGet"] : nullptr;
  if (!get || !get->is_object()) return;
  default_string(*get, "path", "/");
  default_string(*get, "scheme", "HTTP");
}

void default_probe(json& probe) {
  if (!probe.is_object()) return;
  default_positive(probe, "timeoutSeconds", 1);
  default_positive(probe, "periodSeconds", 10);
  default_positive(probe, "successThreshold", 1);
  default_positive(probe, "failureThreshold", 3);
  default_http_get(probe);
}

void default_field_ref(json& holder) {
  if (!holder.is_object() || !holder.contains("fieldRef") || !holder["fieldRef"].is_object()) return;
  default_string(holder["fieldRef"], "apiVersion", "v1");
}

// Quantities are stored in canonical form, as upstream's decode and encode leave them
// ("0.5" becomes "500m", a bare number becomes a string).
void canonical_quantities(json& list) {
  if (!list.is_object()) return;
  for (auto& [name, value] : list.items()) {
    std::string text = value.is_string() ? value.get<std::string>() : value.is_number() ? value.dump() : "";
    if (text.empty()) continue;
    auto q = api::Quantity::parse(text);
    if (q) value = q->to_string();
  }
}

void default_container(json& c) {
  if (!c.is_object()) return;
  if (unset_string(c, "imagePullPolicy")) c["imagePullPolicy"] = default_pull_policy(string_of(c, "image"));
  default_string(c, "terminationMessagePath", "/dev/termination-log");
  default_string(c, "terminationMessagePolicy", "File");
  if (c.contains("ports") && c["ports"].is_array())
    for (auto& p : c["ports"])
      if (p.is_object()) default_string(p, "protocol", "TCP");
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"})
    if (c.contains(probe)) default_probe(c[probe]);
  if (c.contains("lifecycle") && c["lifecycle"].is_object())
    for (const char* hook : {"postStart", "preStop"})
      if (c["lifecycle"].contains(hook)) default_http_get(c["lifecycle"][hook]);
  if (c.contains("env") && c["env"].is_array())
    for (auto& e : c["env"])
      if (e.is_object() && e.contains("valueFrom")) default_field_ref(e["valueFrom"]);
  // ResourceRequirements is a struct, never omitted when upstream encodes a container.
  json& resources = ensure_object(c, "resources");
  if (resources.contains("limits")) canonical_quantities(resources["limits"]);
  if (resources.contains("requests")) canonical_quantities(resources["requests"]);
}

void default_items_field_refs(json& source) {
  if (!source.is_object() || !source.contains("items") || !source["items"].is_array()) return;
  for (auto& item : source["items"]) default_field_ref(item);
}

void default_mode(json& source) {
  if (source.is_object() && !has(source, "defaultMode")) source["defaultMode"] = 420;
}

void default_volume(json& v) {
  if (!v.is_object()) return;
  bool has_source = false;
  for (const auto& [key, value] : v.items()) has_source |= key != "name" && !value.is_null();
  // A volume naming no source is a scratch directory (SetDefaults_Volume).
  if (!has_source) v["emptyDir"] = json::object();
  for (const char* kind : {"secret", "configMap", "downwardAPI", "projected"})
    if (v.contains(kind) && v[kind].is_object()) default_mode(v[kind]);
  if (v.contains("downwardAPI")) default_items_field_refs(v["downwardAPI"]);
  // HostPathVolumeSource.Type is a pointer defaulted to HostPathUnset, which encodes as "".
  if (v.contains("hostPath") && v["hostPath"].is_object() && !has(v["hostPath"], "type")) v["hostPath"]["type"] = "";
  if (v.contains("projected") && v["projected"].is_object() && v["projected"].contains("sources") &&
      v["projected"]["sources"].is_array()) {
    for (auto& s : v["projected"]["sources"]) {
      if (!s.is_object()) continue;
      if (s.contains("downwardAPI")) default_items_field_refs(s["downwardAPI"]);
      if (s.contains("serviceAccountToken") && s["serviceAccountToken"].is_object() &&
          !has(s["serviceAccountToken"], "expirationSeconds"))
        s["serviceAccountToken"]["expirationSeconds"] = 3600;
    }
  }
}

void for_each_in(json& spec, const char* key, void (*fn)(json&)) {
  if (!spec.contains(key) || !spec[key].is_array()) return;
  for (auto& item : spec[key]) fn(item);
}

void requests_from_limits(json& c) {
  if (!c.is_object() || !c.contains("resources") || !c["resources"].is_object()) return;
  json& r = c["resources"];
  if (!r.contains("limits") || !r["limits"].is_object()) return;
  json& requests = ensure_object(r, "requests");
  for (const auto& [name, value] : r["limits"].items())
    if (!requests.contains(name)) requests[name] = value;
}

void host_ports(json& c) {
  if (!c.is_object() || !c.contains("ports") || !c["ports"].is_array()) return;
  for (auto& p : c["ports"]) {
    if (!p.is_object()) continue;
    auto host = int_of(p, "hostPort");
    if ((!host || *host == 0) && has(p, "containerPort")) p["hostPort"] = p["containerPort"];
  }
}

}  // namespace

void default_pod_spec(json& spec) {
  if (!spec.is_object()) return;
  default_string(spec, "dnsPolicy", "ClusterFirst");
  default_string(spec, "restartPolicy", "Always");
  default_string(spec, "schedulerName", "default-scheduler");
  if (!has(spec, "securityContext")) spec["securityContext"] = json::object();
  if (!has(spec, "terminationGracePeriodSeconds")) spec["terminationGracePeriodSeconds"] = 30;
  // v1's deprecated serviceAccount is the same field as serviceAccountName: an old client's
  // value is taken when the new field is empty, and the two are always written alike.
  std::string account = string_of(spec, "serviceAccountName");
  if (account.empty()) account = string_of(spec, "serviceAccount");
  if (account.empty()) {
    spec.erase("serviceAccountName");
    spec.erase("serviceAccount");
  } else {
    spec["serviceAccountName"] = account;
    spec["serviceAccount"] = account;
  }
  for_each_in(spec, "containers", default_container);
  for_each_in(spec, "initContainers", default_container);
  for_each_in(spec, "ephemeralContainers", default_container);
  for_each_in(spec, "volumes", default_volume);
  if (spec.contains("overhead")) canonical_quantities(spec["overhead"]);
}

void default_pod_only(json& spec) {
  if (!spec.is_object()) return;
  for_each_in(spec, "containers", requests_from_limits);
  for_each_in(spec, "initContainers", requests_from_limits);
  if (!has(spec, "enableServiceLinks")) spec["enableServiceLinks"] = true;
  if (bool_of(spec, "hostNetwork")) {
    for_each_in(spec, "containers", host_ports);
    for_each_in(spec, "initContainers", host_ports);
  }
}

}  // namespace mk::apiserver
