#include "agent/proxy/proxier.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/nftables/sync_thread.h"
#include "agent/proxy/service_table.h"
#include "client/informer.h"
#include "common/log.h"

namespace mk::agent::proxy {
namespace {

using nlohmann::json;
using client::ChangeType;

const client::Resource kServices{"", "v1", "services"};
const client::Resource kSlices{"discovery.k8s.io", "v1", "endpointslices"};
const client::Resource kConfigMaps{"", "v1", "configmaps"};

enum class Kind { service, slice, settings };

struct Event {
  Kind kind;
  ChangeType type;
  json object;
};

client::WatchOptions cluster_selector() {
  client::WatchOptions o;
  o.field_selector = std::string("metadata.name=") + api::kClusterSettingsName;
  return o;
}

ProxySettings settings_of(const std::string& node, const api::ClusterSettings& net) {
  ProxySettings s;
  s.node_name = node;
  s.cluster_cidr = net.cluster_cidr;
  s.cluster_dns = net.cluster_dns;
  return s;
}

}  // namespace

struct ServiceProxy::Impl {
  Impl(client::ApiClient& c, ProxyConfig cfg)
      : config(std::move(cfg)),
        table(settings_of(config.node_name, config.network)),
        services(c, kServices),
        slices(c, kSlices),
        cluster(c, kConfigMaps, api::kClusterSettingsNamespace, cluster_selector()),
        rules("proxy", config.netns_fd, [this](nftables::Nft& nft) { return step(nft); }) {}

  void push(Kind kind, ChangeType type, const json& obj) {
    {
      std::lock_guard lock(mu);
      events.push_back({kind, type, obj});
    }
    // Nothing is programmed before the first lists are in: the first sync then writes the whole
    // table in one transaction.
    if (started) rules.kick();
  }

  std::optional<nftables::SyncThread::Clock::time_point> step(nftables::Nft& nft) {
    std::vector<Event> batch;
    {
      std::lock_guard lock(mu);
      batch.swap(events);
    }
    for (auto& e : batch) {
      switch (e.kind) {
        case Kind::service:
          if (e.type == ChangeType::deleted) table.delete_service(e.object);
          else table.upsert_service(e.object);
          break;
        case Kind::slice:
          if (e.type == ChangeType::deleted) table.delete_slice(e.object);
          else table.upsert_slice(e.object);
          break;
        case Kind::settings: {
          api::ClusterSettings net =
              e.type == ChangeType::deleted ? config.network : api::cluster_settings_from_configmap(e.object);
          table.set_settings(settings_of(config.node_name, net));
          break;
        }
      }
    }
    if (!started) return std::nullopt;
    return table.sync(nft);
  }

  ProxyConfig config;
  ServiceTable table;
  client::Informer services, slices, cluster;
  std::mutex mu;
  std::vector<Event> events;
  std::atomic<bool> started{false}, stopping{false};
  nftables::SyncThread rules;
  std::thread waiter;
};

ServiceProxy::ServiceProxy(client::ApiClient& client, ProxyConfig config)
    : impl_(std::make_unique<Impl>(client, std::move(config))) {}

ServiceProxy::~ServiceProxy() { stop(); }

const std::string& ServiceProxy::table() const { return impl_->table.table(); }

Status ServiceProxy::start() {
  Impl* impl = impl_.get();
  auto handler = [impl](Kind kind) {
    return [impl, kind](ChangeType type, const json& obj, const json*) { impl->push(kind, type, obj); };
  };
  impl->services.add_handler(handler(Kind::service));
  impl->slices.add_handler(handler(Kind::slice));
  impl->cluster.add_handler(handler(Kind::settings));
  if (auto ok = impl->rules.start(); !ok) return ok.error().wrap("service proxy");
  impl->cluster.start();
  impl->services.start();
  impl->slices.start();
  // The first sync waits for the first lists, so a restart never programs a half table; a
  // server that is away leaves the rules of the previous run in place meanwhile.
  impl->waiter = std::thread([impl] {
    while (!impl->services.wait_synced(1000) || !impl->slices.wait_synced(1000) || !impl->cluster.wait_synced(1000)) {
      if (impl->stopping) return;
    }
    impl->started = true;
    impl->rules.kick();
  });
  MK_LOG(info) << "proxy: programming services in nftables table ip " << impl->table.table();
  return Status::ok();
}

void ServiceProxy::stop() {
  if (!impl_) return;
  impl_->stopping = true;
  if (impl_->waiter.joinable()) impl_->waiter.join();
  impl_->services.stop();
  impl_->slices.stop();
  impl_->cluster.stop();
  impl_->rules.stop();
}

bool ServiceProxy::wait_synced(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->started) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return wait_idle(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
}

bool ServiceProxy::wait_idle(std::chrono::milliseconds timeout) { return impl_->rules.wait_pass(timeout); }

}  // namespace mk::agent::proxy
