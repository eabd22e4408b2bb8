#include "server/controllers/informer_factory.h"

namespace mk::controllers {

client::Informer& InformerFactory::get(const client::Resource& r) {
  std::string key = r.group + "/" + r.version + "/" + r.plural;
  auto& slot = informers_[key];
  if (!slot) slot = std::make_unique<client::Informer>(client_, r);
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
  for (auto& [k, i] : informers_) i->stop();
}

}  // namespace mk::controllers
