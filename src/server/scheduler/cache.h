#pragma once
// The scheduler's view of the cluster: every node with what the pods bound to it (or assumed
// bound, between the scheduler's decision and the informer's confirmation) ask for.

#include <map>
#include <string>

#include "server/scheduler/types.h"

namespace mk::scheduler {

class Cache {
 public:
  // Node changes; usage carries over from the node's previous state.
  void set_node(NodeInfo node);
  void remove_node(const std::string& name);
  // A pod as the informer sees it: it counts on its node while bound and not finished.
  // Returns true when a bound pod stopped counting (room may have been freed).
  bool set_pod(const std::string& key, const PodInfo* pod_or_null);
  // The scheduler's own decision, until the informer reports the pod bound (or forget()).
  void assume(const std::string& key, PodInfo pod);
  void forget(const std::string& key);
  // True when the pod counts on some node (bound or assumed).
  bool is_placed(const std::string& key) const;

  const std::map<std::string, NodeInfo>& nodes() const { return nodes_; }

 private:
  struct Entry {
    PodInfo pod;
    bool assumed = false;
  };
  void add_entry(const std::string& key, Entry e);
  void drop_entry(const std::string& key);
  std::map<std::string, NodeInfo> nodes_;
  std::map<std::string, Entry> pods_;
};

}  // namespace mk::scheduler
