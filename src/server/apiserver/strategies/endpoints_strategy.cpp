// Endpoints: validateEndpointSubsets (addresses that are real, routable IPs, valid host and node
// names, ports in range and named when there are several).
#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "server/apiserver/strategies/ip_address.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void validate_address(const json& address, const std::string& at, bool special_ok, api::FieldErrors& out) {
  std::string ip = string_of(address, "ip");
  validate_ip(ip, at + ".ip", out);
  std::string hostname = string_of(address, "hostname");
  if (!hostname.empty()) add_invalid(out, at + ".hostname", hostname, api::check_dns1123_label(hostname));
  if (has(address, "nodeName")) {
    std::string node = string_of(address, "nodeName");
    add_invalid(out, at + ".nodeName", node, api::check_dns1123_subdomain(node));
  }
  if (!special_ok) validate_non_special_ip(ip, at + ".ip", out);
}

void validate_port(const json& port, bool require_name, const std::string& at, api::FieldErrors& out) {
  std::string name = string_of(port, "name");
  if (require_name && name.empty()) {
    out.push_back(api::field_required(at + ".name", ""));
  } else if (!name.empty()) {
    add_invalid(out, at + ".name", name, api::check_dns1123_label(name));
  }
  int64_t number = int_of(port, "port").value_or(0);
  for (const auto& m : check_port_number(number)) out.push_back(api::field_invalid_verbatim(at + ".port", std::to_string(number), m));
  std::string protocol = string_of(port, "protocol");
  if (protocol.empty()) {
    out.push_back(api::field_required(at + ".protocol", ""));
  } else if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
    out.push_back(api::field_not_supported(at + ".protocol", protocol, {"SCTP", "TCP", "UDP"}));
  }
  if (has(port, "appProtocol")) {
    std::string app = string_of(port, "appProtocol");
    add_invalid(out, at + ".appProtocol", app, api::check_qualified_name(app));
  }
}

std::vector<api::StatusCause> validate(const json& ep, const AdmissionRequest& req) {
  api::FieldErrors errs;
  // The API server's own record of where it listens may be a loopback address on a
  // single-machine cluster; anyone else's loopback endpoint is refused as upstream does.
  bool special_ok = req.user.name == kApiServerUser;
  const json& subsets = array_of(ep, "subsets");
  for (size_t i = 0; i < subsets.size(); ++i) {
    const json& ss = subsets[i];
    std::string at = index_path("subsets", i);
    const json& ready = array_of(ss, "addresses");
    const json& not_ready = array_of(ss, "notReadyAddresses");
    if (ready.empty() && not_ready.empty())
      errs.push_back(api::field_required(at, "must specify `addresses` or `notReadyAddresses`"));
    for (size_t a = 0; a < ready.size(); ++a) validate_address(ready[a], index_path(at + ".addresses", a), special_ok, errs);
    for (size_t a = 0; a < not_ready.size(); ++a)
      validate_address(not_ready[a], index_path(at + ".notReadyAddresses", a), special_ok, errs);
    const json& ports = array_of(ss, "ports");
    for (size_t p = 0; p < ports.size(); ++p) validate_port(ports[p], ports.size() > 1, index_path(at + ".ports", p), errs);
  }
  return to_causes(errs);
}

}  // namespace

KindStrategy endpoints_strategy() {
  KindStrategy s;
  s.defaults = [](json& ep, const AdmissionRequest&) {
    if (!ep.contains("subsets") || !ep["subsets"].is_array()) return;
    for (auto& ss : ep["subsets"])
      if (ss.is_object() && ss.contains("ports") && ss["ports"].is_array())
        for (auto& p : ss["ports"])
          if (p.is_object() && unset_string(p, "protocol")) p["protocol"] = "TCP";
  };
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
