#pragma once
// The scheduler: places pending pods (spec.schedulerName default-scheduler, no nodeName) on
// nodes through the pods/binding subresource, as kube-scheduler does with its default
// filters and scores. Pods that fit nowhere get PodScheduled=False and a FailedScheduling
// event and wait until a node or a pod changes.

#include <memory>

namespace mk::client {
class ApiClient;
}

namespace mk::scheduler {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // Starts the informers, waits for their first lists and starts scheduling.
  virtual bool start(int64_t sync_timeout_ms) = 0;
  virtual void stop() = 0;
};

std::unique_ptr<Scheduler> make_scheduler(client::ApiClient& client);

}  // namespace mk::scheduler
