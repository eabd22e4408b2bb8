// Containers and init containers of a PodSpec: names, images, ports, environment, mounts,
// pull policy, resources, probes and lifecycle hooks (validateContainerCommon and friends).
#include <nlohmann/json.hpp>

#include <set>

#include "api/validation.h"
#include "server/apiserver/strategies/pod_spec_validation.h"
#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

void validate_ports(const json& ports, const std::string& path, api::FieldErrors& out) {
  std::set<std::string> names;
  for (size_t i = 0; i < ports.size(); ++i) {
    const json& p = ports[i];
    std::string at = index_path(path, i);
    std::string name = string_of(p, "name");
    if (!name.empty()) {
      auto msgs = check_port_name(name);
      if (!msgs.empty()) {
        add_invalid(out, at + ".name", name, msgs);
      } else if (!names.insert(name).second) {
        out.push_back(api::field_duplicate(at + ".name", name));
      }
    }
    int64_t port = int_of(p, "containerPort").value_or(0);
    if (port == 0) {
      out.push_back(api::field_required(at + ".containerPort", ""));
    } else {
      for (const auto& m : check_port_number(port))
        out.push_back(api::field_invalid_verbatim(at + ".containerPort", std::to_string(port), m));
    }
    int64_t host = int_of(p, "hostPort").value_or(0);
    if (host != 0) {
      for (const auto& m : check_port_number(host))
        out.push_back(api::field_invalid_verbatim(at + ".hostPort", std::to_string(host), m));
    }
    if (string_of(p, "protocol").empty()) out.push_back(api::field_required(at + ".protocol", ""));
  }
}

void validate_env(const json& env, const std::string& path, api::FieldErrors& out) {
  for (size_t i = 0; i < env.size(); ++i)
    if (string_of(env[i], "name").empty()) out.push_back(api::field_required(index_path(path, i) + ".name", ""));
}

