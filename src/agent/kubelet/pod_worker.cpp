#include "agent/kubelet/pod_worker.h"

#include <cstdio>
#include <filesystem>

#include "agent/kubelet/image_policy.h"
#include "agent/kubelet/pod_inputs.h"
#include "agent/kubelet/pod_status.h"
#include "agent/kubelet/probe.h"
#include "api/json_path.h"
#include "api/timestamp.h"
#include "common/log.h"
#include "runtime/image/reference.h"
#include "runtime/pod/image_rootfs.h"
#include "runtime/pod/pod_spec.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;
using runtime::shim::Phase;
using Clock = std::chrono::steady_clock;

const client::Resource kPods{"", "v1", "pods"};
constexpr std::chrono::seconds kFirstBackoff{10};
constexpr std::chrono::seconds kMaxBackoff{300};
constexpr int64_t kMinimumGraceSeconds = 2;  // upstream's minimumGracePeriodInSeconds

std::string now_text() { return api::format_time(std::chrono::system_clock::now()); }

bool terminal(const json& pod) {
  std::string phase = api::string_at(pod, "status.phase");
  return phase == "Succeeded" || phase == "Failed";
}

std::string pod_key(const json& pod) {
  return api::string_at(pod, "metadata.namespace") + "/" + api::string_at(pod, "metadata.name");
}

std::string formatted_pod(const json& pod) {
  return format_pod(api::string_at(pod, "metadata.name"), api::string_at(pod, "metadata.namespace"),
                    api::string_at(pod, "metadata.uid"));
}

// The container's object in the spec (init containers first); null when there is none.
const json* container_spec(const json& pod, const std::string& name, bool* init = nullptr) {
  for (const char* list : {"initContainers", "containers"}) {
    const json* items = api::find_path(pod, std::string("spec.") + list);
    if (!items || !items->is_array()) continue;
    for (const auto& c : *items) {
      if (c.value("name", "") != name) continue;
      if (init) *init = std::string(list) == "initContainers";
      return &c;
    }
  }
  return nullptr;
}

std::vector<std::string> container_names(const json& pod, const char* list) {
  std::vector<std::string> out;
  const json* items = api::find_path(pod, std::string("spec.") + list);
  if (items && items->is_array())
    for (const auto& c : *items) out.push_back(c.value("name", ""));
  return out;
}

int64_t pod_grace(const json& pod) { return api::int_at(pod, "spec.terminationGracePeriodSeconds", 30); }

// Go's Duration String at millisecond precision: "523ms", "1.387s".
std::string go_millis(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + "s";
}

// The object as the API server keeps it: a merge patch's nulls delete, so they are not stored.
json without_nulls(const json& j) {
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : j.items())
      if (!v.is_null()) out[k] = without_nulls(v);
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& v : j) out.push_back(without_nulls(v));
    return out;
  }
  return j;
}

const runtime::pod::ContainerStatus* find_status(const runtime::pod::PodStatus& status, const std::string& name) {
  for (const auto& c : status.containers)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

PodWorker::PodWorker(client::ApiClient& client, runtime::pod::Runtime& runtime,
                     const runtime::image::ContentStore& store, PodWorkerSettings settings)
    : client_(client),
      runtime_(runtime),
      store_(store),
      settings_(std::move(settings)),
      events_(client, "kubelet", settings_.node_name) {}

PodWorker::~PodWorker() { stop(); }

void PodWorker::start() {
  events_thread_ = std::thread([this] { send_events(); });
  probes_ = std::make_unique<ProbeManager>(
      runtime_, [this](const std::string& uid) { wake_task(uid); },
      [this](const json& pod, const std::string& container, const std::string& message) {
        event(pod, "Warning", "Unhealthy", message, container);
      });
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
  if (probes_) probes_->stop();
  std::map<std::string, std::unique_ptr<Task>> tasks;
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    tasks.swap(tasks_);
  }
  for (auto& [uid, task] : tasks) {
    {
      std::lock_guard<std::mutex> lock(task->mu);
      task->wake.notify_one();
    }
    if (task->thread.joinable()) task->thread.join();
  }
  {
    std::lock_guard<std::mutex> lock(events_mu_);
    events_stopping_ = true;
    events_wake_.notify_one();
  }
  if (events_thread_.joinable()) events_thread_.join();
  if (informer_) informer_->stop();
}

