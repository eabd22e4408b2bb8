#include "agent/netpol/policy_rules.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

#include "agent/proxy/service_rules.h"
#include "api/json_path.h"
#include "api/label_selector.h"

namespace mk::agent::netpol {
namespace {

using nlohmann::json;
using proxy::is_ipv4;
using proxy::is_ipv4_cidr;
using proxy::name_hash;
using proxy::nft_name;

struct PodView {
  std::string key, ns, name, ip, node;
  const json* obj;
};

bool has_type(const json& policy, const std::string& type) {
  const json* types = api::find_path(policy, "spec.policyTypes");
  if (types && types->is_array() && !types->empty()) {
    for (const auto& t : *types) {
      if (t.is_string() && t.get<std::string>() == type) return true;
    }
    return false;
  }
  // Upstream's default: Ingress always, Egress when the policy has egress rules.
  if (type == "Ingress") return true;
  const json* egress = api::find_path(policy, "spec.egress");
  return egress && egress->is_array();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The network address of a CIDR (nft wants no host bits), or nullopt if not IPv4.
std::optional<std::string> network_of(const std::string& cidr) {
  if (!is_ipv4_cidr(cidr)) return std::nullopt;
  auto slash = cidr.find('/');
  int bits = std::stoi(cidr.substr(slash + 1));
  in_addr a{};
  inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &a);
  uint32_t host = ntohl(a.s_addr);
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  a.s_addr = htonl(host & mask);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(bits);
}

// The port number a named port has on `pod` for `protocol`, 0 if none.
int named_port(const json& pod, const std::string& name, const std::string& protocol) {
  const json* containers = api::find_path(pod, "spec.containers");
  if (!containers || !containers->is_array()) return 0;
  for (const auto& c : *containers) {
    const json* ports = api::find_path(c, "ports");
    if (!ports || !ports->is_array()) continue;
    for (const auto& p : *ports) {
      if (api::string_at(p, "name") == name && api::string_at(p, "protocol", "TCP") == protocol)
        return static_cast<int>(api::int_at(p, "containerPort"));
    }
  }
  return 0;
}

// The port matches of a rule's `ports` for traffic to `target` (a pod, for named ports; null
// when unknown): "" for any port, nothing at all when no entry can match.
std::vector<std::string> port_matches(const json* ports, const json* target) {
  if (!ports || !ports->is_array() || ports->empty()) return {""};
  std::vector<std::string> out;
  for (const auto& p : *ports) {
    std::string protocol = api::string_at(p, "protocol", "TCP");
    std::string proto = lower(protocol);
    if (proto != "tcp" && proto != "udp" && proto != "sctp") continue;
    std::string match = "meta l4proto " + proto;
    const json* port = api::find_path(p, "port");
    if (!port || port->is_null()) {
      out.push_back(match);
      continue;
    }
    int number = 0;
    if (port->is_number_integer()) {
      number = port->get<int>();
    } else if (port->is_string()) {
      std::string s = port->get<std::string>();
      if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 6) number = std::stoi(s);
      else if (target) number = named_port(*target, s, protocol);
    }
    if (number <= 0 || number > 65535) continue;
    int64_t end = api::int_at(p, "endPort", 0);
    if (end > number && end <= 65535) {
      out.push_back(match + " th dport " + std::to_string(number) + "-" + std::to_string(end));
    } else {
      out.push_back(match + " th dport " + std::to_string(number));
    }
  }
  return out;
}

class Builder {
 public:
  Builder(const PolicyInputs& in) : in_(in) {
    for (const auto& [key, pod] : in.pods) {
      if (api::string_at(pod, "spec.hostNetwork") == "true") continue;
      std::string phase = api::string_at(pod, "status.phase");
      if (phase == "Succeeded" || phase == "Failed") continue;
      std::string ip = api::string_at(pod, "status.podIP");
      if (!is_ipv4(ip)) continue;
      pods_.push_back({key, api::string_at(pod, "metadata.namespace"), api::string_at(pod, "metadata.name"), ip,
                       api::string_at(pod, "spec.nodeName"), &pod});
    }
  }

  std::map<std::string, nftables::Fragment> build(const std::string& node) {
    std::map<std::string, nftables::Fragment> out;
    for (const auto& pod : pods_) {
      if (pod.node != node) continue;
      nftables::Fragment f;
      for (const char* dir : {"Ingress", "Egress"}) {
        bool ingress = std::string(dir) == "Ingress";
        std::vector<std::string> rules;
        bool isolated = false;
        for (const auto& [pkey, policy] : in_.policies) {
          if (api::string_at(policy, "metadata.namespace") != pod.ns || !has_type(policy, dir)) continue;
          if (!selects(api::find_path(policy, "spec.podSelector"), *pod.obj)) continue;
          isolated = true;
          const json* list = api::find_path(policy, ingress ? "spec.ingress" : "spec.egress");
          if (!list || !list->is_array()) continue;
          for (const auto& rule : *list) add_rule(rules, pod, pod.ns, rule, ingress);
        }
        if (!isolated) continue;
        rules.push_back("drop");
        std::string id = pod.ns + "/" + pod.name;
        std::string chain = std::string(ingress ? "ingress-" : "egress-") + name_hash(id) + "-" + nft_name(id);
        f.chains[chain] = std::move(rules);
        f.elements[ingress ? "pod-ingress" : "pod-egress"][pod.ip] = "jump " + chain;
      }
      if (!f.empty()) out[pod.key] = std::move(f);
    }
    return out;
  }

