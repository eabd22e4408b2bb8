// EndpointSlices (discovery.k8s.io/v1): port names and protocols defaulted, and
// ValidateEndpointSlice (address type, addresses of that type, limits, port names).
#include <nlohmann/json.hpp>

#include <set>

#include "api/validation.h"
#include "server/apiserver/strategies/ip_address.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

constexpr size_t kMaxEndpoints = 1000;
constexpr size_t kMaxAddresses = 100;
constexpr size_t kMaxPorts = 20000;

void defaults(json& slice, const AdmissionRequest&) {
  if (!slice.contains("ports") || !slice["ports"].is_array()) return;
  for (auto& p : slice["ports"]) {
    if (!p.is_object()) continue;
    // Both are pointers defaulted to "" and TCP, so an unnamed port shows name: "".
    if (!has(p, "name")) p["name"] = "";
    if (!has(p, "protocol")) p["protocol"] = "TCP";
  }
}

api::FieldError too_many(const std::string& field, size_t actual, size_t max) {
  api::FieldError e = api::field_invalid_verbatim(field, std::to_string(actual), "must have at most " + std::to_string(max) + " items");
  e.type = std::string(api::kFieldValueTooMany);
  return e;
}

void validate_address(const std::string& type, const std::string& address, const std::string& field, bool special_ok,
                      api::FieldErrors& out) {
  if (type == "IPv4" || type == "IPv6") {
    auto ip = parse_ip(address);
    if (!ip || ip->v4 != (type == "IPv4")) {
      out.push_back(api::field_invalid(field, address, type == "IPv4" ? "must be a valid IPv4 address" : "must be a valid IPv6 address"));
    } else if (!special_ok) {
      validate_non_special_ip(address, field, out);
    }
  } else if (type == "FQDN") {
    add_invalid(out, field, address, api::check_dns1123_subdomain(address));
  }
}

std::vector<api::StatusCause> validate(const json& slice, const AdmissionRequest& req) {
  api::FieldErrors errs;
  bool special_ok = req.user.name == kApiServerUser;
  std::string type = string_of(slice, "addressType");
  if (type.empty()) errs.push_back(api::field_required("addressType", ""));
  const json& endpoints = array_of(slice, "endpoints");
  if (endpoints.size() > kMaxEndpoints) {
    errs.push_back(too_many("endpoints", endpoints.size(), kMaxEndpoints));
  } else {
    for (size_t i = 0; i < endpoints.size(); ++i) {
      const json& e = endpoints[i];
      std::string at = index_path("endpoints", i);
      const json& addresses = array_of(e, "addresses");
      if (addresses.empty()) {
        errs.push_back(api::field_required(at + ".addresses", "must contain at least 1 address"));
      } else if (addresses.size() > kMaxAddresses) {
        errs.push_back(too_many(at + ".addresses", addresses.size(), kMaxAddresses));
      }
      for (size_t a = 0; a < addresses.size(); ++a)
        if (addresses[a].is_string()) validate_address(type, addresses[a].get<std::string>(), index_path(at + ".addresses", a), special_ok, errs);
      if (has(e, "nodeName")) {
        std::string node = string_of(e, "nodeName");
        add_invalid(errs, at + ".nodeName", node, api::check_dns1123_subdomain(node));
      }
      append(errs, api::validate_labels(object_of(e, "deprecatedTopology"), at + ".deprecatedTopology"));
      if (has(e, "hostname")) {
        std::string hostname = string_of(e, "hostname");
        add_invalid(errs, at + ".hostname", hostname, api::check_dns1123_label(hostname));
      }
    }
  }
  const json& ports = array_of(slice, "ports");
  if (ports.size() > kMaxPorts) {
    errs.push_back(too_many("ports", ports.size(), kMaxPorts));
  } else {
    std::set<std::string> names;
    for (size_t i = 0; i < ports.size(); ++i) {
      const json& p = ports[i];
      std::string at = index_path("ports", i);
      std::string name = string_of(p, "name");
      if (!name.empty()) add_invalid(errs, at + ".name", name, api::check_dns1123_label(name));
      if (!names.insert(name).second) errs.push_back(api::field_duplicate(at + ".name", name));
      std::string protocol = string_of(p, "protocol");
      if (!has(p, "protocol")) {
        errs.push_back(api::field_required(at + ".protocol", ""));
      } else if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
        errs.push_back(api::field_not_supported(at + ".protocol", protocol, {"SCTP", "TCP", "UDP"}));
      }
      if (has(p, "appProtocol")) {
        std::string app = string_of(p, "appProtocol");
        add_invalid(errs, at + ".appProtocol", app, api::check_qualified_name(app));
      }
    }
  }
  return to_causes(errs);
}

}  // namespace

KindStrategy endpointslice_strategy() {
  KindStrategy s;
  s.defaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
