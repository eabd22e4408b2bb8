// Services: defaults upstream computes, and cluster IPs and node ports allocated from their
// ranges through the store (one key per address or port, so two services never share one).
#include <arpa/inet.h>

#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "api/json_path.h"
#include "server/apiserver/strategies/kind_strategies.h"

namespace mk::apiserver {
namespace {

using nlohmann::json;

struct Cidr {
  uint32_t base = 0;
  int bits = 0;
  uint32_t size() const { return bits >= 32 ? 1u : (1u << (32 - bits)); }
};

std::optional<Cidr> parse_cidr(const std::string& s) {
  auto slash = s.find('/');
  if (slash == std::string::npos) return std::nullopt;
  in_addr a{};
  if (inet_pton(AF_INET, s.substr(0, slash).c_str(), &a) != 1) return std::nullopt;
  int bits = std::atoi(s.c_str() + slash + 1);
  if (bits < 8 || bits > 30) return std::nullopt;
  uint32_t mask = bits == 0 ? 0 : ~0u << (32 - bits);
  return Cidr{ntohl(a.s_addr) & mask, bits};
}

std::string ip_string(uint32_t ip) {
  in_addr a{htonl(ip)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::optional<uint32_t> parse_ip(const std::string& s) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

const char* kIpPrefix = "/registry/ranges/serviceips/";
const char* kPortPrefix = "/registry/ranges/servicenodeports/";
constexpr int kNodePortMin = 30000, kNodePortMax = 32767;

std::string owner(const json& svc) {
  return api::string_at(svc, "metadata.namespace") + "/" + api::string_at(svc, "metadata.name");
}

bool reserve(store::Store& kv, const std::string& key, const std::string& who) {
  auto r = kv.create(key, who);
  return static_cast<bool>(r);
}

void release_all(const json& svc, ApiContext& ctx) {
  auto& kv = ctx.objects.kv();
  std::string who = owner(svc);
  auto drop = [&](const std::string& key) {
    auto cur = kv.get(key);
    if (cur && cur->has_value() && (*cur)->value == who) (void)kv.remove(key, (*cur)->mod_revision);
  };
  std::string ip = api::string_at(svc, "spec.clusterIP");
  if (!ip.empty() && ip != "None") drop(kIpPrefix + ip);
  if (const json* ports = api::find_path(svc, "spec.ports"); ports && ports->is_array()) {
    for (const auto& p : *ports) {
      if (p.contains("nodePort") && p["nodePort"].is_number_integer())
        drop(kPortPrefix + std::to_string(p["nodePort"].get<int64_t>()));
    }
  }
}

std::optional<api::ApiError> allocate(json& svc, const AdmissionRequest& req) {
  ApiContext& ctx = *req.ctx;
  auto& kv = ctx.objects.kv();
  std::string who = owner(svc);
  std::string name = api::string_at(svc, "metadata.name");
  std::string type = api::string_at(svc, "spec.type", "ClusterIP");
  auto invalid = [&](const std::string& field, const std::string& msg) {
    return api::invalid("Service", "", name, {{"FieldValueInvalid", field + ": Invalid value: " + msg, field}});
  };

  if (type != "ExternalName") {
    std::string want = api::string_at(svc, "spec.clusterIP");
    auto cidr = parse_cidr(ctx.service_cidr);
    if (!cidr) return api::internal_error("service CIDR " + ctx.service_cidr + " is not a valid IPv4 CIDR");
    if (want.empty()) {
      // A random start spreads allocations; the first address is the API server's.
      static thread_local std::mt19937 rng{std::random_device{}()};
      uint32_t span = cidr->size() - 3;  // skip network, the kubernetes service address, broadcast
      uint32_t start = rng() % span;
      bool done = false;
      for (uint32_t i = 0; i < span && !done; ++i) {
        std::string ip = ip_string(cidr->base + 2 + (start + i) % span);
        if (reserve(kv, kIpPrefix + ip, who)) {
          svc["spec"]["clusterIP"] = ip;
          done = true;
        }
      }
      if (!done) return api::internal_error("failed to allocate a serviceIP: range is full");
    } else if (want != "None") {
      auto ip = parse_ip(want);
      if (!ip || *ip < cidr->base || *ip >= cidr->base + cidr->size())
        return invalid("spec.clusterIPs", "[]string{\"" + want + "\"}: failed to allocate IP " + want +
                                              ": the provided IP (" + want + ") is not in the valid range. The range of valid IPs is " +
                                              ctx.service_cidr);
      if (!reserve(kv, kIpPrefix + want, who))
        return invalid("spec.clusterIPs", "[]string{\"" + want + "\"}: failed to allocate IP " + want +
                                              ": provided IP is already allocated");
    }
    std::string ip = api::string_at(svc, "spec.clusterIP");
    svc["spec"]["clusterIPs"] = json::array({ip});
  }

  if (type == "NodePort" || type == "LoadBalancer") {
    json& ports = svc["spec"]["ports"];
    static thread_local std::mt19937 rng{std::random_device{}()};
    for (size_t i = 0; i < ports.size(); ++i) {
      json& p = ports[i];
      if (p.contains("nodePort") && p["nodePort"].is_number_integer() && p["nodePort"].get<int64_t>() != 0) {
        int64_t np = p["nodePort"].get<int64_t>();
        std::string field = "spec.ports[" + std::to_string(i) + "].nodePort";
        if (np < kNodePortMin || np > kNodePortMax) {
          release_all(svc, ctx);
          return invalid(field, std::to_string(np) + ": provided port is not in the valid range. The range of valid ports is 30000-32767");
        }
        if (!reserve(kv, kPortPrefix + std::to_string(np), who)) {
          p.erase("nodePort");
          release_all(svc, ctx);
          return invalid(field, std::to_string(np) + ": provided port is already allocated");
        }
        continue;
      }
      int span = kNodePortMax - kNodePortMin + 1;
      int start = static_cast<int>(rng() % static_cast<unsigned>(span));
      bool done = false;
      for (int k = 0; k < span && !done; ++k) {
        int port = kNodePortMin + (start + k) % span;
        if (reserve(kv, kPortPrefix + std::to_string(port), who)) {
          p["nodePort"] = port;
          done = true;
        }
      }
      if (!done) {
        release_all(svc, ctx);
        return api::internal_error("failed to allocate a nodePort: range is full");
      }
    }
  }
  return std::nullopt;
}

void defaults(json& svc, const AdmissionRequest& req) {
  json& spec = svc["spec"];
  if (!spec.is_object()) spec = json::object();
  std::string type = spec.value("type", "ClusterIP");
  if (spec.contains("ports") && spec["ports"].is_array()) {
    for (auto& p : spec["ports"]) {
      if (!p.is_object()) continue;
      if (!p.contains("protocol")) p["protocol"] = "TCP";
      if (!p.contains("targetPort") && p.contains("port")) p["targetPort"] = p["port"];
    }
  }
  if (type != "ExternalName") {
    if (!spec.contains("internalTrafficPolicy")) spec["internalTrafficPolicy"] = "Cluster";
    if (!spec.contains("ipFamilies")) spec["ipFamilies"] = json::array({"IPv4"});
    if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";
  }
  if ((type == "NodePort" || type == "LoadBalancer") && !spec.contains("externalTrafficPolicy"))
    spec["externalTrafficPolicy"] = "Cluster";
  if (type == "LoadBalancer" && !spec.contains("allocateLoadBalancerNodePorts"))
    spec["allocateLoadBalancerNodePorts"] = true;
  if (!spec.contains("sessionAffinity")) spec["sessionAffinity"] = "None";
  if (spec.value("sessionAffinity", "") == "ClientIP" && !spec.contains("sessionAffinityConfig"))
    spec["sessionAffinityConfig"] = {{"clientIP", {{"timeoutSeconds", 10800}}}};
  // Updates keep what was allocated: an omitted clusterIP or nodePort means "unchanged".
  if (req.old) {
    const json* old_spec = api::find_path(*req.old, "spec");
    if (old_spec) {
      for (const char* f : {"clusterIP", "clusterIPs"})
        if (!spec.contains(f) && old_spec->contains(f)) spec[f] = (*old_spec)[f];
      if (spec.contains("ports") && old_spec->contains("ports")) {
        for (auto& p : spec["ports"]) {
          if (p.contains("nodePort")) continue;
          for (const auto& op : (*old_spec)["ports"])
            if (op.value("port", 0) == p.value("port", -1) && op.contains("nodePort") &&
                (type == "NodePort" || type == "LoadBalancer"))
              p["nodePort"] = op["nodePort"];
        }
      }
    }
  }
}

std::vector<api::StatusCause> validate(const json& svc, const AdmissionRequest& req) {
  std::vector<api::StatusCause> out;
  const json* spec = api::find_path(svc, "spec");
  std::string type = api::string_at(svc, "spec.type", "ClusterIP");
  const json* ports = spec ? api::find_path(*spec, "ports") : nullptr;
  bool need_ports = type != "ExternalName" && api::string_at(svc, "spec.clusterIP") != "None";
  if (need_ports && (!ports || !ports->is_array() || ports->empty()))
    out.push_back({"FieldValueRequired", "spec.ports: Required value", "spec.ports"});
  if (ports && ports->is_array()) {
    std::set<std::string> names;
    for (size_t i = 0; i < ports->size(); ++i) {
      const json& p = (*ports)[i];
      std::string f = "spec.ports[" + std::to_string(i) + "]";
      int64_t port = p.value("port", int64_t{0});
      if (port < 1 || port > 65535)
        out.push_back({"FieldValueInvalid", f + ".port: Invalid value: " + std::to_string(port) + ": must be between 1 and 65535, inclusive", f + ".port"});
      std::string n = p.value("name", "");
      if (ports->size() > 1 && n.empty())
        out.push_back({"FieldValueRequired", f + ".name: Required value", f + ".name"});
      if (!n.empty() && !names.insert(n).second)
        out.push_back({"FieldValueDuplicate", f + ".name: Duplicate value: \"" + n + "\"", f + ".name"});
    }
  }
  if (type == "ExternalName" && api::string_at(svc, "spec.externalName").empty())
    out.push_back({"FieldValueRequired", "spec.externalName: Required value", "spec.externalName"});
  if (req.old) {
    std::string before = api::string_at(*req.old, "spec.clusterIP");
    std::string after = api::string_at(svc, "spec.clusterIP");
    std::string old_type = api::string_at(*req.old, "spec.type", "ClusterIP");
    if (!before.empty() && before != after && old_type != "ExternalName" && type != "ExternalName")
      out.push_back({"FieldValueInvalid", "spec.clusterIPs[0]: Invalid value: []string{\"" + after + "\"}: may not change once set", "spec.clusterIPs[0]"});
  }
  return out;
}

}  // namespace

KindStrategy service_strategy() {
  KindStrategy s;
  s.initial_status = [](const json&) { return json{{"loadBalancer", json::object()}}; };
  s.defaults = defaults;
  s.validate = validate;
  s.before_create = allocate;
  s.after_delete = release_all;
  return s;
}

}  // namespace mk::apiserver