void PodWorker::wake_task(const std::string& uid) {
  std::lock_guard<std::mutex> lock(tasks_mu_);
  auto it = tasks_.find(uid);
  if (it == tasks_.end()) return;
  std::lock_guard<std::mutex> task_lock(it->second->mu);
  it->second->dirty = true;
  it->second->wake.notify_one();
}

void PodWorker::event(const json& pod, const std::string& type, const std::string& reason, const std::string& message,
                      const std::string& container) {
  json ref = pod;
  ref["kind"] = "Pod";
  ref["apiVersion"] = "v1";
  std::string field_path;
  if (!container.empty()) {
    bool init = false;
    container_spec(pod, container, &init);
    field_path = std::string(init ? "spec.initContainers{" : "spec.containers{") + container + "}";
  }
  std::lock_guard<std::mutex> lock(events_mu_);
  if (events_queue_.size() >= 10000) return;  // the API server is far behind: drop, as upstream's broadcaster does
  events_queue_.push_back({std::move(ref), type, reason, message, field_path});
  events_wake_.notify_one();
}

void PodWorker::send_events() {
  std::unique_lock<std::mutex> lock(events_mu_);
  while (true) {
    events_wake_.wait(lock, [this] { return events_stopping_ || !events_queue_.empty(); });
    if (events_stopping_) return;  // events are best effort: shutting down does not wait for them
    QueuedEvent e = std::move(events_queue_.front());
    events_queue_.pop_front();
    lock.unlock();
    events_.record(e.object, e.type, e.reason, e.message, e.field_path);
    lock.lock();
  }
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
    std::set<std::string> known;
    std::lock_guard<std::mutex> lock(tasks_mu_);
    for (const auto& pod : informer_->list()) {
      std::string uid = api::string_at(pod, "metadata.uid");
      if (uid.empty()) continue;
      known.insert(uid);
      auto& task = tasks_[uid];
      if (!task) {
        task = std::make_unique<Task>();
        task->pod = pod;
        task->dirty = true;
        Task* t = task.get();
        task->thread = std::thread([this, uid, t] { run_task(uid, *t); });
        continue;
      }
      std::lock_guard<std::mutex> task_lock(task->mu);
      if (task->pod.value("metadata", json::object()).value("resourceVersion", "") !=
          pod.value("metadata", json::object()).value("resourceVersion", "")) {
        task->pod = pod;
        task->dirty = true;
        task->wake.notify_one();
      }
    }
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      Task& task = *it->second;
      bool done;
      {
        std::lock_guard<std::mutex> task_lock(task.mu);
        if (!known.count(it->first) && !task.gone) {
          task.gone = true;
          task.wake.notify_one();
        }
        done = task.done;
      }
      if (done) {
        task.thread.join();
        it = tasks_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [uid, task] : tasks_) known.insert(uid);
    remove_orphans(known);
  }
}

void PodWorker::run_task(const std::string& uid, Task& task) {
  while (true) {
    json pod;
    bool gone;
    {
      std::unique_lock<std::mutex> lock(task.mu);
      task.wake.wait_for(lock, settings_.resync, [&] {
        std::lock_guard<std::mutex> stop_lock(mu_);
        return task.dirty || task.gone || stopping_;
      });
      {
        std::lock_guard<std::mutex> stop_lock(mu_);
        if (stopping_) break;
      }
      task.dirty = false;
      pod = task.pod;
      gone = task.gone;
    }
    if (gone) {
      remove_gone(uid, pod);
      break;
    }
    if (!sync(pod, task.tracked)) {
      std::lock_guard<std::mutex> lock(task.mu);
      task.dirty = true;  // something changed that the next pass acts on at once
    }
  }
  std::lock_guard<std::mutex> lock(task.mu);
  task.done = true;
}

