#include "server/controllers/node_lifecycle_controller.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "api/json_path.h"
#include "api/timestamp.h"
#include "client/informer.h"
#include "common/log.h"
#include "server/controllers/controller_util.h"
#include "server/controllers/informer_factory.h"

namespace mk::controllers {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const client::Resource kNodes{"", "v1", "nodes"};
const client::Resource kLeases{"coordination.k8s.io", "v1", "leases"};
const client::Resource kPods{"", "v1", "pods"};
constexpr const char* kLeaseNamespace = "kube-node-lease";
constexpr const char* kUnreachable = "node.kubernetes.io/unreachable";
constexpr const char* kNotReady = "node.kubernetes.io/not-ready";

const json* ready_condition(const json& node) {
  if (const json* cs = api::find_path(node, "status.conditions"); cs && cs->is_array())
    for (const auto& c : *cs)
      if (c.value("type", "") == "Ready") return &c;
  return nullptr;
}

bool tolerates(const json& tol, const json& taint) {
  std::string effect = tol.value("effect", "");
  if (!effect.empty() && effect != taint.value("effect", "")) return false;
  std::string op = tol.value("operator", "Equal");
  std::string key = tol.value("key", "");
  if (op == "Exists") return key.empty() || key == taint.value("key", "");
  return key == taint.value("key", "") && tol.value("value", "") == taint.value("value", "");
}

class NodeLifecycleController final : public Controller {
 public:
  NodeLifecycleController(std::chrono::seconds grace, std::chrono::milliseconds period) : grace_(grace), period_(period) {}
  std::string name() const override { return "node-lifecycle"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    nodes_ = &informers.get(kNodes);
    leases_ = &informers.get(kLeases);
    pods_ = &informers.get(kPods);
    nodes_->add_handler([this](client::ChangeType type, const json& obj, const json* old) {
      std::lock_guard lock(mu_);
      const std::string name = api::string_at(obj, "metadata.name");
      if (type == client::ChangeType::deleted) {
        seen_.erase(name);
        return;
      }
      const json* now_ready = ready_condition(obj);
      const json* old_ready = old ? ready_condition(*old) : nullptr;
      std::string beat = now_ready ? now_ready->value("lastHeartbeatTime", "") : "";
      std::string old_beat = old_ready ? old_ready->value("lastHeartbeatTime", "") : "";
      if (!seen_.count(name) || beat != old_beat) seen_[name] = Clock::now();
    });
    leases_->add_handler([this](client::ChangeType type, const json& obj, const json* old) {
      if (type == client::ChangeType::deleted || api::string_at(obj, "metadata.namespace") != kLeaseNamespace) return;
      if (old && api::string_at(*old, "spec.renewTime") == api::string_at(obj, "spec.renewTime")) return;
      std::lock_guard lock(mu_);
      seen_[api::string_at(obj, "metadata.name")] = Clock::now();
    });
  }

  void run() override {
    thread_ = std::thread([this] {
      std::unique_lock lock(wake_mu_);
      while (!cv_.wait_for(lock, period_, [this] { return stop_.load(); })) {
        lock.unlock();
        try {
          monitor();
        } catch (const std::exception& e) {
          MK_LOG(warn) << "node lifecycle: " << e.what();
        }
        lock.lock();
      }
    });
  }

