#include "server/controllers/namespace_controller.h"

#include <nlohmann/json.hpp>

#include <thread>

#include "api/json_path.h"
#include "api/kinds/kind_info.h"
#include "client/work_queue.h"
#include "common/log.h"
#include "server/controllers/informer_factory.h"

namespace mk::controllers {
namespace {

using nlohmann::json;

const client::Resource kNamespaces{"", "v1", "namespaces"};

class NamespaceController final : public Controller {
 public:
  std::string name() const override { return "namespace"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    informer_ = &informers.get(kNamespaces);
    informer_->add_handler([this](client::ChangeType type, const json& obj, const json*) {
      if (type != client::ChangeType::deleted && api::find_path(obj, "metadata.deletionTimestamp"))
        queue_.add(api::string_at(obj, "metadata.name"));
    });
  }

  void run() override {
    worker_ = std::thread([this] {
      while (auto key = queue_.get()) {
        bool finished = sync(*key);
        if (finished) queue_.forget(*key);
        else queue_.add_after(*key, std::chrono::milliseconds(500));
        queue_.done(*key);
      }
    });
  }

  void stop() override {
    queue_.shutdown();
    if (worker_.joinable()) worker_.join();
  }

 private:
  // Deletes what is left in the namespace; true when it is empty and released.
  bool sync(const std::string& ns) {
    auto obj = informer_->get("", ns);
    if (!obj || !api::find_path(*obj, "metadata.deletionTimestamp")) return true;
    bool empty = true;
    for (const auto& kind : api::KindRegistry::builtin().all()) {
      if (!kind.namespaced || !kind.has_verb("list")) continue;
      client::Resource r{kind.group, kind.version, kind.plural};
      auto list = client_->list(r, ns, {});
      if (!list) {
        MK_LOG(warn) << "namespace " << ns << ": list " << kind.plural << ": " << list.error().message;
        empty = false;
        continue;
      }
      for (const auto& item : (*list)["items"]) {
        empty = false;
        if (api::find_path(item, "metadata.deletionTimestamp")) continue;  // already going
        auto r2 = client_->remove(r, ns, api::string_at(item, "metadata.name"), json{{"propagationPolicy", "Background"}});
        if (!r2 && !r2.not_found())
          MK_LOG(warn) << "namespace " << ns << ": delete " << kind.plural << "/" << api::string_at(item, "metadata.name")
                       << ": " << r2.error().message;
      }
    }
    if (!empty) return false;
    json finalize = *obj;
    json kept = json::array();
    if (const json* f = api::find_path(*obj, "spec.finalizers"); f && f->is_array())
      for (const auto& x : *f)
        if (x != "kubernetes") kept.push_back(x);
    finalize["spec"]["finalizers"] = kept;
    auto r = client_->update(kNamespaces, "", finalize, "finalize");
    if (!r && !r.not_found()) {
      MK_LOG(warn) << "namespace " << ns << ": finalize: " << r.error().message;
      return false;
    }
    MK_LOG(info) << "namespace " << ns << ": contents removed, namespace deleted";
    return true;
  }

  client::ApiClient* client_ = nullptr;
  client::Informer* informer_ = nullptr;
  client::WorkQueue queue_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Controller> make_namespace_controller() { return std::make_unique<NamespaceController>(); }

}  // namespace mk::controllers