bool PodWorker::sync(const json& pod, Tracked& tracked) {
  std::string uid = api::string_at(pod, "metadata.uid");
  if (api::find_path(pod, "metadata.deletionTimestamp")) {
    finish_deletion(pod);
    return true;
  }
  auto status = runtime_.status(uid);
  if (!tracked.adopted) {
    tracked.adopted = true;
    // A pod that ran before minikube restarted: keep showing the containers the API had ready
    // as ready until their readiness probes say otherwise.
    if (status) {
      MK_LOG(info) << "kubelet: adopting running pod " << pod_key(pod) << " (" << uid << ")";
      for (const auto& s : pod.value("status", json::object()).value("containerStatuses", json::array())) {
        const auto* rc = find_status(*status, s.value("name", ""));
        if (!rc || rc->state.phase != Phase::running || !s.value("ready", false)) continue;
        if (api::string_at(s, "state.running.startedAt") == format_ns(rc->state.started_at_ns)) {
          tracked.initially_ready[rc->name] = true;
        }
      }
    }
  }
  if (tracked.start_time.empty()) {
    tracked.start_time = api::string_at(pod, "status.startTime");
    if (tracked.start_time.empty()) tracked.start_time = now_text();
  }
  if (terminal(pod)) {
    // Finished: nothing restarts; what still runs is stopped and the shim let go. The files
    // stay (status, logs) until the pod is deleted.
    if (status && status->shim_pid > 0) {
      kill_all(pod, *status, pod_grace(pod));
      if (auto s = runtime_.stop_pod(uid); !s) MK_LOG(warn) << "kubelet: " << s.error().message;
    }
    probes_->remove(uid);
    return true;
  }
  bool settled = true;
  if (status && status->shim_pid == 0) {
    // The shim is gone (the host restarted): its containers with it. Made anew below.
    MK_LOG(info) << "kubelet: pod " << pod_key(pod) << " lost its shim; creating it again";
    if (auto s = runtime_.remove_pod(uid); !s) MK_LOG(warn) << "kubelet: " << s.error().message;
    status = runtime_.status(uid);
  }
  if (!status) {
    if (Clock::now() >= tracked.retry_at) {
      start_pod(pod, tracked);
      status = runtime_.status(uid);
    } else {
      for (auto& [name, waiting] : tracked.waiting) {
        if (waiting.first != "ErrImagePull") continue;
        waiting.first = "ImagePullBackOff";
        const json* c = container_spec(pod, name);
        std::string image = c ? c->value("image", "") : "";
        waiting.second = "Back-off pulling image \"" + image + "\"";
        event(pod, "Normal", "BackOff", waiting.second, name);
        event(pod, "Warning", "Failed", "Error: ImagePullBackOff", name);
      }
    }
  }
  if (status && tracked.failed_reason.empty()) {
    int64_t deadline = api::int_at(pod, "spec.activeDeadlineSeconds", 0);
    auto started = api::parse_time(tracked.start_time);
    if (deadline > 0 && started && std::chrono::system_clock::now() >= *started + std::chrono::seconds(deadline)) {
      tracked.failed_reason = "DeadlineExceeded";
      tracked.failed_message = "Pod was active on the node longer than the specified deadline";
      event(pod, "Normal", "DeadlineExceeded", tracked.failed_message);
      kill_all(pod, *status, pod_grace(pod));
    } else {
      sync_containers(pod, tracked, *status);
    }
    auto after = runtime_.status(uid);
    if (after) {
      // Anything that changed (a container started or stopped) is looked at again at once.
      for (size_t i = 0; i < after->containers.size() && i < status->containers.size(); ++i) {
        if (after->containers[i].state.phase != status->containers[i].state.phase ||
            after->containers[i].state.started_at_ns != status->containers[i].state.started_at_ns) {
          settled = false;
        }
      }
      status = std::move(after);
    }
  }
  if (status) {
    std::map<std::string, int64_t> runs;
    for (const auto& c : status->containers) {
      if (!c.init && c.state.phase == Phase::running) runs[c.name] = c.state.started_at_ns;
    }
    probes_->update(pod, runs, runtime_.netns_path(uid), tracked.initially_ready);
    tracked.initially_ready.clear();
  }
  tracked.last_status.reset();
  if (status) tracked.last_status = std::move(*status);
  write_status(pod, tracked);
  return settled;
}

