#pragma once
// One shared informer per resource for all controllers, so each resource is listed and
// watched once however many controllers read it.

#include <map>
#include <memory>
#include <string>

#include "client/informer.h"

namespace mk::controllers {

class InformerFactory {
 public:
  explicit InformerFactory(client::ApiClient& client) : client_(client) {}
  client::Informer& get(const client::Resource& r);
  // An informer whose cache keeps only apiVersion, kind and metadata (without managedFields),
  // for controllers that look at nothing else (the garbage collector watches every kind).
  client::Informer& get_metadata(const client::Resource& r);
  void start_all();
  bool wait_synced(int64_t timeout_ms);
  void stop_all();
  client::ApiClient& client() { return client_; }

 private:
  client::ApiClient& client_;
  std::map<std::string, std::unique_ptr<client::Informer>> informers_;
};

}  // namespace mk::controllers
