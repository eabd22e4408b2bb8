#include "server/controllers/service_endpoints.h"

#include <algorithm>

#include "api/json_path.h"
#include "api/label_selector.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "server/controllers/controller_util.h"

namespace mk::controllers {

using nlohmann::json;

bool has_selector(const json& service) {
  const json* s = api::find_path(service, "spec.selector");
  return s && s->is_object() && !s->empty();
}

std::vector<EndpointPort> resolve_ports(const json& service, const json& pod) {
  std::vector<EndpointPort> out;
  const json* ports = api::find_path(service, "spec.ports");
  if (!ports || !ports->is_array()) return out;
  for (const auto& sp : *ports) {
    EndpointPort p;
    p.name = sp.value("name", "");
    p.protocol = sp.value("protocol", "TCP");
    p.app_protocol = sp.value("appProtocol", "");
    const json target = sp.contains("targetPort") ? sp["targetPort"] : sp.value("port", json());
    if (target.is_number_integer()) {
      p.port = target.get<int64_t>();
    } else if (target.is_string()) {
      const std::string want = target.get<std::string>();
      if (const json* cs = api::find_path(pod, "spec.containers"); cs && cs->is_array())
        for (const auto& c : *cs)
          if (const json* cp = api::find_path(c, "ports"); cp && cp->is_array())
            for (const auto& port : *cp)
              if (port.value("name", "") == want && port.value("protocol", "TCP") == p.protocol)
                p.port = port.value("containerPort", 0);
      if (p.port == 0) continue;
    } else {
      continue;
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<PodEndpoint> service_endpoints(const json& service, const client::Informer& pods) {
  std::vector<PodEndpoint> out;
  if (!has_selector(service)) return out;
  auto selector = api::LabelSelector::from_map(service["spec"]["selector"]);
  if (!selector) return out;
  const bool publish_not_ready = api::find_path(service, "spec.publishNotReadyAddresses") &&
                                 service["spec"]["publishNotReadyAddresses"] == true;
  for (const auto& pod : pods.list(api::string_at(service, "metadata.namespace"))) {
    const json* l = api::find_path(pod, "metadata.labels");
    if (!selector->matches(l ? *l : json())) continue;
    std::string ip = api::string_at(pod, "status.podIP");
    std::string phase = api::string_at(pod, "status.phase");
    if (ip.empty() || phase == "Succeeded" || phase == "Failed") continue;
    PodEndpoint e;
    e.ip = ip;
    e.node_name = api::string_at(pod, "spec.nodeName");
    e.pod_name = api::string_at(pod, "metadata.name");
    e.pod_namespace = api::string_at(pod, "metadata.namespace");
    e.pod_uid = api::string_at(pod, "metadata.uid");
    e.terminating = api::find_path(pod, "metadata.deletionTimestamp") != nullptr;
    e.ready = (pod_ready(pod) && !e.terminating) || publish_not_ready;
    e.ports = resolve_ports(service, pod);
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const PodEndpoint& a, const PodEndpoint& b) { return a.ip < b.ip; });
  return out;
}

std::vector<std::string> services_selecting(const client::Informer& services, const std::string& ns, const json& labels) {
  std::vector<std::string> out;
  for (const auto& svc : services.list(ns)) {
    if (!has_selector(svc)) continue;
    auto selector = api::LabelSelector::from_map(svc["spec"]["selector"]);
    if (selector && selector->matches(labels)) out.push_back(ns_name_key(svc));
  }
  return out;
}

void queue_services_of_pod(const client::Informer& services, client::WorkQueue& queue, const json& pod, const json* old) {
  const std::string ns = api::string_at(pod, "metadata.namespace");
  for (const json* p : {&pod, old}) {
    if (!p) continue;
    const json* l = api::find_path(*p, "metadata.labels");
    for (const auto& k : services_selecting(services, ns, l ? *l : json())) queue.add(k);
  }
}

}  // namespace mk::controllers
