#include "server/controllers/deployment_controller.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <thread>

#include "api/json_path.h"
#include "api/label_selector.h"
#include "api/timestamp.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "common/log.h"
#include "server/controllers/controller_util.h"
#include "server/controllers/deployment_util.h"
#include "server/controllers/informer_factory.h"

namespace mk::controllers {
namespace {

using nlohmann::json;

const client::Resource kDeployments{"apps", "v1", "deployments"};
const client::Resource kReplicaSets{"apps", "v1", "replicasets"};
const client::Resource kPods{"", "v1", "pods"};

int64_t revision_of(const json& rs) {
  const json* a = api::find_path(rs, "metadata.annotations");
  if (a && a->is_object() && a->contains(kRevisionAnnotation) && (*a)[kRevisionAnnotation].is_string()) {
    try {
      return std::stoll((*a)[kRevisionAnnotation].get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

int64_t spec_replicas(const json& obj) { return api::int_at(obj, "spec.replicas", 1); }

// The annotations a ReplicaSet takes over from its deployment.
json copied_annotations(const json& d) {
  json out = json::object();
  if (const json* a = api::find_path(d, "metadata.annotations"); a && a->is_object())
    for (const auto& [k, v] : a->items()) {
      if (k == kRevisionAnnotation || k == "deployment.kubernetes.io/revision-history" ||
          k == kDesiredReplicasAnnotation || k == kMaxReplicasAnnotation ||
          k == "kubectl.kubernetes.io/last-applied-configuration")
        continue;
      out[k] = v;
    }
  return out;
}

json condition(const std::string& type, const std::string& status, const std::string& reason, const std::string& message) {
  return {{"type", type}, {"status", status}, {"reason", reason}, {"message", message}};
}

class DeploymentController final : public Controller {
 public:
  std::string name() const override { return "deployment"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    deployments_ = &informers.get(kDeployments);
    sets_ = &informers.get(kReplicaSets);
    pods_ = &informers.get(kPods);
    deployments_->add_handler([this](client::ChangeType, const json& obj, const json*) { queue_.add(ns_name_key(obj)); });
    sets_->add_handler([this](client::ChangeType, const json& obj, const json*) { on_replicaset(obj); });
    pods_->add_handler([this](client::ChangeType type, const json& obj, const json*) {
      if (type != client::ChangeType::deleted) return;  // Recreate waits for old pods to go
      auto ref = controller_ref(obj);
      if (!ref || ref->kind != "ReplicaSet") return;
      if (auto rs = sets_->get(api::string_at(obj, "metadata.namespace"), ref->name)) on_replicaset(*rs);
    });
  }

  void run() override {
    worker_ = run_worker(queue_, "deployment controller", [this](const std::string& k) { return sync(k); });
  }

  void stop() override {
    queue_.shutdown();
    if (worker_.joinable()) worker_.join();
  }

 private:
  void on_replicaset(const json& rs) {
    const std::string ns = api::string_at(rs, "metadata.namespace");
    if (auto ref = controller_ref(rs)) {
      if (ref->kind == "Deployment") queue_.add(ns + "/" + ref->name);
      return;
    }
    const json* l = api::find_path(rs, "metadata.labels");
    for (const auto& d : deployments_->list(ns)) {
      const json* sel = api::find_path(d, "spec.selector");
      auto s = api::LabelSelector::from_json(sel ? *sel : json());
      if (s && !s->empty() && s->matches(l ? *l : json())) queue_.add(ns_name_key(d));
    }
  }

  bool sync(const std::string& key) {
    auto [ns, name] = split_key(key);
    auto found = deployments_->get(ns, name);
    if (!found || api::find_path(*found, "metadata.deletionTimestamp")) return true;
    json d = *found;
    const std::string uid = api::string_at(d, "metadata.uid");
    const json* sel_json = api::find_path(d, "spec.selector");
    auto selector = api::LabelSelector::from_json(sel_json ? *sel_json : json());
    if (!selector || selector->empty()) return true;

    std::vector<json> owned;
    for (auto& rs : sets_->list(ns)) {
      auto ref = controller_ref(rs);
      if (ref) {
        if (ref->uid == uid) owned.push_back(std::move(rs));
        continue;
      }
      const json* l = api::find_path(rs, "metadata.labels");
      if (!selector->matches(l ? *l : json()) || api::find_path(rs, "metadata.deletionTimestamp")) continue;
      if (auto adopted = adopt(d, rs)) owned.push_back(std::move(*adopted));
    }
    std::sort(owned.begin(), owned.end(), [](const json& a, const json& b) {
      auto ta = api::string_at(a, "metadata.creationTimestamp"), tb = api::string_at(b, "metadata.creationTimestamp");
      return ta != tb ? ta < tb : api::string_at(a, "metadata.name") < api::string_at(b, "metadata.name");
    });

    const json& tmpl = d["spec"]["template"];
    json* new_rs = nullptr;
    std::vector<json*> olds;
    for (auto& rs : owned) {
      const json* t = api::find_path(rs, "spec.template");
      if (!new_rs && t && templates_equal_ignoring_hash(*t, tmpl)) new_rs = &rs;
      else olds.push_back(&rs);
    }
    int64_t max_old_revision = 0;
    for (const json* o : olds) max_old_revision = std::max(max_old_revision, revision_of(*o));

    const bool paused = api::find_path(d, "spec.paused") && d["spec"]["paused"] == true;
    const int64_t replicas = spec_replicas(d);
    std::string new_reason;
    json created;  // a ReplicaSet made in this round (new_rs may point at it)
    if (!paused) {
      const std::string strategy = api::string_at(d, "spec.strategy.type", "RollingUpdate");
      if (strategy == "Recreate") {
        bool old_running = false;
        for (json* o : olds) {
          if (spec_replicas(*o) > 0) {
            if (!scale(d, *o, 0)) return false;
            old_running = true;
          }
          if (api::int_at(*o, "status.replicas", 0) > 0) old_running = true;
        }
        if (!old_running) {
          if (!new_rs) {
            auto c = create_rs(d, max_old_revision + 1, replicas);
            if (!c) return false;
            created = std::move(*c);
            new_rs = &created;
            new_reason = "NewReplicaSetCreated";
          } else {
            if (!bump_revision(*new_rs, max_old_revision) || !scale(d, *new_rs, replicas)) return false;
          }
        }
      } else {
        auto f = resolve_fenceposts(api::find_path(d, "spec.strategy.rollingUpdate.maxSurge"),
                                    api::find_path(d, "spec.strategy.rollingUpdate.maxUnavailable"), replicas);
        int64_t all = 0;
        for (const auto& rs : owned) all += spec_replicas(rs);
        if (!new_rs) {
          auto c = create_rs(d, max_old_revision + 1, new_rs_replicas(replicas, f.max_surge, all, 0));
          if (!c) return false;
          created = std::move(*c);
          new_rs = &created;
          new_reason = "NewReplicaSetCreated";
        } else {
          if (!bump_revision(*new_rs, max_old_revision)) return false;
          int64_t target = new_rs_replicas(replicas, f.max_surge, all, spec_replicas(*new_rs));
          if (spec_replicas(*new_rs) > replicas) target = replicas;
          if (target != spec_replicas(*new_rs) && !scale(d, *new_rs, target)) return false;
        }
        std::vector<RsCounts> counts;
        for (const json* o : olds) counts.push_back({spec_replicas(*o), api::int_at(*o, "status.availableReplicas", 0)});
        RsCounts n{spec_replicas(*new_rs), api::int_at(*new_rs, "status.availableReplicas", 0)};
        auto targets = scale_down_old(counts, n, replicas, f.max_unavailable);
        for (size_t i = 0; i < olds.size(); ++i)
          if (targets[i] != counts[i].spec && !scale(d, *olds[i], targets[i])) return false;
      }
      cleanup(d, olds);
      if (new_rs && !set_deployment_revision(d, std::to_string(std::max(revision_of(*new_rs), max_old_revision + 1))))
        return false;
    }
    return update_status(d, owned, new_rs, new_reason, paused);
  }

  std::optional<json> adopt(const json& d, const json& rs) {
    json refs = json::array();
    if (const json* r = api::find_path(rs, "metadata.ownerReferences"); r && r->is_array()) refs = *r;
    refs.push_back(make_controller_ref(d, "apps/v1", "Deployment"));
    json patch = {{"metadata", {{"ownerReferences", refs}, {"uid", api::string_at(rs, "metadata.uid")}}}};
    auto r = client_->patch(kReplicaSets, api::string_at(rs, "metadata.namespace"), api::string_at(rs, "metadata.name"),
                            "application/merge-patch+json", patch.dump());
    if (!r) return std::nullopt;
    return *r;
  }

  std::optional<json> create_rs(const json& d, int64_t revision, int64_t replicas) {
    const std::string ns = api::string_at(d, "metadata.namespace");
    const int64_t collisions = api::int_at(d, "status.collisionCount", 0);
    json tmpl = d["spec"]["template"];
    const std::string hash = template_hash(tmpl, collisions);
    tmpl["metadata"]["labels"][kPodTemplateHashLabel] = hash;
    json selector = d["spec"]["selector"];
    selector["matchLabels"][kPodTemplateHashLabel] = hash;
    auto f = resolve_fenceposts(api::find_path(d, "spec.strategy.rollingUpdate.maxSurge"),
                                api::find_path(d, "spec.strategy.rollingUpdate.maxUnavailable"), spec_replicas(d));
    json annotations = copied_annotations(d);
    annotations[kRevisionAnnotation] = std::to_string(revision);
    annotations[kDesiredReplicasAnnotation] = std::to_string(spec_replicas(d));
    annotations[kMaxReplicasAnnotation] = std::to_string(spec_replicas(d) + f.max_surge);
    json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata",
                {{"name", replicaset_name(api::string_at(d, "metadata.name"), hash)},
                 {"namespace", ns},
                 {"labels", tmpl["metadata"]["labels"]},
                 {"annotations", annotations},
                 {"ownerReferences", json::array({make_controller_ref(d, "apps/v1", "Deployment")})}}},
               {"spec",
                {{"replicas", replicas},
                 {"minReadySeconds", api::int_at(d, "spec.minReadySeconds", 0)},
                 {"selector", selector},
                 {"template", tmpl}}}};
    auto r = client_->create(kReplicaSets, ns, rs);
    if (r) {
      MK_LOG(info) << "deployment " << ns_name_key(d) << ": created replica set " << api::string_at(*r, "metadata.name");
      return *r;
    }
    if (r.error().code == 409) {
      // Ours from an earlier round that the cache has not shown yet, or a hash collision.
      auto existing = client_->get(kReplicaSets, ns, api::string_at(rs, "metadata.name"));
      if (existing) {
        auto ref = controller_ref(*existing);
        const json* t = api::find_path(*existing, "spec.template");
        if (ref && ref->uid == api::string_at(d, "metadata.uid") && t && templates_equal_ignoring_hash(*t, d["spec"]["template"]))
          return *existing;
        json patch = {{"status", {{"collisionCount", collisions + 1}}}};
        client_->patch(kDeployments, ns, api::string_at(d, "metadata.name"), "application/merge-patch+json",
                       patch.dump(), "status");
      }
    }
    MK_LOG(warn) << "deployment " << ns_name_key(d) << ": create replica set: " << r.error().message;
    return std::nullopt;
  }

  bool bump_revision(json& rs, int64_t max_old_revision) {
    if (revision_of(rs) > max_old_revision) return true;
    json patch = {{"metadata", {{"annotations", {{kRevisionAnnotation, std::to_string(max_old_revision + 1)}}}}}};
    auto r = client_->patch(kReplicaSets, api::string_at(rs, "metadata.namespace"), api::string_at(rs, "metadata.name"),
                            "application/merge-patch+json", patch.dump());
    if (!r) return false;
    rs = *r;
    return true;
  }

  bool scale(const json& d, json& rs, int64_t replicas) {
    auto f = resolve_fenceposts(api::find_path(d, "spec.strategy.rollingUpdate.maxSurge"),
                                api::find_path(d, "spec.strategy.rollingUpdate.maxUnavailable"), spec_replicas(d));
    json patch = {{"metadata",
                   {{"annotations",
                     {{kDesiredReplicasAnnotation, std::to_string(spec_replicas(d))},
                      {kMaxReplicasAnnotation, std::to_string(spec_replicas(d) + f.max_surge)}}}}},
                  {"spec", {{"replicas", replicas}}}};
    auto r = client_->patch(kReplicaSets, api::string_at(rs, "metadata.namespace"), api::string_at(rs, "metadata.name"),
                            "application/merge-patch+json", patch.dump());
    if (!r) {
      MK_LOG(warn) << "deployment " << ns_name_key(d) << ": scale " << api::string_at(rs, "metadata.name") << ": "
                   << r.error().message;
      return false;
    }
    rs = *r;
    return true;
  }

  bool set_deployment_revision(json& d, const std::string& revision) {
    const json* a = api::find_path(d, "metadata.annotations");
    if (a && a->is_object() && a->value(kRevisionAnnotation, "") == revision) return true;
    // Through the status subresource, as upstream does: a main-resource write that changes
    // annotations would bump the deployment's generation.
    json patch = {{"metadata", {{"annotations", {{kRevisionAnnotation, revision}}}}}};
    auto r = client_->patch(kDeployments, api::string_at(d, "metadata.namespace"), api::string_at(d, "metadata.name"),
                            "application/merge-patch+json", patch.dump(), "status");
    if (!r) return r.not_found();
    d = *r;
    return true;
  }

  // Old ReplicaSets with nothing left in them, beyond revisionHistoryLimit, oldest revision first.
  void cleanup(const json& d, const std::vector<json*>& olds) {
    int64_t limit = api::int_at(d, "spec.revisionHistoryLimit", 10);
    std::vector<const json*> idle;
    for (const json* o : olds)
      if (spec_replicas(*o) == 0 && api::int_at(*o, "status.replicas", 0) == 0 &&
          !api::find_path(*o, "metadata.deletionTimestamp"))
        idle.push_back(o);
    if (static_cast<int64_t>(idle.size()) <= limit) return;
    std::sort(idle.begin(), idle.end(), [](const json* a, const json* b) { return revision_of(*a) < revision_of(*b); });
    for (size_t i = 0; i < idle.size() - static_cast<size_t>(limit); ++i) {
      auto r = client_->remove(kReplicaSets, api::string_at(*idle[i], "metadata.namespace"),
                               api::string_at(*idle[i], "metadata.name"), json::object());
      if (!r && !r.not_found()) MK_LOG(warn) << "deployment " << ns_name_key(d) << ": cleanup: " << r.error().message;
    }
  }

  bool update_status(const json& d, const std::vector<json>& owned, const json* new_rs, const std::string& new_reason,
                     bool paused) {
    const int64_t replicas = spec_replicas(d);
    int64_t total = 0, ready = 0, available = 0;
    for (const auto& rs : owned) {
      total += api::int_at(rs, "status.replicas", 0);
      ready += api::int_at(rs, "status.readyReplicas", 0);
      available += api::int_at(rs, "status.availableReplicas", 0);
    }
    const int64_t updated = new_rs ? api::int_at(*new_rs, "status.replicas", 0) : 0;
    auto f = resolve_fenceposts(api::find_path(d, "spec.strategy.rollingUpdate.maxSurge"),
                                api::find_path(d, "spec.strategy.rollingUpdate.maxUnavailable"), replicas);
    const int64_t max_unavailable = api::string_at(d, "spec.strategy.type", "RollingUpdate") == "Recreate" ? 0 : f.max_unavailable;

    json old_status = d.value("status", json::object());
    json status = json::object();
    status["observedGeneration"] = api::int_at(d, "metadata.generation", 1);
    status["replicas"] = total;
    status["updatedReplicas"] = updated;
    status["readyReplicas"] = ready;
    status["availableReplicas"] = available;
    status["unavailableReplicas"] = std::max<int64_t>(0, replicas - available);
    if (old_status.contains("collisionCount")) status["collisionCount"] = old_status["collisionCount"];

    std::vector<json> conds;
    if (available >= replicas - max_unavailable)
      conds.push_back(condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."));
    else
      conds.push_back(condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."));
    const std::string rs_name = new_rs ? api::string_at(*new_rs, "metadata.name") : "";
    if (paused) {
      conds.push_back(condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"));
    } else if (new_rs && updated == replicas && total == replicas && available == replicas &&
               api::int_at(*new_rs, "spec.replicas", 1) == replicas) {
      conds.push_back(condition("Progressing", "True", "NewReplicaSetAvailable",
                                "ReplicaSet \"" + rs_name + "\" has successfully progressed."));
    } else if (new_reason == "NewReplicaSetCreated") {
      conds.push_back(condition("Progressing", "True", "NewReplicaSetCreated", "Created new replica set \"" + rs_name + "\""));
    } else if (new_rs) {
      conds.push_back(condition("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"" + rs_name + "\" is progressing."));
    }
    // Times carry over while a condition stays as it was; Progressing is the first one listed
    // by upstream once it exists, Available before it.
    const std::string now = api::format_time(std::chrono::system_clock::now());
    json out = json::array();
    for (auto& c : conds) {
      json prev;
      if (const json* cs = api::find_path(old_status, "conditions"); cs && cs->is_array())
        for (const auto& x : *cs)
          if (x.value("type", "") == c["type"]) prev = x;
      bool same_status = prev.is_object() && prev.value("status", "") == c["status"];
      bool same = same_status && prev.value("reason", "") == c["reason"] && prev.value("message", "") == c["message"];
      c["lastUpdateTime"] = same ? prev.value("lastUpdateTime", now) : now;
      c["lastTransitionTime"] = same_status ? prev.value("lastTransitionTime", now) : now;
      out.push_back(c);
    }
    status["conditions"] = out;
    if (status == old_status) return true;
    auto r = client_->patch(kDeployments, api::string_at(d, "metadata.namespace"), api::string_at(d, "metadata.name"),
                            "application/merge-patch+json", json{{"status", status}}.dump(), "status");
    if (!r && !r.not_found()) {
      MK_LOG(warn) << "deployment " << ns_name_key(d) << ": status: " << r.error().message;
      return false;
    }
    return true;
  }

  client::ApiClient* client_ = nullptr;
  client::Informer* deployments_ = nullptr;
  client::Informer* sets_ = nullptr;
  client::Informer* pods_ = nullptr;
  client::WorkQueue queue_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Controller> make_deployment_controller() { return std::make_unique<DeploymentController>(); }

}  // namespace mk::controllers
