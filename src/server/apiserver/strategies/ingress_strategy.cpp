// Ingresses (networking.k8s.io/v1): ValidateIngressSpec (a default backend or rules, valid
// hosts, absolute paths of the right type, backends naming a service port or a resource, TLS
// hosts and secrets). A new ingress starts with an empty load balancer status.
#include <nlohmann/json.hpp>

#include "api/validation.h"
#include "server/apiserver/strategies/ip_address.h"
#include "server/apiserver/strategies/kind_strategies.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

std::vector<std::string> check_wildcard_subdomain(const std::string& host) {
  std::vector<std::string> errs;
  if (host.size() > 253) errs.push_back("must be no more than 253 characters");
  bool ok = host.rfind("*.", 0) == 0 && api::check_dns1123_subdomain(host.substr(2)).empty();
  if (!ok)
    errs.push_back(regex_error("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must "
                               "consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
                               "\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", {"*.example.com"}));
  return errs;
}

void validate_host(const std::string& host, const std::string& field, api::FieldErrors& out) {
  if (host.find('*') != std::string::npos) {
    add_invalid(out, field, host, check_wildcard_subdomain(host));
  } else {
    add_invalid(out, field, host, api::check_dns1123_subdomain(host));
  }
}

void validate_backend(const json& backend, const std::string& path, api::FieldErrors& out) {
  const json* resource = member(backend, "resource");
  const json* service = member(backend, "service");
  if (resource && service) {
    out.push_back(api::field_invalid(path, "", "cannot set both resource and service backends"));
  } else if (resource) {
    if (string_of(*resource, "kind").empty()) out.push_back(api::field_required(path + ".resource.kind", "kind is required"));
    if (string_of(*resource, "name").empty()) out.push_back(api::field_required(path + ".resource.name", "name is required"));
  } else if (service) {
    std::string name = string_of(*service, "name");
    if (name.empty()) {
      out.push_back(api::field_required(path + ".service.name", ""));
    } else {
      add_invalid(out, path + ".service.name", name, api::check_dns1035_label(name));
    }
    const json& port = object_of(*service, "port");
    std::string port_name = string_of(port, "name");
    int64_t number = int_of(port, "number").value_or(0);
    if (!port_name.empty() && number != 0) {
      out.push_back(api::field_invalid(path, "", "cannot set both port name & port number"));
    } else if (!port_name.empty()) {
      add_invalid(out, path + ".service.port.name", port_name, check_port_name(port_name));
    } else if (number != 0) {
      for (const auto& m : check_port_number(number))
        out.push_back(api::field_invalid_verbatim(path + ".service.port.number", std::to_string(number), m));
    } else {
      out.push_back(api::field_required(path, "port name or number is required"));
    }
  } else {
    out.push_back(api::field_invalid(path, "", "resource or service backend is required"));
  }
}

void validate_path(const json& p, const std::string& at, api::FieldErrors& out) {
  if (!has(p, "pathType")) {
    out.push_back(api::field_required(at + ".pathType", "pathType must be specified"));
    return;
  }
  std::string type = string_of(p, "pathType");
  std::string path = string_of(p, "path");
  if (type == "Exact" || type == "Prefix") {
    if (path.rfind('/', 0) != 0) out.push_back(api::field_invalid(at + ".path", path, "must be an absolute path"));
    if (!path.empty()) {
      for (const char* seq : {"//", "/./", "/../", "%2f", "%2F"})
        if (path.find(seq) != std::string::npos)
          out.push_back(api::field_invalid(at + ".path", path, std::string("must not contain '") + seq + "'"));
      for (const std::string suffix : {"/..", "/."})
        if (path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
          out.push_back(api::field_invalid(at + ".path", path, "cannot end with '" + suffix + "'"));
    }
  } else if (type == "ImplementationSpecific") {
    if (!path.empty() && path.front() != '/') out.push_back(api::field_invalid(at + ".path", path, "must be an absolute path"));
  } else {
    out.push_back(api::field_not_supported(at + ".pathType", type, {"Exact", "ImplementationSpecific", "Prefix"}));
  }
  validate_backend(object_of(p, "backend"), at + ".backend", out);
}

std::vector<api::StatusCause> validate(const json& ing, const AdmissionRequest& req) {
  if (req.subresource == "status") return {};
  api::FieldErrors errs;
  const json& spec = object_of(ing, "spec");
  const json* rules_member = member(spec, "rules");
  const json& rules = array_of(spec, "rules");
  if (rules.empty() && !has(spec, "defaultBackend"))
    errs.push_back(api::field_invalid_verbatim("spec", rules_member ? "[]networking.IngressRule{}" : "[]networking.IngressRule(nil)",
                                               "either `defaultBackend` or `rules` must be specified"));
  if (const json* backend = member(spec, "defaultBackend")) validate_backend(*backend, "spec.defaultBackend", errs);
  for (size_t i = 0; i < rules.size(); ++i) {
    std::string at = index_path("spec.rules", i);
    std::string host = string_of(rules[i], "host");
    if (!host.empty()) {
      if (parse_ip(host)) errs.push_back(api::field_invalid(at + ".host", host, "must be a DNS name, not an IP address"));
      validate_host(host, at + ".host", errs);
    }
    if (const json* http = member(rules[i], "http")) {
      const json& paths = array_of(*http, "paths");
      if (paths.empty()) errs.push_back(api::field_required(at + ".http.paths", ""));
      for (size_t p = 0; p < paths.size(); ++p) validate_path(paths[p], index_path(at + ".http.paths", p), errs);
    }
  }
  const json& tls = array_of(spec, "tls");
  for (size_t t = 0; t < tls.size(); ++t) {
    std::string at = index_path("spec.tls", t);
    const json& hosts = array_of(tls[t], "hosts");
    for (size_t h = 0; h < hosts.size(); ++h)
      if (hosts[h].is_string()) validate_host(hosts[h].get<std::string>(), index_path(at + ".hosts", h), errs);
    std::string secret = string_of(tls[t], "secretName");
    if (!secret.empty()) add_invalid(errs, at + ".secretName", secret, api::check_dns1123_subdomain(secret));
  }
  if (has(spec, "ingressClassName")) {
    std::string cls = string_of(spec, "ingressClassName");
    add_invalid(errs, "spec.ingressClassName", cls, api::check_dns1123_subdomain(cls));
  }
  return to_causes(errs);
}

}  // namespace

KindStrategy ingress_strategy() {
  KindStrategy s;
  s.initial_status = [](const json&) { return json{{"loadBalancer", json::object()}}; };
  s.validate = validate;
  return s;
}

}  // namespace mk::apiserver
