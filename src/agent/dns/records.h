#pragma once
// The cluster zone: Services and EndpointSlices turned into DNS answers by the rules of the
// Kubernetes DNS specification as CoreDNS's kubernetes plugin applies them (`pods insecure`,
// TTL 5):
//   <svc>.<ns>.svc.<zone>               A/AAAA: the cluster IPs; headless: each ready endpoint
//   <host>.<svc>.<ns>.svc.<zone>        A/AAAA of the endpoint whose hostname (or dashed IP) is <host>
//   _<port>._<proto>.<svc>.<ns>.svc...  SRV per matching port (target: the service, or the endpoint)
//   <svc>... of an ExternalName service CNAME <externalName>
//   <a>-<b>-<c>-<d>.<ns>.pod.<zone>     A a.b.c.d, unchecked
//   reverse names of service and endpoint IPs: PTR to the names above
// A name that does not exist is NXDOMAIN; one that exists without records of the asked type is
// NOERROR with no answer (NODATA); both carry the zone's SOA in the authority section.
//
// Informer handlers feed it one object at a time; each change rebuilds only the service it
// touches, so a lookup is a few hash-map finds under a shared lock.

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/dns/message.h"

namespace mk::agent::dns {

struct ZoneSettings {
  std::string domain = "cluster.local";
  std::string dns_ip = "10.43.0.10";  // the address NS queries for the zone are answered with
  uint32_t ttl = 5;
};

// What the zone says about one question.
struct Answer {
  uint16_t rcode = kNoError;
  std::vector<Record> answers, authority, additional;
};

class ClusterRecords {
 public:
  explicit ClusterRecords(ZoneSettings settings);
  ClusterRecords(const ClusterRecords&) = delete;
  ClusterRecords& operator=(const ClusterRecords&) = delete;

  const ZoneSettings& settings() const { return settings_; }

  void set_service(const nlohmann::json& service);
  void remove_service(const nlohmann::json& service);
  void set_endpoint_slice(const nlohmann::json& slice);
  void remove_endpoint_slice(const nlohmann::json& slice);

  // The answer for `qname` (as asked, any letter case, no trailing dot), or nothing when the
  // name is not the zone's to answer: names outside it, and reverse names of addresses no
  // service or endpoint has.
  std::optional<Answer> lookup(std::string_view qname, uint16_t qtype) const;

  size_t service_count() const;

  struct Port {
    std::string name;   // may be empty
    std::string proto;  // lower case: tcp, udp, sctp
    uint16_t port = 0;
  };
  struct Endpoint {
    std::string address;  // 4 or 16 raw bytes
    std::string host;     // the hostname field, else the dashed address
    std::vector<Port> ports;
  };
  struct Entry {
    enum class Kind { cluster_ip, headless, external_name } kind = Kind::cluster_ip;
    std::vector<std::string> addresses;  // cluster IPs, raw bytes
    std::string external_name;
    std::vector<Port> ports;
    std::vector<Endpoint> endpoints;  // ready ones only, one per address
    std::unordered_map<std::string, std::vector<size_t>> by_host;
  };

 private:
  struct ServiceInfo {
    Entry::Kind kind = Entry::Kind::cluster_ip;
    std::vector<std::string> addresses;
    std::string external_name;
    std::vector<Port> ports;
  };
  struct SliceInfo {
    std::string service_key;
    std::vector<Endpoint> endpoints;
  };

  void rebuild(const std::string& key);  // under the unique lock
  Answer negative(uint16_t rcode) const;
  Answer service_answer(std::string_view qname, uint16_t qtype, const Entry& entry, const std::string& service_fqdn,
                        std::string_view endpoint, std::string_view port, std::string_view proto) const;

  ZoneSettings settings_;
  std::string zone_suffix_;  // "." + domain, lower case
  Record soa_;

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, ServiceInfo> services_;           // "<svc>.<ns>"
  std::unordered_map<std::string, SliceInfo> slices_;               // "<ns>/<slice>"
  std::unordered_map<std::string, std::set<std::string>> slices_of_;  // service key -> slice keys
  std::unordered_map<std::string, std::shared_ptr<const Entry>> entries_;
  std::unordered_map<std::string, std::vector<std::string>> reverse_;  // raw address -> names
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::string>>> reverse_of_;  // key -> its pairs
};

// "10-42-1-5" -> raw 4 bytes; "fd00--5" -> raw 16 bytes; nothing when it is no address.
std::optional<std::string> parse_dashed_address(std::string_view label);
// The reverse name's address ("5.1.42.10.in-addr.arpa" -> 10.42.1.5), lower-case input.
std::optional<std::string> parse_reverse_name(std::string_view name);
// Raw bytes <-> text.
std::optional<std::string> parse_address(const std::string& text);
std::string address_text(const std::string& raw);

}  // namespace mk::agent::dns