  void stop() override {
    {
      std::lock_guard lock(wake_mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void monitor() {
    for (const auto& node : nodes_->list()) {
      const std::string name = api::string_at(node, "metadata.name");
      bool stale = false;
      {
        std::lock_guard lock(mu_);
        auto it = seen_.find(name);
        if (it == seen_.end()) it = seen_.emplace(name, Clock::now()).first;
        stale = Clock::now() - it->second > grace_;
      }
      json current = node;
      if (stale) mark_unknown(current);
      const json* ready = ready_condition(current);
      std::string status = ready ? ready->value("status", "Unknown") : "Unknown";
      if (!ready && !stale) continue;  // a node that never reported: give it its grace period first
      std::string want = status == "True" ? "" : status == "False" ? kNotReady : kUnreachable;
      sync_taints(current, want);
      evict(current);
    }
  }

  void mark_unknown(json& node) {
    const json* cs = api::find_path(node, "status.conditions");
    const json* ready = ready_condition(node);
    if (ready && ready->value("status", "") == "Unknown") return;
    const std::string now = api::format_time(std::chrono::system_clock::now());
    json conditions = cs && cs->is_array() ? *cs : json::array();
    if (!ready) conditions.push_back({{"type", "Ready"}});
    for (auto& c : conditions) {
      std::string type = c.value("type", "");
      if (type != "Ready" && type != "MemoryPressure" && type != "DiskPressure" && type != "PIDPressure") continue;
      c["status"] = "Unknown";
      c["reason"] = "NodeStatusUnknown";
      c["message"] = "Kubelet stopped posting node status.";
      c["lastTransitionTime"] = now;
      if (!c.contains("lastHeartbeatTime")) c["lastHeartbeatTime"] = nullptr;
    }
    json patch = {{"status", {{"conditions", conditions}}}};
    auto r = client_->patch(kNodes, "", api::string_at(node, "metadata.name"), "application/merge-patch+json",
                            patch.dump(), "status");
    if (!r) {
      MK_LOG(warn) << "node lifecycle: " << api::string_at(node, "metadata.name") << ": " << r.error().message;
      return;
    }
    MK_LOG(info) << "node lifecycle: node " << api::string_at(node, "metadata.name")
                 << " stopped reporting: Ready=Unknown";
    node = *r;
  }

  // Keeps exactly the health taints `want` calls for ("" for none).
  void sync_taints(json& node, const std::string& want) {
    json taints = json::array();
    bool have_ns = false, have_ne = false, changed = false;
    if (const json* ts = api::find_path(node, "spec.taints"); ts && ts->is_array())
      for (const auto& t : *ts) {
        std::string key = t.value("key", "");
        if (key == kUnreachable || key == kNotReady) {
          if (key != want) {
            changed = true;
            continue;
          }
          if (t.value("effect", "") == "NoSchedule") have_ns = true;
          if (t.value("effect", "") == "NoExecute") have_ne = true;
        }
        taints.push_back(t);
      }
    if (!want.empty()) {
      const std::string now = api::format_time(std::chrono::system_clock::now());
      if (!have_ns) taints.push_back({{"key", want}, {"effect", "NoSchedule"}, {"timeAdded", now}}), changed = true;
      if (!have_ne) taints.push_back({{"key", want}, {"effect", "NoExecute"}, {"timeAdded", now}}), changed = true;
    }
    if (!changed) return;
    json patch = {{"spec", {{"taints", taints}}}};
    auto r = client_->patch(kNodes, "", api::string_at(node, "metadata.name"), "application/merge-patch+json",
                            patch.dump());
    if (!r) {
      MK_LOG(warn) << "node lifecycle: taints on " << api::string_at(node, "metadata.name") << ": " << r.error().message;
      return;
    }
    node = *r;
  }

  // Deletes pods whose toleration of the node's NoExecute taints has run out.
  void evict(const json& node) {
    std::vector<json> no_execute;
    if (const json* ts = api::find_path(node, "spec.taints"); ts && ts->is_array())
      for (const auto& t : *ts)
        if (t.value("effect", "") == "NoExecute") no_execute.push_back(t);
    if (no_execute.empty()) return;
    const std::string name = api::string_at(node, "metadata.name");
    const auto now = std::chrono::system_clock::now();
    for (const auto& pod : pods_->list()) {
      if (api::string_at(pod, "spec.nodeName") != name || api::find_path(pod, "metadata.deletionTimestamp")) continue;
      std::optional<api::TimePoint> deadline;  // none: tolerated for ever
      bool now_due = false;
      for (const auto& taint : no_execute) {
        const json* tols = api::find_path(pod, "spec.tolerations");
        bool tolerated = false;
        std::optional<int64_t> seconds;
        if (tols && tols->is_array())
          for (const auto& tol : *tols)
            if (tolerates(tol, taint)) {
              tolerated = true;
              if (tol.contains("tolerationSeconds") && tol["tolerationSeconds"].is_number_integer()) {
                int64_t s = tol["tolerationSeconds"].get<int64_t>();
                seconds = seconds ? std::min(*seconds, s) : s;
              }
            }
        if (!tolerated) {
          now_due = true;
          break;
        }
        if (seconds) {  // the shortest bounded toleration wins
          auto added = api::parse_time(taint.value("timeAdded", ""));
          api::TimePoint start = added ? *added : now;
          api::TimePoint d = start + std::chrono::seconds(std::max<int64_t>(0, *seconds));
          deadline = deadline ? std::min(*deadline, d) : d;
        }
      }
      if (!now_due && !(deadline && *deadline <= now)) continue;
      auto r = client_->remove(kPods, api::string_at(pod, "metadata.namespace"), api::string_at(pod, "metadata.name"),
                               json::object());
      if (r) MK_LOG(info) << "node lifecycle: evicted pod " << ns_name_key(pod) << " from node " << name;
      else if (!r.not_found()) MK_LOG(warn) << "node lifecycle: evict " << ns_name_key(pod) << ": " << r.error().message;
    }
  }

  std::chrono::seconds grace_;
  std::chrono::milliseconds period_;
  client::ApiClient* client_ = nullptr;
  client::Informer* nodes_ = nullptr;
  client::Informer* leases_ = nullptr;
  client::Informer* pods_ = nullptr;
  std::mutex mu_;
  std::map<std::string, Clock::time_point> seen_;
  std::mutex wake_mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Controller> make_node_lifecycle_controller(std::chrono::seconds grace, std::chrono::milliseconds period) {
  return std::make_unique<NodeLifecycleController>(grace, period);
}

}  // namespace mk::controllers
