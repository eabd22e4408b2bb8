#include "server/cluster_settings.h"

#include <nlohmann/json.hpp>

#include "api/cluster_settings.h"
#include "client/client.h"
#include "common/log.h"
#include "server/config.h"

namespace mk::server {

using nlohmann::json;

namespace {

const client::Resource kConfigMaps{"", "v1", "configmaps"};
const client::Resource kServices{"", "v1", "services"};

json kube_dns_service(const std::string& cluster_ip) {
  return json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata",
               {{"name", "kube-dns"},
                {"namespace", "kube-system"},
                {"labels",
                 {{"k8s-app", "kube-dns"}, {"kubernetes.io/cluster-service", "true"}, {"kubernetes.io/name", "CoreDNS"}}}}},
              {"spec",
               {{"type", "ClusterIP"},
                {"selector", {{"k8s-app", "kube-dns"}}},
                {"clusterIP", cluster_ip},
                {"ports",
                 {{{"name", "dns"}, {"port", 53}, {"protocol", "UDP"}, {"targetPort", 53}},
                  {{"name", "dns-tcp"}, {"port", 53}, {"protocol", "TCP"}, {"targetPort", 53}},
                  {{"name", "metrics"}, {"port", 9153}, {"protocol", "TCP"}, {"targetPort", 9153}}}}}}};
}

}  // namespace

Status publish_cluster_settings(client::ApiClient& client, const ServerConfig& config) {
  api::ClusterSettings settings;
  settings.cluster_cidr = config.cluster_cidr;
  settings.service_cidr = config.service_cidr;
  settings.cluster_dns = config.cluster_dns;
  settings.cluster_domain = config.cluster_domain;
  json wanted = api::cluster_settings_configmap(settings);

  auto current = client.get(kConfigMaps, api::kClusterSettingsNamespace, api::kClusterSettingsName);
  if (current) {
    if (api::cluster_settings_from_configmap(*current) != settings || !current->contains("data") ||
        (*current)["data"] != wanted["data"]) {
      json updated = *current;
      updated["data"] = wanted["data"];
      auto put = client.update(kConfigMaps, api::kClusterSettingsNamespace, updated);
      if (!put) return make_error(Errc::internal, "update ConfigMap kube-system/minikube-cluster: " + put.error().message);
      MK_LOG(info) << "server: updated ConfigMap kube-system/minikube-cluster";
    }
  } else if (current.not_found()) {
    auto created = client.create(kConfigMaps, api::kClusterSettingsNamespace, wanted);
    if (!created && !created.conflict())
      return make_error(Errc::internal, "create ConfigMap kube-system/minikube-cluster: " + created.error().message);
  } else {
    return make_error(Errc::internal, "read ConfigMap kube-system/minikube-cluster: " + current.error().message);
  }

  auto dns = client.get(kServices, "kube-system", "kube-dns");
  if (dns) {
    std::string ip = dns->value("/spec/clusterIP"_json_pointer, std::string());
    if (ip != config.cluster_dns)
      MK_LOG(warn) << "server: Service kube-system/kube-dns has cluster IP " << ip << ", not --cluster-dns "
                   << config.cluster_dns << "; delete it to have it made again";
    return Status::ok();
  }
  if (!dns.not_found()) return make_error(Errc::internal, "read Service kube-system/kube-dns: " + dns.error().message);
  auto created = client.create(kServices, "kube-system", kube_dns_service(config.cluster_dns));
  if (!created && !created.conflict())
    return make_error(Errc::internal, "create Service kube-system/kube-dns: " + created.error().message);
  return Status::ok();
}

}  // namespace mk::server
