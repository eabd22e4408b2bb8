#include "server/controllers/replicaset_controller.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "api/json_path.h"
#include "api/label_selector.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "common/log.h"
#include "server/controllers/controller_util.h"
#include "server/controllers/informer_factory.h"

namespace mk::controllers {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const client::Resource kReplicaSets{"apps", "v1", "replicasets"};
const client::Resource kPods{"", "v1", "pods"};
constexpr int64_t kBurst = 500;
constexpr auto kExpectationTimeout = 30s;

// What a ReplicaSet is waiting to see after its own writes, so a sync that runs before the
// informer catches up does not create or delete twice (upstream's expectations).
class Expectations {
 public:
  void expect(const std::string& rs, int64_t creates, std::set<std::string> deletes) {
    std::lock_guard lock(mu_);
    auto& e = map_[rs];
    e.creates = creates;
    e.deletes = std::move(deletes);
    e.at = std::chrono::steady_clock::now();
  }
  void created(const std::string& rs) {
    std::lock_guard lock(mu_);
    if (auto it = map_.find(rs); it != map_.end() && it->second.creates > 0) --it->second.creates;
  }
  void deleted(const std::string& rs, const std::string& pod) {
    std::lock_guard lock(mu_);
    if (auto it = map_.find(rs); it != map_.end()) it->second.deletes.erase(pod);
  }
  bool satisfied(const std::string& rs) {
    std::lock_guard lock(mu_);
    auto it = map_.find(rs);
    if (it == map_.end()) return true;
    if ((it->second.creates <= 0 && it->second.deletes.empty()) ||
        std::chrono::steady_clock::now() - it->second.at > kExpectationTimeout) {
      map_.erase(it);
      return true;
    }
    return false;
  }
  void erase(const std::string& rs) {
    std::lock_guard lock(mu_);
    map_.erase(rs);
  }

 private:
  struct Entry {
    int64_t creates = 0;
    std::set<std::string> deletes;
    std::chrono::steady_clock::time_point at;
  };
  std::mutex mu_;
  std::map<std::string, Entry> map_;
};

// Deletion preference, upstream's ActivePods ordering: unassigned before assigned, pending
// before running, not ready before ready, newer before older.
bool delete_first(const json& a, const json& b) {
  auto assigned = [](const json& p) { return !api::string_at(p, "spec.nodeName").empty(); };
  if (assigned(a) != assigned(b)) return !assigned(a);
  auto phase_rank = [](const json& p) {
    std::string ph = api::string_at(p, "status.phase");
    return ph == "Pending" || ph.empty() ? 0 : ph == "Unknown" ? 1 : 2;
  };
  if (phase_rank(a) != phase_rank(b)) return phase_rank(a) < phase_rank(b);
  if (pod_ready(a) != pod_ready(b)) return !pod_ready(a);
  return api::string_at(a, "metadata.creationTimestamp") > api::string_at(b, "metadata.creationTimestamp");
}

bool labels_superset(const json& labels, const json* wanted) {
  if (!wanted || !wanted->is_object()) return true;
  for (const auto& [k, v] : wanted->items()) {
    if (!labels.is_object() || !labels.contains(k) || labels[k] != v) return false;
  }
  return true;
}

class ReplicaSetController final : public Controller {
 public:
  std::string name() const override { return "replicaset"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    sets_ = &informers.get(kReplicaSets);
    pods_ = &informers.get(kPods);
    sets_->add_handler([this](client::ChangeType type, const json& obj, const json*) {
      if (type == client::ChangeType::deleted) expectations_.erase(ns_name_key(obj));
      queue_.add(ns_name_key(obj));
    });
    pods_->add_handler([this](client::ChangeType type, const json& obj, const json* old) { on_pod(type, obj, old); });
  }

  void run() override {
    worker_ = run_worker(queue_, "replicaset controller", [this](const std::string& k) { return sync(k); });
  }

