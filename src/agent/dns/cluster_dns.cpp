#include "agent/dns/cluster_dns.h"

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/dns/dns_link.h"
#include "agent/dns/resolv_conf.h"
#include "agent/dns/resolver.h"
#include "agent/dns/server.h"
#include "client/informer.h"
#include "common/log.h"

namespace mk::agent::dns {

using nlohmann::json;

namespace {

// Only what the records need stays in the informers' caches.
json keep(const json& obj, std::initializer_list<const char*> keys) {
  json out = json::object();
  for (const char* k : keys)
    if (auto it = obj.find(k); it != obj.end()) out[k] = *it;
  return out;
}

json slim_metadata(const json& obj) {
  json meta = keep(obj.value("metadata", json::object()), {"name", "namespace", "resourceVersion", "uid"});
  const json& labels = obj.value("/metadata/labels"_json_pointer, json::object());
  if (labels.is_object() && labels.contains("kubernetes.io/service-name"))
    meta["labels"] = {{"kubernetes.io/service-name", labels["kubernetes.io/service-name"]}};
  return meta;
}

json slim_service(const json& svc) {
  json out = keep(svc, {"apiVersion", "kind"});
  out["metadata"] = slim_metadata(svc);
  out["spec"] = keep(svc.value("spec", json::object()), {"type", "clusterIP", "clusterIPs", "externalName", "ports"});
  return out;
}

json slim_slice(const json& slice) {
  json out = keep(slice, {"apiVersion", "kind", "addressType", "ports"});
  out["metadata"] = slim_metadata(slice);
  json endpoints = json::array();
  for (const auto& e : slice.value("endpoints", json::array())) endpoints.push_back(keep(e, {"addresses", "hostname", "conditions"}));
  out["endpoints"] = std::move(endpoints);
  return out;
}

std::vector<Upstream> host_upstreams(const std::string& resolv_conf, const std::string& cluster_dns) {
  std::vector<Upstream> out;
  for (const auto& ns : host_resolv_conf(resolv_conf).nameservers) {
    if (ns == cluster_dns) continue;  // never forward to ourselves
    out.push_back({ns, 53});
  }
  return out;
}

}  // namespace

struct ClusterDns::Impl {
  Impl(ZoneSettings zone, std::vector<Upstream> upstreams, std::chrono::milliseconds timeout)
      : records(std::move(zone)), resolver(records), forwarder(std::move(upstreams), timeout) {}
  ClusterRecords records;
  Resolver resolver;
  Forwarder forwarder;
  std::unique_ptr<DnsLink> link;
  std::unique_ptr<client::Informer> services, slices;
  std::unique_ptr<Server> server;
  std::string address;
  std::atomic<bool> stopping{false};
  std::thread sync_waiter;
  ~Impl() {
    stopping = true;
    if (sync_waiter.joinable()) sync_waiter.join();
  }
};

ClusterDns::ClusterDns(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ClusterDns::~ClusterDns() {
  if (!impl_) return;
  impl_->stopping = true;
  if (impl_->sync_waiter.joinable()) impl_->sync_waiter.join();
  if (impl_->server) impl_->server->stop();
  if (impl_->services) impl_->services->stop();
  if (impl_->slices) impl_->slices->stop();
}

uint16_t ClusterDns::port() const { return impl_->server->port(); }
uint16_t ClusterDns::metrics_port() const { return impl_->server->metrics_port(); }
const std::string& ClusterDns::address() const { return impl_->address; }

Result<std::unique_ptr<ClusterDns>> ClusterDns::start(client::ApiClient& client, const ClusterDnsConfig& config) {
  ZoneSettings zone;
  zone.domain = config.cluster_domain;
  zone.dns_ip = config.cluster_dns;
  std::vector<Upstream> upstreams =
      config.upstreams.empty() ? host_upstreams(config.resolv_conf, config.cluster_dns) : config.upstreams;
  if (upstreams.empty()) MK_LOG(warn) << "dns: no upstream nameservers on this host; names outside the cluster will fail";
  auto impl = std::make_unique<Impl>(zone, upstreams, config.forward_timeout);
  impl->address = config.listen_address.empty() ? config.cluster_dns : config.listen_address;

  // The address and the sockets first: when they fail (no CAP_NET_ADMIN, the port taken by
  // another agent on this machine) nothing else has started.
  if (config.listen_address.empty()) {
    auto link = DnsLink::create(config.node_name, config.data_dir, config.cluster_dns);
    if (!link) return link.error().wrap("cluster DNS address " + config.cluster_dns);
    impl->link = std::move(*link);
  }
  impl->resolver.set_ready(false);
  ServerOptions options;
  options.address = impl->address;
  options.port = config.port;
  options.metrics_port = config.metrics_port;
  auto server = Server::start(options, impl->resolver, impl->forwarder);
  if (!server) return server.error();
  impl->server = std::move(*server);

  ClusterRecords& records = impl->records;
  impl->services = std::make_unique<client::Informer>(client, client::Resource{"", "v1", "services"});
  impl->services->set_transform(slim_service);
  impl->services->add_handler([&records](client::ChangeType type, const json& obj, const json*) {
    if (type == client::ChangeType::deleted) records.remove_service(obj);
    else records.set_service(obj);
  });
  impl->slices = std::make_unique<client::Informer>(client, client::Resource{"discovery.k8s.io", "v1", "endpointslices"});
  impl->slices->set_transform(slim_slice);
  impl->slices->add_handler([&records](client::ChangeType type, const json& obj, const json*) {
    if (type == client::ChangeType::deleted) records.remove_endpoint_slice(obj);
    else records.set_endpoint_slice(obj);
  });
  impl->services->start();
  impl->slices->start();
  if (impl->services->wait_synced(config.sync_timeout_ms) && impl->slices->wait_synced(config.sync_timeout_ms)) {
    impl->resolver.set_ready(true);
  } else {
    // Keep answering SERVFAIL for the zone until both have listed; a thread of its own waits.
    MK_LOG(warn) << "dns: services or endpoint slices not listed yet; the zone answers SERVFAIL until they are";
    Impl* p = impl.get();
    impl->sync_waiter = std::thread([p] {
      while (!p->stopping && !(p->services->synced() && p->slices->synced()))
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      p->resolver.set_ready(true);
    });
  }
  std::string upstream_text;
  for (const auto& u : upstreams) upstream_text += (upstream_text.empty() ? "" : ",") + u.address + ":" + std::to_string(u.port);
  MK_LOG(info) << "dns: serving " << zone.domain << " on " << impl->address << ":" << impl->server->port()
               << " (udp, tcp); " << records.service_count() << " services; forwarding to "
               << (upstream_text.empty() ? "nobody" : upstream_text);
  return std::unique_ptr<ClusterDns>(new ClusterDns(std::move(impl)));
}

}  // namespace mk::agent::dns
