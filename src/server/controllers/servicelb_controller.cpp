#include "server/controllers/servicelb_controller.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
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

const client::Resource kServices{"", "v1", "services"};
const client::Resource kNodes{"", "v1", "nodes"};
const client::Resource kSlices{"discovery.k8s.io", "v1", "endpointslices"};
const char kEnableLb[] = "svccontroller.k3s.cattle.io/enablelb";
const char kLbPool[] = "svccontroller.k3s.cattle.io/lbpool";

std::string label(const json& obj, const char* key) {
  const json* labels = api::find_path(obj, "metadata.labels");
  if (!labels || !labels->is_object()) return "";
  auto it = labels->find(key);
  return it != labels->end() && it->is_string() ? it->get<std::string>() : "";
}

bool has_label(const json& obj, const char* key) {
  const json* labels = api::find_path(obj, "metadata.labels");
  return labels && labels->is_object() && labels->contains(key);
}

bool node_ready(const json& node) {
  const json* conditions = api::find_path(node, "status.conditions");
  if (!conditions || !conditions->is_array()) return false;
  for (const auto& c : *conditions) {
    if (api::string_at(c, "type") == "Ready") return api::string_at(c, "status") == "True";
  }
  return false;
}

bool served(const json& svc) {
  return api::string_at(svc, "spec.type") == "LoadBalancer" && api::string_at(svc, "spec.loadBalancerClass").empty();
}

std::string family_of(const std::string& ip) { return ip.find(':') != std::string::npos ? "IPv6" : "IPv4"; }

}  // namespace

json servicelb_ingress(const json& svc, const std::vector<json>& nodes, const std::vector<json>& slices) {
  json out = json::array();
  if (!served(svc)) return out;
  std::set<std::string> families;
  if (const json* f = api::find_path(svc, "spec.ipFamilies"); f && f->is_array()) {
    for (const auto& v : *f)
      if (v.is_string()) families.insert(v.get<std::string>());
  }
  if (families.empty()) families.insert("IPv4");

  bool any_enablelb = std::any_of(nodes.begin(), nodes.end(), [](const json& n) { return has_label(n, kEnableLb); });
  std::string pool = label(svc, kLbPool);
  std::set<std::string> local_nodes;
  bool local = api::string_at(svc, "spec.externalTrafficPolicy") == "Local";
  if (local) {
    for (const auto& s : slices) {
      const json* eps = api::find_path(s, "endpoints");
      if (!eps || !eps->is_array()) continue;
      for (const auto& e : *eps) {
        const json* ready = api::find_path(e, "conditions.ready");
        if (ready && ready->is_boolean() && !ready->get<bool>()) continue;
        std::string node = api::string_at(e, "nodeName");
        if (!node.empty()) local_nodes.insert(node);
      }
    }
  }

  std::vector<std::string> internal, external;
  for (const auto& n : nodes) {
    if (!node_ready(n)) continue;
    if (any_enablelb && label(n, kEnableLb) != "true") continue;
    if (!pool.empty() && label(n, kLbPool) != pool) continue;
    if (local && !local_nodes.count(api::string_at(n, "metadata.name"))) continue;
    const json* addresses = api::find_path(n, "status.addresses");
    if (!addresses || !addresses->is_array()) continue;
    for (const auto& a : *addresses) {
      std::string ip = api::string_at(a, "address");
      if (ip.empty() || !families.count(family_of(ip))) continue;
      std::string type = api::string_at(a, "type");
      if (type == "ExternalIP") external.push_back(ip);
      else if (type == "InternalIP") internal.push_back(ip);
    }
  }
  auto& chosen = external.empty() ? internal : external;
  std::sort(chosen.begin(), chosen.end());
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  for (const auto& ip : chosen) out.push_back({{"ip", ip}, {"ipMode", "VIP"}});
  return out;
}

namespace {

class ServiceLbController final : public Controller {
 public:
  std::string name() const override { return "servicelb"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    services_ = &informers.get(kServices);
    nodes_ = &informers.get(kNodes);
    slices_ = &informers.get(kSlices);
    services_->add_handler([this](client::ChangeType type, const json& obj, const json*) {
      if (type != client::ChangeType::deleted) queue_.add(ns_name_key(obj));
    });
    // Any node change may change every LoadBalancer's addresses.
    nodes_->add_handler([this](client::ChangeType, const json&, const json*) { queue_all(); });
    slices_->add_handler([this](client::ChangeType, const json& obj, const json*) {
      std::string svc = label(obj, "kubernetes.io/service-name");
      if (!svc.empty()) queue_.add(api::string_at(obj, "metadata.namespace") + "/" + svc);
    });
  }

  void run() override {
    worker_ = run_worker(queue_, "servicelb controller", [this](const std::string& k) { return sync(k); });
  }

  void stop() override {
    queue_.shutdown();
    if (worker_.joinable()) worker_.join();
  }

 private:
  void queue_all() {
    services_->for_each([this](const json& svc) {
      if (served(svc)) queue_.add(ns_name_key(svc));
    });
  }

  bool sync(const std::string& key) {
    auto [ns, name] = split_key(key);
    auto svc = services_->get(ns, name);
    if (!svc) return true;
    json current = json::array();
    if (const json* ing = api::find_path(*svc, "status.loadBalancer.ingress"); ing && ing->is_array()) current = *ing;
    json want;
    if (served(*svc)) {
      std::vector<json> slices;
      slices_->for_each([&](const json& s) {
        if (api::string_at(s, "metadata.namespace") == ns && label(s, "kubernetes.io/service-name") == name)
          slices.push_back(s);
      });
      want = servicelb_ingress(*svc, nodes_->list(), slices);
    } else if (api::string_at(*svc, "spec.loadBalancerClass").empty() && !current.empty() &&
               api::string_at(*svc, "spec.type") != "LoadBalancer") {
      want = json::array();  // no longer a LoadBalancer: its addresses go
    } else {
      return true;
    }
    if (want == current) return true;
    json updated = *svc;
    updated["status"]["loadBalancer"] = want.empty() ? json::object() : json{{"ingress", want}};
    auto r = client_->update(kServices, ns, updated, "status");
    if (r || r.not_found()) return true;
    if (!r.conflict()) MK_LOG(warn) << "servicelb controller: " << key << ": " << r.error().message;
    return false;
  }

  client::ApiClient* client_ = nullptr;
  client::Informer* services_ = nullptr;
  client::Informer* nodes_ = nullptr;
  client::Informer* slices_ = nullptr;
  client::WorkQueue queue_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Controller> make_servicelb_controller() { return std::make_unique<ServiceLbController>(); }

}  // namespace mk::controllers
