#include "server/apiserver/strategies/pod_qos.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>

#include "api/quantity.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

// Totals in the unit the comparison needs: millicores for cpu, bytes for memory.
std::optional<int64_t> amount(const std::string& resource, const json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.is_number() ? value.dump() : "";
  auto q = api::Quantity::parse(text);
  if (!q || q->sign() <= 0) return std::nullopt;
  return resource == "cpu" ? q->milli_value() : q->value();
}

}  // namespace

std::string pod_qos_class(const json& spec) {
  std::map<std::string, int64_t> requests, limits;
  bool guaranteed = true;
  for (const char* list : {"containers", "initContainers"}) {
    for (const auto& c : array_of(spec, list)) {
      const json& resources = object_of(c, "resources");
      const json& lim = object_of(resources, "limits");
      json req = object_of(resources, "requests");
      for (const auto& [name, value] : lim.items())
        if (!req.contains(name)) req[name] = value;
      int limited = 0;
      for (const char* resource : {"cpu", "memory"}) {
        if (req.contains(resource))
          if (auto a = amount(resource, req[resource])) requests[resource] += *a;
        if (lim.contains(resource)) {
          if (auto a = amount(resource, lim[resource])) {
            limits[resource] += *a;
            ++limited;
          }
        }
      }
      if (limited < 2) guaranteed = false;
    }
  }
  if (requests.empty() && limits.empty()) return "BestEffort";
  if (guaranteed) {
    for (const auto& [name, total] : requests) {
      auto it = limits.find(name);
      if (it == limits.end() || it->second != total) guaranteed = false;
    }
  }
  return guaranteed && requests.size() == limits.size() ? "Guaranteed" : "Burstable";
}

}  // namespace mk::apiserver
