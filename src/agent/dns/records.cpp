#include "agent/dns/records.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <mutex>

namespace mk::agent::dns {

using nlohmann::json;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::vector<std::string_view> split_labels(std::string_view name) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    out.push_back(name.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

std::string text_at(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& object_at(const json& obj, const char* key) {
  static const json empty = json::object();
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? *it : empty;
}

const json& array_at(const json& obj, const char* key) {
  static const json empty = json::array();
  auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? *it : empty;
}

std::vector<ClusterRecords::Port> ports_of(const json& list) {
  std::vector<ClusterRecords::Port> out;
  for (const auto& p : list) {
    if (!p.is_object() || !p.contains("port") || !p["port"].is_number_integer()) continue;
    int64_t number = p["port"].get<int64_t>();
    if (number <= 0 || number > 65535) continue;
    std::string proto = text_at(p, "protocol");
    out.push_back({lower(text_at(p, "name")), proto.empty() ? "tcp" : lower(proto), static_cast<uint16_t>(number)});
  }
  return out;
}

std::string dashed(const std::string& raw) {
  std::string text = address_text(raw);
  std::replace(text.begin(), text.end(), raw.size() == 4 ? '.' : ':', '-');
  return text;
}

// `_http` and `http` both name the port http; `*` and `any` match every port or protocol.
bool matches(std::string_view wanted, const std::string& have) {
  if (!wanted.empty() && wanted[0] == '_') wanted.remove_prefix(1);
  return wanted == "*" || wanted == "any" || wanted == have;
}

std::string service_key(const json& obj) {
  const json& meta = object_at(obj, "metadata");
  std::string ns = text_at(meta, "namespace");
  return text_at(meta, "name") + "." + (ns.empty() ? "default" : ns);
}

std::string slice_key(const json& obj) {
  const json& meta = object_at(obj, "metadata");
  std::string ns = text_at(meta, "namespace");
  return (ns.empty() ? "default" : ns) + "/" + text_at(meta, "name");
}

}  // namespace

std::optional<std::string> parse_address(const std::string& text) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 16);
  return std::nullopt;
}

std::string address_text(const std::string& raw) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (raw.size() == 4) inet_ntop(AF_INET, raw.data(), buf, sizeof buf);
  else if (raw.size() == 16) inet_ntop(AF_INET6, raw.data(), buf, sizeof buf);
  return buf;
}

std::optional<std::string> parse_dashed_address(std::string_view label) {
  if (label.empty() || label.size() > 45) return std::nullopt;
  std::string text(label);
  if (std::count(text.begin(), text.end(), '-') == 3 && text.find_first_not_of("0123456789-") == std::string::npos) {
    std::replace(text.begin(), text.end(), '-', '.');
    auto raw = parse_address(text);
    if (raw && raw->size() == 4) return raw;
    return std::nullopt;
  }
  std::replace(text.begin(), text.end(), '-', ':');
  auto raw = parse_address(text);
  if (raw && raw->size() == 16) return raw;
  return std::nullopt;
}

