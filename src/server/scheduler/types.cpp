#include "server/scheduler/types.h"

#include <algorithm>
#include <tuple>

#include "api/json_path.h"
#include "api/quantity.h"

namespace mk::scheduler {

using nlohmann::json;

namespace {

constexpr int64_t kDefaultMilliCpu = 100;
constexpr int64_t kDefaultMemory = 200 * 1024 * 1024;

int64_t quantity(const json& v, bool milli) {
  if (v.is_number_integer()) return milli ? v.get<int64_t>() * 1000 : v.get<int64_t>();
  if (!v.is_string()) return 0;
  auto q = api::Quantity::parse(v.get<std::string>());
  if (!q) return 0;
  return milli ? q->milli_value() : q->value();
}

Resources resources_of(const json* list) {
  Resources r;
  if (!list || !list->is_object()) return r;
  for (const auto& [name, v] : list->items()) {
    if (name == "cpu") r.milli_cpu = quantity(v, true);
    else if (name == "memory") r.memory = quantity(v, false);
    else if (name == "pods") r.pods = quantity(v, false);
    else r.scalar[name] = quantity(v, false);
  }
  return r;
}

void max_into(Resources& into, const Resources& r) {
  into.milli_cpu = std::max(into.milli_cpu, r.milli_cpu);
  into.memory = std::max(into.memory, r.memory);
  for (const auto& [k, v] : r.scalar) into.scalar[k] = std::max(into.scalar[k], v);
}

}  // namespace

void Resources::add(const Resources& o) {
  milli_cpu += o.milli_cpu;
  memory += o.memory;
  pods += o.pods;
  for (const auto& [k, v] : o.scalar) scalar[k] += v;
}

void Resources::subtract(const Resources& o) {
  milli_cpu -= o.milli_cpu;
  memory -= o.memory;
  pods -= o.pods;
  for (const auto& [k, v] : o.scalar) scalar[k] -= v;
}

bool Toleration::tolerates(const Taint& t) const {
  if (!effect.empty() && effect != t.effect) return false;
  if (op == "Exists") return key.empty() || key == t.key;
  if (key != t.key) return false;
  return value == t.value;
}

std::vector<Taint> taints_of(const json& node) {
  std::vector<Taint> out;
  if (const json* ts = api::find_path(node, "spec.taints"); ts && ts->is_array())
    for (const auto& t : *ts) out.push_back({t.value("key", ""), t.value("value", ""), t.value("effect", "")});
  return out;
}

std::vector<Toleration> tolerations_of(const json& pod) {
  std::vector<Toleration> out;
  if (const json* ts = api::find_path(pod, "spec.tolerations"); ts && ts->is_array())
    for (const auto& t : *ts) {
      Toleration x;
      x.key = t.value("key", "");
      x.op = t.value("operator", "Equal");
      if (x.op.empty()) x.op = "Equal";
      x.value = t.value("value", "");
      x.effect = t.value("effect", "");
      if (auto it = t.find("tolerationSeconds"); it != t.end() && it->is_number_integer()) {
        x.has_seconds = true;
        x.seconds = it->get<int64_t>();
      }
      out.push_back(std::move(x));
    }
  return out;
}

PodInfo pod_info(const json& pod) {
  PodInfo p;
  p.ns = api::string_at(pod, "metadata.namespace");
  p.name = api::string_at(pod, "metadata.name");
  p.uid = api::string_at(pod, "metadata.uid");
  p.node_name = api::string_at(pod, "spec.nodeName");

  Resources sum;
  if (const json* cs = api::find_path(pod, "spec.containers"); cs && cs->is_array())
    for (const auto& c : *cs) {
      Resources r = resources_of(api::find_path(c, "resources.requests"));
      sum.add(r);
      p.score_milli_cpu += r.milli_cpu ? r.milli_cpu : kDefaultMilliCpu;
      p.score_memory += r.memory ? r.memory : kDefaultMemory;
      if (const json* ports = api::find_path(c, "ports"); ports && ports->is_array())
        for (const auto& port : *ports) {
          int hp = port.value("hostPort", 0);
          if (hp <= 0) continue;
          std::string ip = port.value("hostIP", "");
          p.host_ports.push_back({ip.empty() ? "0.0.0.0" : ip, port.value("protocol", "TCP"), hp});
        }
    }
  if (const json* cs = api::find_path(pod, "spec.initContainers"); cs && cs->is_array())
    for (const auto& c : *cs) max_into(sum, resources_of(api::find_path(c, "resources.requests")));
  sum.add(resources_of(api::find_path(pod, "spec.overhead")));
  sum.pods = 1;
  p.requests = std::move(sum);

  if (const json* sel = api::find_path(pod, "spec.nodeSelector"); sel && sel->is_object())
    for (const auto& [k, v] : sel->items())
      if (v.is_string()) p.node_selector[k] = v.get<std::string>();
  if (const json* t = api::find_path(
          pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
      t && t->is_array())
    p.required_terms = *t;
  p.tolerations = tolerations_of(pod);
  return p;
}

NodeInfo node_info(const json& node) {
  NodeInfo n;
  n.name = api::string_at(node, "metadata.name");
  if (const json* ls = api::find_path(node, "metadata.labels"); ls && ls->is_object())
    for (const auto& [k, v] : ls->items())
      if (v.is_string()) n.labels[k] = v.get<std::string>();
  const json* alloc = api::find_path(node, "status.allocatable");
  if (!alloc || !alloc->is_object() || alloc->empty()) alloc = api::find_path(node, "status.capacity");
  n.allocatable = resources_of(alloc);
  n.taints = taints_of(node);
  if (const json* u = api::find_path(node, "spec.unschedulable"); u && u->is_boolean()) n.unschedulable = u->get<bool>();
  return n;
}

void account(NodeInfo& node, const PodInfo& pod, int sign) {
  if (sign > 0) node.requested.add(pod.requests);
  else node.requested.subtract(pod.requests);
  node.score_milli_cpu += sign * pod.score_milli_cpu;
  node.score_memory += sign * pod.score_memory;
  for (const auto& hp : pod.host_ports) {
    if (sign > 0) node.used_ports.insert(hp);
    else if (auto it = node.used_ports.find(hp); it != node.used_ports.end()) node.used_ports.erase(it);
  }
}

}  // namespace mk::scheduler
