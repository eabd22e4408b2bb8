#include "server/controllers/local_path_provisioner.h"

#include <nlohmann/json.hpp>

#include <thread>

#include "api/json_path.h"
#include "api/timestamp.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "common/log.h"
#include "server/controllers/controller_util.h"
#include "server/controllers/informer_factory.h"

namespace mk::controllers {
namespace {

using nlohmann::json;

const client::Resource kClaims{"", "v1", "persistentvolumeclaims"};
const client::Resource kVolumes{"", "v1", "persistentvolumes"};
const client::Resource kNodes{"", "v1", "nodes"};
const client::Resource kClasses{"storage.k8s.io", "v1", "storageclasses"};
constexpr const char* kSelectedNode = "volume.kubernetes.io/selected-node";
constexpr const char* kProvisionedBy = "pv.kubernetes.io/provisioned-by";
constexpr const char* kStorageAnnotation = "minikube.io/local-storage-path";
constexpr const char* kDefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";

std::string annotation(const json& obj, const std::string& key) {
  const json* a = api::find_path(obj, "metadata.annotations");
  if (!a || !a->is_object() || !a->contains(key) || !(*a)[key].is_string()) return "";
  return (*a)[key].get<std::string>();
}

std::string now_text() { return api::format_time(std::chrono::system_clock::now()); }

class LocalPathProvisioner final : public Controller {
 public:
  explicit LocalPathProvisioner(std::string storage_dir) : storage_dir_(std::move(storage_dir)) {}
  std::string name() const override { return "local-path-provisioner"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    events_ = std::make_unique<client::EventRecorder>(*client_, "rancher.io/local-path_minikube");
    claims_ = &informers.get(kClaims);
    volumes_ = &informers.get(kVolumes);
    nodes_ = &informers.get(kNodes);
    classes_ = &informers.get(kClasses);
    claims_->add_handler([this](client::ChangeType type, const json& obj, const json*) {
      if (type != client::ChangeType::deleted) queue_.add("pvc/" + ns_name_key(obj));
      else if (std::string pv = api::string_at(obj, "spec.volumeName"); !pv.empty()) queue_.add("pv/" + pv);
    });
    volumes_->add_handler([this](client::ChangeType type, const json& obj, const json*) {
      if (type != client::ChangeType::deleted) queue_.add("pv/" + api::string_at(obj, "metadata.name"));
    });
    classes_->add_handler([this](client::ChangeType, const json&, const json*) { queue_.add("class"); });
  }

  void run() override {
    queue_.add("class");
    worker_ = run_worker(queue_, "local-path provisioner", [this](const std::string& k) { return sync(k); });
  }

  void stop() override {
    queue_.shutdown();
    if (worker_.joinable()) worker_.join();
  }

 private:
  bool sync(const std::string& key) {
    if (key == "class") return ensure_class();
    if (key.rfind("pvc/", 0) == 0) {
      auto [ns, name] = split_key(key.substr(4));
      auto pvc = claims_->get(ns, name);
      return !pvc || sync_claim(*pvc);
    }
    if (key.rfind("pv/", 0) == 0) {
      auto pv = volumes_->get("", key.substr(3));
      return !pv || sync_volume(*pv);
    }
    return true;
  }

  bool ensure_class() {
    if (classes_->get("", kLocalPathClass)) {
      // Claims waiting for a class may go on now.
      for (const auto& pvc : claims_->list()) queue_.add("pvc/" + ns_name_key(pvc));
      return true;
    }
    json sc = {{"apiVersion", "storage.k8s.io/v1"},
               {"kind", "StorageClass"},
               {"metadata", {{"name", kLocalPathClass}, {"annotations", {{kDefaultClassAnnotation, "true"}}}}},
               {"provisioner", kLocalPathProvisioner},
               {"reclaimPolicy", "Delete"},
               {"volumeBindingMode", "WaitForFirstConsumer"}};
    auto r = client_->create(kClasses, "", sc);
    if (r || r.conflict()) return true;
    MK_LOG(warn) << "local-path provisioner: create StorageClass " << kLocalPathClass << ": " << r.error().message;
    return false;
  }

  // The default class: the newest one annotated as default, as upstream picks it.
  std::string default_class() {
    std::string best, best_time;
    for (const auto& sc : classes_->list()) {
      if (annotation(sc, kDefaultClassAnnotation) != "true") continue;
      std::string t = api::string_at(sc, "metadata.creationTimestamp");
      if (best.empty() || t > best_time) {
        best = api::string_at(sc, "metadata.name");
        best_time = t;
      }
    }
    return best;
  }

