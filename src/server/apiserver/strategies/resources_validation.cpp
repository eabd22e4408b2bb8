// A container's resource requests and limits (ValidateResourceRequirements): resource names,
// non-negative quantities, whole numbers for extended resources, and requests within limits.
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>

#include "api/quantity.h"
#include "api/validation.h"
#include "server/apiserver/strategies/pod_spec_validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

bool is_hugepages(const std::string& name) { return name.rfind("hugepages-", 0) == 0; }

// No domain, or one under kubernetes.io: resources the kubelet itself accounts for.
bool is_native(const std::string& name) {
  return name.find('/') == std::string::npos || name.find("kubernetes.io/") != std::string::npos;
}

bool is_extended(const std::string& name) {
  if (is_native(name) || name.rfind("requests.", 0) == 0) return false;
  return api::check_qualified_name("requests." + name).empty();
}

bool is_standard_container_resource(const std::string& name) {
  return name == "cpu" || name == "memory" || name == "ephemeral-storage" || is_hugepages(name);
}

// helper.IsStandardResourceName: the resource names quota and containers know without a domain.
bool is_standard_resource(const std::string& name) {
  static const std::set<std::string> names = {
      "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
      "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "services", "replicationcontrollers",
      "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims", "requests.storage",
      "services.nodeports", "services.loadbalancers", "storage"};
  return names.count(name) || is_hugepages(name) || name.rfind("requests.hugepages-", 0) == 0;
}

void validate_name(const std::string& name, const std::string& field, api::FieldErrors& out) {
  auto msgs = api::check_qualified_name(name);
  add_invalid(out, field, name, msgs);
  bool bare = name.find('/') == std::string::npos;
  if (msgs.empty() && bare && !is_standard_resource(name))
    out.push_back(api::field_invalid(field, name, "must be a standard resource type or fully qualified"));
  if (bare) {
    if (!is_standard_container_resource(name))
      out.push_back(api::field_invalid(field, name, "must be a standard resource for containers"));
  } else if (!is_native(name) && !is_extended(name)) {
    out.push_back(api::field_invalid(field, name, "doesn't follow extended resource name standard"));
  }
}

std::optional<api::Quantity> quantity_of(const json& value, const std::string& field, api::FieldErrors& out) {
  std::string text = value.is_string() ? value.get<std::string>() : value.is_number() ? value.dump() : "";
  auto q = api::Quantity::parse(text);
  if (!q) {
    out.push_back(api::field_invalid(field, text, q.error().message));
    return std::nullopt;
  }
  return *q;
}

void validate_quantity(const std::string& name, const api::Quantity& q, const std::string& field, api::FieldErrors& out) {
  if (q.sign() < 0) out.push_back(api::field_invalid(field, q.to_string(), "must be greater than or equal to 0"));
  if (is_extended(name) && q.milli_value() % 1000 != 0)
    out.push_back(api::field_invalid(field, q.to_string(), "must be an integer"));
}

}  // namespace

void validate_resources(const json& resources, const std::string& path, api::FieldErrors& out) {
  const json& limits = object_of(resources, "limits");
  const json& requests = object_of(resources, "requests");
  bool cpu_or_memory = false;
  bool hugepages = false;
  std::map<std::string, api::Quantity> limit_values;
  for (const auto& [name, value] : limits.items()) {
    std::string field = key_path(path + ".limits", name);
    validate_name(name, field, out);
    auto q = quantity_of(value, field, out);
    if (q) {
      validate_quantity(name, *q, field, out);
      limit_values[name] = *q;
    }
    hugepages |= is_hugepages(name);
    cpu_or_memory |= name == "cpu" || name == "memory";
  }
  for (const auto& [name, value] : requests.items()) {
    std::string field = key_path(path + ".requests", name);
    validate_name(name, field, out);
    auto q = quantity_of(value, field, out);
    if (q) {
      validate_quantity(name, *q, field, out);
      bool overcommit = is_native(name) && !is_hugepages(name);
      auto limit = limit_values.find(name);
      if (limit != limit_values.end()) {
        // Resources that cannot be overcommitted need the request to equal the limit.
        if (*q != limit->second && !overcommit) {
          out.push_back(api::field_invalid(path + ".requests", q->to_string(),
                                           "must be equal to " + name + " limit of " + limit->second.to_string()));
        } else if (*q > limit->second) {
          out.push_back(api::field_invalid(path + ".requests", q->to_string(),
                                           "must be less than or equal to " + name + " limit of " + limit->second.to_string()));
        }
      } else if (!overcommit && !limits.contains(name)) {
        out.push_back(api::field_required(path + ".limits", "Limit must be set for non overcommitable resources"));
      }
    }
    hugepages |= is_hugepages(name);
    cpu_or_memory |= name == "cpu" || name == "memory";
  }
  if (hugepages && !cpu_or_memory) out.push_back(api::field_forbidden(path, "HugePages require cpu or memory"));
}

}  // namespace mk::apiserver
