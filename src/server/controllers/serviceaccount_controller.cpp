#include "server/controllers/serviceaccount_controller.h"

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
const client::Resource kServiceAccounts{"", "v1", "serviceaccounts"};

class ServiceAccountController final : public Controller {
 public:
  std::string name() const override { return "serviceaccount"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    namespaces_ = &informers.get(kNamespaces);
    accounts_ = &informers.get(kServiceAccounts);
    namespaces_->add_handler([this](client::ChangeType type, const json& obj, const json*) {
      if (type != client::ChangeType::deleted) queue_.add(api::string_at(obj, "metadata.name"));
    });
    accounts_->add_handler([this](client::ChangeType type, const json& obj, const json*) {
      if (type == client::ChangeType::deleted && api::string_at(obj, "metadata.name") == "default")
        queue_.add(api::string_at(obj, "metadata.namespace"));
    });
  }

  void run() override {
    worker_ = run_worker(queue_, "serviceaccount controller", [this](const std::string& k) { return sync(k); });
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
    if (accounts_->get(ns, "default")) return true;
    json sa = {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "default"}, {"namespace", ns}}}};
    auto r = client_->create(kServiceAccounts, ns, sa);
    if (r || r.conflict()) return true;
    // A namespace being torn down refuses new objects: nothing to do.
    if (r.error().code == 403 || r.not_found()) return true;
    MK_LOG(warn) << "serviceaccount controller: " << ns << ": " << r.error().message;
    return false;
  }

  client::ApiClient* client_ = nullptr;
  client::Informer* namespaces_ = nullptr;
  client::Informer* accounts_ = nullptr;
  client::WorkQueue queue_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Controller> make_serviceaccount_controller() { return std::make_unique<ServiceAccountController>(); }

}  // namespace mk::controllers