void PodWorker::fail_attempt(Tracked& tracked) {
  tracked.backoff = tracked.backoff.count() == 0 ? kFirstBackoff : std::min(kMaxBackoff, tracked.backoff * 2);
  tracked.retry_at = Clock::now() + tracked.backoff;
}

void PodWorker::start_pod(const json& pod, Tracked& tracked) {
  std::string uid = api::string_at(pod, "metadata.uid");
  std::string key = pod_key(pod);
  auto spec = runtime::pod::pod_from_json(pod);
  if (!spec) {
    for (const char* list : {"initContainers", "containers"}) {
      for (const auto& name : container_names(pod, list)) {
        tracked.waiting[name] = {"CreateContainerConfigError", spec.error().message};
      }
    }
    event(pod, "Warning", "Failed", "Error: " + spec.error().message);
    fail_attempt(tracked);
    return;
  }
  apply_cluster_dns(*spec, pod, settings_.dns);
  tracked.waiting.clear();
  runtime::image::RegistriesConfig registries = settings_.registries;
  if (auto inputs = prepare_pod_inputs(client_, pod, *spec, runtime_.pods_dir(), registries); !inputs) {
    MK_LOG(warn) << "kubelet: pod " << key << ": " << inputs.error().message;
    for (const auto* c : runtime::pod::all_containers(*spec))
      tracked.waiting[c->name] = {pod_inputs_reason(inputs.error()), inputs.error().message};
    fail_attempt(tracked);
    return;
  }
  bool pulled = true;
  for (auto* list : {&spec->init_containers, &spec->containers}) {
    for (auto& c : *list) {
      std::string policy = container_spec(pod, c.name) ? container_spec(pod, c.name)->value("imagePullPolicy", "") : "";
      if (policy.empty()) policy = default_pull_policy(c.image);
      bool present = false;
      if (policy != "Always") {
        auto ref = runtime::image::parse_reference(c.image);
        present = ref && store_.get_image(ref->name());
      }
      auto began = Clock::now();
      if (!present && policy != "Never") event(pod, "Normal", "Pulling", "Pulling image \"" + c.image + "\"", c.name);
      auto image = ensure_image(store_, c.image, policy, registries);
      if (!image) {
        MK_LOG(warn) << "kubelet: pod " << key << ": " << image.error().message;
        if (policy == "Never") {
          event(pod, "Warning", "ErrImageNeverPull",
                "Container image \"" + c.image + "\" is not present with pull policy of Never", c.name);
          event(pod, "Warning", "Failed", "Error: ErrImageNeverPull", c.name);
          tracked.waiting[c.name] = {"ErrImageNeverPull", image.error().message};
        } else {
          event(pod, "Warning", "Failed", "Failed to pull image \"" + c.image + "\": " + image.error().message, c.name);
          event(pod, "Warning", "Failed", "Error: ErrImagePull", c.name);
          tracked.waiting[c.name] = {"ErrImagePull", image.error().message};
        }
        pulled = false;
        continue;
      }
      if (!present && policy != "Never") {
        auto took = go_millis(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began));
        event(pod, "Normal", "Pulled",
              "Successfully pulled image \"" + c.image + "\" in " + took + " (" + took + " including waiting). Image size: " +
                  std::to_string(image->size) + " bytes.",
              c.name);
        tracked.just_pulled.insert(c.name);
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
  }
  if (!pulled) {
    fail_attempt(tracked);
    return;
  }
  // The sandbox and shim only; sync_containers starts the containers in order.
  auto ran = runtime_.run_pod(*spec, false);
  if (!ran) {
    MK_LOG(warn) << "kubelet: pod " << key << ": " << ran.error().message;
    if (ran.error().code != Errc::already_exists) (void)runtime_.remove_pod(uid);
    for (const auto* c : runtime::pod::all_containers(*spec)) {
      tracked.waiting[c->name] = {"CreateContainerError", ran.error().message};
    }
    event(pod, "Warning", "FailedCreatePodSandBox", "Failed to create pod sandbox: " + ran.error().message);
    fail_attempt(tracked);
    return;
  }
  tracked.backoff = std::chrono::seconds(0);
  MK_LOG(info) << "kubelet: created pod " << key << " (" << uid << ")";
}

void PodWorker::sync_containers(const json& pod, Tracked& tracked, const runtime::pod::PodStatus& status) {
  std::string uid = api::string_at(pod, "metadata.uid");
  std::string policy = api::string_at(pod, "spec.restartPolicy", "Always");
  auto restart = [&](const runtime::pod::ContainerStatus& cs, bool init) {
    int64_t now = runtime::shim::now_ns();
    if (tracked.restarts.in_backoff_since(cs.name, cs.state.finished_at_ns, now)) {
      tracked.waiting[cs.name] = {"CrashLoopBackOff",
                                  crash_loop_message(tracked.restarts.get(cs.name), cs.name, formatted_pod(pod))};
      if (tracked.backoff_reported[cs.name] != cs.state.finished_at_ns) {
        tracked.backoff_reported[cs.name] = cs.state.finished_at_ns;
        event(pod, "Warning", "BackOff",
              "Back-off restarting failed container " + cs.name + " in pod " + formatted_pod(pod), cs.name);
      }
      return;
    }
    tracked.restarts.next(cs.name, cs.state.finished_at_ns, now);
    tracked.waiting.erase(cs.name);
    start_container(pod, tracked, cs.name, init);
  };

  // Init containers, one at a time and in order, until an app container has run.
  bool app_started = false;
  for (const auto& name : container_names(pod, "containers")) {
    const auto* cs = find_status(status, name);
    if (cs && (cs->state.phase != Phase::created || cs->restart_count > 0)) app_started = true;
  }
  if (!app_started) {
    for (const auto& name : container_names(pod, "initContainers")) {
      const auto* cs = find_status(status, name);
      if (!cs) return;
      if (cs->state.phase == Phase::created) return start_container(pod, tracked, name, true);
      if (cs->state.phase == Phase::running) return;
      if (cs->state.exit_code == 0) continue;
      if (policy == "Never") return;  // the pod failed
      return restart(*cs, true);
    }
  }
  for (const auto& name : container_names(pod, "containers")) {
    const auto* cs = find_status(status, name);
    if (!cs) continue;
    if (cs->state.phase == Phase::created) {
      start_container(pod, tracked, name, false);
    } else if (cs->state.phase == Phase::running) {
      ProbeState probe = probes_->state(uid, name);
      if (!probe.failed) continue;
      std::string kind = *probe.failed == ProbeKind::liveness ? "liveness" : "startup";
      const json* c = container_spec(pod, name);
      int64_t grace = pod_grace(pod);
      if (c) {
        const char* key = *probe.failed == ProbeKind::liveness ? "livenessProbe" : "startupProbe";
        grace = api::int_at(*c, std::string(key) + ".terminationGracePeriodSeconds", grace);
      }
      kill_container(pod, name, grace, "Container " + name + " failed " + kind + " probe, will be restarted");
    } else if (policy == "Always" || (policy == "OnFailure" && cs->state.exit_code != 0)) {
      restart(*cs, false);
    }
  }
}

void PodWorker::start_container(const json& pod, Tracked& tracked, const std::string& name, bool init) {
  std::string uid = api::string_at(pod, "metadata.uid");
  const json* c = container_spec(pod, name);
  std::string image = c ? c->value("image", "") : "";
  if (!tracked.just_pulled.erase(name)) {
    event(pod, "Normal", "Pulled", "Container image \"" + image + "\" already present on machine", name);
  }
  if (auto s = runtime_.start_container(uid, name); !s) {
    if (s.error().code == Errc::already_exists) return;
    MK_LOG(warn) << "kubelet: pod " << pod_key(pod) << ": " << s.error().message;
    event(pod, "Warning", "Failed", "Error: " + s.error().message, name);
    return;  // the runtime recorded a StartError exit, which restarts as any other exit
  }
  event(pod, "Normal", "Created", "Created container: " + name, name);
  event(pod, "Normal", "Started", "Started container " + name, name);
  MK_LOG(info) << "kubelet: started " << (init ? "init container " : "container ") << name << " of pod "
               << pod_key(pod);
  const json* hook = c ? api::find_path(*c, "lifecycle.postStart") : nullptr;
  if (!hook || !hook->is_object()) return;
  HandlerTarget target{&runtime_, uid, name, runtime_.netns_path(uid), *c};
  ProbeOutcome outcome = run_handler(*hook, target, std::chrono::seconds(std::max<int64_t>(pod_grace(pod), 30)));
  if (outcome.result == ProbeResult::success) return;
  MK_LOG(warn) << "kubelet: postStart hook of " << name << " in pod " << pod_key(pod) << " failed: " << outcome.output;
  event(pod, "Warning", "FailedPostStartHook", "PostStartHook failed", name);
  kill_container(pod, name, pod_grace(pod), "FailedPostStartHook");
}

void PodWorker::kill_container(const json& pod, const std::string& name, int64_t grace, const std::string& message) {
  std::string uid = api::string_at(pod, "metadata.uid");
  event(pod, "Normal", "Killing", message.empty() ? "Stopping container " + name : message, name);
  const json* c = container_spec(pod, name);
  const json* hook = c ? api::find_path(*c, "lifecycle.preStop") : nullptr;
  if (hook && hook->is_object() && grace > 0) {
    auto began = Clock::now();
    HandlerTarget target{&runtime_, uid, name, runtime_.netns_path(uid), *c};
    ProbeOutcome outcome = run_handler(*hook, target, std::chrono::seconds(grace));
    if (outcome.result != ProbeResult::success) {
      MK_LOG(warn) << "kubelet: preStop hook of " << name << " in pod " << pod_key(pod) << " failed: " << outcome.output;
      event(pod, "Warning", "FailedPreStopHook", "PreStopHook failed", name);
    }
    grace -= std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - began).count();
  }
  grace = std::max(grace, kMinimumGraceSeconds);
  if (auto s = runtime_.stop_container(uid, name, grace); !s) MK_LOG(warn) << "kubelet: " << s.error().message;
}

