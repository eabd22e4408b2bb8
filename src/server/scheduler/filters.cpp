#include "server/scheduler/filters.h"

#include <cstdlib>

namespace mk::scheduler {

using nlohmann::json;

const char* const kReasonUnschedulable = "node(s) were unschedulable";
const char* const kReasonAffinity = "node(s) didn't match Pod's node affinity/selector";
const char* const kReasonPorts = "node(s) didn't have free ports for the requested pod ports";

namespace {

std::vector<std::string> strings_of(const json& j, const char* key) {
  std::vector<std::string> out;
  if (auto it = j.find(key); it != j.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

bool parse_int(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtoll(s.c_str(), &end, 10);
  return end && *end == '\0';
}

// One requirement of a NodeSelectorTerm against a value that may be absent.
bool requirement_matches(const json& req, const std::string* value) {
  const std::string op = req.value("operator", "");
  const auto values = strings_of(req, "values");
  auto in = [&] {
    for (const auto& v : values)
      if (value && *value == v) return true;
    return false;
  };
  if (op == "In") return in();
  if (op == "NotIn") return !in();
  if (op == "Exists") return value != nullptr;
  if (op == "DoesNotExist") return value == nullptr;
  if (op == "Gt" || op == "Lt") {
    int64_t have = 0, want = 0;
    if (!value || values.size() != 1 || !parse_int(*value, have) || !parse_int(values[0], want)) return false;
    return op == "Gt" ? have > want : have < want;
  }
  return false;
}

bool term_matches(const json& term, const NodeInfo& node) {
  bool any = false;
  if (auto it = term.find("matchExpressions"); it != term.end() && it->is_array())
    for (const auto& req : *it) {
      any = true;
      auto label = node.labels.find(req.value("key", ""));
      if (!requirement_matches(req, label == node.labels.end() ? nullptr : &label->second)) return false;
    }
  if (auto it = term.find("matchFields"); it != term.end() && it->is_array())
    for (const auto& req : *it) {
      any = true;
      if (req.value("key", "") != "metadata.name") return false;
      if (!requirement_matches(req, &node.name)) return false;
    }
  return any;  // an empty term matches no node
}

void check(std::vector<std::string>& out, const char* name, int64_t want, int64_t allocatable, int64_t requested) {
  if (want > 0 && want > allocatable - requested) out.push_back(std::string("Insufficient ") + name);
}

}  // namespace

std::vector<std::string> fit_resources(const PodInfo& pod, const NodeInfo& node) {
  std::vector<std::string> out;
  if (node.requested.pods + 1 > node.allocatable.pods) out.push_back("Too many pods");
  check(out, "cpu", pod.requests.milli_cpu, node.allocatable.milli_cpu, node.requested.milli_cpu);
  check(out, "memory", pod.requests.memory, node.allocatable.memory, node.requested.memory);
  for (const auto& [name, want] : pod.requests.scalar) {
    auto a = node.allocatable.scalar.find(name);
    auto r = node.requested.scalar.find(name);
    check(out, name.c_str(), want, a == node.allocatable.scalar.end() ? 0 : a->second,
          r == node.requested.scalar.end() ? 0 : r->second);
  }
  return out;
}

bool matches_node_selector(const PodInfo& pod, const NodeInfo& node) {
  for (const auto& [k, v] : pod.node_selector) {
    auto it = node.labels.find(k);
    if (it == node.labels.end() || it->second != v) return false;
  }
  return true;
}

bool matches_required_affinity(const PodInfo& pod, const NodeInfo& node) {
  if (!pod.required_terms.is_array()) return true;
  for (const auto& term : pod.required_terms)
    if (term.is_object() && term_matches(term, node)) return true;
  return false;
}

const Taint* untolerated_taint(const std::vector<Toleration>& tolerations, const std::vector<Taint>& taints) {
  for (const auto& t : taints) {
    if (t.effect != "NoSchedule" && t.effect != "NoExecute") continue;
    bool tolerated = false;
    for (const auto& tol : tolerations)
      if (tol.tolerates(t)) {
        tolerated = true;
        break;
      }
    if (!tolerated) return &t;
  }
  return nullptr;
}

bool unschedulable_for(const PodInfo& pod, const NodeInfo& node) {
  if (!node.unschedulable) return false;
  Taint t{"node.kubernetes.io/unschedulable", "", "NoSchedule"};
  for (const auto& tol : pod.tolerations)
    if (tol.tolerates(t)) return false;
  return true;
}

bool host_ports_conflict(const PodInfo& pod, const NodeInfo& node) {
  for (const auto& want : pod.host_ports)
    for (const auto& used : node.used_ports) {
      if (used.port != want.port || used.protocol != want.protocol) continue;
      if (used.ip == want.ip || used.ip == "0.0.0.0" || want.ip == "0.0.0.0") return true;
    }
  return false;
}

std::vector<std::string> filter(const PodInfo& pod, const NodeInfo& node) {
  if (unschedulable_for(pod, node)) return {kReasonUnschedulable};
  if (const Taint* t = untolerated_taint(pod.tolerations, node.taints))
    return {"node(s) had untolerated taint {" + t->key + ": " + t->value + "}"};
  if (!matches_node_selector(pod, node) || !matches_required_affinity(pod, node)) return {kReasonAffinity};
  if (host_ports_conflict(pod, node)) return {kReasonPorts};
  return fit_resources(pod, node);
}

bool preemption_might_help(const std::string& reason) {
  return reason == "Too many pods" || reason.rfind("Insufficient ", 0) == 0;
}

}  // namespace mk::scheduler
