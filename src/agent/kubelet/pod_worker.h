#pragma once
// The kubelet's pod worker: watches the pods bound to this node (fieldSelector
// spec.nodeName=<node>), gets their images as imagePullPolicy says, runs them through the pod
// runtime once per uid, and writes their status through pods/status. A pod with a
// deletionTimestamp is stopped (its grace period), removed from the runtime and then deleted
// with gracePeriodSeconds=0; a runtime pod whose object is gone from the API is stopped and
// removed. One thread does all of it, woken by the informer and every `resync` to pick up
// container exits.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "client/client.h"
#include "client/informer.h"
#include "runtime/image/content_store.h"
#include "runtime/image/registry_config.h"
#include "runtime/pod/runtime.h"

namespace mk::agent::kubelet {

struct PodWorkerSettings {
  std::string node_name;
  std::string host_ip;
  runtime::image::RegistriesConfig registries;
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
  };

  void run();
  void sync(const nlohmann::json& pod);
  void start_pod(const nlohmann::json& pod, Tracked& tracked);
  void finish_deletion(const nlohmann::json& pod);
  void remove_orphans();
  void write_status(const nlohmann::json& pod, const Tracked& tracked);
  void fail_attempt(Tracked& tracked);

  client::ApiClient& client_;
  runtime::pod::Runtime& runtime_;
  const runtime::image::ContentStore& store_;
  PodWorkerSettings settings_;
  std::unique_ptr<client::Informer> informer_;
  std::map<std::string, Tracked> tracked_;  // by uid; the worker thread's alone

  std::mutex mu_;
  std::condition_variable wake_;
  bool dirty_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mk::agent::kubelet
