#include "agent/kubelet/pod_worker.h"

#include <set>

#include "agent/kubelet/image_policy.h"
#include "agent/kubelet/pod_status.h"
#include "api/json_path.h"
#include "api/timestamp.h"
#include "common/log.h"
#include "runtime/image/reference.h"
#include "runtime/pod/image_rootfs.h"
#include "runtime/pod/pod_spec.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const client::Resource kPods{"", "v1", "pods"};
constexpr std::chrono::seconds kFirstBackoff{10};
constexpr std::chrono::seconds kMaxBackoff{300};

std::string now_text() { return api::format_time(std::chrono::system_clock::now()); }

bool terminal(const json& pod) {
  std::string phase = api::string_at(pod, "status.phase");
  return phase == "Succeeded" || phase == "Failed";
}

}  // namespace

PodWorker::PodWorker(client::ApiClient& client, runtime::pod::Runtime& runtime,
                     const runtime::image::ContentStore& store, PodWorkerSettings settings)
    : client_(client), runtime_(runtime), store_(store), settings_(std::move(settings)) {}

PodWorker::~PodWorker() { stop(); }

void PodWorker::start() {
  client::WatchOptions selectors;
  selectors.field_selector = "spec.nodeName=" + settings_.node_name;
  informer_ = std::make_unique<client::Informer>(client_, kPods, "", selectors);
  informer_->add_handler([this](client::ChangeType, const json&, const json*) {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = true;
    wake_.notify_one();
  });
  informer_->start();
  thread_ = std::thread([this] { run(); });
}

void PodWorker::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  if (informer_) informer_->stop();
}

void PodWorker::run() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, settings_.resync, [this] { return dirty_ || stopping_; });
      if (stopping_) return;
      dirty_ = false;
    }
    if (!informer_->synced()) continue;
    for (const auto& pod : informer_->list()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
      }
      sync(pod);
    }
    remove_orphans();
  }
}

void PodWorker::sync(const json& pod) {
  std::string uid = api::string_at(pod, "metadata.uid");
  if (uid.empty()) return;
  if (api::find_path(pod, "metadata.deletionTimestamp")) {
    finish_deletion(pod);
    return;
  }
  auto existing = runtime_.status(uid);
  Tracked& tracked = tracked_[uid];
  if (tracked.start_time.empty()) {
    tracked.start_time = api::string_at(pod, "status.startTime");
    if (tracked.start_time.empty()) tracked.start_time = now_text();
  }
  if (!existing) {
    // A pod that finished and whose runtime pod is gone is left as it is.
    if (terminal(pod)) return;
    if (Clock::now() >= tracked.retry_at) {
      start_pod(pod, tracked);
    } else {
      for (auto& [name, waiting] : tracked.waiting) {
        if (waiting.first == "ErrImagePull") waiting.first = "ImagePullBackOff";
      }
    }
  }
  write_status(pod, tracked);
}

void PodWorker::fail_attempt(Tracked& tracked) {
  tracked.backoff = tracked.backoff.count() == 0 ? kFirstBackoff : std::min(kMaxBackoff, tracked.backoff * 2);
  tracked.retry_at = Clock::now() + tracked.backoff;
}

void PodWorker::start_pod(const json& pod, Tracked& tracked) {
  std::string uid = api::string_at(pod, "metadata.uid");
  std::string key = api::string_at(pod, "metadata.namespace") + "/" + api::string_at(pod, "metadata.name");
  auto spec = runtime::pod::pod_from_json(pod);
  if (!spec) {
    for (const auto& c : pod["spec"].value("containers", json::array())) {
      tracked.waiting[c.value("name", "")] = {"CreateContainerConfigError", spec.error().message};
    }
    fail_attempt(tracked);
    return;
  }
  tracked.waiting.clear();
  const json containers = pod["spec"].value("containers", json::array());
  bool pulled = true;
  for (auto& c : spec->containers) {
    std::string policy;
    for (const auto& jc : containers) {
      if (jc.value("name", "") == c.name) policy = jc.value("imagePullPolicy", "");
    }
    auto image = ensure_image(store_, c.image, policy, settings_.registries);
    if (!image) {
      MK_LOG(warn) << "kubelet: pod " << key << ": " << image.error().message;
      if (policy.empty()) policy = default_pull_policy(c.image);
      tracked.waiting[c.name] = {policy == "Never" ? "ErrImageNeverPull" : "ErrImagePull", image.error().message};
      pulled = false;
      continue;
    }
    auto rootfs = runtime::pod::image_rootfs(store_.root(), c.image);
    if (!rootfs) {
      tracked.waiting[c.name] = {"CreateContainerError", rootfs.error().message};
      pulled = false;
      continue;
    }
    c.layers = std::move(rootfs->layers);
    c.image_config = std::move(rootfs->config);
  }
  if (!pulled) {
    fail_attempt(tracked);
    return;
  }
  auto ran = runtime_.run_pod(*spec);
  if (!ran) {
    MK_LOG(warn) << "kubelet: pod " << key << ": " << ran.error().message;
    if (ran.error().code != Errc::already_exists) (void)runtime_.remove_pod(uid);
    for (const auto& c : spec->containers) tracked.waiting[c.name] = {"CreateContainerError", ran.error().message};
    fail_attempt(tracked);
    return;
  }
  tracked.backoff = std::chrono::seconds(0);
  MK_LOG(info) << "kubelet: started pod " << key << " (" << uid << ")";
}

