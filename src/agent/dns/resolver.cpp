#include "agent/dns/resolver.h"

#include <algorithm>

namespace mk::agent::dns {
namespace {

constexpr uint16_t kAXFR = 252, kIXFR = 251;

Message reply_to(const Message& query, uint16_t rcode) {
  Message r;
  r.header.id = query.header.id;
  r.header.qr = true;
  r.header.opcode = query.header.opcode;
  r.header.rd = query.header.rd;
  r.header.cd = query.header.cd;
  r.header.ra = true;
  r.header.rcode = rcode;
  r.questions = query.questions;
  if (query.edns) {
    Edns e;
    e.udp_size = kAdvertisedUdpSize;
    e.dnssec_ok = query.edns->dnssec_ok;
    r.edns = e;
  }
  return r;
}

// The header of a packet that failed to parse, read directly: enough to say FORMERR to a
// query and to stay silent to anything else.
bool is_query_header(std::string_view packet, uint16_t& id) {
  if (packet.size() < 12) return false;
  id = static_cast<uint16_t>(static_cast<uint8_t>(packet[0]) << 8 | static_cast<uint8_t>(packet[1]));
  return (static_cast<uint8_t>(packet[2]) & 0x80) == 0;
}

}  // namespace

size_t reply_limit(const Message& query, bool tcp) {
  if (tcp) return 65535;
  if (!query.edns) return 512;
  return std::clamp<size_t>(query.edns->udp_size, 512, 4096);
}

std::string error_reply(const Message& query, uint16_t rcode, bool tcp) {
  return encode(reply_to(query, rcode), reply_limit(query, tcp));
}

Outcome Resolver::handle(std::string_view packet, bool tcp) const {
  Outcome out;
  auto parsed = parse(packet);
  if (!parsed) {
    uint16_t id = 0;
    if (!is_query_header(packet, id)) return out;
    Message r;
    r.header.id = id;
    r.header.qr = true;
    r.header.opcode = static_cast<uint8_t>((static_cast<uint8_t>(packet[2]) >> 3) & 0xF);
    r.header.rcode = kFormErr;
    out.action = Outcome::Action::reply;
    out.wire = encode(r, 512);
    return out;
  }
  const Message& query = *parsed;
  if (query.header.qr) return out;
  out.action = Outcome::Action::reply;
  if (query.header.opcode != 0) {
    out.wire = error_reply(query, kNotImp, tcp);
    return out;
  }
  if (query.questions.size() != 1) {
    out.wire = error_reply(query, kFormErr, tcp);
    return out;
  }
  if (query.edns && query.edns->version != 0) {
    Message r = reply_to(query, kBadVers);
    if (!r.edns) r.edns = Edns{};
    out.wire = encode(r, reply_limit(query, tcp));
    return out;
  }
  const Question& q = query.questions[0];
  std::optional<Answer> answer;
  if (q.klass == kClassIN || q.klass == kANY) answer = records_.lookup(q.name, q.type);
  if (!answer) {
    out.action = Outcome::Action::forward;
    return out;
  }
  if (!ready_) {
    out.wire = error_reply(query, kServFail, tcp);
    return out;
  }
  if (q.type == kAXFR || q.type == kIXFR) {
    out.wire = error_reply(query, kRefused, tcp);
    return out;
  }
  Message r = reply_to(query, answer->rcode);
  r.header.aa = true;
  r.answers = std::move(answer->answers);
  r.authority = std::move(answer->authority);
  r.additional = std::move(answer->additional);
  // An ExternalName's CNAME, asked for addresses: follow it, in the zone at once, outside it
  // through the upstreams.
  if ((q.type == kA || q.type == kAAAA) && r.answers.size() == 1 && r.answers[0].type == kCNAME) {
    std::string target = r.answers[0].target;
    if (auto inside = records_.lookup(target, q.type)) {
      for (auto& rec : inside->answers) r.answers.push_back(std::move(rec));
    } else {
      out.action = Outcome::Action::chase;
      out.chase_name = std::move(target);
      out.chase_type = q.type;
      out.limit = reply_limit(query, tcp);
      out.wire = encode(r, out.limit);
      out.partial = std::move(r);
      return out;
    }
  }
  out.wire = encode(r, reply_limit(query, tcp));
  return out;
}

std::string chase_query(const Outcome& chase) {
  Message q;
  q.header.id = 0;  // the forwarder sets its own
  q.header.rd = true;
  q.questions.push_back({chase.chase_name, chase.chase_type, kClassIN});
  Edns e;
  e.udp_size = kAdvertisedUdpSize;
  q.edns = e;
  return encode(q);
}

std::string finish_chase(const Outcome& chase, const Result<std::string>& upstream_reply) {
  if (!chase.partial || !upstream_reply) return chase.wire;
  auto upstream = parse(*upstream_reply);
  if (!upstream || upstream->header.rcode != kNoError || upstream->questions.size() != 1 ||
      !names_equal(upstream->questions[0].name, chase.chase_name))
    return chase.wire;
  Message r = *chase.partial;
  r.header.aa = false;  // part of the answer is not ours
  for (auto& rec : upstream->answers) r.answers.push_back(std::move(rec));
  return encode(r, chase.limit);
}

}  // namespace mk::agent::dns
