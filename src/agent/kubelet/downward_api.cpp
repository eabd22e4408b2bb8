#include "agent/kubelet/downward_api.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "api/json_path.h"
#include "api/quantity.h"

namespace mk::agent::kubelet {
namespace {

using nlohmann::json;

// "metadata.labels['app']" -> ("metadata.labels", "app").
bool split_subscript(const std::string& path, std::string& base, std::string& key) {
  size_t open = path.find("['");
  if (open == std::string::npos || path.size() < open + 4 || path.compare(path.size() - 2, 2, "']") != 0) return false;
  base = path.substr(0, open);
  key = path.substr(open + 2, path.size() - open - 4);
  return true;
}

std::string format_map(const json* map) {
  std::map<std::string, std::string> sorted;
  if (map && map->is_object())
    for (const auto& [k, v] : map->items()) sorted[k] = v.is_string() ? v.get<std::string>() : v.dump();
  std::string out;
  for (const auto& [k, v] : sorted) out += k + "=" + go_quote(v) + "\n";
  if (!out.empty()) out.pop_back();
  return out;
}

std::string map_value(const json& pod, const char* map, const std::string& key) {
  const json* m = api::find_path(pod, std::string("metadata.") + map);
  if (!m || !m->is_object() || !m->contains(key) || !(*m)[key].is_string()) return "";
  return (*m)[key].get<std::string>();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

Result<api::Quantity> quantity_of(const json& v) {
  if (v.is_string()) return api::Quantity::parse(v.get<std::string>());
  if (v.is_number()) return api::Quantity::parse(v.dump());
  return make_error(Errc::invalid_argument, "quantity is not a string");
}

}  // namespace

std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through as Go prints printable runes
        }
    }
  }
  return out + "\"";
}

Result<std::string> pod_field_value(const json& pod, const std::string& path, const PodRuntimeFacts& facts) {
  if (path == "spec.nodeName") return api::string_at(pod, "spec.nodeName");
  if (path == "spec.serviceAccountName") return api::string_at(pod, "spec.serviceAccountName");
  if (path == "status.hostIP") return facts.host_ip;
  if (path == "status.hostIPs") return facts.host_ip;
  if (path == "status.podIP") return facts.pod_ip;
  if (path == "status.podIPs") return facts.pod_ips.empty() ? facts.pod_ip : join(facts.pod_ips);
  std::string base, key;
  if (split_subscript(path, base, key)) {
    if (base == "metadata.annotations") return map_value(pod, "annotations", key);
    if (base == "metadata.labels") return map_value(pod, "labels", key);
    return make_error(Errc::invalid_argument, "unsupported fieldPath: " + path);
  }
  if (path == "metadata.annotations") return format_map(api::find_path(pod, "metadata.annotations"));
  if (path == "metadata.labels") return format_map(api::find_path(pod, "metadata.labels"));
  if (path == "metadata.name" || path == "metadata.namespace" || path == "metadata.uid")
    return api::string_at(pod, path);
  return make_error(Errc::invalid_argument, "unsupported fieldPath: " + path);
}

Result<std::string> container_resource_value(const json& container, const std::string& resource,
                                             const std::string& divisor_text, const json& allocatable) {
  size_t dot = resource.find('.');
  std::string group = dot == std::string::npos ? "" : resource.substr(0, dot);
  std::string name = dot == std::string::npos ? "" : resource.substr(dot + 1);
  if ((group != "limits" && group != "requests") ||
      (name != "cpu" && name != "memory" && name != "ephemeral-storage"))
    return make_error(Errc::invalid_argument, "unsupported container resource : " + resource);
  api::Quantity divisor;
  if (!divisor_text.empty()) {
    auto d = api::Quantity::parse(divisor_text);
    if (!d) return d.error();
    divisor = *d;
  }
  if (divisor.is_zero()) divisor = *api::Quantity::parse("1");
  api::Quantity value;
  const json* set = api::find_path(container, "resources." + group);
  if (set && set->is_object() && set->contains(name)) {
    auto q = quantity_of((*set)[name]);
    if (!q) return q.error();
    value = *q;
  } else if (group == "limits" && allocatable.is_object() && allocatable.contains(name)) {
    auto q = quantity_of(allocatable[name]);
    if (!q) return q.error();
    value = *q;
  }
  // CPU in millicores, the rest in units, each divided and rounded up (Go's math.Ceil).
  double number = name == "cpu" ? static_cast<double>(value.milli_value()) / static_cast<double>(divisor.milli_value())
                                : static_cast<double>(value.value()) / static_cast<double>(divisor.value());
  return std::to_string(static_cast<int64_t>(std::ceil(number)));
}

}  // namespace mk::agent::kubelet
