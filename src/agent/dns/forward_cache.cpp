#include "agent/dns/forward_cache.h"

#include <algorithm>

namespace mk::agent::dns {

std::string ForwardCache::key_of(const Message& query) {
  const Question& q = query.questions.at(0);
  std::string key = lower(q.name);
  key += '\0';
  key += std::to_string(q.type) + "/" + std::to_string(q.klass);
  // A DNSSEC-aware asker gets signatures; others must not be served from its entry.
  if (query.edns && query.edns->dnssec_ok) key += "/do";
  if (query.header.cd) key += "/cd";
  return key;
}

std::optional<std::string> ForwardCache::get(const Message& query, size_t limit, Clock::time_point now) {
  if (query.questions.size() != 1) return std::nullopt;
  Message reply;
  Clock::time_point stored;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key_of(query));
    if (it == entries_.end()) return std::nullopt;
    if (now >= it->second.expires) {
      entries_.erase(it);
      return std::nullopt;
    }
    reply = it->second.reply;
    stored = it->second.stored;
  }
  auto age = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(now - stored).count());
  for (auto* section : {&reply.answers, &reply.authority, &reply.additional})
    for (auto& r : *section) r.ttl = r.ttl > age ? r.ttl - age : 0;
  reply.header.id = query.header.id;
  reply.header.rd = query.header.rd;
  reply.questions = query.questions;
  if (!query.edns) reply.edns.reset();
  std::string wire = encode(reply, limit);
  if (wire.size() >= 4 && (static_cast<uint8_t>(wire[2]) & 0x02)) return std::nullopt;  // would truncate: ask upstream
  return wire;
}

void ForwardCache::put(const Message& query, std::string_view wire, Clock::time_point now) {
  if (query.questions.size() != 1) return;
  auto reply = parse(wire);
  if (!reply || reply->header.tc || !reply->header.qr) return;
  uint16_t rcode = reply->header.rcode;
  if (rcode != kNoError && rcode != kNxDomain) return;
  // Positive: the smallest answer TTL; negative: the SOA's (its TTL and minimum, RFC 2308).
  uint32_t ttl = static_cast<uint32_t>(max_ttl_.count());
  bool any = false;
  for (const auto& r : reply->answers) {
    ttl = std::min(ttl, r.ttl);
    any = true;
  }
  if (!any) {
    for (const auto& r : reply->authority) {
      if (r.type != kSOA) continue;
      ttl = std::min({ttl, r.ttl, r.soa.minimum});
      any = true;
    }
  }
  if (!any || ttl == 0) return;
  // Served TTLs never exceed how long the entry lives, so downstream caches expire with it.
  for (auto* section : {&reply->answers, &reply->authority, &reply->additional})
    for (auto& r : *section) r.ttl = std::min(r.ttl, ttl);
  std::lock_guard lock(mu_);
  if (entries_.size() >= max_entries_) {
    for (auto it = entries_.begin(); it != entries_.end();) it = it->second.expires <= now ? entries_.erase(it) : std::next(it);
    if (entries_.size() >= max_entries_) entries_.clear();
  }
  entries_[key_of(query)] = Entry{std::move(*reply), now, now + std::chrono::seconds(ttl)};
}

size_t ForwardCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace mk::agent::dns
