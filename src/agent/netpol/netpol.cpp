#include "agent/netpol/netpol.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/nftables/sync_thread.h"
#include "agent/netpol/policy_rules.h"
#include "api/cluster_settings.h"
#include "api/json_path.h"
#include "client/informer.h"
#include "common/log.h"

namespace mk::agent::netpol {
namespace {

using nlohmann::json;
using client::ChangeType;

const client::Resource kPods{"", "v1", "pods"};
const client::Resource kNamespaces{"", "v1", "namespaces"};
const client::Resource kPolicies{"networking.k8s.io", "v1", "networkpolicies"};
const client::Resource kConfigMaps{"", "v1", "configmaps"};
const char kClusterDnsOwner[] = "~cluster-dns";  // not a pod key: those have a slash

client::WatchOptions cluster_selector() {
  client::WatchOptions o;
  o.field_selector = std::string("metadata.name=") + api::kClusterSettingsName;
  return o;
}
constexpr std::chrono::seconds kRetryDelay{5};
constexpr std::chrono::milliseconds kDeleteDelay{1000};

// What the rules read of a pod; the rest (status conditions, managed fields) only costs memory.
json slim_pod(const json& pod) {
  json out = json::object();
  for (const char* path : {"metadata.namespace", "metadata.name", "metadata.labels", "spec.nodeName", "spec.hostNetwork",
                           "status.podIP", "status.phase"}) {
    std::string p = path;
    auto dot = p.find('.');
    if (const json* v = api::find_path(pod, p)) out[p.substr(0, dot)][p.substr(dot + 1)] = *v;
  }
  if (const json* containers = api::find_path(pod, "spec.containers"); containers && containers->is_array()) {
    json cs = json::array();
    for (const auto& c : *containers) cs.push_back({{"ports", c.value("ports", json::array())}});
    out["spec"]["containers"] = cs;
  }
  return out;
}

std::string key_of(const json& obj) {
  std::string ns = api::string_at(obj, "metadata.namespace");
  std::string name = api::string_at(obj, "metadata.name");
  return ns.empty() ? name : ns + "/" + name;
}

}  // namespace

struct PolicyEnforcer::Impl {
  enum class Kind { pod, ns, policy, settings };
  struct Event {
    Kind kind;
    ChangeType type;
    json object;
  };

  Impl(client::ApiClient& c, NetpolConfig cfg)
      : config(std::move(cfg)),
        sync("ip", policy_table_name(config.node_name), policy_table_skeleton()),
        pods(c, kPods),
        namespaces(c, kNamespaces),
        policies(c, kPolicies),
        cluster(c, kConfigMaps, api::kClusterSettingsNamespace, cluster_selector()),
        rules("netpol", config.netns_fd, [this](nftables::Nft& nft) { return step(nft); }) {}

  void push(Kind kind, ChangeType type, const json& obj) {
    {
      std::lock_guard lock(mu);
      events.push_back({kind, type, kind == Kind::pod ? slim_pod(obj) : obj});
    }
    if (started) rules.kick();
  }

