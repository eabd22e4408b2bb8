// NetworkPolicies (networking.k8s.io/v1): policyTypes defaulted from the rules present, and
// ValidateNetworkPolicySpec (selectors, ports and port ranges, one kind of peer, IP blocks).
#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/ip_address.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/label_selector_validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void defaults(json& np, const AdmissionRequest&) {
  json& spec = ensure_object(np, "spec");
  // Every policy governs ingress; one with egress rules governs egress too.
  if (array_of(spec, "policyTypes").empty()) {
    json types = json::array({"Ingress"});
    if (!array_of(spec, "egress").empty()) types.push_back("Egress");
    spec["policyTypes"] = types;
  }
}

void validate_port(const json& port, const std::string& at, api::FieldErrors& out) {
  std::string protocol = string_of(port, "protocol");
  if (has(port, "protocol") && protocol != "TCP" && protocol != "UDP" && protocol != "SCTP")
    out.push_back(api::field_not_supported(at + ".protocol", protocol, {"TCP", "UDP", "SCTP"}));
  const json* p = member(port, "port");
  auto end = int_of(port, "endPort");
  if (!p) {
    if (end) out.push_back(api::field_invalid_verbatim(at + ".endPort", std::to_string(*end), "may not be specified when `port` is not specified"));
    return;
  }
  if (p->is_number()) {
    int64_t n = p->get<int64_t>();
    for (const auto& m : check_port_number(n)) out.push_back(api::field_invalid_verbatim(at + ".port", std::to_string(n), m));
    if (end) {
      if (*end < n) out.push_back(api::field_invalid_verbatim(at + ".endPort", std::to_string(n), "must be greater than or equal to `port`"));
      for (const auto& m : check_port_number(*end)) out.push_back(api::field_invalid_verbatim(at + ".endPort", std::to_string(*end), m));
    }
  } else {
    if (end) out.push_back(api::field_invalid_verbatim(at + ".endPort", std::to_string(*end), "may not be specified when `port` is non-numeric"));
    std::string name = p->is_string() ? p->get<std::string>() : "";
    add_invalid(out, at + ".port", name, check_port_name(name));
  }
}

void validate_ip_block(const json& block, const std::string& at, api::FieldErrors& out) {
  std::string cidr = string_of(block, "cidr");
  if (cidr.empty()) {
    out.push_back(api::field_required(at + ".cidr", ""));
    return;
  }
  validate_cidr(cidr, at + ".cidr", out);
  auto outer = parse_cidr(cidr);
  if (!outer) return;
  const json& except = array_of(block, "except");
  for (size_t i = 0; i < except.size(); ++i) {
    std::string value = except[i].is_string() ? except[i].get<std::string>() : "";
    std::string field = index_path(at + ".except", i);
    validate_cidr(value, field, out);
    auto inner = parse_cidr(value);
    if (inner && !strict_subset(*inner, *outer)) out.push_back(api::field_invalid(field, value, "must be a strict subset of `cidr`"));
  }
}

void validate_peer(const json& peer, const std::string& at, api::FieldErrors& out) {
  int peers = 0;
  if (const json* s = member(peer, "podSelector")) {
    ++peers;
    validate_label_selector(*s, at + ".podSelector", out);
  }
  if (const json* s = member(peer, "namespaceSelector")) {
    ++peers;
    validate_label_selector(*s, at + ".namespaceSelector", out);
  }
  if (const json* b = member(peer, "ipBlock")) {
    ++peers;
    validate_ip_block(*b, at + ".ipBlock", out);
  }
  if (peers == 0) out.push_back(api::field_required(at, "must specify a peer"));
  else if (peers > 1 && has(peer, "ipBlock")) out.push_back(api::field_forbidden(at, "may not specify both ipBlock and another peer"));
}

std::vector<api::StatusCause> validate(const json& np, const AdmissionRequest&) {
  api::FieldErrors errs;
  const json& spec = object_of(np, "spec");
  validate_label_selector(object_of(spec, "podSelector"), "spec.podSelector", errs);
  const json& ingress = array_of(spec, "ingress");
  for (size_t i = 0; i < ingress.size(); ++i) {
    std::string at = index_path("spec.ingress", i);
    const json& ports = array_of(ingress[i], "ports");
    for (size_t p = 0; p < ports.size(); ++p) validate_port(ports[p], index_path(at + ".ports", p), errs);
    const json& from = array_of(ingress[i], "from");
    for (size_t p = 0; p < from.size(); ++p) validate_peer(from[p], index_path(at + ".from", p), errs);
  }
  const json& egress = array_of(spec, "egress");
  for (size_t i = 0; i < egress.size(); ++i) {
    std::string at = index_path("spec.egress", i);
    const json& to = array_of(egress[i], "to");
    for (size_t p = 0; p < to.size(); ++p) validate_peer(to[p], index_path(at + ".to", p), errs);
    const json& ports = array_of(egress[i], "ports");
    for (size_t p = 0; p < ports.size(); ++p) validate_port(ports[p], index_path(at + ".ports", p), errs);
  }
  const json& types = array_of(spec, "policyTypes");
  if (types.size() > 2) {
    std::vector<std::string> values;
    for (const auto& t : types) values.push_back(t.is_string() ? t.get<std::string>() : t.dump());
    // Upstream passes a pointer to the slice; the message shows what it points to.
    std::string shown = "[]networking.PolicyType{";
    for (size_t i = 0; i < values.size(); ++i) shown += (i ? ", \"" : "\"") + values[i] + "\"";
    errs.push_back(api::field_invalid_verbatim("spec.policyTypes", shown + "}", "may not specify more than two policyTypes"));
  } else {
    for (size_t i = 0; i < types.size(); ++i) {
      std::string t = types[i].is_string() ? types[i].get<std::string>() : "";
      if (t != "Ingress" && t != "Egress") errs.push_back(api::field_not_supported(index_path("spec.policyTypes", i), t, {"Ingress", "Egress"}));
    }
  }
  return to_causes(errs);
}

}  // namespace

KindStrategy networkpolicy_strategy() {
  KindStrategy s;
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