// validateLocalDescendingPath; `field` is where upstream reports it.
void check_descending_path(const std::string& value, const std::string& field, api::FieldErrors& out) {
  if (!value.empty() && value.front() == '/') out.push_back(api::field_invalid(field, value, "must be a relative path"));
  size_t start = 0;
  while (start <= value.size()) {
    size_t slash = value.find('/', start);
    std::string part = value.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") {
      out.push_back(api::field_invalid(field, value, "must not contain '..'"));
      break;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
}

void validate_mounts(const json& mounts, const std::set<std::string>& volumes, const std::string& path,
                     api::FieldErrors& out) {
  std::set<std::string> mount_points;
  for (size_t i = 0; i < mounts.size(); ++i) {
    const json& m = mounts[i];
    std::string at = index_path(path, i);
    std::string name = string_of(m, "name");
    std::string mount_path = string_of(m, "mountPath");
    if (name.empty()) out.push_back(api::field_required(at + ".name", ""));
    if (!volumes.count(name)) out.push_back(api::field_not_found(at + ".name", name));
    if (mount_path.empty()) out.push_back(api::field_required(at + ".mountPath", ""));
    if (!mount_points.insert(mount_path).second) out.push_back(api::field_invalid(at + ".mountPath", mount_path, "must be unique"));
    // Upstream reports sub-path problems against the list, not the item.
    std::string sub_path = string_of(m, "subPath");
    std::string sub_path_expr = string_of(m, "subPathExpr");
    if (!sub_path.empty()) check_descending_path(sub_path, path + ".subPath", out);
    if (!sub_path_expr.empty()) {
      if (!sub_path.empty())
        out.push_back(api::field_invalid(at + ".subPathExpr", sub_path_expr, "subPathExpr and subPath are mutually exclusive"));
      check_descending_path(sub_path_expr, path + ".subPathExpr", out);
    }
  }
}

// ValidatePortNumOrName for an IntOrString port.
void validate_port_num_or_name(const json* port, const std::string& field, api::FieldErrors& out) {
  if (port && port->is_string()) {
    std::string name = port->get<std::string>();
    add_invalid(out, field, name, check_port_name(name));
    return;
  }
  int64_t n = port && port->is_number() ? port->get<int64_t>() : 0;
  for (const auto& m : check_port_number(n)) out.push_back(api::field_invalid_verbatim(field, std::to_string(n), m));
}

// validateHandler for probes (exec, httpGet, tcpSocket, grpc) and hooks (exec, httpGet,
// tcpSocket, sleep): exactly one action.
void validate_handler(const json& handler, const std::string& path, bool probe, api::FieldErrors& out) {
  int count = 0;
  auto take = [&](const char* kind) -> const json* {
    const json* h = member(handler, kind);
    if (!h) return nullptr;
    if (count++ > 0) {
      out.push_back(api::field_forbidden(path + "." + kind, "may not specify more than 1 handler type"));
      return nullptr;
    }
    return h;
  };
  if (const json* exec = take("exec")) {
    if (array_of(*exec, "command").empty()) out.push_back(api::field_required(path + ".exec.command", ""));
  }
  if (const json* get = take("httpGet")) {
    if (string_of(*get, "path").empty()) out.push_back(api::field_required(path + ".httpGet.path", ""));
    validate_port_num_or_name(member(*get, "port"), path + ".httpGet.port", out);
  }
  if (const json* tcp = take("tcpSocket")) validate_port_num_or_name(member(*tcp, "port"), path + ".tcpSocket.port", out);
  if (probe) {
    if (const json* grpc = take("grpc")) {
      int64_t port = int_of(*grpc, "port").value_or(0);
      for (const auto& m : check_port_number(port))
        out.push_back(api::field_invalid_verbatim(path + ".grpc.port", std::to_string(port), m));
    }
  } else {
    take("sleep");
  }
  if (count == 0) out.push_back(api::field_required(path, "must specify a handler type"));
}

enum class ProbeKind { liveness, readiness, startup };

void validate_probe(const json& probe, const std::string& path, ProbeKind kind, api::FieldErrors& out) {
  validate_handler(probe, path, true, out);
  for (const char* f : {"initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"})
    check_nonnegative_member(probe, f, path, out);
  if (auto grace = int_of(probe, "terminationGracePeriodSeconds"); grace && *grace <= 0)
    out.push_back(api::field_invalid_verbatim(path + ".terminationGracePeriodSeconds", std::to_string(*grace), "must be greater than 0"));
  if (kind == ProbeKind::readiness && has(probe, "terminationGracePeriodSeconds"))
    out.push_back(api::field_invalid_verbatim(path + ".terminationGracePeriodSeconds",
                                              std::to_string(int_of(probe, "terminationGracePeriodSeconds").value_or(0)),
                                              "must not be set for readinessProbes"));
  auto success = int_of(probe, "successThreshold").value_or(0);
  if (kind != ProbeKind::readiness && success != 1)
    out.push_back(api::field_invalid_verbatim(path + ".successThreshold", std::to_string(success), "must be 1"));
}

void validate_probes_and_hooks(const json& c, const std::string& at, api::FieldErrors& out) {
  if (const json* lifecycle = member(c, "lifecycle")) {
    for (const char* hook : {"postStart", "preStop"})
      if (const json* h = member(*lifecycle, hook)) validate_handler(*h, at + ".lifecycle." + hook, false, out);
  }
  if (const json* p = member(c, "livenessProbe")) validate_probe(*p, at + ".livenessProbe", ProbeKind::liveness, out);
  if (const json* p = member(c, "readinessProbe")) validate_probe(*p, at + ".readinessProbe", ProbeKind::readiness, out);
  if (const json* p = member(c, "startupProbe")) validate_probe(*p, at + ".startupProbe", ProbeKind::startup, out);
}

// validateContainerCommon.
void validate_common(const json& c, const std::set<std::string>& volumes, const std::string& at, api::FieldErrors& out) {
  std::string name = string_of(c, "name");
  if (name.empty()) {
    out.push_back(api::field_required(at + ".name", ""));
  } else {
    add_invalid(out, at + ".name", name, api::check_dns1123_label(name));
  }
  if (string_of(c, "image").empty()) out.push_back(api::field_required(at + ".image", ""));
  if (string_of(c, "terminationMessagePolicy").empty())
    out.push_back(api::field_required(at + ".terminationMessagePolicy", ""));
  validate_ports(array_of(c, "ports"), at + ".ports", out);
  validate_env(array_of(c, "env"), at + ".env", out);
  validate_mounts(array_of(c, "volumeMounts"), volumes, at + ".volumeMounts", out);
  if (string_of(c, "imagePullPolicy").empty()) out.push_back(api::field_required(at + ".imagePullPolicy", ""));
  validate_resources(object_of(c, "resources"), at + ".resources", out);
}

// checkHostPortConflicts: one host port per address and protocol across the containers.
void check_host_ports(const json& containers, const std::string& path, api::FieldErrors& out) {
  std::set<std::string> seen;
  for (size_t ci = 0; ci < containers.size(); ++ci) {
    const json& ports = array_of(containers[ci], "ports");
    for (size_t pi = 0; pi < ports.size(); ++pi) {
      int64_t host = int_of(ports[pi], "hostPort").value_or(0);
      if (host == 0) continue;
      std::string key = string_of(ports[pi], "hostIP") + "/" + string_of(ports[pi], "protocol") + "/" + std::to_string(host);
      if (!seen.insert(key).second)
        out.push_back(api::field_duplicate(index_path(index_path(path, ci) + ".ports", pi) + ".hostPort", key));
    }
  }
}

}  // namespace

