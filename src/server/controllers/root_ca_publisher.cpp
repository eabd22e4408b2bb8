#include "server/controllers/root_ca_publisher.h"

#include <nlohmann/json.hpp>

#include <thread>

#include "api/json_path.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "common/log.h"
#include "server/controllers/controller_util.h"
#include "server/controllers/informer_factory.h"

namespace mk::controllers {
namespace {

using nlohmann::json;

const client::Resource kNamespaces{"", "v1", "namespaces"};
const client::Resource kConfigMaps{"", "v1", "configmaps"};
constexpr const char* kName = "kube-root-ca.crt";
constexpr const char* kDescription =
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the "
    "internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes "
    "clusters.";

class RootCaPublisher final : public Controller {
 public:
  explicit RootCaPublisher(std::string ca) : ca_(std::move(ca)) {}
  std::string name() const override { return "root-ca-cert-publisher"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    namespaces_ = &informers.get(kNamespaces);
    config_maps_ = &informers.get(kConfigMaps);
    namespaces_->add_handler([this](client::ChangeType type, const json& obj, const json*) {
      if (type != client::ChangeType::deleted) queue_.add(api::string_at(obj, "metadata.name"));
    });
    config_maps_->add_handler([this](client::ChangeType, const json& obj, const json*) {
      if (api::string_at(obj, "metadata.name") == kName) queue_.add(api::string_at(obj, "metadata.namespace"));
    });
  }

  void run() override {
    worker_ = run_worker(queue_, "root-ca-cert-publisher", [this](const std::string& ns) { return sync(ns); });
  }

  void stop() override {
    queue_.shutdown();
    if (worker_.joinable()) worker_.join();
  }

 private:
  bool sync(const std::string& ns) {
    auto n = namespaces_->get("", ns);
    if (!n || api::find_path(*n, "metadata.deletionTimestamp") || api::string_at(*n, "status.phase") == "Terminating")
      return true;
    json data = {{"ca.crt", ca_}};
    auto cm = config_maps_->get(ns, kName);
    if (cm && cm->value("data", json::object()) == data) return true;
    json obj = {{"apiVersion", "v1"},
                {"kind", "ConfigMap"},
                {"metadata", {{"name", kName}, {"namespace", ns}, {"annotations", {{"kubernetes.io/description", kDescription}}}}},
                {"data", data}};
    if (cm) {
      obj["metadata"]["resourceVersion"] = api::string_at(*cm, "metadata.resourceVersion");
      auto r = client_->update(kConfigMaps, ns, obj);
      if (r || r.not_found()) return true;
      if (r.conflict()) return false;
      MK_LOG(warn) << "root-ca-cert-publisher: update " << ns << "/" << kName << ": " << r.error().message;
      return false;
    }
    auto r = client_->create(kConfigMaps, ns, obj);
    if (r || r.conflict()) return true;
    if (r.error().code == 403 || r.not_found()) return true;  // the namespace is going away
    MK_LOG(warn) << "root-ca-cert-publisher: create " << ns << "/" << kName << ": " << r.error().message;
    return false;
  }

  std::string ca_;
  client::ApiClient* client_ = nullptr;
  client::Informer* namespaces_ = nullptr;
  client::Informer* config_maps_ = nullptr;
  client::WorkQueue queue_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Controller> make_root_ca_publisher(std::string ca_pem) {
  return std::make_unique<RootCaPublisher>(std::move(ca_pem));
}

}  // namespace mk::controllers