 private:
  bool selects(const json* selector, const json& pod) const {
    if (!selector || selector->is_null()) return true;  // podSelector: {} selects all
    auto sel = api::LabelSelector::from_json(*selector);
    if (!sel) return false;
    const json* labels = api::find_path(pod, "metadata.labels");
    return sel->matches(labels ? *labels : json());
  }

  bool namespace_selected(const json* selector, const std::string& ns) const {
    auto it = in_.namespaces.find(ns);
    json labels = it != in_.namespaces.end() && api::find_path(it->second, "metadata.labels")
                      ? *api::find_path(it->second, "metadata.labels")
                      : json::object();
    // Namespaces carry kubernetes.io/metadata.name even if the object is not cached yet.
    labels["kubernetes.io/metadata.name"] = ns;
    auto sel = api::LabelSelector::from_json(*selector);
    return sel && sel->matches(labels);
  }

  // Pods a peer with podSelector/namespaceSelector picks, seen from a policy in `policy_ns`.
  std::vector<const PodView*> peer_pods(const json& peer, const std::string& policy_ns) const {
    const json* pod_sel = api::find_path(peer, "podSelector");
    const json* ns_sel = api::find_path(peer, "namespaceSelector");
    std::vector<const PodView*> out;
    for (const auto& p : pods_) {
      if (ns_sel && !ns_sel->is_null()) {
        if (!namespace_selected(ns_sel, p.ns)) continue;
      } else if (p.ns != policy_ns) {
        continue;
      }
      if (pod_sel && !pod_sel->is_null() && !selects(pod_sel, *p.obj)) continue;
      out.push_back(&p);
    }
    return out;
  }

  void add_rule(std::vector<std::string>& rules, const PodView& self, const std::string& policy_ns, const json& rule,
                bool ingress) {
    const std::string addr = ingress ? "ip saddr " : "ip daddr ";
    const json* ports = api::find_path(rule, "ports");
    const json* peers = api::find_path(rule, ingress ? "from" : "to");
    auto emit = [&](const std::string& peer_match, const json* target) {
      for (const auto& pm : port_matches(ports, target)) {
        std::string r = peer_match;
        if (!pm.empty()) r += (r.empty() ? "" : " ") + pm;
        rules.push_back((r.empty() ? "" : r + " ") + "return");
      }
    };
    if (!peers || !peers->is_array() || peers->empty()) {
      emit("", ingress ? self.obj : nullptr);
      return;
    }
    for (const auto& peer : *peers) {
      if (const json* block = api::find_path(peer, "ipBlock"); block && block->is_object()) {
        auto cidr = network_of(api::string_at(*block, "cidr"));
        if (!cidr) continue;  // IPv6 blocks have no IPv4 traffic to match
        std::string match = addr + *cidr;
        std::vector<std::string> excepts;
        if (const json* ex = api::find_path(*block, "except"); ex && ex->is_array()) {
          for (const auto& e : *ex) {
            if (!e.is_string()) continue;
            if (auto n = network_of(e.get<std::string>())) excepts.push_back(*n);
          }
        }
        if (!excepts.empty()) {
          match += " " + addr + "!= { ";
          for (size_t i = 0; i < excepts.size(); ++i) match += (i ? ", " : "") + excepts[i];
          match += " }";
        }
        emit(match, ingress ? self.obj : nullptr);
        continue;
      }
      auto picked = peer_pods(peer, policy_ns);
      if (picked.empty()) continue;
      if (ingress) {
        std::set<std::string> ips;
        for (const auto* p : picked) ips.insert(p->ip);
        std::string set;
        for (const auto& ip : ips) set += (set.empty() ? "" : ", ") + ip;
        emit(addr + "{ " + set + " }", self.obj);
      } else {
        // Named ports of an egress rule are the destination pod's: one match per pod.
        for (const auto* p : picked) emit(addr + p->ip, p->obj);
      }
    }
  }

  const PolicyInputs& in_;
  std::vector<PodView> pods_;
};

}  // namespace

std::string policy_table_name(const std::string& node_name) { return nft_name("minikube-netpol-" + node_name); }

std::string policy_table_skeleton() {
  // After kube-proxy's DNAT (priority 0 > -100): rules see endpoint addresses, not service IPs.
  return R"(  map pod-ingress { type ipv4_addr : verdict; }
  map pod-egress { type ipv4_addr : verdict; }
  set node-dns { type ipv4_addr . inet_proto . inet_service; }
  chain forward {
    type filter hook forward priority 0; policy accept;
    ct state established,related accept
    ip saddr vmap @pod-egress
    ip daddr vmap @pod-ingress
  }
  chain input {
    type filter hook input priority 0; policy accept;
    ct state established,related accept
    ip daddr . meta l4proto . th dport @node-dns accept
    ip saddr vmap @pod-egress
  })";
}

std::map<std::string, nftables::Fragment> build_policy_fragments(const PolicyInputs& in, const std::string& node_name) {
  return Builder(in).build(node_name);
}

nftables::Fragment cluster_dns_fragment(const std::string& cluster_dns) {
  nftables::Fragment f;
  if (!is_ipv4(cluster_dns)) return f;
  for (const char* proto : {"udp", "tcp"}) f.elements["node-dns"][cluster_dns + " . " + proto + " . 53"] = "";
  return f;
}

}  // namespace mk::agent::netpol
