#include "server/apiserver/discovery.h"

#include <nlohmann/json.hpp>

#include "version.h"

namespace mk::apiserver {

using nlohmann::json;

bool wants_aggregated(const std::string& accept) {
  size_t start = 0;
  while (start <= accept.size()) {
    size_t comma = accept.find(',', start);
    std::string range = accept.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (range.find("as=APIGroupDiscoveryList") != std::string::npos &&
        range.find("g=apidiscovery.k8s.io") != std::string::npos && range.find("v=v2") != std::string::npos &&
        range.find("v=v2beta1") == std::string::npos)
      return true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return false;
}

json api_versions(const std::string& server_address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

namespace {

json group_version(const std::string& group, const std::string& version) {
  return {{"groupVersion", group + "/" + version}, {"version", version}};
}

json group_entry(const api::KindRegistry& kinds, const std::string& group) {
  json versions = json::array();
  for (const auto& [g, v] : kinds.group_versions())
    if (g == group) versions.push_back(group_version(g, v));
  return {{"name", group}, {"versions", versions}, {"preferredVersion", versions.at(0)}};
}

std::vector<std::string> groups(const api::KindRegistry& kinds) {
  std::vector<std::string> out;
  for (const auto& [g, v] : kinds.group_versions())
    if (!g.empty() && std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  return out;
}

}  // namespace

json api_group_list(const api::KindRegistry& kinds) {
  json list = json::array();
  for (const auto& g : groups(kinds)) list.push_back(group_entry(kinds, g));
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", list}};
}

std::optional<json> api_group(const api::KindRegistry& kinds, const std::string& group) {
  for (const auto& g : groups(kinds)) {
    if (g != group) continue;
    json e = group_entry(kinds, g);
    e["kind"] = "APIGroup";
    e["apiVersion"] = "v1";
    return e;
  }
  return std::nullopt;
}

std::optional<json> api_resource_list(const api::KindRegistry& kinds, const std::string& group,
                                      const std::string& version) {
  json resources = json::array();
  bool found = false;
  for (const auto& k : kinds.all()) {
    if (k.group != group || k.version != version) continue;
    found = true;
    json r = {{"name", k.plural},          {"singularName", k.singular}, {"namespaced", k.namespaced},
              {"kind", k.kind},            {"verbs", k.verbs}};
    if (!k.short_names.empty()) r["shortNames"] = k.short_names;
    if (!k.categories.empty()) r["categories"] = k.categories;
    resources.push_back(std::move(r));
    for (const auto& s : k.subresources) {
      json sr = {{"name", k.plural + "/" + s.name}, {"singularName", ""}, {"namespaced", k.namespaced},
                 {"kind", s.kind.empty() ? k.kind : s.kind}, {"verbs", s.verbs}};
      if (!s.group.empty()) {
        sr["group"] = s.group;
        sr["version"] = s.version;
      }
      resources.push_back(std::move(sr));
    }
  }
  if (!found) return std::nullopt;
  std::string gv = group.empty() ? version : group + "/" + version;
  return json{{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", gv}, {"resources", resources}};
}

json aggregated(const api::KindRegistry& kinds, bool core) {
  json items = json::array();
  std::vector<std::string> group_names = core ? std::vector<std::string>{""} : groups(kinds);
  for (const auto& g : group_names) {
    json versions = json::array();
    for (const auto& [gg, v] : kinds.group_versions()) {
      if (gg != g) continue;
      json resources = json::array();
      for (const auto& k : kinds.all()) {
        if (k.group != g || k.version != v) continue;
        json r = {{"resource", k.plural},
                  {"responseKind", {{"group", k.group}, {"version", k.version}, {"kind", k.kind}}},
                  {"scope", k.namespaced ? "Namespaced" : "Cluster"},
                  {"singularResource", k.singular},
                  {"verbs", k.verbs}};
        if (!k.short_names.empty()) r["shortNames"] = k.short_names;
        if (!k.categories.empty()) r["categories"] = k.categories;
        json subs = json::array();
        for (const auto& s : k.subresources) {
          subs.push_back({{"subresource", s.name},
                          {"responseKind",
                           {{"group", s.group.empty() ? k.group : s.group},
                            {"version", s.version.empty() ? k.version : s.version},
                            {"kind", s.kind.empty() ? k.kind : s.kind}}},
                          {"verbs", s.verbs}});
        }
        if (!subs.empty()) r["subresources"] = std::move(subs);
        resources.push_back(std::move(r));
      }
      versions.push_back({{"version", v}, {"resources", resources}, {"freshness", "Current"}});
    }
    items.push_back({{"metadata", {{"name", g}}}, {"versions", versions}});
  }
  return {{"kind", "APIGroupDiscoveryList"}, {"apiVersion", "apidiscovery.k8s.io/v2"}, {"metadata", json::object()},
          {"items", items}};
}

json version_info() {
  std::string kv = kKubernetesVersion;
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", kv + "+minikube"},
          {"gitCommit", "0000000000000000000000000000000000000000"},
          {"gitTreeState", "clean"},
          {"buildDate", "2026-11-24T00:00:00Z"},
          {"goVersion", "go1.23.6"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

}  // namespace mk::apiserver
