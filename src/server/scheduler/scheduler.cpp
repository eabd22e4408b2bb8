#include "server/scheduler/scheduler.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "api/json_path.h"
#include "api/timestamp.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "common/log.h"
#include "server/scheduler/cache.h"
#include "server/scheduler/filters.h"
#include "server/scheduler/fit_error.h"
#include "server/scheduler/scores.h"
#include "server/scheduler/volume_binding.h"

namespace mk::scheduler {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const client::Resource kPods{"", "v1", "pods"};
const client::Resource kNodes{"", "v1", "nodes"};
constexpr const char* kSchedulerName = "default-scheduler";
// Pods parked as unschedulable are retried at least this often, whatever happens.
constexpr auto kUnschedulableFlush = 60s;

bool finished(const json& pod) {
  std::string phase = api::string_at(pod, "status.phase");
  return phase == "Succeeded" || phase == "Failed";
}

bool ours_and_pending(const json& pod) {
  std::string name = api::string_at(pod, "spec.schedulerName");
  return (name.empty() || name == kSchedulerName) && api::string_at(pod, "spec.nodeName").empty() &&
         !api::find_path(pod, "metadata.deletionTimestamp") && !finished(pod);
}

// Listed objects may come without their kind; events need it.
json as_reference(const json& pod) {
  json ref = {{"kind", "Pod"}, {"apiVersion", "v1"}, {"metadata", pod.value("metadata", json::object())}};
  return ref;
}

std::string key_of(const json& pod) {
  return api::string_at(pod, "metadata.namespace") + "/" + api::string_at(pod, "metadata.name");
}

class DefaultScheduler final : public Scheduler {
 public:
  explicit DefaultScheduler(client::ApiClient& client)
      : client_(client), pods_(client, kPods), nodes_(client, kNodes), events_(client, kSchedulerName) {}

  ~DefaultScheduler() override { stop(); }

  bool start(int64_t sync_timeout_ms) override {
    pods_.add_handler([this](client::ChangeType type, const json& obj, const json* old) { on_pod(type, obj, old); });
    nodes_.add_handler([this](client::ChangeType type, const json& obj, const json*) { on_node(type, obj); });
    nodes_.start();
    pods_.start();
    if (!nodes_.wait_synced(sync_timeout_ms) || !pods_.wait_synced(sync_timeout_ms)) {
      MK_LOG(error) << "scheduler: caches did not sync";
      return false;
    }
    running_ = true;
    worker_ = std::thread([this] { work(); });
    flusher_ = std::thread([this] {
      std::unique_lock lock(flush_mu_);
      while (!flush_cv_.wait_for(lock, kUnschedulableFlush, [this] { return !running_.load(); })) move_all("periodic");
    });
    MK_LOG(info) << "scheduler: started";
    return true;
  }

  void stop() override {
    if (!running_.exchange(false)) return;
    {
      std::lock_guard lock(flush_mu_);
    }
    flush_cv_.notify_all();
    active_.shutdown();
    if (worker_.joinable()) worker_.join();
    if (flusher_.joinable()) flusher_.join();
    pods_.stop();
    nodes_.stop();
  }

 private:
  void on_pod(client::ChangeType type, const json& obj, const json* old) {
    const std::string key = key_of(obj);
    bool freed = false;
    {
      std::lock_guard lock(mu_);
      if (type == client::ChangeType::deleted || finished(obj)) {
        freed = cache_.set_pod(key, nullptr);
      } else {
        PodInfo p = pod_info(obj);
        freed = cache_.set_pod(key, &p);
      }
    }
    if (freed) move_all("pod freed its node");
    if (type == client::ChangeType::deleted || !ours_and_pending(obj)) {
      std::lock_guard lock(mu_);
      unschedulable_.erase(key);
      return;
    }
    // Our own status writes change only the status: they must not retry the pod at once.
    if (type == client::ChangeType::updated && old && old->value("spec", json()) == obj.value("spec", json()) &&
        api::find_path(*old, "metadata.labels") == api::find_path(obj, "metadata.labels")) {
      std::lock_guard lock(mu_);
      if (unschedulable_.count(key)) return;
    }
    {
      std::lock_guard lock(mu_);
      unschedulable_.erase(key);
    }
    active_.add(key);
  }

  void on_node(client::ChangeType type, const json& obj) {
    {
      std::lock_guard lock(mu_);
      if (type == client::ChangeType::deleted) cache_.remove_node(api::string_at(obj, "metadata.name"));
      else cache_.set_node(node_info(obj));
    }
    if (type != client::ChangeType::deleted) move_all("node changed");
  }

  // Gives every parked pod another try.
  void move_all(const char* why) {
    std::set<std::string> moved;
    {
      std::lock_guard lock(mu_);
      ++move_cycle_;
      moved.swap(unschedulable_);
    }
    if (!moved.empty()) MK_LOG(debug) << "scheduler: " << moved.size() << " unschedulable pod(s) retried: " << why;
    for (const auto& k : moved) active_.add(k);
  }

  void work() {
    while (auto key = active_.get()) {
      bool ok = true;
      try {
        ok = schedule_one(*key);
      } catch (const std::exception& e) {
        MK_LOG(warn) << "scheduler: " << *key << ": " << e.what();
        ok = false;
      }
      if (ok) active_.forget(*key);
      else active_.add_rate_limited(*key);
      active_.done(*key);
    }
  }

