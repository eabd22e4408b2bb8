// ValidatePodSpec's order: grace period, volumes, containers, host network ports, restart and
// DNS policy, node selector, DNS config, names the spec refers to, deadlines, host names,
// tolerations.
#include "server/apiserver/strategies/pod_spec_validation.h"

#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

// With host networking a pod's ports are the node's: a pod's host ports were defaulted to its
// container ports, a template's may be unset.
void check_host_network_ports(const json& spec, const std::string& path, bool is_pod, api::FieldErrors& out) {
  if (!bool_of(spec, "hostNetwork")) return;
  const json& containers = array_of(spec, "containers");
  for (size_t ci = 0; ci < containers.size(); ++ci) {
    const json& ports = array_of(containers[ci], "ports");
    for (size_t pi = 0; pi < ports.size(); ++pi) {
      int64_t host = int_of(ports[pi], "hostPort").value_or(0);
      int64_t container = int_of(ports[pi], "containerPort").value_or(0);
      if (host == container || (!is_pod && host == 0)) continue;
      out.push_back(api::field_invalid_verbatim(index_path(index_path(path + ".containers", ci) + ".ports", pi) + ".hostPort",
                                                std::to_string(host), "must match `containerPort` when `hostNetwork` is true"));
    }
  }
}

void check_enum(const json& spec, const char* key, const std::string& path, const std::vector<std::string>& values,
                api::FieldErrors& out) {
  std::string v = string_of(spec, key);
  if (v.empty()) {
    out.push_back(api::field_required(path + "." + key, ""));
    return;
  }
  for (const auto& ok : values)
    if (v == ok) return;
  out.push_back(api::field_not_supported(path + "." + key, v, values));
}

void check_dns_config(const json& spec, const std::string& path, api::FieldErrors& out) {
  if (string_of(spec, "dnsPolicy") != "None") return;
  const json* config = member(spec, "dnsConfig");
  if (!config) {
    out.push_back(api::field_required(path + ".dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"));
  } else if (array_of(*config, "nameservers").empty()) {
    out.push_back(api::field_required(path + ".dnsConfig.nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None"));
  }
}

void check_subdomain_name(const json& spec, const char* key, const std::string& path, api::FieldErrors& out) {
  std::string v = string_of(spec, key);
  if (!v.empty()) add_invalid(out, path + "." + key, v, api::check_dns1123_subdomain(v));
}

void check_label_name(const json& spec, const char* key, const std::string& path, api::FieldErrors& out) {
  std::string v = string_of(spec, key);
  if (!v.empty()) add_invalid(out, path + "." + key, v, api::check_dns1123_label(v));
}

}  // namespace

void validate_pod_spec(const json& spec, const std::string& path, bool is_pod, api::FieldErrors& out) {
  if (!has(spec, "terminationGracePeriodSeconds")) out.push_back(api::field_required(path + ".terminationGracePeriodSeconds", ""));
  auto volumes = validate_volumes(array_of(spec, "volumes"), path + ".volumes", out);
  validate_containers(spec, volumes, path, out);
  check_host_network_ports(spec, path, is_pod, out);
  check_enum(spec, "restartPolicy", path, {"Always", "OnFailure", "Never"}, out);
  check_enum(spec, "dnsPolicy", path, {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"}, out);
  append(out, api::validate_labels(object_of(spec, "nodeSelector"), path + ".nodeSelector"));
  check_dns_config(spec, path, out);
  check_subdomain_name(spec, "serviceAccountName", path, out);
  check_subdomain_name(spec, "nodeName", path, out);
  if (auto deadline = int_of(spec, "activeDeadlineSeconds"); deadline && (*deadline < 1 || *deadline > 2147483647))
    out.push_back(api::field_invalid_verbatim(path + ".activeDeadlineSeconds", std::to_string(*deadline),
                                              "must be between 1 and 2147483647, inclusive"));
  check_label_name(spec, "hostname", path, out);
  check_label_name(spec, "subdomain", path, out);
  validate_tolerations(array_of(spec, "tolerations"), path + ".tolerations", out);
  check_subdomain_name(spec, "priorityClassName", path, out);
}

void validate_pod_template(const json& pod_template, const std::string& path, api::FieldErrors& out) {
  const json& meta = object_of(pod_template, "metadata");
  // ObjectMeta is embedded in Go, so its fields are reported without ".metadata".
  append(out, api::validate_labels(object_of(meta, "labels"), path + ".labels"));
  append(out, api::validate_annotations(object_of(meta, "annotations"), path + ".annotations"));
  validate_pod_spec(object_of(pod_template, "spec"), path + ".spec", false, out);
  if (!array_of(object_of(pod_template, "spec"), "ephemeralContainers").empty())
    out.push_back(api::field_forbidden(path + ".spec.ephemeralContainers", "ephemeral containers not allowed in pod template"));
}

}  // namespace mk::apiserver