  void stop() override {
    queue_.shutdown();
    if (worker_.joinable()) worker_.join();
  }

 private:
  void on_pod(client::ChangeType type, const json& obj, const json* old) {
    const std::string ns = api::string_at(obj, "metadata.namespace");
    auto ref = controller_ref(obj);
    if (ref && ref->kind == "ReplicaSet") {
      std::string rs = ns + "/" + ref->name;
      if (type == client::ChangeType::added) expectations_.created(rs);
      bool was_deleting = old && api::find_path(*old, "metadata.deletionTimestamp");
      if (type == client::ChangeType::deleted || (!was_deleting && api::find_path(obj, "metadata.deletionTimestamp")))
        expectations_.deleted(rs, ns_name_key(obj));
      queue_.add(rs);
      return;
    }
    if (ref || type == client::ChangeType::deleted) return;
    // An orphan: every ReplicaSet that would adopt it.
    const json labels = api::find_path(obj, "metadata.labels") ? *api::find_path(obj, "metadata.labels") : json();
    for (const auto& rs : sets_->list(ns)) {
      const json* sel = api::find_path(rs, "spec.selector");
      auto s = api::LabelSelector::from_json(sel ? *sel : json());
      if (s && !s->empty() && s->matches(labels)) queue_.add(ns_name_key(rs));
    }
  }

  bool sync(const std::string& key) {
    auto [ns, name] = split_key(key);
    auto rs = sets_->get(ns, name);
    if (!rs) {
      expectations_.erase(key);
      return true;
    }
    const std::string uid = api::string_at(*rs, "metadata.uid");
    const json* sel_json = api::find_path(*rs, "spec.selector");
    auto selector = api::LabelSelector::from_json(sel_json ? *sel_json : json());
    if (!selector || selector->empty()) return true;  // validation forbids it; nothing safe to do
    const bool deleting = api::find_path(*rs, "metadata.deletionTimestamp") != nullptr;

    std::vector<json> mine;
    for (auto& pod : pods_->list(ns)) {
      const json* l = api::find_path(pod, "metadata.labels");
      const json labels = l ? *l : json();
      auto ref = controller_ref(pod);
      if (ref) {
        if (ref->uid == uid && pod_active(pod)) mine.push_back(std::move(pod));
        continue;
      }
      if (deleting || !pod_active(pod) || !selector->matches(labels)) continue;
      if (adopt(*rs, pod)) mine.push_back(std::move(pod));
    }

    bool ok = true;
    const int64_t want = api::int_at(*rs, "spec.replicas", 1);
    if (!deleting && expectations_.satisfied(key)) ok = manage(*rs, key, mine, want);
    return update_status(*rs, mine) && ok;
  }

  bool adopt(const json& rs, json& pod) {
    json refs = json::array();
    if (const json* r = api::find_path(pod, "metadata.ownerReferences"); r && r->is_array()) refs = *r;
    refs.push_back(make_controller_ref(rs, "apps/v1", "ReplicaSet"));
    json patch = {{"metadata",
                   {{"ownerReferences", refs}, {"uid", api::string_at(pod, "metadata.uid")},
                    {"resourceVersion", api::string_at(pod, "metadata.resourceVersion")}}}};
    auto r = client_->patch(kPods, api::string_at(pod, "metadata.namespace"), api::string_at(pod, "metadata.name"),
                            "application/merge-patch+json", patch.dump());
    if (!r) return false;
    pod = *r;
    return true;
  }