  // False when the pod should be retried with backoff.
  bool schedule_one(const std::string& key) {
    auto slash = key.find('/');
    auto pod = pods_.get(key.substr(0, slash), key.substr(slash + 1));
    if (!pod || !ours_and_pending(*pod)) return true;
    PodInfo info = pod_info(*pod);
    ClaimsCheck claims = check_claims(client_, *pod);

    std::string chosen, unschedulable;
    std::vector<std::vector<std::string>> reasons;
    uint64_t cycle = 0;
    {
      std::lock_guard lock(mu_);
      if (cache_.is_placed(key)) return true;  // bound already, the informer has not caught up
      cycle = move_cycle_;
      std::vector<const NodeInfo*> fits;
      if (!claims.unschedulable.empty())
        unschedulable = "0/" + std::to_string(cache_.nodes().size()) + " nodes are available: " + claims.unschedulable + ".";
      for (const auto& [name, node] : cache_.nodes()) {
        if (!unschedulable.empty()) break;
        if (claims.pinned_node && name != *claims.pinned_node) {
          reasons.push_back({"node(s) had volume node affinity conflict"});
          continue;
        }
        auto why = filter(info, node);
        if (why.empty()) fits.push_back(&node);
        else reasons.push_back(std::move(why));
      }
      if (!fits.empty()) {
        auto scores = score_nodes(info, fits);
        int64_t best = -1;
        size_t ties = 0;
        for (const auto& s : scores) {
          if (s.score > best) {
            best = s.score;
            chosen = fits[s.node]->name;
            ties = 1;
          } else if (s.score == best && rng_() % ++ties == 0) {
            chosen = fits[s.node]->name;  // reservoir sampling among equal scores
          }
        }
        info.node_name = chosen;
        cache_.assume(key, info);
      }
    }
    if (!unschedulable.empty()) return fail(key, *pod, unschedulable, cycle);
    if (chosen.empty()) return fail(key, *pod, fit_error_message(reasons), cycle);
    if (!claims.waiting.empty()) {
      // The claims get the node; the pod is bound once they are (PreBind waits the same way).
      select_node(client_, claims, chosen);
      {
        std::lock_guard lock(mu_);
        cache_.forget(key);
      }
      active_.add_after(key, 500ms);
      return true;
    }
    return bind(key, *pod, chosen);
  }

  bool bind(const std::string& key, const json& pod, const std::string& node) {
    const std::string ns = api::string_at(pod, "metadata.namespace");
    const std::string name = api::string_at(pod, "metadata.name");
    json binding = {{"apiVersion", "v1"},
                    {"kind", "Binding"},
                    {"metadata", {{"name", name}, {"namespace", ns}, {"uid", api::string_at(pod, "metadata.uid")}}},
                    {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
    auto r = client_.create_subresource(kPods, ns, name, "binding", binding);
    if (!r) {
      {
        std::lock_guard lock(mu_);
        cache_.forget(key);
      }
      if (r.not_found()) return true;  // the pod is gone
      MK_LOG(warn) << "scheduler: bind " << key << " to " << node << ": " << r.error().message;
      return r.conflict();  // already bound or being deleted: nothing more to do
    }
    events_.record(as_reference(pod), "Normal", "Scheduled", "Successfully assigned " + key + " to " + node);
    return true;
  }

  bool fail(const std::string& key, const json& pod, const std::string& message, uint64_t cycle) {
    bool retry_now = false;
    {
      std::lock_guard lock(mu_);
      // Something changed while this pod was being tried: try again rather than park it.
      if (move_cycle_ != cycle) retry_now = true;
      else unschedulable_.insert(key);
    }
    events_.record(as_reference(pod), "Warning", "FailedScheduling", message);
    set_unschedulable_condition(pod, message);
    MK_LOG(debug) << "scheduler: " << key << ": " << message;
    return !retry_now;
  }

  void set_unschedulable_condition(const json& pod, const std::string& message) {
    if (const json* cs = api::find_path(pod, "status.conditions"); cs && cs->is_array())
      for (const auto& c : *cs)
        if (c.value("type", "") == "PodScheduled" && c.value("status", "") == "False" &&
            c.value("reason", "") == "Unschedulable" && c.value("message", "") == message)
          return;
    json patch = {{"status",
                   {{"conditions",
                     json::array({{{"type", "PodScheduled"},
                                   {"status", "False"},
                                   {"reason", "Unschedulable"},
                                   {"message", message},
                                   {"lastProbeTime", nullptr},
                                   {"lastTransitionTime", api::format_time(std::chrono::system_clock::now())}}})}}}};
    auto r = client_.patch(kPods, api::string_at(pod, "metadata.namespace"), api::string_at(pod, "metadata.name"),
                           "application/strategic-merge-patch+json", patch.dump(), "status");
    if (!r && !r.not_found())
      MK_LOG(warn) << "scheduler: condition on " << key_of(pod) << ": " << r.error().message;
  }

  client::ApiClient& client_;
  client::Informer pods_;
  client::Informer nodes_;
  client::EventRecorder events_;
  client::WorkQueue active_;

  std::mutex mu_;
  Cache cache_;
  std::set<std::string> unschedulable_;
  uint64_t move_cycle_ = 0;
  std::minstd_rand rng_{std::random_device{}()};

  std::atomic<bool> running_{false};
  std::mutex flush_mu_;
  std::condition_variable flush_cv_;
  std::thread worker_;
  std::thread flusher_;
};

}  // namespace

std::unique_ptr<Scheduler> make_scheduler(client::ApiClient& client) {
  return std::make_unique<DefaultScheduler>(client);
}

}  // namespace mk::scheduler
