#include "server/scheduler/cache.h"

namespace mk::scheduler {

void Cache::set_node(NodeInfo node) {
  auto it = nodes_.find(node.name);
  if (it != nodes_.end()) {
    node.requested = it->second.requested;
    node.score_milli_cpu = it->second.score_milli_cpu;
    node.score_memory = it->second.score_memory;
    node.used_ports = std::move(it->second.used_ports);
    it->second = std::move(node);
    return;
  }
  for (const auto& [key, e] : pods_)
    if (e.pod.node_name == node.name) account(node, e.pod, 1);
  std::string name = node.name;
  nodes_.emplace(std::move(name), std::move(node));
}

void Cache::remove_node(const std::string& name) { nodes_.erase(name); }

void Cache::add_entry(const std::string& key, Entry e) {
  if (auto n = nodes_.find(e.pod.node_name); n != nodes_.end()) account(n->second, e.pod, 1);
  pods_[key] = std::move(e);
}

void Cache::drop_entry(const std::string& key) {
  auto it = pods_.find(key);
  if (it == pods_.end()) return;
  if (auto n = nodes_.find(it->second.pod.node_name); n != nodes_.end()) account(n->second, it->second.pod, -1);
  pods_.erase(it);
}

bool Cache::set_pod(const std::string& key, const PodInfo* pod) {
  auto it = pods_.find(key);
  const bool had = it != pods_.end();
  if (!pod) {
    drop_entry(key);
    return had;
  }
  if (had && it->second.assumed && pod->node_name.empty()) return false;  // binding not seen yet
  drop_entry(key);
  if (!pod->node_name.empty()) add_entry(key, Entry{*pod, false});
  return had && pod->node_name.empty();
}

void Cache::assume(const std::string& key, PodInfo pod) {
  drop_entry(key);
  add_entry(key, Entry{std::move(pod), true});
}

void Cache::forget(const std::string& key) {
  auto it = pods_.find(key);
  if (it != pods_.end() && it->second.assumed) drop_entry(key);
}

bool Cache::is_placed(const std::string& key) const {
  auto it = pods_.find(key);
  return it != pods_.end();
}

}  // namespace mk::scheduler
