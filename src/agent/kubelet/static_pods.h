#pragma once
// Static pods: Pod manifests (YAML or JSON) in a directory on the node, run without the
// scheduler. Each becomes a mirror pod in the API as the kubelet makes it: named
// <name>-<node>, bound to the node, annotated kubernetes.io/config.mirror (and config.hash,
// config.seen, config.source=file), owned by the Node, tolerating every NoExecute taint. The
// pod worker runs it as it runs any pod bound to the node; a changed file replaces the pod, a
// removed file deletes it. The directory is read every `period`; files whose name starts with
// "." are ignored, as upstream does.
//
// Unlike upstream, the running pod follows its mirror: a mirror pod deleted through the API
// is stopped and made again from the file.

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "client/client.h"
#include "common/error.h"

namespace mk::agent::kubelet {

struct StaticPodSettings {
  std::string node_name;
  std::string manifest_dir;
  std::chrono::milliseconds period{2000};
};

// The mirror pod of a manifest (`node_uid` for the owner reference; empty: none).
Result<nlohmann::json> mirror_pod(const nlohmann::json& manifest, const std::string& node_name,
                                  const std::string& node_uid, const std::string& now);

class StaticPods {
 public:
  StaticPods(client::ApiClient& client, StaticPodSettings settings);
  ~StaticPods();
  StaticPods(const StaticPods&) = delete;
  StaticPods& operator=(const StaticPods&) = delete;
  void start();
  void stop();

 private:
  void run();
  void sync();

  client::ApiClient& client_;
  StaticPodSettings settings_;
  std::string node_uid_;
  bool mirrors_seen_ = true;  // until the first list says otherwise
  std::map<std::string, std::string> reported_;  // file -> the error last logged for it
  std::map<std::string, std::string> create_errors_;  // mirror pod -> the error last logged
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mk::agent::kubelet