std::optional<std::string> parse_reverse_name(std::string_view name) {
  if (ends_with(name, ".in-addr.arpa")) {
    auto labels = split_labels(name.substr(0, name.size() - 13));
    if (labels.size() != 4) return std::nullopt;
    std::string raw(4, '\0');
    for (size_t i = 0; i < 4; ++i) {
      std::string_view l = labels[3 - i];
      if (l.empty() || l.size() > 3 || l.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
      if (l.size() > 1 && l[0] == '0') return std::nullopt;
      int v = std::stoi(std::string(l));
      if (v > 255) return std::nullopt;
      raw[i] = static_cast<char>(v);
    }
    return raw;
  }
  if (ends_with(name, ".ip6.arpa")) {
    auto labels = split_labels(name.substr(0, name.size() - 9));
    if (labels.size() != 32) return std::nullopt;
    std::string raw(16, '\0');
    for (size_t i = 0; i < 32; ++i) {
      std::string_view l = labels[31 - i];
      if (l.size() != 1 || !std::isxdigit(static_cast<unsigned char>(l[0]))) return std::nullopt;
      int v = std::isdigit(static_cast<unsigned char>(l[0])) ? l[0] - '0' : (l[0] | 0x20) - 'a' + 10;
      raw[i / 2] = static_cast<char>(raw[i / 2] | (i % 2 == 0 ? v << 4 : v));
    }
    return raw;
  }
  return std::nullopt;
}

ClusterRecords::ClusterRecords(ZoneSettings settings) : settings_(std::move(settings)) {
  settings_.domain = lower(settings_.domain);
  while (!settings_.domain.empty() && settings_.domain.back() == '.') settings_.domain.pop_back();
  zone_suffix_ = "." + settings_.domain;
  Soa soa;
  soa.mname = "ns.dns." + settings_.domain;
  soa.rname = "hostmaster." + settings_.domain;
  soa.serial = static_cast<uint32_t>(std::time(nullptr));
  soa.refresh = 7200;
  soa.retry = 1800;
  soa.expire = 86400;
  soa.minimum = settings_.ttl;
  soa_ = soa_record(settings_.domain, settings_.ttl, soa);
}

size_t ClusterRecords::service_count() const {
  std::shared_lock lock(mu_);
  return entries_.size();
}

void ClusterRecords::set_service(const json& service) {
  if (!service.is_object()) return;
  const json& spec = object_at(service, "spec");
  ServiceInfo info;
  std::string type = text_at(spec, "type");
  std::string cluster_ip = text_at(spec, "clusterIP");
  if (type == "ExternalName") {
    info.kind = Entry::Kind::external_name;
    info.external_name = lower(text_at(spec, "externalName"));
    while (!info.external_name.empty() && info.external_name.back() == '.') info.external_name.pop_back();
  } else if (cluster_ip == "None") {
    info.kind = Entry::Kind::headless;
  } else {
    std::vector<std::string> ips;
    for (const auto& ip : array_at(spec, "clusterIPs"))
      if (ip.is_string()) ips.push_back(ip.get<std::string>());
    if (ips.empty() && !cluster_ip.empty()) ips.push_back(cluster_ip);
    for (const auto& ip : ips)
      if (auto raw = parse_address(ip)) info.addresses.push_back(*raw);
  }
  info.ports = ports_of(array_at(spec, "ports"));
  std::string key = service_key(service);
  std::unique_lock lock(mu_);
  services_[key] = std::move(info);
  rebuild(key);
}

void ClusterRecords::remove_service(const json& service) {
  std::string key = service_key(service);
  std::unique_lock lock(mu_);
  services_.erase(key);
  rebuild(key);
}

void ClusterRecords::set_endpoint_slice(const json& slice) {
  if (!slice.is_object()) return;
  std::string key = slice_key(slice);
  const json& meta = object_at(slice, "metadata");
  std::string ns = text_at(meta, "namespace");
  std::string service = text_at(object_at(meta, "labels"), "kubernetes.io/service-name");
  SliceInfo info;
  if (!service.empty()) info.service_key = service + "." + (ns.empty() ? "default" : ns);
  std::string address_type = text_at(slice, "addressType");
  if (address_type != "FQDN") {
    std::vector<Port> ports = ports_of(array_at(slice, "ports"));
    for (const auto& e : array_at(slice, "endpoints")) {
      if (!e.is_object()) continue;
      // A missing ready condition means ready (EndpointConditions).
      const json& conditions = object_at(e, "conditions");
      if (conditions.contains("ready") && conditions["ready"] == false) continue;
      std::string hostname = lower(text_at(e, "hostname"));
      for (const auto& a : array_at(e, "addresses")) {
        if (!a.is_string()) continue;
        auto raw = parse_address(a.get<std::string>());
        if (!raw) continue;
        info.endpoints.push_back({*raw, hostname.empty() ? dashed(*raw) : hostname, ports});
      }
    }
  }
  std::unique_lock lock(mu_);
  std::string previous;
  if (auto it = slices_.find(key); it != slices_.end()) previous = it->second.service_key;
  if (!previous.empty() && previous != info.service_key) {
    slices_of_[previous].erase(key);
    if (slices_of_[previous].empty()) slices_of_.erase(previous);
    rebuild(previous);
  }
  std::string owner = info.service_key;
  if (owner.empty()) {
    slices_.erase(key);
    return;
  }
  slices_[key] = std::move(info);
  slices_of_[owner].insert(key);
  rebuild(owner);
}

void ClusterRecords::remove_endpoint_slice(const json& slice) {
  std::string key = slice_key(slice);
  std::unique_lock lock(mu_);
  auto it = slices_.find(key);
  if (it == slices_.end()) return;
  std::string owner = it->second.service_key;
  slices_.erase(it);
  if (auto s = slices_of_.find(owner); s != slices_of_.end()) {
    s->second.erase(key);
    if (s->second.empty()) slices_of_.erase(s);
  }
  rebuild(owner);
}

void ClusterRecords::rebuild(const std::string& key) {
  // Take back this service's reverse names first.
  if (auto it = reverse_of_.find(key); it != reverse_of_.end()) {
    for (const auto& [address, name] : it->second) {
      auto r = reverse_.find(address);
      if (r == reverse_.end()) continue;
      auto& names = r->second;
      names.erase(std::remove(names.begin(), names.end(), name), names.end());
      if (names.empty()) reverse_.erase(r);
    }
    reverse_of_.erase(it);
  }
  auto svc = services_.find(key);
  if (svc == services_.end()) {
    entries_.erase(key);
    return;
  }
  auto entry = std::make_shared<Entry>();
  entry->kind = svc->second.kind;
  entry->addresses = svc->second.addresses;
  entry->external_name = svc->second.external_name;
  entry->ports = svc->second.ports;
  if (auto slices = slices_of_.find(key); slices != slices_of_.end()) {
    std::unordered_map<std::string, size_t> by_address;
    for (const auto& slice_name : slices->second) {
      auto slice = slices_.find(slice_name);
      if (slice == slices_.end()) continue;
      for (const auto& ep : slice->second.endpoints) {
        auto [at, fresh] = by_address.emplace(ep.address, entry->endpoints.size());
        if (fresh) {
          entry->endpoints.push_back(ep);
          continue;
        }
        auto& ports = entry->endpoints[at->second].ports;
        for (const auto& p : ep.ports) {
          bool known = std::any_of(ports.begin(), ports.end(), [&](const Port& q) {
            return q.name == p.name && q.proto == p.proto && q.port == p.port;
          });
          if (!known) ports.push_back(p);
        }
      }
    }
  }
  for (size_t i = 0; i < entry->endpoints.size(); ++i) entry->by_host[entry->endpoints[i].host].push_back(i);

  std::string fqdn = key + ".svc." + settings_.domain;
  auto& mine = reverse_of_[key];
  auto add_reverse = [&](const std::string& address, std::string name) {
    auto& names = reverse_[address];
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    mine.emplace_back(address, std::move(name));
  };
  if (entry->kind == Entry::Kind::cluster_ip)
    for (const auto& a : entry->addresses) add_reverse(a, fqdn);
  if (entry->kind != Entry::Kind::external_name)
    for (const auto& ep : entry->endpoints) add_reverse(ep.address, ep.host + "." + fqdn);
  entries_[key] = std::move(entry);
}

Answer ClusterRecords::negative(uint16_t rcode) const {
  Answer a;
  a.rcode = rcode;
  a.authority.push_back(soa_);
  return a;
}

std::optional<Answer> ClusterRecords::lookup(std::string_view qname, uint16_t qtype) const {
  std::string name = lower(qname);
  const uint32_t ttl = settings_.ttl;

  if (ends_with(name, ".in-addr.arpa") || ends_with(name, ".ip6.arpa")) {
    auto address = parse_reverse_name(name);
    if (!address) return std::nullopt;
    std::shared_lock lock(mu_);
    auto it = reverse_.find(*address);
    if (it == reverse_.end()) return std::nullopt;
    Answer a;
    if (qtype == kPTR || qtype == kANY) {
      for (const auto& target : it->second) a.answers.push_back(name_record(std::string(qname), kPTR, ttl, target));
    } else {
      Record soa = soa_;
      soa.name = address->size() == 4 ? "in-addr.arpa" : "ip6.arpa";
      a.authority.push_back(std::move(soa));
    }
    return a;
  }

  if (name != settings_.domain && !ends_with(name, zone_suffix_)) return std::nullopt;
  std::string_view rel = name == settings_.domain ? std::string_view()
                                                   : std::string_view(name).substr(0, name.size() - zone_suffix_.size());
  if (rel.empty()) {
    Answer a;
    if (qtype == kSOA || qtype == kANY) a.answers.push_back(soa_);
    if (qtype == kNS || qtype == kANY) {
      a.answers.push_back(name_record(std::string(qname), kNS, ttl, soa_.soa.mname));
      if (auto ip = parse_address(settings_.dns_ip)) a.additional.push_back(a_record(soa_.soa.mname, ttl, *ip));
    }
    if (a.answers.empty()) a.authority.push_back(soa_);
    return a;
  }
  if (rel == "dns-version") {
    if (qtype != kTXT) return negative(kNoError);
    Answer a;
    a.answers.push_back(txt_record(std::string(qname), ttl, {"1.0.1"}));
    return a;
  }
  if (rel == "ns.dns") {
    auto ip = parse_address(settings_.dns_ip);
    bool v4 = ip && ip->size() == 4;
    if (!ip || !(qtype == kANY || (qtype == kA && v4) || (qtype == kAAAA && !v4))) return negative(kNoError);
    Answer a;
    a.answers.push_back(a_record(std::string(qname), ttl, *ip));
    return a;
  }

  // Labels from the right: svc|pod, namespace, service (or pod address), then one endpoint
  // label or two port/protocol labels. Anything longer does not exist.
  auto labels = split_labels(rel);
  size_t n = labels.size();
  std::string_view kind = labels[n - 1];
  if (kind != "svc" && kind != "pod") return negative(kNxDomain);
  if (n <= 2) return negative(kNoError);  // svc.<zone>, <ns>.svc.<zone>: names without records
  std::string_view ns = labels[n - 2];
  std::string_view first = labels[n - 3];

  if (kind == "pod") {
    if (n != 3) return negative(kNxDomain);
    auto address = parse_dashed_address(first);
    if (!address) return negative(kNxDomain);
    bool v4 = address->size() == 4;
    if (!(qtype == kANY || (qtype == kA && v4) || (qtype == kAAAA && !v4))) return negative(kNoError);
    Answer a;
    a.answers.push_back(a_record(std::string(qname), ttl, *address));
    return a;
  }

  if (n > 5) return negative(kNxDomain);
  std::string key;
  key.reserve(first.size() + 1 + ns.size());
  key.append(first).append(".").append(ns);
  std::shared_lock lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return negative(kNxDomain);
  std::string_view endpoint = n == 4 ? labels[0] : std::string_view();
  std::string_view port = n == 5 ? labels[0] : std::string_view();
  std::string_view proto = n == 5 ? labels[1] : std::string_view();
  return service_answer(qname, qtype, *it->second, key + ".svc." + settings_.domain, endpoint, port, proto);
}

Answer ClusterRecords::service_answer(std::string_view qname, uint16_t qtype, const Entry& entry,
                                      const std::string& service_fqdn, std::string_view endpoint, std::string_view port,
                                      std::string_view proto) const {
  const uint32_t ttl = settings_.ttl;
  if (entry.kind == Entry::Kind::external_name) {
    if (!endpoint.empty() || !port.empty() || entry.external_name.empty()) return negative(kNxDomain);
    Answer a;
    a.answers.push_back(name_record(std::string(qname), kCNAME, ttl, entry.external_name));
    return a;
  }

  struct Target {
    const std::string* address;
    uint16_t port;  // 0: no port
    std::string name;
  };
  std::vector<Target> targets;
  const bool filtered = !port.empty();
  auto add_ports = [&](const std::string& address, const std::vector<Port>& ports, const std::string& target) {
    if (ports.empty()) {
      if (!filtered) targets.push_back({&address, 0, target});
      return;
    }
    for (const auto& p : ports) {
      if (filtered && !(matches(port, p.name) && matches(proto, p.proto))) continue;
      targets.push_back({&address, p.port, target});
    }
  };
  if (entry.kind == Entry::Kind::headless || !endpoint.empty()) {
    auto add_endpoint = [&](const Endpoint& ep) { add_ports(ep.address, ep.ports, ep.host + "." + service_fqdn); };
    if (!endpoint.empty()) {
      if (auto hit = entry.by_host.find(std::string(endpoint)); hit != entry.by_host.end())
        for (size_t i : hit->second) add_endpoint(entry.endpoints[i]);
    } else {
      for (const auto& ep : entry.endpoints) add_endpoint(ep);
    }
  } else {
    for (const auto& a : entry.addresses) add_ports(a, entry.ports, service_fqdn);
  }
  if (targets.empty()) return negative(kNxDomain);

  Answer a;
  if (qtype == kA || qtype == kAAAA || qtype == kANY) {
    std::vector<const std::string*> seen;
    for (const auto& t : targets) {
      bool v4 = t.address->size() == 4;
      if (qtype != kANY && v4 != (qtype == kA)) continue;
      if (std::find_if(seen.begin(), seen.end(), [&](const std::string* s) { return *s == *t.address; }) != seen.end())
        continue;
      seen.push_back(t.address);
      a.answers.push_back(a_record(std::string(qname), ttl, *t.address));
    }
  } else if (qtype == kSRV) {
    std::vector<const Target*> srv;
    for (const auto& t : targets) {
      if (t.port == 0) continue;
      bool dup = std::any_of(srv.begin(), srv.end(), [&](const Target* s) { return s->port == t.port && s->name == t.name; });
      if (!dup) srv.push_back(&t);
    }
    // Equal priority; the weight shares 100 among the records, as CoreDNS does.
    uint16_t weight = srv.empty() ? 0 : static_cast<uint16_t>(std::max<size_t>(1, 100 / srv.size()));
    std::vector<std::pair<std::string, const std::string*>> glue;
    for (const Target* t : srv) {
      a.answers.push_back(srv_record(std::string(qname), ttl, 0, weight, t->port, t->name));
      bool dup = std::any_of(glue.begin(), glue.end(), [&](const auto& g) { return g.first == t->name && *g.second == *t->address; });
      if (!dup) glue.emplace_back(t->name, t->address);
    }
    for (const auto& [host, address] : glue) a.additional.push_back(a_record(host, ttl, *address));
  }
  if (a.answers.empty()) return negative(kNoError);
  return a;
}

}  // namespace mk::agent::dns
