#pragma once
// Typed views of the few pod and node fields the scheduler reads for every pod × node pair,
// built once per object instead of walking JSON in the inner loop.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace mk::scheduler {

struct Resources {
  int64_t milli_cpu = 0;
  int64_t memory = 0;
  int64_t pods = 0;
  // Any other resource (ephemeral-storage, extended resources), in whole units.
  std::map<std::string, int64_t> scalar;

  void add(const Resources& o);
  void subtract(const Resources& o);
};

struct Taint {
  std::string key, value, effect;
};

struct Toleration {
  std::string key, op = "Equal", value, effect;
  bool has_seconds = false;
  int64_t seconds = 0;
  bool tolerates(const Taint& t) const;
};

struct HostPort {
  std::string ip, protocol;
  int port = 0;
  bool operator<(const HostPort& o) const {
    return std::tie(port, protocol, ip) < std::tie(o.port, o.protocol, o.ip);
  }
};

struct PodInfo {
  std::string ns, name, uid, node_name;
  Resources requests;  // max(init containers) vs sum(containers), plus overhead; pods = 1
  // Requests as upstream's scoring sees them: a container with no cpu/memory request counts
  // 100m cpu / 200Mi memory.
  int64_t score_milli_cpu = 0, score_memory = 0;
  std::map<std::string, std::string> node_selector;
  // spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
  // null when the pod has none.
  nlohmann::json required_terms;
  std::vector<Toleration> tolerations;
  std::vector<HostPort> host_ports;
};

struct NodeInfo {
  std::string name;
  std::map<std::string, std::string> labels;
  Resources allocatable;
  std::vector<Taint> taints;
  bool unschedulable = false;
  // What the pods on the node ask for, kept up to date by the scheduler's cache.
  Resources requested;
  int64_t score_milli_cpu = 0, score_memory = 0;
  std::multiset<HostPort> used_ports;
};

PodInfo pod_info(const nlohmann::json& pod);
NodeInfo node_info(const nlohmann::json& node);
std::vector<Taint> taints_of(const nlohmann::json& node);
std::vector<Toleration> tolerations_of(const nlohmann::json& pod);

// Adds (sign 1) or removes (sign -1) a pod's usage from the node.
void account(NodeInfo& node, const PodInfo& pod, int sign);

}  // namespace mk::scheduler
