#include "server/controllers/garbage_collector.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "api/json_path.h"
#include "api/kinds/kind_info.h"
#include "client/work_queue.h"
#include "common/log.h"
#include "server/controllers/informer_factory.h"

namespace mk::controllers {
namespace {

using nlohmann::json;

constexpr const char* kOrphan = "orphan";
constexpr const char* kForeground = "foregroundDeletion";

struct OwnerRef {
  std::string uid;
  std::string api_version;
  std::string kind;
  std::string name;
  bool block = false;
};

// What the collector remembers of each object: enough to find it and its owners.
struct Node {
  const api::KindInfo* kind = nullptr;
  std::string ns;
  std::string name;
  std::vector<OwnerRef> owners;
  std::vector<std::string> finalizers;
  bool deleting = false;

  bool has_finalizer(const char* f) const { return std::find(finalizers.begin(), finalizers.end(), f) != finalizers.end(); }
};

client::Resource resource_of(const api::KindInfo& k) { return {k.group, k.version, k.plural}; }

std::vector<std::string> strings_at(const json& obj, const char* path) {
  std::vector<std::string> out;
  if (const json* l = api::find_path(obj, path); l && l->is_array())
    for (const auto& x : *l)
      if (x.is_string()) out.push_back(x.get<std::string>());
  return out;
}

Node node_of(const api::KindInfo& kind, const json& obj) {
  Node n;
  n.kind = &kind;
  n.ns = api::string_at(obj, "metadata.namespace");
  n.name = api::string_at(obj, "metadata.name");
  n.finalizers = strings_at(obj, "metadata.finalizers");
  n.deleting = api::find_path(obj, "metadata.deletionTimestamp") != nullptr;
  if (const json* refs = api::find_path(obj, "metadata.ownerReferences"); refs && refs->is_array()) {
    for (const auto& r : *refs) {
      if (!r.is_object()) continue;
      OwnerRef o;
      o.uid = r.value("uid", "");
      o.api_version = r.value("apiVersion", "");
      o.kind = r.value("kind", "");
      o.name = r.value("name", "");
      o.block = r.value("blockOwnerDeletion", false);
      if (!o.uid.empty()) n.owners.push_back(std::move(o));
    }
  }
  return n;
}

const api::KindInfo* kind_of(const OwnerRef& ref) {
  auto slash = ref.api_version.find('/');
  std::string group = slash == std::string::npos ? "" : ref.api_version.substr(0, slash);
  std::string version = slash == std::string::npos ? ref.api_version : ref.api_version.substr(slash + 1);
  return api::KindRegistry::builtin().by_kind(group, version, ref.kind);
}

class GarbageCollector final : public Controller {
 public:
  std::string name() const override { return "garbage-collector"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    for (const auto& kind : api::KindRegistry::builtin().all()) {
      if (!kind.has_verb("list") || !kind.has_verb("watch")) continue;
      const api::KindInfo* k = &kind;
      informers.get_metadata(resource_of(kind)).add_handler([this, k](client::ChangeType type, const json& obj, const json*) {
        observe(*k, type, obj);
      });
    }
  }

  void run() override {
    worker_ = std::thread([this] {
      while (auto uid = queue_.get()) {
        bool finished = false;
        try {
          finished = sync(*uid);
        } catch (const std::exception& e) {
          MK_LOG(warn) << "garbage collector: " << *uid << ": " << e.what();
        }
        if (finished) queue_.forget(*uid);
        else queue_.add_rate_limited(*uid);
        queue_.done(*uid);
      }
    });
  }

  void stop() override {
    queue_.shutdown();
    if (worker_.joinable()) worker_.join();
  }

