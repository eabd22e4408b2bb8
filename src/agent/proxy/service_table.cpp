#include "agent/proxy/service_table.h"

#include "api/json_path.h"
#include "common/log.h"

namespace mk::agent::proxy {
namespace {

using nlohmann::json;
constexpr std::chrono::milliseconds kDeleteDelay{1000};
constexpr std::chrono::seconds kRetryDelay{5};

std::string key_of(const json& obj) {
  return api::string_at(obj, "metadata.namespace") + "/" + api::string_at(obj, "metadata.name");
}

}  // namespace

ServiceTable::ServiceTable(ProxySettings settings)
    : settings_(std::move(settings)),
      sync_("ip", service_table_name(settings_.node_name), service_table_skeleton()) {}

void ServiceTable::mark_all() {
  for (const auto& [key, svc] : services_) dirty_.insert(key);
  for (const auto& [key, rules] : rules_) dirty_.insert(key);
}

void ServiceTable::set_settings(const ProxySettings& settings) {
  if (settings.cluster_cidr == settings_.cluster_cidr && settings.cluster_dns == settings_.cluster_dns) return;
  settings_.cluster_cidr = settings.cluster_cidr;
  settings_.cluster_dns = settings.cluster_dns;
  mark_all();
}

void ServiceTable::upsert_service(const json& service) {
  std::string key = key_of(service);
  services_[key] = service;
  dirty_.insert(key);
}

void ServiceTable::delete_service(const json& service) {
  std::string key = key_of(service);
  services_.erase(key);
  dirty_.insert(key);
}

std::string ServiceTable::slice_service(const json& slice) const {
  std::string svc;
  const json* labels = api::find_path(slice, "metadata.labels");
  if (labels && labels->is_object()) {
    auto it = labels->find("kubernetes.io/service-name");
    svc = it != labels->end() && it->is_string() ? it->get<std::string>() : "";
  }
  if (svc.empty()) return "";
  return api::string_at(slice, "metadata.namespace") + "/" + svc;
}

void ServiceTable::upsert_slice(const json& slice) {
  std::string key = key_of(slice);
  std::string owner = slice_service(slice);
  if (auto old = slice_owner_.find(key); old != slice_owner_.end() && old->second != owner) {
    slices_[old->second].erase(api::string_at(slice, "metadata.name"));
    dirty_.insert(old->second);
  }
  if (owner.empty()) {
    slice_owner_.erase(key);
    return;
  }
  slice_owner_[key] = owner;
  slices_[owner][api::string_at(slice, "metadata.name")] = slice;
  dirty_.insert(owner);
}

void ServiceTable::delete_slice(const json& slice) {
  std::string key = key_of(slice);
  auto old = slice_owner_.find(key);
  if (old == slice_owner_.end()) return;
  auto& list = slices_[old->second];
  list.erase(api::string_at(slice, "metadata.name"));
  dirty_.insert(old->second);
  if (list.empty()) slices_.erase(old->second);
  slice_owner_.erase(old);
}

std::optional<ServiceTable::Clock::time_point> ServiceTable::sync(nftables::Nft& nft, SyncStats* stats) {
  auto now = Clock::now();
  for (auto it = retry_.begin(); it != retry_.end();) {
    if (it->second <= now) {
      dirty_.insert(it->first);
      it = retry_.erase(it);
    } else {
      ++it;
    }
  }

  if (!dirty_.empty() || !initialized_) {
    auto t0 = Clock::now();
    std::map<std::string, nftables::Fragment> wanted;
    std::map<std::string, ServiceRules> built;
    for (const auto& key : dirty_) {
      ServiceRules rules;
      if (auto svc = services_.find(key); svc != services_.end()) {
        std::vector<const json*> slices;
        if (auto s = slices_.find(key); s != slices_.end()) {
          for (const auto& [name, slice] : s->second) slices.push_back(&slice);
        }
        rules = build_service_rules(svc->second, slices, settings_);
      }
      wanted[key] = rules.fragment;
      built[key] = std::move(rules);
    }
    dirty_.clear();
    auto t1 = Clock::now();

    std::vector<UdpFlowFilter> stale;
    auto accept = [&](const nftables::TableSync::Plan& plan) {
      sync_.commit(plan, Clock::now());
      for (const auto& c : plan.conflicts) MK_LOG(warn) << "proxy: left out, already in use by another service: " << c;
      for (const auto& [key, fragment] : plan.results) {
        auto& now_rules = built[key];
        static const ServiceRules kNone;
        auto old = rules_.find(key);
        auto s = stale_udp_flows(old == rules_.end() ? kNone : old->second, now_rules);
        stale.insert(stale.end(), s.begin(), s.end());
        if (now_rules.fragment.empty() && now_rules.udp_endpoints.empty()) rules_.erase(key);
        else rules_[key] = std::move(now_rules);
      }
    };

    auto plan = sync_.plan(wanted, !initialized_);
    Status ran = plan.empty() ? Status::ok() : nft.run(plan.script);
    if (ran) {
      accept(plan);
      initialized_ = true;
    } else {
      MK_LOG(warn) << "proxy: " << ran.error().message << "; programming services one by one";
      if (!initialized_) {
        auto bare = sync_.plan({}, true);
        if (auto ok = nft.run(bare.script); !ok) {
          MK_LOG(error) << "proxy: cannot create table " << sync_.table() << ": " << ok.error().message;
          for (const auto& [key, f] : wanted) dirty_.insert(key);
          return Clock::now() + kRetryDelay;
        }
        sync_.commit(bare, Clock::now());
        initialized_ = true;
      }
      for (const auto& [key, fragment] : wanted) {
        auto one = sync_.plan({{key, fragment}});
        Status r = one.empty() ? Status::ok() : nft.run(one.script);
        if (r) {
          accept(one);
        } else {
          MK_LOG(error) << "proxy: service " << key << ": " << r.error().message;
          retry_[key] = Clock::now() + kRetryDelay;
        }
      }
    }
    auto t2 = Clock::now();
    size_t deleted = 0;
    if (!stale.empty()) {
      auto gone = delete_udp_flows(stale);
      if (!gone) MK_LOG(warn) << "proxy: " << gone.error().message;
      else deleted = static_cast<size_t>(*gone);
    }
    if (stats) {
      stats->services = wanted.size();
      stats->udp_flows_deleted = deleted;
      stats->build = std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0);
      stats->program = std::chrono::duration_cast<std::chrono::microseconds>(t2 - t1);
    }
  }

  now = Clock::now();
  std::string deletions = sync_.deletions_script(now, kDeleteDelay);
  if (!deletions.empty()) {
    if (auto ok = nft.run(deletions); !ok) MK_LOG(warn) << "proxy: delete unused chains: " << ok.error().message;
    sync_.deletions_done(now, kDeleteDelay);
  }
  std::optional<Clock::time_point> next = sync_.next_deletion(kDeleteDelay);
  for (const auto& [key, at] : retry_) {
    if (!next || at < *next) next = at;
  }
  return next;
}

}  // namespace mk::agent::proxy
