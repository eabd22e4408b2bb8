#pragma once
// One query in, one decision out: the reply from the cluster zone, a reply saying why the
// query cannot be served (FORMERR, NOTIMP, BADVERS, REFUSED), a forward to the upstream
// resolvers, or nothing for packets that deserve no answer (replies, runts). No I/O here; the
// server does the sockets.

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include "agent/dns/message.h"
#include "agent/dns/records.h"

namespace mk::agent::dns {

// The UDP payload size this server advertises in its OPT record (the DNS flag day value).
constexpr uint16_t kAdvertisedUdpSize = 1232;

struct Outcome {
  enum class Action { reply, forward, chase, drop } action = Action::drop;
  std::string wire;  // the reply (Action::reply); for a chase, the reply with the CNAME alone
  // Action::chase: an ExternalName service's CNAME points outside the zone; its target is
  // resolved upstream and the answers appended, as CoreDNS does, because stub resolvers (glibc,
  // musl) do not follow a CNAME themselves.
  std::optional<Message> partial;
  std::string chase_name;
  uint16_t chase_type = 0;
  size_t limit = 512;
};

class Resolver {
 public:
  explicit Resolver(const ClusterRecords& records, bool ready = true) : records_(records), ready_(ready) {}
  Outcome handle(std::string_view packet, bool tcp) const;

  // Until the records have their first lists, zone questions get SERVFAIL (as CoreDNS answers
  // before its informers sync): an NXDOMAIN then would be cached as the truth.
  void set_ready(bool ready) { ready_ = ready; }

 private:
  const ClusterRecords& records_;
  std::atomic<bool> ready_;
};

// The most a reply may take: 65535 over TCP; over UDP 512, or the client's EDNS size within
// [512, 4096].
size_t reply_limit(const Message& query, bool tcp);

// The upstream query for a chase (RD, EDNS0), and the final reply from the upstream's answer:
// the CNAME followed by the answers for its target; the CNAME alone when the upstream failed
// or answered nonsense.
std::string chase_query(const Outcome& chase);
std::string finish_chase(const Outcome& chase, const Result<std::string>& upstream_reply);

// A reply to `query` with only the question, the given rcode and RA (SERVFAIL when the
// upstreams fail, say), encoded within reply_limit.
std::string error_reply(const Message& query, uint16_t rcode, bool tcp);

}  // namespace mk::agent::dns
