#include "server/apiserver/bootstrap.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "server/apiserver/registry.h"

namespace mk::apiserver {

using nlohmann::json;

namespace {

Status ensure(Registry& registry, const char* kind_name, const std::string& ns, json obj, const char* group = "",
              const char* version = "v1") {
  const api::KindInfo* kind = registry.context().kinds.by_kind(group, version, kind_name);
  if (kind == nullptr) return make_error(Errc::internal, std::string("no kind ") + kind_name);
  std::string name = obj["metadata"]["name"];
  auto existing = registry.get(*kind, ns, name);
  if (existing) return Status::ok();
  if (existing.error().code != 404) return make_error(Errc::internal, existing.error().message);
  WriteOptions opts;
  opts.user = User{"system:apiserver", {"system:masters"}};
  auto created = registry.create(*kind, ns, std::move(obj), opts);
  if (!created && created.error().code != 409) return make_error(Errc::internal, created.error().message);
  MK_LOG(debug) << "apiserver: created " << kind_name << " " << (ns.empty() ? "" : ns + "/") << name;
  return Status::ok();
}

// The first usable address of a CIDR: 10.43.0.0/16 -> 10.43.0.1.
std::string first_ip(const std::string& cidr) {
  in_addr a{};
  if (inet_pton(AF_INET, cidr.substr(0, cidr.find('/')).c_str(), &a) != 1) return "10.43.0.1";
  a.s_addr = htonl(ntohl(a.s_addr) + 1);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

}  // namespace

Status bootstrap_cluster_objects(Registry& registry, const std::string& address, int port) {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    if (auto s = ensure(registry, "Namespace", "", json{{"metadata", {{"name", ns}}}}); !s) return s;
  }
  std::string ip = first_ip(registry.context().service_cidr);
  json svc = {{"metadata", {{"name", "kubernetes"}, {"labels", {{"component", "apiserver"}, {"provider", "kubernetes"}}}}},
              {"spec",
               {{"type", "ClusterIP"},
                {"clusterIP", ip},
                {"ports", {{{"name", "https"}, {"port", 443}, {"protocol", "TCP"}, {"targetPort", port}}}}}}};
  if (auto s = ensure(registry, "Service", "default", svc); !s) return s;
  json ep = {{"metadata", {{"name", "kubernetes"}, {"labels", {{"endpointslice.kubernetes.io/skip-mirror", "true"}}}}},
             {"subsets", {{{"addresses", {{{"ip", address}}}}, {"ports", {{{"name", "https"}, {"port", port}, {"protocol", "TCP"}}}}}}}};
  if (auto s = ensure(registry, "Endpoints", "default", ep); !s) return s;
  // Service proxies read EndpointSlices; upstream's API server writes this one itself, as the
  // Endpoints carry the skip-mirror label.
  json slice = {{"metadata", {{"name", "kubernetes"}, {"labels", {{"kubernetes.io/service-name", "kubernetes"}}}}},
                {"addressType", address.find(':') == std::string::npos ? "IPv4" : "IPv6"},
                {"endpoints", {{{"addresses", {address}}, {"conditions", {{"ready", true}}}}}},
                {"ports", {{{"name", "https"}, {"port", port}, {"protocol", "TCP"}}}}};
  return ensure(registry, "EndpointSlice", "default", slice, "discovery.k8s.io", "v1");
}

}  // namespace mk::apiserver
