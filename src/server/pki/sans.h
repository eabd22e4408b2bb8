#pragma once
// Subject alternative names. kubectl (Go) and Python check the serving certificate's SANs only,
// never its CN, and an address in the server URL needs an IP SAN, so the serving certificate
// must list every name and address clients use.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace mk::pki {

// Canonical form: DNS names in lowercase, IPs as inet_ntop prints them; each list sorted and
// without duplicates, so two sets compare with ==.
struct SanSet {
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;

  bool operator==(const SanSet&) const = default;
};

// Sorts each list into canonical form in place.
void normalize(SanSet& sans);

// Adds one name: an IPv4/IPv6 address becomes an IP SAN, anything else must be a DNS name
// (letters, digits, '-', '_', dots; "*." allowed as the first label). Errc::invalid_argument
// otherwise. Call normalize() after the last add.
Status add_san(SanSet& sans, std::string_view name);

// Every name in `want` is in `have` (have may hold more).
bool covers(const SanSet& have, const SanSet& want);

// Names in `want` missing from `have`, "DNS:x" / "IP:y", for log lines.
std::vector<std::string> missing_sans(const SanSet& have, const SanSet& want);

// The first address of a CIDR ("10.43.0.0/16" -> "10.43.0.1"): the `kubernetes` Service's
// ClusterIP. Host bits in the input are ignored.
Result<std::string> first_address(std::string_view cidr);

// The host's non-loopback addresses (getifaddrs), except IPv6 link-local ones, which are
// unusable in a URL without a zone. Canonical text, sorted, without duplicates.
Result<std::vector<std::string>> host_addresses();

struct ServingSanOptions {
  std::vector<std::string> extra_sans;        // --tls-san
  std::string service_cidr = "10.43.0.0/16";  // one CIDR, or two comma-separated (dual stack)
  std::string cluster_domain = "cluster.local";
  bool include_host = true;                   // the host's addresses and host name
};

// What the API server's serving certificate must cover: 127.0.0.1, ::1, localhost, kubernetes,
// kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.<cluster domain>, the first
// address of each service CIDR, the host's addresses and name, and the extra names.
Result<SanSet> serving_sans(const ServingSanOptions& options);

}  // namespace mk::pki