void PodWorker::write_status(const json& pod, const Tracked& tracked) {
  std::string uid = api::string_at(pod, "metadata.uid");
  PodView view;
  view.host_ip = settings_.host_ip;
  view.start_time = tracked.start_time;
  view.now = now_text();
  auto status = runtime_.status(uid);
  for (const auto& c : pod["spec"].value("containers", json::array())) {
    ContainerView cv;
    cv.name = c.value("name", "");
    cv.image = c.value("image", "");
    if (auto ref = runtime::image::parse_reference(cv.image)) {
      if (auto record = store_.get_image(ref->name())) cv.image_id = image_id(*record);
    }
    if (status) {
      for (const auto& rc : status->containers) {
        if (rc.name == cv.name) {
          cv.state = rc.state;
          cv.container_id = "minikube://" + uid + "_" + cv.name;
        }
      }
      if (cv.state && cv.state->phase == runtime::shim::Phase::created) cv.state.reset();
    }
    if (auto it = tracked.waiting.find(cv.name); it != tracked.waiting.end() && !cv.state) {
      cv.waiting_reason = it->second.first;
      cv.waiting_message = it->second.second;
    }
    view.containers.push_back(std::move(cv));
  }
  json next = pod_status(pod, view);
  const json current = pod.value("status", json::object());
  bool same = true;
  for (const auto& [k, v] : next.items()) {
    if (!current.contains(k) || current[k] != v) same = false;
  }
  if (same) return;
  std::string ns = api::string_at(pod, "metadata.namespace");
  std::string name = api::string_at(pod, "metadata.name");
  json patch = {{"status", next}};
  auto r = client_.patch(kPods, ns, name, "application/merge-patch+json", patch.dump(), "status");
  if (!r && !r.not_found()) {
    MK_LOG(warn) << "kubelet: write status of pod " << ns << "/" << name << ": " << r.error().message;
  }
}

void PodWorker::finish_deletion(const json& pod) {
  std::string uid = api::string_at(pod, "metadata.uid");
  std::string ns = api::string_at(pod, "metadata.namespace");
  std::string name = api::string_at(pod, "metadata.name");
  if (runtime_.status(uid)) {
    int64_t grace = api::int_at(pod, "metadata.deletionGracePeriodSeconds",
                                api::int_at(pod, "spec.terminationGracePeriodSeconds", 30));
    if (auto s = runtime_.stop_pod(uid, grace); !s) MK_LOG(warn) << "kubelet: " << s.error().message;
    if (auto s = runtime_.remove_pod(uid); !s) {
      MK_LOG(warn) << "kubelet: " << s.error().message;
      return;  // tried again on the next pass
    }
    MK_LOG(info) << "kubelet: stopped and removed pod " << ns << "/" << name;
  }
  tracked_.erase(uid);
  json options = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}, {"gracePeriodSeconds", 0},
                  {"preconditions", {{"uid", uid}}}};
  auto r = client_.remove(kPods, ns, name, options);
  if (!r && !r.not_found() && !r.conflict()) {
    MK_LOG(warn) << "kubelet: delete pod " << ns << "/" << name << ": " << r.error().message;
  }
}

void PodWorker::remove_orphans() {
  std::set<std::string> known;
  for (const auto& pod : informer_->list()) known.insert(api::string_at(pod, "metadata.uid"));
  auto pods = runtime_.list();
  if (!pods) return;
  for (const auto& p : *pods) {
    if (known.count(p.uid)) continue;
    MK_LOG(info) << "kubelet: pod " << p.namespace_name << "/" << p.name << " (" << p.uid
                 << ") is gone from the API; removing it";
    (void)runtime_.stop_pod(p.uid, 2);
    if (auto s = runtime_.remove_pod(p.uid); !s) MK_LOG(warn) << "kubelet: " << s.error().message;
  }
  for (auto it = tracked_.begin(); it != tracked_.end();) {
    it = known.count(it->first) ? std::next(it) : tracked_.erase(it);
  }
}

}  // namespace mk::agent::kubelet
