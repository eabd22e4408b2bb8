#include "agent/kubelet/volume_refresher.h"

#include <sys/stat.h>

#include <filesystem>

#include "agent/kubelet/memory_volume.h"
#include "agent/kubelet/pod_inputs.h"
#include "api/json_path.h"
#include "common/log.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Only the metadata of ConfigMaps and Secrets is kept: they are triggers, not a cache.
json metadata_only(const json& obj) {
  return {{"metadata", {{"name", api::string_at(obj, "metadata.name")},
                        {"namespace", api::string_at(obj, "metadata.namespace")},
                        {"resourceVersion", api::string_at(obj, "metadata.resourceVersion")}}}};
}

bool older_than(const fs::path& p, std::chrono::seconds age) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return false;
  return std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime) > age;
}

}  // namespace

std::set<std::string> pod_volume_references(const json& pod) {
  std::set<std::string> out;
  std::string ns = api::string_at(pod, "metadata.namespace", "default");
  const json* volumes = api::find_path(pod, "spec.volumes");
  if (!volumes || !volumes->is_array()) return out;
  auto add = [&](const char* kind, const json& src, const char* key) {
    if (src.is_object() && src.contains(key) && src[key].is_string())
      out.insert(std::string(kind) + "/" + ns + "/" + src[key].get<std::string>());
  };
  for (const auto& v : *volumes) {
    if (v.contains("configMap")) add("configmap", v["configMap"], "name");
    if (v.contains("secret")) add("secret", v["secret"], "secretName");
    if (v.contains("projected") && v["projected"].is_object())
      for (const auto& s : v["projected"].value("sources", json::array())) {
        if (s.contains("configMap")) add("configmap", s["configMap"], "name");
        if (s.contains("secret")) add("secret", s["secret"], "name");
      }
  }
  return out;
}

VolumeRefresher::VolumeRefresher(client::ApiClient& client, runtime::pod::Runtime& runtime,
                                 VolumeRefresherSettings settings)
    : client_(client), runtime_(runtime), settings_(std::move(settings)),
      kubelet_pods_(kubelet_pods_dir(runtime_.pods_dir())) {}

VolumeRefresher::~VolumeRefresher() { stop(); }

void VolumeRefresher::wake(std::string ref) {
  std::lock_guard<std::mutex> lock(mu_);
  dirty_.insert(std::move(ref));
  cv_.notify_one();
}

void VolumeRefresher::start() {
  // Where this node keeps local-path volumes, for the server's provisioner.
  json patch = {{"metadata", {{"annotations", {{kLocalStorageAnnotation, settings_.data_dir + "/storage"}}}}}};
  auto r = client_.patch({"", "v1", "nodes"}, "", settings_.node_name, "application/merge-patch+json", patch.dump());
  if (!r) MK_LOG(warn) << "kubelet: annotate node " << settings_.node_name << ": " << r.error().message;

  client::WatchOptions on_node;
  on_node.field_selector = "spec.nodeName=" + settings_.node_name;
  pods_ = std::make_unique<client::Informer>(client_, client::Resource{"", "v1", "pods"}, "", on_node);
  pods_->add_handler([this](client::ChangeType type, const json& obj, const json* old) {
    if (type != client::ChangeType::updated || !old) return;
    // Labels and annotations feed downwardAPI files.
    auto part = [](const json& o, const char* path) {
      const json* v = api::find_path(o, path);
      return v ? *v : json();
    };
    if (part(obj, "metadata.labels") != part(*old, "metadata.labels") ||
        part(obj, "metadata.annotations") != part(*old, "metadata.annotations"))
      wake("pod/" + api::string_at(obj, "metadata.uid"));
  });
  config_maps_ = std::make_unique<client::Informer>(client_, client::Resource{"", "v1", "configmaps"});
  secrets_ = std::make_unique<client::Informer>(client_, client::Resource{"", "v1", "secrets"});
  for (const auto& [informer, kind] : {std::pair<client::Informer*, const char*>{config_maps_.get(), "configmap"},
                                      std::pair<client::Informer*, const char*>{secrets_.get(), "secret"}}) {
    informer->set_transform(metadata_only);
    std::string k = kind;
    informer->add_handler([this, k](client::ChangeType type, const json& obj, const json*) {
      if (type == client::ChangeType::deleted) return;  // a running pod keeps what it has
      wake(k + "/" + api::string_at(obj, "metadata.namespace") + "/" + api::string_at(obj, "metadata.name"));
    });
  }
  volumes_ = std::make_unique<client::Informer>(client_, client::Resource{"", "v1", "persistentvolumes"});
  volumes_->set_transform([](const json& pv) {
    return json{{"metadata", {{"name", api::string_at(pv, "metadata.name")}}},
                {"spec", {{"hostPath", {{"path", api::string_at(pv, "spec.hostPath.path")}}},
                          {"local", {{"path", api::string_at(pv, "spec.local.path")}}}}}};
  });
  volumes_->add_handler([this](client::ChangeType type, const json& pv, const json*) {
    if (type != client::ChangeType::deleted) return;
    for (const char* p : {"spec.hostPath.path", "spec.local.path"})
      if (std::string path = api::string_at(pv, p); !path.empty()) wake("released:" + path);
  });
  for (auto* i : {pods_.get(), config_maps_.get(), secrets_.get(), volumes_.get()}) i->start();
  thread_ = std::thread([this] { run(); });
}