void validate_containers(const json& spec, const std::set<std::string>& volumes, const std::string& path,
                         api::FieldErrors& out) {
  const json& containers = array_of(spec, "containers");
  std::string base = path + ".containers";
  if (containers.empty()) {
    out.push_back(api::field_required(base, ""));
  } else {
    std::set<std::string> names;
    for (size_t i = 0; i < containers.size(); ++i) {
      const json& c = containers[i];
      std::string at = index_path(base, i);
      validate_common(c, volumes, at, out);
      std::string name = string_of(c, "name");
      if (!names.insert(name).second) out.push_back(api::field_duplicate(at + ".name", name));
      validate_probes_and_hooks(c, at, out);
      if (has(c, "restartPolicy")) out.push_back(api::field_forbidden(at + ".restartPolicy", "may not be set for non-init containers"));
    }
    check_host_ports(containers, base, out);
  }

  // Init container names share one namespace with the regular containers' names.
  std::set<std::string> names;
  for (const auto& c : containers) names.insert(string_of(c, "name"));
  const json& inits = array_of(spec, "initContainers");
  for (size_t i = 0; i < inits.size(); ++i) {
    const json& c = inits[i];
    std::string at = index_path(path + ".initContainers", i);
    validate_common(c, volumes, at, out);
    std::string name = string_of(c, "name");
    if (names.count(name)) {
      out.push_back(api::field_duplicate(at + ".name", name));
    } else if (!name.empty()) {
      names.insert(name);
    }
    // restartPolicy Always makes a sidecar, which may have probes and hooks.
    if (string_of(c, "restartPolicy") == "Always") {
      validate_probes_and_hooks(c, at, out);
      continue;
    }
    if (has(c, "lifecycle"))
      out.push_back(api::field_forbidden(at + ".lifecycle", "may not be set for init containers without restartPolicy=Always"));
    if (has(c, "livenessProbe"))
      out.push_back(api::field_forbidden(at + ".livenessProbe", "may not be set for init containers without restartPolicy=Always"));
    if (has(c, "readinessProbe"))
      out.push_back(api::field_forbidden(at + ".readinessProbe", "may not be set for init containers"));
    if (has(c, "startupProbe"))
      out.push_back(api::field_forbidden(at + ".startupProbe", "may not be set for init containers without restartPolicy=Always"));
  }
}

}  // namespace mk::apiserver
