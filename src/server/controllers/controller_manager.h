#pragma once
// The controller manager: the server's controllers, sharing one client and one set of informer
// caches, started after the API server serves and stopped before it goes.

#include <memory>
#include <string>
#include <vector>

#include "server/controllers/controller.h"
#include "server/controllers/informer_factory.h"

namespace mk::controllers {

class ControllerManager {
 public:
  explicit ControllerManager(client::ApiClient& client);
  ~ControllerManager();
  void add(std::unique_ptr<Controller> c);
  // Sets up every controller, starts the informers, waits for their first lists, starts workers.
  bool start(int64_t sync_timeout_ms);
  void stop();

 private:
  InformerFactory informers_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  bool running_ = false;
};

// What the controllers need to know of the server's settings.
struct ControllerOptions {
  std::string cluster_cidr = "10.42.0.0/16";
  bool servicelb = true;  // k3s's `--disable servicelb` turns it off
  // The CA of the API server's certificate, published as kube-root-ca.crt (empty: not published).
  std::string root_ca_pem;
  // The server's data dir: local-path volumes go under <data_dir>/storage on nodes that do not
  // announce their own (empty: no local-path provisioner).
  std::string data_dir;
};

// Every controller the server runs.
void add_default_controllers(ControllerManager& manager, const ControllerOptions& options = {});

}  // namespace mk::controllers
