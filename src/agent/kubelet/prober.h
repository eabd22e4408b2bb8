#pragma once
// The kubelet's probes: one small scheduler thread keeps, per (pod, container, probe kind), when
// the probe is due next, and hands due probes to a few pool threads, so a slow probe delays
// neither the pod workers nor other probes. Results follow upstream's prober workers: liveness
// starts as success, readiness as failure, startup as not started; a result changes only after
// successThreshold / failureThreshold equal outcomes in a row; nothing is probed before
// initialDelaySeconds, nor (liveness, readiness) before the startup probe succeeded; a failed
// liveness or startup probe holds its worker until the container runs anew. Each failed probe
// is reported (Unhealthy event); a changed result wakes the pod's worker.

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/thread_pool.h"
#include "runtime/pod/runtime.h"

namespace mk::agent::kubelet {

enum class ProbeKind { liveness, readiness, startup };

// What the pod worker needs from the probes of one container's current run.
struct ProbeState {
  bool ready = false;    // readiness passed (true without a readiness probe), and started
  bool started = false;  // startup passed (true without a startup probe)
  // A liveness or startup probe failed failureThreshold times: the container must restart.
  std::optional<ProbeKind> failed;
};

class ProbeManager {
 public:
  using Notify = std::function<void(const std::string& uid)>;
  // (pod object, container name, message): an Unhealthy event.
  using Unhealthy = std::function<void(const nlohmann::json& pod, const std::string& container, const std::string& message)>;

  ProbeManager(runtime::pod::Runtime& runtime, Notify notify, Unhealthy unhealthy);
  ~ProbeManager();
  ProbeManager(const ProbeManager&) = delete;
  ProbeManager& operator=(const ProbeManager&) = delete;

  // Brings the pod's probes in line with its spec and its containers' current runs: `runs` maps
  // each running app container to its run's start time (ns since the epoch); a container not in
  // it is not probed. `initially_ready` names containers whose readiness to assume until the
  // first probe (a re-adopted run that the API showed ready).
  void update(const nlohmann::json& pod, const std::map<std::string, int64_t>& runs, const std::string& netns,
              const std::map<std::string, bool>& initially_ready = {});
  void remove(const std::string& uid);
  ProbeState state(const std::string& uid, const std::string& container) const;

  void stop();

 private:
  struct Worker;
  void run();
  void probe(std::shared_ptr<Worker> w);

  runtime::pod::Runtime& runtime_;
  Notify notify_;
  Unhealthy unhealthy_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  // uid -> container -> kind -> worker
  std::map<std::string, std::map<std::string, std::map<ProbeKind, std::shared_ptr<Worker>>>> workers_;
  bool stopping_ = false;
  std::unique_ptr<ThreadPool> pool_;
  std::thread thread_;
};

// Upstream's names ("Liveness", "Readiness", "Startup").
std::string probe_kind_name(ProbeKind kind);

}  // namespace mk::agent::kubelet
