#include "server/controllers/informer_factory.h"

#include <nlohmann/json.hpp>

namespace mk::controllers {

client::Informer& InformerFactory::get(const client::Resource& r) {
  std::string key = r.group + "/" + r.version + "/" + r.plural;
  auto& slot = informers_[key];
  if (!slot) slot = std::make_unique<client::Informer>(client_, r);
  return *slot;
}

client::Informer& InformerFactory::get_metadata(const client::Resource& r) {
  std::string key = "metadata:" + r.group + "/" + r.version + "/" + r.plural;
  auto& slot = informers_[key];
  if (!slot) {
    slot = std::make_unique<client::Informer>(client_, r);
    slot->set_transform([](const nlohmann::json& obj) {
      nlohmann::json out = {{"apiVersion", obj.value("apiVersion", "")}, {"kind", obj.value("kind", "")}};
      if (auto m = obj.find("metadata"); m != obj.end()) {
        out["metadata"] = *m;
        out["metadata"].erase("managedFields");
      }
      return out;
    });
  }
  return *slot;
}

void InformerFactory::start_all() {
  for (auto& [k, i] : informers_) i->start();
}

bool InformerFactory::wait_synced(int64_t timeout_ms) {
  for (auto& [k, i] : informers_)
    if (!i->wait_synced(timeout_ms)) return false;
  return true;
}

void InformerFactory::stop_all() {
  for (auto& [k, i] : informers_) i->request_stop();
  for (auto& [k, i] : informers_) i->stop();
}

}  // namespace mk::controllers
