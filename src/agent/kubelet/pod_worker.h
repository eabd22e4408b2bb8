#pragma once
// The kubelet's pod workers: watches the pods bound to this node (fieldSelector
// spec.nodeName=<node>) and gives each pod its own worker thread, as upstream's pod workers, so
// that a slow step (an image pull, a grace period, a hook) holds up only its pod. A worker gets
// the pod's images as imagePullPolicy says, creates the runtime pod, runs the init containers
// one by one and then the app containers, restarts exited containers as restartPolicy says with
// upstream's back-off (CrashLoopBackOff), kills containers whose liveness or startup probe
// failed, runs postStart and preStop hooks, ends pods past activeDeadlineSeconds, records
// events, and writes the status through pods/status. A pod with a deletionTimestamp is stopped
// (preStop hooks, then its grace period), removed from the runtime and deleted with
// gracePeriodSeconds=0; a runtime pod whose object is gone from the API is stopped and removed.
// Pods found running at start (minikube restarted) are adopted as they are: nothing is started
// twice and restart counts live in the runtime's files.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "agent/kubelet/backoff.h"
#include "agent/kubelet/pod_dns.h"
#include "agent/kubelet/prober.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "runtime/image/content_store.h"
#include "runtime/image/registry_config.h"
#include "runtime/pod/runtime.h"

namespace mk::agent::kubelet {

struct PodWorkerSettings {
  std::string node_name;
  std::string host_ip;
  runtime::image::RegistriesConfig registries;
  PodDnsSettings dns;  // the pods' resolv.conf (pod_dns.h)
  std::chrono::milliseconds resync{1000};
};

class PodWorker {
 public:
  PodWorker(client::ApiClient& client, runtime::pod::Runtime& runtime, const runtime::image::ContentStore& store,
            PodWorkerSettings settings);
  ~PodWorker();
  PodWorker(const PodWorker&) = delete;
  PodWorker& operator=(const PodWorker&) = delete;

  void start();
  void stop();

 private:
  // What the worker knows of a pod that the runtime does not record.
  struct Tracked {
    std::map<std::string, std::pair<std::string, std::string>> waiting;  // container -> reason, message
    std::chrono::steady_clock::time_point retry_at{};
    std::chrono::seconds backoff{0};
    std::string start_time;
    Backoff restarts;                           // per container name
    std::map<std::string, int64_t> backoff_reported;  // container -> finish time a BackOff event was sent for
    std::set<std::string> just_pulled;          // containers whose Pulled event was sent at pull time
    std::string failed_reason, failed_message;  // DeadlineExceeded
    bool adopted = false;                       // the first sync happened
    std::map<std::string, bool> initially_ready;
    std::optional<runtime::pod::PodStatus> last_status;  // read by sync() for write_status()
  };
  // One pod's worker thread and what it is told.
  struct Task {
    std::thread thread;
    std::mutex mu;
    std::condition_variable wake;
    nlohmann::json pod;  // the latest object
    bool dirty = false;
    bool gone = false;   // the object left the API: stop and remove the runtime pod, then end
    bool done = false;   // the thread ended
    Tracked tracked;
  };

  void run();
  void run_task(const std::string& uid, Task& task);
  void wake_task(const std::string& uid);
  // One pass over a pod; false when something changed that the next pass should look at at once.
  bool sync(const nlohmann::json& pod, Tracked& tracked);
  void start_pod(const nlohmann::json& pod, Tracked& tracked);
  void sync_containers(const nlohmann::json& pod, Tracked& tracked, const runtime::pod::PodStatus& status);
  void start_container(const nlohmann::json& pod, Tracked& tracked, const std::string& name, bool init);
  // Runs the preStop hook, then stops the container within what is left of the grace period.
  void kill_container(const nlohmann::json& pod, const std::string& name, int64_t grace, const std::string& message);
  void kill_all(const nlohmann::json& pod, const runtime::pod::PodStatus& status, int64_t grace);
  void finish_deletion(const nlohmann::json& pod);
  void remove_gone(const std::string& uid, const nlohmann::json& pod);
  void remove_orphans(const std::set<std::string>& known);
  void write_status(const nlohmann::json& pod, Tracked& tracked);
  void fail_attempt(Tracked& tracked);
  // Queues an event; one thread sends them, so pod workers do not wait for the API server.
  void event(const nlohmann::json& pod, const std::string& type, const std::string& reason, const std::string& message,
             const std::string& container = "");
  void send_events();

  client::ApiClient& client_;
  runtime::pod::Runtime& runtime_;
  const runtime::image::ContentStore& store_;
  PodWorkerSettings settings_;
  client::EventRecorder events_;
  struct QueuedEvent {
    nlohmann::json object;
    std::string type, reason, message, field_path;
  };
  std::mutex events_mu_;
  std::condition_variable events_wake_;
  std::deque<QueuedEvent> events_queue_;
  bool events_stopping_ = false;
  std::thread events_thread_;
  std::unique_ptr<ProbeManager> probes_;
  std::unique_ptr<client::Informer> informer_;

  std::mutex tasks_mu_;
  std::map<std::string, std::unique_ptr<Task>> tasks_;  // by uid

  std::mutex mu_;
  std::condition_variable wake_;
  bool dirty_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mk::agent::kubelet
