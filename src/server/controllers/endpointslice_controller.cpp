#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <thread>

#include "api/json_path.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "common/log.h"
#include "server/controllers/controller_util.h"
#include "server/controllers/endpoints_controller.h"
#include "server/controllers/informer_factory.h"
#include "server/controllers/service_endpoints.h"

namespace mk::controllers {
namespace {

using nlohmann::json;

const client::Resource kServices{"", "v1", "services"};
const client::Resource kPods{"", "v1", "pods"};
const client::Resource kSlices{"discovery.k8s.io", "v1", "endpointslices"};
constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";
constexpr const char* kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
constexpr const char* kManagedBy = "endpointslice-controller.k8s.io";

// One slice per set of ports: endpoints and ports as the slice carries them.
std::map<std::string, json> desired_slices(const std::vector<PodEndpoint>& eps) {
  std::map<std::string, json> out;
  for (const auto& e : eps) {
    json ports = json::array();
    for (const auto& p : e.ports) {
      json j = {{"name", p.name}, {"port", p.port}, {"protocol", p.protocol}};
      if (!p.app_protocol.empty()) j["appProtocol"] = p.app_protocol;
      ports.push_back(std::move(j));
    }
    json& slice = out[ports.dump()];
    if (slice.is_null()) slice = {{"ports", ports}, {"endpoints", json::array()}};
    json ep = {{"addresses", json::array({e.ip})},
               {"conditions", {{"ready", e.ready}, {"serving", e.ready || e.terminating}, {"terminating", e.terminating}}},
               {"targetRef", {{"kind", "Pod"}, {"namespace", e.pod_namespace}, {"name", e.pod_name}, {"uid", e.pod_uid}}}};
    if (!e.node_name.empty()) ep["nodeName"] = e.node_name;
    slice["endpoints"].push_back(std::move(ep));
  }
  return out;
}

class EndpointSliceController final : public Controller {
 public:
  std::string name() const override { return "endpointslice"; }

  void setup(InformerFactory& informers) override {
    client_ = &informers.client();
    services_ = &informers.get(kServices);
    pods_ = &informers.get(kPods);
    services_->add_handler([this](client::ChangeType, const json& obj, const json*) { queue_.add(ns_name_key(obj)); });
    pods_->add_handler([this](client::ChangeType, const json& obj, const json* old) {
      queue_services_of_pod(*services_, queue_, obj, old);
    });
  }

  void run() override {
    worker_ = run_worker(queue_, "endpointslice controller", [this](const std::string& k) { return sync(k); });
  }

  void stop() override {
    queue_.shutdown();
    if (worker_.joinable()) worker_.join();
  }

 private:
  bool sync(const std::string& key) {
    auto [ns, name] = split_key(key);
    auto svc = services_->get(ns, name);
    if (!svc || !has_selector(*svc)) return true;  // owned slices go with the service (garbage collector)
    auto want = desired_slices(service_endpoints(*svc, *pods_));
    // Listed rather than read from a cache: a slice created a moment ago must not be made twice.
    client::ListOptions opts;
    opts.label_selector = std::string(kServiceNameLabel) + "=" + name + "," + kManagedByLabel + "=" + kManagedBy;
    auto listed = client_->list(kSlices, ns, opts);
    if (!listed) return false;
    std::vector<json> have;
    for (auto& s : (*listed)["items"]) have.push_back(std::move(s));
    bool ok = true;
    std::set<std::string> kept;
    for (auto& [ports_key, body] : want) {
      // Reuse a slice with the same ports, else create one.
      json* match = nullptr;
      for (auto& h : have)
        if (!kept.count(api::string_at(h, "metadata.name")) && h.value("ports", json::array()).dump() == body["ports"].dump()) {
          match = &h;
          break;
        }
      if (match) {
        kept.insert(api::string_at(*match, "metadata.name"));
        if (match->value("endpoints", json::array()) == body["endpoints"]) continue;
        json next = *match;
        next["endpoints"] = body["endpoints"];
        auto r = client_->update(kSlices, ns, next);
        if (!r) ok = false;
        continue;
      }
      json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                    {"kind", "EndpointSlice"},
                    {"metadata",
                     {{"generateName", name + "-"},
                      {"namespace", ns},
                      {"labels", {{kServiceNameLabel, name}, {kManagedByLabel, kManagedBy}}},
                      {"ownerReferences", json::array({make_controller_ref(*svc, "v1", "Service")})}}},
                    {"addressType", "IPv4"},
                    {"endpoints", body["endpoints"]},
                    {"ports", body["ports"]}};
      auto r = client_->create(kSlices, ns, slice);
      if (!r) {
        MK_LOG(warn) << "endpointslice " << key << ": " << r.error().message;
        ok = false;
      } else {
        kept.insert(api::string_at(*r, "metadata.name"));
      }
    }
    if (want.empty() && !have.empty()) {
      // A service with no endpoints keeps one empty slice, as upstream does.
      kept.insert(api::string_at(have.front(), "metadata.name"));
      if (!have.front().value("endpoints", json::array()).empty()) {
        json next = have.front();
        next["endpoints"] = json::array();
        if (!client_->update(kSlices, ns, next)) ok = false;
      }
    } else if (want.empty() && have.empty()) {
      json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                    {"kind", "EndpointSlice"},
                    {"metadata",
                     {{"generateName", name + "-"},
                      {"namespace", ns},
                      {"labels", {{kServiceNameLabel, name}, {kManagedByLabel, kManagedBy}}},
                      {"ownerReferences", json::array({make_controller_ref(*svc, "v1", "Service")})}}},
                    {"addressType", "IPv4"},
                    {"endpoints", json::array()},
                    {"ports", json::array()}};
      if (!client_->create(kSlices, ns, slice)) ok = false;
      return ok;
    }
    for (const auto& h : have) {
      std::string n = api::string_at(h, "metadata.name");
      if (kept.count(n)) continue;
      auto r = client_->remove(kSlices, ns, n, json::object());
      if (!r && !r.not_found()) ok = false;
    }
    return ok;
  }

  client::ApiClient* client_ = nullptr;
  client::Informer* services_ = nullptr;
  client::Informer* pods_ = nullptr;
  client::WorkQueue queue_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<Controller> make_endpointslice_controller() { return std::make_unique<EndpointSliceController>(); }

}  // namespace mk::controllers