  bool manage(const json& rs, const std::string& key, std::vector<json>& mine, int64_t want) {
    const std::string ns = api::string_at(rs, "metadata.namespace");
    int64_t diff = static_cast<int64_t>(mine.size()) - want;
    if (diff < 0) {
      int64_t n = std::min(-diff, kBurst);
      expectations_.expect(key, n, {});
      json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", json::object()}, {"spec", json::object()}};
      if (const json* m = api::find_path(rs, "spec.template.metadata"); m && m->is_object()) {
        if (m->contains("labels")) pod["metadata"]["labels"] = (*m)["labels"];
        if (m->contains("annotations")) pod["metadata"]["annotations"] = (*m)["annotations"];
      }
      pod["metadata"]["generateName"] = api::string_at(rs, "metadata.name") + "-";
      pod["metadata"]["namespace"] = ns;
      pod["metadata"]["ownerReferences"] = json::array({make_controller_ref(rs, "apps/v1", "ReplicaSet")});
      if (const json* s = api::find_path(rs, "spec.template.spec")) pod["spec"] = *s;
      bool ok = true;
      for (int64_t i = 0; i < n; ++i) {
        auto r = client_->create(kPods, ns, pod);
        if (!r) {
          expectations_.created(key);
          MK_LOG(warn) << "replicaset " << key << ": create pod: " << r.error().message;
          ok = false;
          // A refused pod will be refused again: stop this round (upstream's slow start).
          for (int64_t j = i + 1; j < n; ++j) expectations_.created(key);
          break;
        }
      }
      return ok;
    }
    if (diff > 0) {
      std::sort(mine.begin(), mine.end(), delete_first);
      std::set<std::string> victims;
      for (int64_t i = 0; i < std::min(diff, kBurst); ++i) victims.insert(ns_name_key(mine[static_cast<size_t>(i)]));
      expectations_.expect(key, 0, victims);
      bool ok = true;
      for (const auto& v : victims) {
        auto r = client_->remove(kPods, ns, split_key(v).second, json::object());
        if (!r) {
          expectations_.deleted(key, v);
          if (!r.not_found()) {
            MK_LOG(warn) << "replicaset " << key << ": delete pod " << v << ": " << r.error().message;
            ok = false;
          }
        }
      }
      mine.erase(std::remove_if(mine.begin(), mine.end(), [&](const json& p) { return victims.count(ns_name_key(p)); }),
                 mine.end());
      return ok;
    }
    return true;
  }

  bool update_status(const json& rs, const std::vector<json>& mine) {
    const int64_t min_ready = api::int_at(rs, "spec.minReadySeconds", 0);
    const json* tmpl_labels = api::find_path(rs, "spec.template.metadata.labels");
    auto now = std::chrono::system_clock::now();
    int64_t fully = 0, ready = 0, available = 0;
    bool recheck = false;
    for (const auto& p : mine) {
      const json* l = api::find_path(p, "metadata.labels");
      if (labels_superset(l ? *l : json(), tmpl_labels)) ++fully;
      if (pod_ready(p)) {
        ++ready;
        if (pod_available(p, min_ready, now)) ++available;
        else recheck = true;
      }
    }
    if (recheck) queue_.add_after(ns_name_key(rs), std::chrono::seconds(std::max<int64_t>(1, min_ready)));
    json status = rs.value("status", json::object());
    json next = status;
    next["replicas"] = static_cast<int64_t>(mine.size());
    next["fullyLabeledReplicas"] = fully;
    next["readyReplicas"] = ready;
    next["availableReplicas"] = available;
    next["observedGeneration"] = api::int_at(rs, "metadata.generation", 1);
    if (next == status) return true;
    auto r = client_->patch(kReplicaSets, api::string_at(rs, "metadata.namespace"), api::string_at(rs, "metadata.name"),
                            "application/merge-patch+json", json{{"status", next}}.dump(), "status");
    if (!r && !r.not_found()) {
      MK_LOG(warn) << "replicaset " << ns_name_key(rs) << ": status: " << r.error().message;
      return false;
    }
    return true;
  }

  client::ApiClient* client_ = nullptr;
  client::Informer* sets_ = nullptr;
  client::Informer* pods_ = nullptr;
  client::WorkQueue queue_;
  Expectations expectations_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Controller> make_replicaset_controller() { return std::make_unique<ReplicaSetController>(); }

}  // namespace mk::controllers
