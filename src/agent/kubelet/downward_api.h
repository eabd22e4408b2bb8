#pragma once
// The downward API: a pod's own fields and its containers' resources as strings, for env
// fieldRef/resourceFieldRef and for downwardAPI volume files, with the kubelet's rules
// (pkg/fieldpath and pkg/api/v1/resource) and error messages.

#include <nlohmann/json.hpp>

#include <string>

#include "common/error.h"

namespace mk::agent::kubelet {

// What the kubelet knows of the pod beyond its object.
struct PodRuntimeFacts {
  std::string host_ip;
  std::string pod_ip;                 // empty until the pod network has given one
  std::vector<std::string> pod_ips;
};

// metadata.name, .namespace, .uid, .labels, .annotations (whole maps formatted as
// `key="value"` lines, sorted), metadata.labels['k'], metadata.annotations['k'], and for env
// also spec.nodeName, spec.serviceAccountName, status.hostIP(s), status.podIP(s).
// Anything else is "unsupported fieldPath: <path>".
Result<std::string> pod_field_value(const nlohmann::json& pod, const std::string& field_path,
                                    const PodRuntimeFacts& facts);

// limits.cpu, limits.memory, limits.ephemeral-storage, requests.* of `container` (a Pod
// container object), divided by `divisor` (a quantity; "1" when empty) and rounded up. A limit
// the container does not set is the node's allocatable amount (`allocatable`, the Node's
// status.allocatable).
Result<std::string> container_resource_value(const nlohmann::json& container, const std::string& resource,
                                             const std::string& divisor, const nlohmann::json& allocatable);

// Go's %q of a string (used for whole label and annotation maps).
std::string go_quote(const std::string& s);

}  // namespace mk::agent::kubelet
