#include "agent/kubelet/node_object.h"

#include <nlohmann/json.hpp>

namespace mk::agent::kubelet {

using nlohmann::json;

json make_node(const NodeSettings& s, const HostFacts& f) {
  json labels = {{"kubernetes.io/hostname", s.name},
                 {"kubernetes.io/os", "linux"},
                 {"kubernetes.io/arch", f.architecture},
                 {"beta.kubernetes.io/os", "linux"},
                 {"beta.kubernetes.io/arch", f.architecture},
                 {"node.kubernetes.io/instance-type", "minikube"}};
  if (s.control_plane) {
    labels["node-role.kubernetes.io/control-plane"] = "true";
    labels["node-role.kubernetes.io/master"] = "true";
  }
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", s.name},
            {"labels", labels},
            {"annotations", {{"node.alpha.kubernetes.io/ttl", "0"}, {"volumes.kubernetes.io/controller-managed-attach-detach", "true"}}}}},
          {"spec", json::object()}};
}

namespace {

json condition(const char* type, bool status, const char* reason, const char* message, const std::string& now,
               const json& previous) {
  std::string value = status ? "True" : "False";
  std::string transition = now;
  if (previous.is_object())
    if (auto conds = previous.find("conditions"); conds != previous.end() && conds->is_array())
      for (const auto& c : *conds)
        if (c.value("type", "") == type && c.value("status", "") == value)
          transition = c.value("lastTransitionTime", now);
  return {{"type", type},
          {"status", value},
          {"lastHeartbeatTime", now},
          {"lastTransitionTime", transition},
          {"reason", reason},
          {"message", message}};
}

std::string kib(int64_t bytes) { return std::to_string(bytes / 1024) + "Ki"; }

}  // namespace

json node_status(const NodeSettings& s, const HostFacts& f, const std::string& now, const json& previous) {
  json capacity = {{"cpu", std::to_string(f.cpus)},
                   {"memory", kib(f.memory_bytes)},
                   {"pods", std::to_string(s.max_pods)},
                   {"ephemeral-storage", kib(f.ephemeral_storage_bytes)},
                   {"hugepages-2Mi", "0"},
                   {"hugepages-1Gi", "0"}};
  json allocatable = capacity;  // no reservations configured
  return {{"capacity", capacity},
          {"allocatable", allocatable},
          {"conditions",
           json::array({condition("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now, previous),
                        condition("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now, previous),
                        condition("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available", now, previous),
                        condition("Ready", true, "KubeletReady", "kubelet is posting ready status", now, previous)})},
          {"addresses", json::array({{{"type", "InternalIP"}, {"address", f.internal_ip}}, {{"type", "Hostname"}, {"address", f.hostname}}})},
          {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", s.kubelet_port}}}}},
          {"nodeInfo",
           {{"machineID", f.machine_id},
            {"systemUUID", f.system_uuid},
            {"bootID", f.boot_id},
            {"kernelVersion", f.kernel_version},
            {"osImage", f.os_image},
            {"containerRuntimeVersion", s.runtime_version},
            {"kubeletVersion", s.kubelet_version},
            {"kubeProxyVersion", s.kubelet_version},
            {"operatingSystem", "linux"},
            {"architecture", f.architecture}}}};
}

json make_lease(const std::string& node_name, const std::string& node_uid, const std::string& now_micro,
                int duration_seconds) {
  json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", node_name}, {"namespace", "kube-node-lease"}}},
                {"spec", {{"holderIdentity", node_name}, {"leaseDurationSeconds", duration_seconds}, {"renewTime", now_micro}}}};
  if (!node_uid.empty())
    lease["metadata"]["ownerReferences"] =
        json::array({{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node_name}, {"uid", node_uid}}});
  return lease;
}

}  // namespace mk::agent::kubelet