  bool sync_claim(const json& pvc) {
    const std::string ns = api::string_at(pvc, "metadata.namespace");
    const std::string name = api::string_at(pvc, "metadata.name");
    if (api::find_path(pvc, "metadata.deletionTimestamp")) return true;
    const json* class_field = api::find_path(pvc, "spec.storageClassName");
    if (!class_field) {
      std::string def = default_class();
      if (def.empty()) return true;
      json patch = {{"spec", {{"storageClassName", def}}}};
      auto r = client_->patch(kClaims, ns, name, "application/merge-patch+json", patch.dump());
      return r || r.not_found();
    }
    std::string class_name = class_field->is_string() ? class_field->get<std::string>() : "";
    auto sc = classes_->get("", class_name);
    if (!sc || sc->value("provisioner", "") != kLocalPathProvisioner) return true;

    std::string volume = api::string_at(pvc, "spec.volumeName");
    if (!volume.empty()) {
      if (api::string_at(pvc, "status.phase") == "Bound" || !volumes_->get("", volume)) return true;
      return set_claim_bound(pvc, *volumes_->get("", volume));
    }
    std::string node = annotation(pvc, kSelectedNode);
    if (node.empty()) {
      if (sc->value("volumeBindingMode", "Immediate") == "WaitForFirstConsumer") return true;
      auto nodes = nodes_->list();
      if (nodes.empty()) return true;
      node = api::string_at(nodes.front(), "metadata.name");
    }
    return provision(pvc, *sc, node);
  }

  bool provision(const json& pvc, const json& sc, const std::string& node_name) {
    const std::string ns = api::string_at(pvc, "metadata.namespace");
    const std::string name = api::string_at(pvc, "metadata.name");
    const std::string uid = api::string_at(pvc, "metadata.uid");
    std::string pv_name = "pvc-" + uid;
    auto existing = volumes_->get("", pv_name);
    json pv;
    if (existing) {
      pv = *existing;
    } else {
      std::string dir = storage_dir_;
      if (auto node = nodes_->get("", node_name)) {
        if (std::string announced = annotation(*node, kStorageAnnotation); !announced.empty()) dir = announced;
      }
      std::string path = dir + "/" + pv_name + "_" + ns + "_" + name;
      const json* storage = api::find_path(pvc, "spec.resources.requests.storage");
      json access = pvc["spec"].value("accessModes", json::array({"ReadWriteOnce"}));
      pv = {{"apiVersion", "v1"},
            {"kind", "PersistentVolume"},
            {"metadata",
             {{"name", pv_name},
              {"annotations", {{kProvisionedBy, kLocalPathProvisioner}, {"local.path.provisioner/selected-node", node_name}}},
              {"finalizers", json::array()}}},
            {"spec",
             {{"capacity", {{"storage", storage ? *storage : json("0")}}},
              {"accessModes", access},
              {"persistentVolumeReclaimPolicy", sc.value("reclaimPolicy", "Delete")},
              {"storageClassName", api::string_at(sc, "metadata.name")},
              {"volumeMode", pvc["spec"].value("volumeMode", "Filesystem")},
              {"hostPath", {{"path", path}, {"type", "DirectoryOrCreate"}}},
              {"claimRef",
               {{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}, {"namespace", ns}, {"name", name}, {"uid", uid},
                {"resourceVersion", api::string_at(pvc, "metadata.resourceVersion")}}},
              {"nodeAffinity",
               {{"required",
                 {{"nodeSelectorTerms",
                   json::array({{{"matchExpressions",
                                  json::array({{{"key", "kubernetes.io/hostname"}, {"operator", "In"},
                                                {"values", json::array({node_name})}}})}}})}}}}}}}};
      pv["metadata"].erase("finalizers");
      auto r = client_->create(kVolumes, "", pv);
      if (!r && !r.conflict()) {
        MK_LOG(warn) << "local-path provisioner: create PersistentVolume " << pv_name << ": " << r.error().message;
        events_->record(claim_ref(pvc), "Warning", "ProvisioningFailed", r.error().message);
        return false;
      }
      if (r) pv = *r;
      MK_LOG(info) << "local-path provisioner: provisioned " << pv_name << " for " << ns << "/" << name << " on "
                   << node_name << " at " << path;
      events_->record(claim_ref(pvc), "Normal", "ProvisioningSucceeded",
                      "Successfully provisioned volume " + pv_name);
    }
    // Bind: the claim names the volume, then both are Bound.
    json patch = {{"metadata",
                   {{"annotations",
                     {{"pv.kubernetes.io/bind-completed", "yes"},
                      {"pv.kubernetes.io/bound-by-controller", "yes"},
                      {"volume.kubernetes.io/storage-provisioner", kLocalPathProvisioner},
                      {"volume.beta.kubernetes.io/storage-provisioner", kLocalPathProvisioner}}}}},
                  {"spec", {{"volumeName", pv_name}}}};
    auto bound = client_->patch(kClaims, ns, name, "application/merge-patch+json", patch.dump());
    if (!bound) {
      if (bound.not_found()) return true;
      MK_LOG(warn) << "local-path provisioner: bind " << ns << "/" << name << ": " << bound.error().message;
      return false;
    }
    return set_claim_bound(*bound, pv);
  }