void PodWorker::kill_all(const json& pod, const runtime::pod::PodStatus& status, int64_t grace) {
  // In parallel, as upstream: every container's preStop hook and grace period run side by side.
  std::vector<std::thread> killers;
  for (const auto& c : status.containers) {
    if (c.state.phase != Phase::running) continue;
    killers.emplace_back([this, &pod, name = c.name, grace] { kill_container(pod, name, grace, ""); });
  }
  for (auto& t : killers) t.join();
}

void PodWorker::finish_deletion(const json& pod) {
  std::string uid = api::string_at(pod, "metadata.uid");
  std::string ns = api::string_at(pod, "metadata.namespace");
  std::string name = api::string_at(pod, "metadata.name");
  if (auto status = runtime_.status(uid)) {
    int64_t grace = api::int_at(pod, "metadata.deletionGracePeriodSeconds", pod_grace(pod));
    if (status->shim_pid > 0) kill_all(pod, *status, grace);
    if (auto s = runtime_.stop_pod(uid, grace); !s) MK_LOG(warn) << "kubelet: " << s.error().message;
    if (auto s = runtime_.remove_pod(uid); !s) {
      MK_LOG(warn) << "kubelet: " << s.error().message;
      return;  // tried again on the next pass
    }
    MK_LOG(info) << "kubelet: stopped and removed pod " << ns << "/" << name;
  }
  probes_->remove(uid);
  json options = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}, {"gracePeriodSeconds", 0},
                  {"preconditions", {{"uid", uid}}}};
  auto r = client_.remove(kPods, ns, name, options);
  if (!r && !r.not_found() && !r.conflict()) {
    MK_LOG(warn) << "kubelet: delete pod " << ns << "/" << name << ": " << r.error().message;
  }
}

