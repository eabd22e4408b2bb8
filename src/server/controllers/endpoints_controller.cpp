#include "server/controllers/endpoints_controller.h"

#include <nlohmann/json.hpp>

#include <map>
#include <thread>

#include "api/json_path.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "common/log.h"
#include "server/controllers/controller_util.h"
#include "server/controllers/informer_factory.h"
#include "server/controllers/service_endpoints.h"

namespace mk::controllers {
namespace {

using nlohmann::json;

const client::Resource kServices{"", "v1", "services"};
const client::Resource kPods{"", "v1", "pods"};
const client::Resource kEndpoints{"", "v1", "endpoints"};

json ports_json(const std::vector<EndpointPort>& ports) {
  json out = json::array();
  for (const auto& p : ports) {
    json j = {{"port", p.port}, {"protocol", p.protocol}};
    if (!p.name.empty()) j["name"] = p.name;
    if (!p.app_protocol.empty()) j["appProtocol"] = p.app_protocol;
    out.push_back(std::move(j));
  }
  return out;
}

json subsets_of(const std::vector<PodEndpoint>& eps) {
  std::map<std::string, json> by_ports;  // ports (as text) -> subset
  for (const auto& e : eps) {
    if (e.terminating || e.ports.empty()) continue;
    json ports = ports_json(e.ports);
    json& subset = by_ports[ports.dump()];
    if (subset.is_null()) subset = {{"ports", ports}};
    json addr = {{"ip", e.ip},
                 {"targetRef", {{"kind", "Pod"}, {"namespace", e.pod_namespace}, {"name", e.pod_name}, {"uid", e.pod_uid}}}};
    if (!e.node_name.empty()) addr["nodeName"] = e.node_name;
    subset[e.ready ? "addresses" : "notReadyAddresses"].push_back(std::move(addr));
  }
  json out = json::array();
  for (auto& [k, s] : by_ports) out.push_back(std::move(s));
  return out;
}

class EndpointsController final : public Controller {
 public:
  std::string name() const override { return "endpoints"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    services_ = &informers.get(kServices);
    pods_ = &informers.get(kPods);
    endpoints_ = &informers.get(kEndpoints);
    services_->add_handler([this](client::ChangeType, const json& obj, const json*) { queue_.add(ns_name_key(obj)); });
    pods_->add_handler([this](client::ChangeType, const json& obj, const json* old) {
      queue_services_of_pod(*services_, queue_, obj, old);
    });
  }

  void run() override {
    worker_ = run_worker(queue_, "endpoints controller", [this](const std::string& k) { return sync(k); });
  }

  void stop() override {
    queue_.shutdown();
    if (worker_.joinable()) worker_.join();
  }

 private:
  bool sync(const std::string& key) {
    auto [ns, name] = split_key(key);
    auto svc = services_->get(ns, name);
    if (!svc) {
      auto r = client_->remove(kEndpoints, ns, name, json::object());
      return r || r.not_found();
    }
    if (!has_selector(*svc)) return true;  // endpoints of selector-less services are the user's
    json subsets = subsets_of(service_endpoints(*svc, *pods_));
    json labels = json::object();
    if (const json* l = api::find_path(*svc, "metadata.labels"); l && l->is_object()) labels = *l;
    auto current = endpoints_->get(ns, name);
    if (!current) {
      json ep = {{"apiVersion", "v1"},
                 {"kind", "Endpoints"},
                 {"metadata", {{"name", name}, {"namespace", ns}}},
                 {"subsets", subsets}};
      if (!labels.empty()) ep["metadata"]["labels"] = labels;
      auto r = client_->create(kEndpoints, ns, ep);
      if (r || r.conflict()) return r ? true : false;
      MK_LOG(warn) << "endpoints " << key << ": " << r.error().message;
      return false;
    }
    json have = current->value("subsets", json::array());
    if (have == subsets) return true;
    json next = *current;
    next["subsets"] = subsets;
    auto r = client_->update(kEndpoints, ns, next);
    if (!r) {
      if (!r.conflict()) MK_LOG(warn) << "endpoints " << key << ": " << r.error().message;
      return false;
    }
    return true;
  }

  client::ApiClient* client_ = nullptr;
  client::Informer* services_ = nullptr;
  client::Informer* pods_ = nullptr;
  client::Informer* endpoints_ = nullptr;
  client::WorkQueue queue_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Controller> make_endpoints_controller() { return std::make_unique<EndpointsController>(); }

}  // namespace mk::controllers