 private:
  // Keeps the owner graph current and queues every object whose state may now call for work.
  void observe(const api::KindInfo& kind, client::ChangeType type, const json& obj) {
    std::string uid = api::string_at(obj, "metadata.uid");
    if (uid.empty()) return;
    std::vector<std::string> wake;
    {
      std::lock_guard lock(mu_);
      if (auto it = nodes_.find(uid); it != nodes_.end()) {
        for (const auto& o : it->second.owners) {
          auto d = dependents_.find(o.uid);
          if (d == dependents_.end()) continue;
          d->second.erase(uid);
          if (d->second.empty()) dependents_.erase(d);
        }
      }
      if (type == client::ChangeType::deleted) {
        Node gone = node_of(kind, obj);
        nodes_.erase(uid);
        // Dependents may now be dangling; owners in foreground deletion may now be free.
        if (auto d = dependents_.find(uid); d != dependents_.end()) wake.insert(wake.end(), d->second.begin(), d->second.end());
        for (const auto& o : gone.owners) wake.push_back(o.uid);
      } else {
        Node n = node_of(kind, obj);
        for (const auto& o : n.owners) dependents_[o.uid].insert(uid);
        bool interesting = !n.owners.empty() || (n.deleting && (n.has_finalizer(kOrphan) || n.has_finalizer(kForeground)));
        if (n.deleting)
          for (const auto& o : n.owners) wake.push_back(o.uid);
        nodes_[uid] = std::move(n);
        if (interesting) wake.push_back(uid);
      }
    }
    for (const auto& w : wake) queue_.add(w);
  }

  std::optional<Node> node(const std::string& uid) {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(uid);
    if (it == nodes_.end()) return std::nullopt;
    return it->second;
  }

  std::vector<std::pair<std::string, Node>> dependents_of(const std::string& uid) {
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::string, Node>> out;
    if (auto d = dependents_.find(uid); d != dependents_.end())
      for (const auto& dep : d->second)
        if (auto n = nodes_.find(dep); n != nodes_.end()) out.emplace_back(dep, n->second);
    return out;
  }

  // Returns true when there is nothing more to do for `uid` until it changes again.
  bool sync(const std::string& uid) {
    auto n = node(uid);
    if (!n) return true;
    bool done = true;
    if (n->deleting && n->has_finalizer(kOrphan)) done &= orphan_dependents(uid, *n);
    else if (n->deleting && n->has_finalizer(kForeground)) done &= delete_dependents_first(uid, *n);
    if (!n->owners.empty()) done &= collect_if_dangling(uid, *n);
    return done;
  }

  bool orphan_dependents(const std::string& uid, const Node& owner) {
    for (const auto& [dep_uid, dep] : dependents_of(uid)) {
      bool ok = rewrite(dep, dep_uid, [&](json& obj) {
        json& refs = obj["metadata"]["ownerReferences"];
        if (!refs.is_array()) return false;
        json kept = json::array();
        for (const auto& r : refs)
          if (r.value("uid", "") != uid) kept.push_back(r);
        if (kept.size() == refs.size()) return false;
        if (kept.empty()) obj["metadata"].erase("ownerReferences");
        else refs = std::move(kept);
        return true;
      });
      if (!ok) return false;
    }
    return remove_finalizer(uid, owner, kOrphan);
  }

  bool delete_dependents_first(const std::string& uid, const Node& owner) {
    bool blocked = false;
    for (const auto& [dep_uid, dep] : dependents_of(uid)) {
      for (const auto& o : dep.owners)
        if (o.uid == uid && o.block) blocked = true;
      if (dep.deleting) continue;
      if (!remove(dep, dep_uid, "Foreground")) return false;
    }
    if (blocked) return true;  // each dependent's deletion wakes the owner again
    return remove_finalizer(uid, owner, kForeground);
  }

  enum class OwnerState { present, waiting, absent, unknown };

  OwnerState owner_state(const Node& dependent, const OwnerRef& ref) {
    if (auto n = node(ref.uid)) return n->deleting && n->has_finalizer(kForeground) ? OwnerState::waiting : OwnerState::present;
    // Not cached yet (or gone): ask the server, as an owner may be newer than our view.
    const api::KindInfo* kind = kind_of(ref);
    if (!kind) return OwnerState::unknown;
    auto live = client_->get(resource_of(*kind), kind->namespaced ? dependent.ns : "", ref.name);
    if (live.not_found()) return OwnerState::absent;
    if (!live) return OwnerState::unknown;
    if (api::string_at(*live, "metadata.uid") != ref.uid) return OwnerState::absent;
    bool waiting = api::find_path(*live, "metadata.deletionTimestamp") &&
                   std::ranges::count(strings_at(*live, "metadata.finalizers"), std::string(kForeground)) > 0;
    return waiting ? OwnerState::waiting : OwnerState::present;
  }

