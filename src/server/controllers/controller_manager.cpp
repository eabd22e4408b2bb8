#include "server/controllers/controller_manager.h"

#include "common/log.h"
#include "server/controllers/deployment_controller.h"
#include "server/controllers/endpoints_controller.h"
#include "server/controllers/event_ttl_controller.h"
#include "server/controllers/garbage_collector.h"
#include "server/controllers/local_path_provisioner.h"
#include "server/controllers/namespace_controller.h"
#include "server/controllers/node_ipam_controller.h"
#include "server/controllers/node_lifecycle_controller.h"
#include "server/controllers/replicaset_controller.h"
#include "server/controllers/root_ca_publisher.h"
#include "server/controllers/serviceaccount_controller.h"
#include "server/controllers/servicelb_controller.h"

namespace mk::controllers {

ControllerManager::ControllerManager(client::ApiClient& client) : informers_(client) {}

ControllerManager::~ControllerManager() { stop(); }

void ControllerManager::add(std::unique_ptr<Controller> c) { controllers_.push_back(std::move(c)); }

bool ControllerManager::start(int64_t sync_timeout_ms) {
  for (auto& c : controllers_) c->setup(informers_);
  informers_.start_all();
  if (!informers_.wait_synced(sync_timeout_ms)) {
    MK_LOG(error) << "controller manager: caches did not sync";
    return false;
  }
  for (auto& c : controllers_) {
    c->run();
    MK_LOG(debug) << "controller manager: started " << c->name();
  }
  running_ = true;
  return true;
}

void ControllerManager::stop() {
  if (!running_) return;
  running_ = false;
  for (auto& c : controllers_) c->stop();
  informers_.stop_all();
}

void add_default_controllers(ControllerManager& manager, const ControllerOptions& options) {
  manager.add(make_namespace_controller());
  manager.add(make_garbage_collector());
  manager.add(make_node_ipam_controller(options.cluster_cidr));
  manager.add(make_serviceaccount_controller());
  manager.add(make_replicaset_controller());
  manager.add(make_deployment_controller());
  manager.add(make_endpoints_controller());
  manager.add(make_endpointslice_controller());
  manager.add(make_event_ttl_controller());
  manager.add(make_node_lifecycle_controller());
  if (options.servicelb) manager.add(make_servicelb_controller());
  if (!options.root_ca_pem.empty()) manager.add(make_root_ca_publisher(options.root_ca_pem));
  if (!options.data_dir.empty()) manager.add(make_local_path_provisioner(options.data_dir + "/storage"));
}

}  // namespace mk::controllers
