#pragma once
// The part of a Kubernetes Pod the runtime acts on, read from the Pod object's JSON. Rootfs
// sources are the runtime's own addition: a plain directory, or image layers (lowest first)
// with the image's OCI config.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::runtime::pod {

// A pod volume the runtime can provide: a host path, or an emptyDir (a directory in the pod's
// state dir, shared by its containers). Other types are materialised by the kubelet into a
// host path first; `unsupported` names a type nobody provided.
struct VolumeSpec {
  std::string name;
  std::string host_path;
  bool empty_dir = false;
  std::string unsupported;
};

struct VolumeMountSpec {
  std::string name;
  std::string mount_path;
  std::string sub_path;  // relative, inside the volume
  bool read_only = false;
};

// A container port published on the node (hostPort), as CRI's PortMapping: for the network hook.
struct PortMapping {
  std::string protocol = "TCP";
  int container_port = 0, host_port = 0;
  std::string host_ip;
};

struct ContainerSpec {
  std::string name;
  std::string image;
  std::vector<std::string> command, args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string working_dir;
  bool tty = false;
  bool stdin_open = false;
  bool stdin_once = false;
  bool privileged = false;
  bool read_only_rootfs = false;
  std::optional<int64_t> run_as_user, run_as_group;
  std::optional<int64_t> cpu_request_milli, cpu_limit_milli, memory_request, memory_limit;
  std::vector<std::string> cap_add, cap_drop;
  std::vector<VolumeMountSpec> volume_mounts;
  // Root filesystem: `rootfs` as it is, or an overlay of `layers`.
  std::string rootfs;
  std::vector<std::string> layers;
  nlohmann::json image_config = nlohmann::json::object();  // OCI config's "config" object
};

struct PodSpec {
  std::string uid, name, namespace_name = "default";
  std::string hostname;
  bool host_network = false, host_pid = false, host_ipc = false;
  std::vector<std::string> dns_servers, dns_searches, dns_options;
  int64_t grace_seconds = 30;
  std::vector<VolumeSpec> volumes;
  // Init containers are not started by run_pod; the kubelet starts them one by one.
  std::vector<ContainerSpec> init_containers;
  std::vector<ContainerSpec> containers;
  std::vector<PortMapping> port_mappings;
};

// Init containers first, then the app containers.
std::vector<const ContainerSpec*> all_containers(const PodSpec& spec);
// The init or app container of that name, or nullptr.
const ContainerSpec* find_container(const PodSpec& spec, const std::string& name);

enum class QosClass { guaranteed, burstable, best_effort };

// Reads a Pod object (apiVersion v1, kind Pod). A missing metadata.uid is left empty.
Result<PodSpec> pod_from_json(const nlohmann::json& pod);
nlohmann::json to_json(const PodSpec& spec);
Result<PodSpec> spec_from_json(const nlohmann::json& j);

// "128Mi" -> 134217728, "1G" -> 1000000000, "500m" as millis for cpu.
Result<int64_t> parse_memory(const std::string& text);
Result<int64_t> parse_cpu_milli(const std::string& text);

QosClass qos_class(const PodSpec& spec);
// Kubernetes' oom_score_adj for a container of a pod of that class (qos/policy.go).
int oom_score_adj(QosClass qos, const ContainerSpec& c, int64_t node_memory);

// Checks names (DNS labels, unique), at least one container, a rootfs source for each.
Status validate(const PodSpec& spec);

}  // namespace mk::runtime::pod