  bool collect_if_dangling(const std::string& uid, const Node& n) {
    std::set<std::string> absent;
    bool present = false, waiting = false, unknown = false;
    for (const auto& ref : n.owners) {
      switch (owner_state(n, ref)) {
        case OwnerState::present: present = true; break;
        case OwnerState::waiting: waiting = true; break;
        case OwnerState::absent: absent.insert(ref.uid); break;
        case OwnerState::unknown: unknown = true; break;
      }
    }
    if (absent.empty()) return !unknown;
    if (present || unknown) {
      // Some owners remain: only the references to the missing ones go.
      return rewrite(n, uid, [&](json& obj) {
        json& refs = obj["metadata"]["ownerReferences"];
        if (!refs.is_array()) return false;
        json kept = json::array();
        for (const auto& r : refs)
          if (!absent.count(r.value("uid", ""))) kept.push_back(r);
        if (kept.size() == refs.size()) return false;
        refs = std::move(kept);
        return true;
      });
    }
    if (n.deleting) return true;
    MK_LOG(info) << "garbage collector: deleting " << n.kind->plural << " " << (n.ns.empty() ? "" : n.ns + "/") << n.name
                 << ": its owners are gone";
    return remove(n, uid, waiting ? "Foreground" : "Background");
  }

  // Deletes `n` if it is still the object with `uid`.
  bool remove(const Node& n, const std::string& uid, const std::string& policy) {
    json opts{{"kind", "DeleteOptions"},
              {"apiVersion", "v1"},
              {"propagationPolicy", policy},
              {"preconditions", {{"uid", uid}}}};
    auto r = client_->remove(resource_of(*n.kind), n.ns, n.name, opts);
    if (r || r.not_found() || r.conflict()) return true;
    MK_LOG(warn) << "garbage collector: delete " << n.kind->plural << "/" << n.name << ": " << r.error().message;
    return false;
  }

  // Read-modify-write of the live object, retried on conflicts; `edit` returns false when
  // there is nothing to change.
  bool rewrite(const Node& n, const std::string& uid, const std::function<bool(json&)>& edit) {
    client::Resource r = resource_of(*n.kind);
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto live = client_->get(r, n.ns, n.name);
      if (live.not_found()) return true;
      if (!live) break;
      if (api::string_at(*live, "metadata.uid") != uid) return true;
      json obj = std::move(*live);
      if (!edit(obj)) return true;
      auto w = client_->update(r, n.ns, obj);
      if (w || w.not_found()) return true;
      if (!w.conflict()) {
        MK_LOG(warn) << "garbage collector: update " << n.kind->plural << "/" << n.name << ": " << w.error().message;
        return false;
      }
    }
    return false;
  }

  bool remove_finalizer(const std::string& uid, const Node& n, const char* finalizer) {
    return rewrite(n, uid, [&](json& obj) {
      json& f = obj["metadata"]["finalizers"];
      if (!f.is_array()) return false;
      json kept = json::array();
      for (const auto& x : f)
        if (x != finalizer) kept.push_back(x);
      if (kept.size() == f.size()) return false;
      f = std::move(kept);
      return true;
    });
  }

  client::ApiClient* client_ = nullptr;
  std::mutex mu_;
  std::map<std::string, Node> nodes_;                          // by uid
  std::map<std::string, std::set<std::string>> dependents_;    // owner uid -> dependent uids
  client::WorkQueue queue_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Controller> make_garbage_collector() { return std::make_unique<GarbageCollector>(); }

}  // namespace mk::controllers