void PodWorker::remove_gone(const std::string& uid, const json& pod) {
  probes_->remove(uid);
  if (!runtime_.status(uid)) return;
  MK_LOG(info) << "kubelet: pod " << pod_key(pod) << " (" << uid << ") is gone from the API; removing it";
  (void)runtime_.stop_pod(uid, 2);
  if (auto s = runtime_.remove_pod(uid); !s) MK_LOG(warn) << "kubelet: " << s.error().message;
}

void PodWorker::remove_orphans(const std::set<std::string>& known) {
  // Directory names first (cheap, every resync); the runtime is asked only about strangers.
  std::error_code ec;
  std::vector<std::string> unknown;
  for (const auto& entry : std::filesystem::directory_iterator(runtime_.pods_dir(), ec)) {
    if (!known.count(entry.path().filename())) unknown.push_back(entry.path().filename());
  }
  for (const auto& uid : unknown) {
    auto p = runtime_.status(uid);
    if (!p) continue;
    MK_LOG(info) << "kubelet: pod " << p->namespace_name << "/" << p->name << " (" << uid
                 << ") is gone from the API; removing it";
    (void)runtime_.stop_pod(uid, 2);
    if (auto s = runtime_.remove_pod(uid); !s) MK_LOG(warn) << "kubelet: " << s.error().message;
  }
}