  std::optional<nftables::SyncThread::Clock::time_point> step(nftables::Nft& nft) {
    std::vector<Event> batch;
    {
      std::lock_guard lock(mu);
      batch.swap(events);
    }
    for (auto& e : batch) {
      if (e.kind == Kind::settings) {
        cluster_dns = e.type == ChangeType::deleted ? config.cluster_dns
                                                    : api::cluster_settings_from_configmap(e.object).cluster_dns;
        continue;
      }
      auto& target = e.kind == Kind::pod ? inputs.pods : e.kind == Kind::ns ? inputs.namespaces : inputs.policies;
      std::string key = key_of(e.object);
      if (e.type == ChangeType::deleted) target.erase(key);
      else target[key] = std::move(e.object);
    }
    if (!started) return std::nullopt;
    auto now = nftables::SyncThread::Clock::now();
    if (!batch.empty() || !initialized || (retry_at && *retry_at <= now)) {
      retry_at.reset();
      auto wanted = build_policy_fragments(inputs, config.node_name);
      wanted[kClusterDnsOwner] = cluster_dns_fragment(cluster_dns);
      // Pods no longer isolated (or gone) lose their rules.
      for (const auto& [owner, f] : sync.applied()) wanted.try_emplace(owner);
      auto plan = sync.plan(wanted, !initialized);
      Status ran = plan.empty() ? Status::ok() : nft.run(plan.script);
      if (ran) {
        sync.commit(plan, nftables::SyncThread::Clock::now());
        initialized = true;
        for (const auto& c : plan.conflicts) MK_LOG(warn) << "netpol: left out, IP in use by another pod: " << c;
      } else {
        MK_LOG(error) << "netpol: " << ran.error().message;
        retry_at = now + kRetryDelay;
      }
    }
    now = nftables::SyncThread::Clock::now();
    std::string deletions = sync.deletions_script(now, kDeleteDelay);
    if (!deletions.empty()) {
      if (auto ok = nft.run(deletions); !ok) MK_LOG(warn) << "netpol: delete unused chains: " << ok.error().message;
      sync.deletions_done(now, kDeleteDelay);
    }
    auto next = sync.next_deletion(kDeleteDelay);
    if (retry_at && (!next || *retry_at < *next)) next = retry_at;
    return next;
  }

  NetpolConfig config;
  nftables::TableSync sync;
  PolicyInputs inputs;
  std::string cluster_dns = config.cluster_dns;
  bool initialized = false;
  std::optional<nftables::SyncThread::Clock::time_point> retry_at;
  client::Informer pods, namespaces, policies, cluster;
  std::mutex mu;
  std::vector<Event> events;
  std::atomic<bool> started{false}, stopping{false};
  nftables::SyncThread rules;
  std::thread waiter;
};

PolicyEnforcer::PolicyEnforcer(client::ApiClient& client, NetpolConfig config)
    : impl_(std::make_unique<Impl>(client, std::move(config))) {}

PolicyEnforcer::~PolicyEnforcer() { stop(); }

const std::string& PolicyEnforcer::table() const { return impl_->sync.table(); }

Status PolicyEnforcer::start() {
  Impl* impl = impl_.get();
  auto handler = [impl](Impl::Kind kind) {
    return [impl, kind](ChangeType type, const json& obj, const json*) { impl->push(kind, type, obj); };
  };
  impl->pods.add_handler(handler(Impl::Kind::pod));
  impl->namespaces.add_handler(handler(Impl::Kind::ns));
  impl->policies.add_handler(handler(Impl::Kind::policy));
  impl->cluster.add_handler(handler(Impl::Kind::settings));
  if (auto ok = impl->rules.start(); !ok) return ok.error().wrap("network policy");
  impl->pods.start();
  impl->namespaces.start();
  impl->policies.start();
  impl->cluster.start();
  impl->waiter = std::thread([impl] {
    while (!impl->pods.wait_synced(1000) || !impl->namespaces.wait_synced(1000) || !impl->policies.wait_synced(1000) ||
           !impl->cluster.wait_synced(1000)) {
      if (impl->stopping) return;
    }
    impl->started = true;
    impl->rules.kick();
  });
  MK_LOG(info) << "netpol: enforcing NetworkPolicies in nftables table ip " << impl->sync.table();
  return Status::ok();
}

void PolicyEnforcer::stop() {
  if (!impl_) return;
  impl_->stopping = true;
  if (impl_->waiter.joinable()) impl_->waiter.join();
  impl_->pods.stop();
  impl_->namespaces.stop();
  impl_->policies.stop();
  impl_->cluster.stop();
  impl_->rules.stop();
}

bool PolicyEnforcer::wait_synced(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->started) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return wait_idle(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
}

bool PolicyEnforcer::wait_idle(std::chrono::milliseconds timeout) { return impl_->rules.wait_pass(timeout); }

}  // namespace mk::agent::netpol