void VolumeRefresher::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  for (auto* i : {pods_.get(), config_maps_.get(), secrets_.get(), volumes_.get()})
    if (i) i->stop();
}

void VolumeRefresher::run() {
  auto next_full = Clock::now() + settings_.period;
  // Leftovers (pods removed while the agent was down) are looked at now and then, not only on
  // events.
  auto next_clean = Clock::now() + std::chrono::seconds(5);
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, std::min(next_full, next_clean), [this] { return stopping_ || !dirty_.empty(); });
      if (stopping_) return;
    }
    if (!pods_->synced()) continue;
    bool full = Clock::now() >= next_full;
    refresh(full);
    if (full) next_full = Clock::now() + settings_.period;
    if (Clock::now() >= next_clean) {
      clean_pods();
      clean_storage();
      next_clean = Clock::now() + std::chrono::seconds(10);
    }
  }
}

void VolumeRefresher::refresh(bool all) {
  std::set<std::string> dirty;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty.swap(dirty_);
  }
  for (auto it = dirty.begin(); it != dirty.end();) {
    if (it->rfind("released:", 0) != 0) {
      ++it;
      continue;
    }
    remove_released(it->substr(9));
    it = dirty.erase(it);
  }
  if (!all && dirty.empty()) return;
  for (const auto& pod : pods_->list()) {
    std::string uid = api::string_at(pod, "metadata.uid");
    if (api::find_path(pod, "metadata.deletionTimestamp")) continue;
    bool wanted = all || dirty.count("pod/" + uid);
    if (!wanted)
      for (const auto& ref : pod_volume_references(pod)) wanted = wanted || dirty.count(ref);
    if (!wanted || !fs::exists(kubelet_pods_ + "/" + uid)) continue;
    if (!runtime_.status(uid)) continue;  // not started (yet): the pod worker writes them then
    if (auto s = refresh_pod_volumes(client_, pod, kubelet_pods_); !s)
      MK_LOG(warn) << "kubelet: refresh volumes of pod " << api::string_at(pod, "metadata.namespace") << "/"
                   << api::string_at(pod, "metadata.name") << ": " << s.error().message;
  }
}

void VolumeRefresher::clean_pods() {
  std::set<std::string> known;
  for (const auto& pod : pods_->list()) known.insert(api::string_at(pod, "metadata.uid"));
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kubelet_pods_, ec)) {
    std::string uid = entry.path().filename();
    if (known.count(uid) || runtime_.status(uid) || !older_than(entry.path(), settings_.cleanup_grace)) continue;
    if (auto s = unmount_under(entry.path()); !s) {
      MK_LOG(warn) << "kubelet: clean up pod " << uid << ": " << s.error().message;
      continue;
    }
    fs::remove_all(entry.path(), ec);
    if (ec) MK_LOG(warn) << "kubelet: remove " << entry.path().string() << ": " << ec.message();
    else MK_LOG(info) << "kubelet: removed the volumes of pod " << uid;
  }
}

std::set<std::string> VolumeRefresher::volume_paths() const {
  std::set<std::string> in_use;
  for (const auto& pv : volumes_->list()) {
    for (const char* p : {"spec.hostPath.path", "spec.local.path"}) {
      std::string path = api::string_at(pv, p);
      if (!path.empty()) in_use.insert(fs::path(path).lexically_normal().string());
    }
  }
  return in_use;
}

// Only local-path volumes of this node: pvc-* directly under <data-dir>/storage.
bool VolumeRefresher::remove_released(const std::string& path_in) {
  fs::path path = fs::path(path_in).lexically_normal();
  fs::path storage = fs::path(settings_.data_dir + "/storage").lexically_normal();
  if (path.parent_path() != storage || path.filename().string().rfind("pvc-", 0) != 0) return false;
  std::error_code ec;
  if (!fs::exists(path, ec) || volume_paths().count(path.string())) return false;
  fs::remove_all(path, ec);
  if (ec) {
    MK_LOG(warn) << "kubelet: remove " << path.string() << ": " << ec.message();
    return false;
  }
  MK_LOG(info) << "kubelet: removed local-path volume " << path.string() << " (its PersistentVolume is gone)";
  return true;
}

// Directories of volumes deleted while the agent was away.
void VolumeRefresher::clean_storage() {
  if (!volumes_->synced()) return;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(settings_.data_dir + "/storage", ec)) {
    if (older_than(entry.path(), settings_.cleanup_grace)) remove_released(entry.path().string());
  }
}

}  // namespace mk::agent::kubelet
