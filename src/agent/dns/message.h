#pragma once
// DNS messages on the wire (RFC 1035, EDNS0 from RFC 6891): parsing with every length and
// pointer checked, and encoding with name compression and truncation to a size limit.
//
// Names are held as presentation text without the trailing dot ("" is the root), letters in
// the case they arrived in; a label holding a '.' or '\' is escaped as \DDD.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace mk::agent::dns {

enum RecordType : uint16_t {
  kA = 1,
  kNS = 2,
  kCNAME = 5,
  kSOA = 6,
  kPTR = 12,
  kMX = 15,
  kTXT = 16,
  kAAAA = 28,
  kSRV = 33,
  kOPT = 41,
  kANY = 255,
};
constexpr uint16_t kClassIN = 1;

enum Rcode : uint16_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
  kBadVers = 16,  // extended: upper 8 bits travel in the OPT record
};

struct Header {
  uint16_t id = 0;
  bool qr = false, aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
  uint8_t opcode = 0;
  uint16_t rcode = 0;  // up to 12 bits with EDNS
};

struct Question {
  std::string name;
  uint16_t type = kA;
  uint16_t klass = kClassIN;
};

struct Soa {
  std::string mname, rname;
  uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};

// One resource record. The rdata lives in the member its type uses: `address` (4 or 16 bytes)
// for A/AAAA; `target` for CNAME, PTR, NS and SRV (with priority, weight, port) and MX
// (priority); `soa` for SOA; `raw` for every other type (TXT's character-strings as sent).
struct Record {
  std::string name;
  uint16_t type = kA;
  uint16_t klass = kClassIN;
  uint32_t ttl = 0;
  std::string address;
  std::string target;
  uint16_t priority = 0, weight = 0, port = 0;
  Soa soa;
  std::string raw;
};

struct Edns {
  uint16_t udp_size = 512;
  uint8_t version = 0;
  bool dnssec_ok = false;
  std::string options;  // option TLVs, opaque
};

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<Record> answers, authority, additional;  // `additional` without the OPT record
  std::optional<Edns> edns;
};

// Parses a whole message; trailing bytes, loops of compression pointers, labels over 63 bytes,
// names over 255 bytes, counts beyond the data and more than one OPT record are refused.
Result<Message> parse(std::string_view wire);

// Encodes with name compression. When the result would exceed `max_size`, the additional
// records are dropped first (no TC needed: RFC 2181 9); if it still does not fit, the answer and
// authority sections are emptied and TC is set. The OPT record is always kept.
std::string encode(const Message& message, size_t max_size = 65535);

// Record builders with the class IN.
Record a_record(std::string name, uint32_t ttl, std::string address);  // 4 or 16 raw bytes
Record name_record(std::string name, uint16_t type, uint32_t ttl, std::string target);  // CNAME, PTR, NS
Record srv_record(std::string name, uint32_t ttl, uint16_t priority, uint16_t weight, uint16_t port,
                  std::string target);
Record soa_record(std::string name, uint32_t ttl, Soa soa);
Record txt_record(std::string name, uint32_t ttl, const std::vector<std::string>& strings);

// ASCII lower case (DNS names compare case-insensitively, RFC 4343).
std::string lower(std::string_view name);
bool names_equal(std::string_view a, std::string_view b);

// "www.example.com" for humans and logs; type names ("A", "SRV", or "TYPE123").
std::string type_name(uint16_t type);

}  // namespace mk::agent::dns