  bool set_claim_bound(const json& pvc, const json& pv) {
    const std::string ns = api::string_at(pvc, "metadata.namespace");
    const std::string name = api::string_at(pvc, "metadata.name");
    json status = {{"status",
                    {{"phase", "Bound"},
                     {"accessModes", pv["spec"].value("accessModes", json::array())},
                     {"capacity", pv["spec"].value("capacity", json::object())}}}};
    auto r = client_->patch(kClaims, ns, name, "application/merge-patch+json", status.dump(), "status");
    if (!r && !r.not_found()) {
      MK_LOG(warn) << "local-path provisioner: status of " << ns << "/" << name << ": " << r.error().message;
      return false;
    }
    return set_volume_phase(pv, "Bound");
  }

  bool set_volume_phase(const json& pv, const std::string& phase) {
    if (api::string_at(pv, "status.phase") == phase) return true;
    json status = {{"status", {{"phase", phase}, {"lastPhaseTransitionTime", now_text()}}}};
    auto r = client_->patch(kVolumes, "", api::string_at(pv, "metadata.name"), "application/merge-patch+json",
                            status.dump(), "status");
    if (!r && !r.not_found()) {
      MK_LOG(warn) << "local-path provisioner: status of " << api::string_at(pv, "metadata.name") << ": "
                   << r.error().message;
      return false;
    }
    return true;
  }

  bool sync_volume(const json& pv) {
    if (annotation(pv, kProvisionedBy) != kLocalPathProvisioner) return true;
    if (api::find_path(pv, "metadata.deletionTimestamp")) return true;
    std::string ns = api::string_at(pv, "spec.claimRef.namespace");
    std::string name = api::string_at(pv, "spec.claimRef.name");
    std::string uid = api::string_at(pv, "spec.claimRef.uid");
    auto pvc = claims_->get(ns, name);
    bool claim_gone = !pvc || (!uid.empty() && api::string_at(*pvc, "metadata.uid") != uid);
    if (!claim_gone) {
      if (api::string_at(*pvc, "spec.volumeName") == api::string_at(pv, "metadata.name"))
        return set_volume_phase(pv, "Bound");
      return true;
    }
    // The informer may lag behind a claim just made: ask the server before deleting data.
    if (auto live = client_->get(kClaims, ns, name); live && api::string_at(*live, "metadata.uid") == uid) return true;
    if (api::string_at(pv, "spec.persistentVolumeReclaimPolicy") != "Delete") return set_volume_phase(pv, "Released");
    std::string pv_name = api::string_at(pv, "metadata.name");
    json options = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"},
                    {"preconditions", {{"uid", api::string_at(pv, "metadata.uid")}}}};
    auto r = client_->remove(kVolumes, "", pv_name, options);
    if (!r && !r.not_found() && !r.conflict()) {
      MK_LOG(warn) << "local-path provisioner: delete " << pv_name << ": " << r.error().message;
      return false;
    }
    MK_LOG(info) << "local-path provisioner: deleted " << pv_name << " (its claim " << ns << "/" << name << " is gone)";
    return true;
  }

  static json claim_ref(const json& pvc) {
    return {{"kind", "PersistentVolumeClaim"}, {"apiVersion", "v1"}, {"metadata", pvc.value("metadata", json::object())}};
  }

  std::string storage_dir_;
  client::ApiClient* client_ = nullptr;
  std::unique_ptr<client::EventRecorder> events_;
  client::Informer* claims_ = nullptr;
  client::Informer* volumes_ = nullptr;
  client::Informer* nodes_ = nullptr;
  client::Informer* classes_ = nullptr;
  client::WorkQueue queue_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Controller> make_local_path_provisioner(std::string default_storage_dir) {
  return std::make_unique<LocalPathProvisioner>(std::move(default_storage_dir));
}

}  // namespace mk::controllers
