#pragma once
// Keeps the volumes the kubelet wrote for running pods current, and removes what pods left:
//  - a ConfigMap or Secret change rewrites the volumes of the node's pods that name it (at
//    once; watched through metadata-only informers), a pod change (labels, annotations) its
//    downwardAPI files, and every `period` all of them (service-account tokens are renewed
//    when 80% of their lifetime has passed);
//  - <data-dir>/agent/kubelet/pods/<uid> is unmounted and removed once the pod is neither in
//    the API nor in the runtime;
//  - local-path volumes: directories under <data-dir>/storage whose PersistentVolume is gone
//    (reclaim policy Delete) are removed, so the data goes on the node that had it.
// At start it also records <data-dir>/storage on the Node (annotation
// minikube.io/local-storage-path) for the server's local-path provisioner.

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "client/client.h"
#include "client/informer.h"
#include "runtime/pod/runtime.h"

namespace mk::agent::kubelet {

constexpr const char* kLocalStorageAnnotation = "minikube.io/local-storage-path";

struct VolumeRefresherSettings {
  std::string node_name;
  std::string data_dir;
  std::chrono::seconds period{60};
  std::chrono::seconds cleanup_grace{30};  // a directory younger than this is never removed
};

class VolumeRefresher {
 public:
  VolumeRefresher(client::ApiClient& client, runtime::pod::Runtime& runtime, VolumeRefresherSettings settings);
  ~VolumeRefresher();
  VolumeRefresher(const VolumeRefresher&) = delete;
  VolumeRefresher& operator=(const VolumeRefresher&) = delete;

  void start();
  void stop();

 private:
  void run();
  void refresh(bool all);
  void clean_pods();
  void clean_storage();
  bool remove_released(const std::string& path);
  std::set<std::string> volume_paths() const;
  void wake(std::string ref);

  client::ApiClient& client_;
  runtime::pod::Runtime& runtime_;
  VolumeRefresherSettings settings_;
  std::string kubelet_pods_;
  std::unique_ptr<client::Informer> pods_, config_maps_, secrets_, volumes_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> dirty_;  // "configmap/<ns>/<name>", "secret/<ns>/<name>", "pod/<uid>"
  bool stopping_ = false;
  std::thread thread_;
};

// The "configmap/<ns>/<name>" and "secret/<ns>/<name>" a pod's volumes name.
std::set<std::string> pod_volume_references(const nlohmann::json& pod);

}  // namespace mk::agent::kubelet
