// Ingress, IngressClass and NetworkPolicy columns.
#include <nlohmann/json.hpp>

#include <set>

#include "api/json_path.h"
#include "api/kinds/printers_format.h"
#include "api/kinds/printers_kinds.h"

namespace mk::api::printers {
namespace {

// Up to three rule hosts, then " + N more..." counting every rule past the third; "*" when no
// rule names a host.
nlohmann::json hosts_cell(const nlohmann::json& ing) {
  constexpr size_t max = 3;
  const auto& rules = array_at(ing, "spec.rules");
  std::vector<std::string> list;
  bool more = false;
  for (const auto& rule : rules) {
    if (list.size() == max) more = true;
    const std::string host = text_at(rule, "host");
    if (!more && !host.empty()) list.push_back(host);
  }
  if (list.empty()) return "*";
  std::string out = join(list, ",");
  if (more) return out + " + " + std::to_string(rules.size() - max) + " more...";
  return out;
}

// Load balancer ingress points: the IP, else the hostname, deduplicated and sorted.
nlohmann::json address_cell(const nlohmann::json& ing) {
  std::set<std::string> points;
  for (const auto& i : array_at(ing, "status.loadBalancer.ingress")) {
    const std::string ip = text_at(i, "ip");
    const std::string host = text_at(i, "hostname");
    if (!ip.empty()) {
      points.insert(ip);
    } else if (!host.empty()) {
      points.insert(host);
    }
  }
  return join({points.begin(), points.end()}, ",");
}

// "Kind.group/name" of the parameters object, "<none>" without one.
nlohmann::json parameters_cell(const nlohmann::json& ic) {
  if (!is_set(ic, "spec.parameters")) return "<none>";
  std::string out = text_at(ic, "spec.parameters.kind");
  if (is_set(ic, "spec.parameters.apiGroup")) out += "." + text_at(ic, "spec.parameters.apiGroup");
  return out + "/" + text_at(ic, "spec.parameters.name");
}

}  // namespace

std::vector<PrinterColumn> ingress_columns() {
  return {
      name_column(),
      column("Class", "string", "The ingress class handling this ingress.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return is_set(o, "spec.ingressClassName") ? text_at(o, "spec.ingressClassName")
                                                         : std::string("<none>");
             }),
      column("Hosts", "string", "The host names the rules match.", hosts_cell),
      column("Address", "string", "Where the load balancer accepts traffic.", address_cell),
      // Port 443 is open as soon as any TLS section exists.
      column("Ports", "string", "The ports the ingress serves.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return array_at(o, "spec.tls").empty() ? "80" : "80, 443";
             }),
      age_column(),
  };
}

std::vector<PrinterColumn> ingress_class_columns() {
  return {
      name_column(),
      column("Controller", "string", "The controller implementing the class.",
             [](const nlohmann::json& o) -> nlohmann::json { return text_at(o, "spec.controller"); }),
      column("Parameters", "string", "The object holding the class's extra configuration.", parameters_cell),
      age_column(),
  };
}

std::vector<PrinterColumn> network_policy_columns() {
  return {
      name_column(),
      // The pod selector is a value, not a pointer: absent reads as the empty selector.
      column("Pod-Selector", "string", "The pods the policy applies to.",
             [](const nlohmann::json& o) -> nlohmann::json {
               const nlohmann::json* s = find_path(o, "spec.podSelector");
               return format_label_selector(s != nullptr && !s->is_null() ? *s : nlohmann::json::object());
             }),
      age_column(),
  };
}

}  // namespace mk::api::printers
