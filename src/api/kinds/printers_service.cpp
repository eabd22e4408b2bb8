// Service, Endpoints and EndpointSlice columns.
#include <nlohmann/json.hpp>

#include <set>

#include "api/kinds/printers_format.h"
#include "api/kinds/printers_kinds.h"

namespace mk::api::printers {
namespace {

// A service without a type decodes as ClusterIP upstream.
std::string service_type(const nlohmann::json& svc) { return text_or(svc, "spec.type", "ClusterIP"); }

// spec.clusterIPs[0], falling back on spec.clusterIP for objects written without the list.
nlohmann::json cluster_ip_cell(const nlohmann::json& svc) {
  const auto& ips = array_at(svc, "spec.clusterIPs");
  std::string ip = !ips.empty() && ips[0].is_string() ? ips[0].get<std::string>() : "";
  if (ip.empty()) ip = text_at(svc, "spec.clusterIP");
  return ip.empty() ? "<none>" : ip;
}

std::vector<std::string> strings_of(const nlohmann::json& array) {
  std::vector<std::string> out;
  for (const auto& v : array) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// Load balancer ingress points: the IP, else the hostname, deduplicated and sorted.
std::vector<std::string> load_balancer_points(const nlohmann::json& object) {
  std::set<std::string> points;
  for (const auto& i : array_at(object, "status.loadBalancer.ingress")) {
    const std::string ip = text_at(i, "ip");
    const std::string host = text_at(i, "hostname");
    if (!ip.empty()) {
      points.insert(ip);
    } else if (!host.empty()) {
      points.insert(host);
    }
  }
  return {points.begin(), points.end()};
}

nlohmann::json external_ip_cell(const nlohmann::json& svc) {
  const std::string type = service_type(svc);
  const auto external_ips = strings_of(array_at(svc, "spec.externalIPs"));
  if (type == "ClusterIP" || type == "NodePort") {
    return external_ips.empty() ? "<none>" : join(external_ips, ",");
  }
  if (type == "LoadBalancer") {
    auto points = load_balancer_points(svc);
    if (!external_ips.empty()) {
      points.insert(points.end(), external_ips.begin(), external_ips.end());
      return join(points, ",");
    }
    return points.empty() ? "<pending>" : join(points, ",");
  }
  if (type == "ExternalName") return text_at(svc, "spec.externalName");
  return "<unknown>";
}

// "80/TCP", or "80:30080/TCP" with a node port, comma-joined; "<none>" without ports.
nlohmann::json ports_cell(const nlohmann::json& svc) {
  std::vector<std::string> parts;
  for (const auto& p : array_at(svc, "spec.ports")) {
    // A port without a protocol decodes as TCP upstream.
    const std::string protocol = text_or(p, "protocol", "TCP");
    const int64_t node_port = int_at(p, "nodePort");
    std::string part = std::to_string(int_at(p, "port"));
    if (node_port > 0) part += ":" + std::to_string(node_port);
    parts.push_back(part + "/" + protocol);
  }
  return parts.empty() ? "<none>" : join(parts, ",");
}

// Up to three "ip:port" pairs across the subsets, then " + N more...".
nlohmann::json endpoints_cell(const nlohmann::json& ep) {
  const auto& subsets = array_at(ep, "subsets");
  if (subsets.empty()) return "<none>";
  constexpr size_t max = 3;
  std::vector<std::string> list;
  bool more = false;
  size_t count = 0;
  for (const auto& ss : subsets) {
    const auto& addresses = array_at(ss, "addresses");
    const auto& ports = array_at(ss, "ports");
    if (ports.empty()) {
      // Headless services may have no ports: list the bare addresses.
      count += addresses.size();
      for (const auto& a : addresses) {
        if (list.size() == max) {
          more = true;
          break;
        }
        list.push_back(text_at(a, "ip"));
      }
      continue;
    }
    for (const auto& port : ports) {
      count += addresses.size();
      for (const auto& a : addresses) {
        if (list.size() == max) {
          more = true;
          break;
        }
        list.push_back(join_host_port(text_at(a, "ip"), int_at(port, "port")));
      }
    }
  }
  std::string out = join(list, ",");
  if (more) return out + " + " + std::to_string(count - max) + " more...";
  return out;
}

// Up to three items, then " + N more..."; "<unset>" for none.
std::string list_with_more(const std::vector<std::string>& list, bool more, size_t count, size_t max) {
  std::string out = join(list, ",");
  if (more) return out + " + " + std::to_string(count - max) + " more...";
  return out.empty() ? "<unset>" : out;
}

nlohmann::json slice_ports_cell(const nlohmann::json& slice) {
  constexpr size_t max = 3;
  std::vector<std::string> list;
  bool more = false;
  size_t count = 0;
  for (const auto& p : array_at(slice, "ports")) {
    if (list.size() < max) {
      // A port without a number is shown by name, or "*" when it has neither.
      std::string port = "*";
      if (is_set(p, "port")) {
        port = std::to_string(int_at(p, "port"));
      } else if (is_set(p, "name")) {
        port = text_at(p, "name");
      }
      list.push_back(port);
    } else if (list.size() == max) {
      more = true;
    }
    ++count;
  }
  return list_with_more(list, more, count, max);
}

nlohmann::json slice_endpoints_cell(const nlohmann::json& slice) {
  constexpr size_t max = 3;
  std::vector<std::string> list;
  bool more = false;
  size_t count = 0;
  for (const auto& e : array_at(slice, "endpoints")) {
    for (const auto& address : array_at(e, "addresses")) {
      if (list.size() < max) {
        list.push_back(address.is_string() ? address.get<std::string>() : "");
      } else if (list.size() == max) {
        more = true;
      }
      ++count;
    }
  }
  return list_with_more(list, more, count, max);
}

}  // namespace

std::vector<PrinterColumn> service_columns() {
  return {
      name_column(),
      column("Type", "string",
             "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.",
             [](const nlohmann::json& o) -> nlohmann::json { return service_type(o); }),
      column("Cluster-IP", "string", "The virtual IP inside the cluster.", cluster_ip_cell),
      column("External-IP", "string", "Addresses reaching the service from outside the cluster.",
             external_ip_cell),
      column("Port(s)", "string", "The ports the service exposes.", ports_cell),
      age_column(),
      wide_column("Selector", "string", "Labels of the pods traffic is routed to.",
                  [](const nlohmann::json& o) -> nlohmann::json {
                    return format_labels(object_at(o, "spec.selector"));
                  }),
  };
}

std::vector<PrinterColumn> endpoints_columns() {
  return {
      name_column(),
      column("Endpoints", "string", "The addresses and ports behind the service.", endpoints_cell),
      age_column(),
  };
}

std::vector<PrinterColumn> endpoint_slice_columns() {
  return {
      name_column(),
      column("AddressType", "string", "The kind of addresses the slice carries: IPv4, IPv6 or FQDN.",
             [](const nlohmann::json& o) -> nlohmann::json { return text_at(o, "addressType"); }),
      column("Ports", "string", "The ports each endpoint serves.", slice_ports_cell),
      column("Endpoints", "string", "The endpoints' addresses.", slice_endpoints_cell),
      age_column(),
  };
}

}  // namespace mk::api::printers
