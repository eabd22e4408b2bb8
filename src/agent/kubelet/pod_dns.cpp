#include "agent/kubelet/pod_dns.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "agent/dns/resolv_conf.h"

namespace mk::agent::kubelet {

using nlohmann::json;

namespace {

constexpr size_t kMaxNameservers = 3;
constexpr size_t kMaxSearches = 32;
constexpr size_t kMaxSearchChars = 2048;

void append_unique(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& s : from)
    if (!s.empty() && std::find(to.begin(), to.end(), s) == to.end()) to.push_back(s);
}

std::string option_name(const std::string& option) { return option.substr(0, option.find(':')); }

std::vector<std::string> strings_at(const json& obj, const char* key) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

PodDnsSettings pod_dns_settings(const std::string& cluster_dns, const std::string& cluster_domain) {
  PodDnsSettings s;
  s.cluster_dns = cluster_dns;
  s.cluster_domain = cluster_domain;
  dns::ResolvConf host = dns::host_resolv_conf();
  s.host_nameservers = std::move(host.nameservers);
  s.host_searches = std::move(host.searches);
  s.host_options = std::move(host.options);
  return s;
}

void apply_cluster_dns(runtime::pod::PodSpec& spec, const json& pod, const PodDnsSettings& settings) {
  const json empty = json::object();
  const json& pod_spec = pod.is_object() && pod.contains("spec") && pod["spec"].is_object() ? pod["spec"] : empty;
  std::string policy = pod_spec.value("dnsPolicy", std::string("ClusterFirst"));
  bool host_network = pod_spec.value("hostNetwork", false);
  std::string ns = pod.is_object() ? pod.value("/metadata/namespace"_json_pointer, std::string("default")) : "default";

  enum class Kind { cluster, host, none } kind = Kind::cluster;
  if (policy == "None") kind = Kind::none;
  else if (policy == "Default" || (policy != "ClusterFirstWithHostNet" && host_network)) kind = Kind::host;
  if (kind == Kind::cluster && settings.cluster_dns.empty()) kind = Kind::host;

  std::vector<std::string> servers, searches, options;
  if (kind == Kind::cluster) {
    servers = {settings.cluster_dns};
    if (!settings.cluster_domain.empty()) {
      searches = {ns + ".svc." + settings.cluster_domain, "svc." + settings.cluster_domain, settings.cluster_domain};
    }
    append_unique(searches, settings.host_searches);
    options = {"ndots:5"};
  } else if (kind == Kind::host) {
    servers = settings.host_nameservers;
    searches = settings.host_searches;
    options = settings.host_options;
  }

  auto config = pod_spec.find("dnsConfig");
  if (config != pod_spec.end() && config->is_object()) {
    append_unique(servers, strings_at(*config, "nameservers"));
    append_unique(searches, strings_at(*config, "searches"));
    auto opts = config->find("options");
    if (opts != config->end() && opts->is_array()) {
      for (const auto& o : *opts) {
        if (!o.is_object() || !o.contains("name") || !o["name"].is_string()) continue;
        std::string text = o["name"].get<std::string>();
        if (text.empty()) continue;
        if (o.contains("value") && o["value"].is_string()) text += ":" + o["value"].get<std::string>();
        auto same = std::find_if(options.begin(), options.end(),
                                 [&](const std::string& have) { return option_name(have) == option_name(text); });
        if (same != options.end()) *same = text;
        else options.push_back(text);
      }
    }
  }

  if (servers.size() > kMaxNameservers) servers.resize(kMaxNameservers);
  std::vector<std::string> kept;
  size_t chars = 0;
  for (const auto& s : searches) {
    if (kept.size() == kMaxSearches || chars + s.size() + (kept.empty() ? 0 : 1) > kMaxSearchChars) break;
    chars += s.size() + (kept.empty() ? 0 : 1);
    kept.push_back(s);
  }
  spec.dns_servers = std::move(servers);
  spec.dns_searches = std::move(kept);
  spec.dns_options = std::move(options);
}

}  // namespace mk::agent::kubelet