void PodWorker::write_status(const json& pod, Tracked& tracked) {
  std::string uid = api::string_at(pod, "metadata.uid");
  PodView view;
  view.host_ip = settings_.host_ip;
  view.start_time = tracked.start_time;
  view.now = now_text();
  view.failed_reason = tracked.failed_reason;
  view.failed_message = tracked.failed_message;
  // What sync() just read, else asked now.
  Result<runtime::pod::PodStatus> status =
      tracked.last_status ? Result<runtime::pod::PodStatus>(*tracked.last_status) : runtime_.status(uid);
  tracked.last_status.reset();
  view.sandbox_ready = status && status->shim_pid > 0;
  if (status) view.pod_ips = status->ips;
  for (const char* list : {"initContainers", "containers"}) {
    bool init = std::string(list) == "initContainers";
    const json* items = api::find_path(pod, std::string("spec.") + list);
    if (!items || !items->is_array()) continue;
    for (const auto& c : *items) {
      ContainerView cv;
      cv.name = c.value("name", "");
      cv.image = c.value("image", "");
      if (auto ref = runtime::image::parse_reference(cv.image)) {
        if (auto record = store_.get_image(ref->name())) cv.image_id = image_id(*record);
      }
      if (status) {
        if (const auto* rc = find_status(*status, cv.name)) {
          if (rc->state.phase != Phase::created) cv.state = rc->state;
          cv.last_state = rc->last_state;
          cv.restart_count = rc->restart_count;
          cv.container_id = "minikube://" + uid + "_" + cv.name;
        }
      }
      if (auto it = tracked.waiting.find(cv.name); it != tracked.waiting.end()) {
        cv.waiting_reason = it->second.first;
        cv.waiting_message = it->second.second;
      }
      if (!init) {
        ProbeState probe = probes_->state(uid, cv.name);
        cv.ready = probe.ready;
        cv.started = probe.started;
      }
      (init ? view.init_containers : view.containers).push_back(std::move(cv));
    }
  }
  json next = pod_status(pod, view);
  const json current = pod.value("status", json::object());
  const json stored = without_nulls(next);
  bool same = true;
  for (const auto& [k, v] : stored.items()) {
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

}  // namespace mk::agent::kubelet
