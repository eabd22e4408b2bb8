#include "agent/dns/message.h"

#include <cctype>
#include <cstdio>
#include <tuple>

namespace mk::agent::dns {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxName = 255;
constexpr size_t kMaxLabel = 63;
// A name can hold at most 127 labels, so more pointer hops than that means a loop.
constexpr int kMaxHops = 128;

Error malformed(const std::string& why) { return make_error(Errc::invalid_argument, "parse DNS message: " + why); }

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

class Reader {
 public:
  explicit Reader(std::string_view wire) : wire_(wire) {}
  size_t pos() const { return pos_; }
  size_t left() const { return wire_.size() - pos_; }

  bool u8(uint8_t& v) {
    if (left() < 1) return false;
    v = static_cast<uint8_t>(wire_[pos_++]);
    return true;
  }
  bool u16(uint16_t& v) {
    if (left() < 2) return false;
    v = static_cast<uint16_t>(static_cast<uint8_t>(wire_[pos_]) << 8 | static_cast<uint8_t>(wire_[pos_ + 1]));
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t& v) {
    uint16_t hi, lo;
    if (!u16(hi) || !u16(lo)) return false;
    v = static_cast<uint32_t>(hi) << 16 | lo;
    return true;
  }
  bool bytes(size_t n, std::string& out) {
    if (left() < n) return false;
    out.assign(wire_.substr(pos_, n));
    pos_ += n;
    return true;
  }

  // A possibly compressed name, as presentation text.
  Status name(std::string& out) {
    out.clear();
    size_t at = pos_;
    size_t resume = 0;  // where reading continues after the first pointer
    size_t wire_length = 1;  // the root label
    int hops = 0;
    while (true) {
      if (at >= wire_.size()) return malformed("name runs past the end");
      uint8_t len = static_cast<uint8_t>(wire_[at]);
      if ((len & 0xC0) == 0xC0) {
        if (at + 1 >= wire_.size()) return malformed("compression pointer runs past the end");
        size_t target = static_cast<size_t>(len & 0x3F) << 8 | static_cast<uint8_t>(wire_[at + 1]);
        // Pointers must go backwards: that alone rules out loops; the hop limit is a second guard.
        if (target >= at) return malformed("compression pointer does not point backwards");
        if (++hops > kMaxHops) return malformed("too many compression pointers");
        if (resume == 0) resume = at + 2;
        at = target;
        continue;
      }
      if ((len & 0xC0) != 0) return malformed("unknown label type");
      if (len == 0) {
        pos_ = resume ? resume : at + 1;
        return Status::ok();
      }
      if (at + 1 + len > wire_.size()) return malformed("label runs past the end");
      wire_length += 1 + len;
      if (wire_length > kMaxName) return malformed("name longer than 255 bytes");
      if (!out.empty()) out += '.';
      for (size_t i = 0; i < len; ++i) {
        unsigned char c = static_cast<unsigned char>(wire_[at + 1 + i]);
        if (c == '.' || c == '\\' || c < 0x21 || c > 0x7E) {
          char esc[5];
          std::snprintf(esc, sizeof esc, "\\%03u", c);
          out += esc;
        } else {
          out += static_cast<char>(c);
        }
      }
      at += 1 + len;
    }
  }

 private:
  std::string_view wire_;
  size_t pos_ = 0;
};

void put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xFF);
}

void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v & 0xFFFF));
}

// Splits presentation text into wire labels, undoing \DDD and \X escapes. Bad text (an empty
// label, a label over 63 bytes) yields labels the encoder clips rather than an error: names
// the server writes come from its own tables or from parsed queries.
std::vector<std::string> labels_of(std::string_view name) {
  std::vector<std::string> labels;
  if (name.empty() || name == ".") return labels;
  std::string cur;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '\\' && i + 1 < name.size()) {
      if (i + 3 < name.size() && std::isdigit(static_cast<unsigned char>(name[i + 1])) &&
          std::isdigit(static_cast<unsigned char>(name[i + 2])) && std::isdigit(static_cast<unsigned char>(name[i + 3]))) {
        int v = (name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 + (name[i + 3] - '0');
        cur += static_cast<char>(v & 0xFF);
        i += 3;
      } else {
        cur += name[++i];
      }
    } else if (c == '.') {
      labels.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) labels.push_back(std::move(cur));
  return labels;
}

class Writer {
 public:
  std::string out;

  // Writes `name`, reusing an earlier suffix when one matches (case-insensitively).
  void name(std::string_view text, bool compress = true) {
    std::vector<std::string> labels = labels_of(text);
    for (size_t i = 0; i < labels.size(); ++i) {
      std::string key;
      for (size_t j = i; j < labels.size(); ++j) {
        key += lower(labels[j]);
        key += '.';
      }
      if (compress) {
        for (const auto& [suffix, offset] : suffixes_) {
          if (suffix == key) {
            put16(out, static_cast<uint16_t>(0xC000 | offset));
            return;
          }
        }
      }
      if (out.size() < 0x4000) suffixes_.emplace_back(std::move(key), static_cast<uint16_t>(out.size()));
      std::string_view label = labels[i];
      if (label.size() > kMaxLabel) label = label.substr(0, kMaxLabel);
      out += static_cast<char>(label.size());
      out.append(label);
    }
    out += '\0';
  }

 private:
  std::vector<std::pair<std::string, uint16_t>> suffixes_;
};

void write_record(Writer& w, const Record& r) {
  w.name(r.name);
  put16(w.out, r.type);
  put16(w.out, r.klass);
  put32(w.out, r.ttl);
  size_t length_at = w.out.size();
  put16(w.out, 0);
  switch (r.type) {
    case kA:
    case kAAAA:
      w.out += r.address;
      break;
    case kCNAME:
    case kPTR:
    case kNS:
      w.name(r.target);
      break;
    case kMX:
      put16(w.out, r.priority);
      w.name(r.target);
      break;
    case kSRV:
      put16(w.out, r.priority);
      put16(w.out, r.weight);
      put16(w.out, r.port);
      w.name(r.target, false);  // RFC 2782: the target is never compressed
      break;
    case kSOA:
      w.name(r.soa.mname);
      w.name(r.soa.rname);
      put32(w.out, r.soa.serial);
      put32(w.out, r.soa.refresh);
      put32(w.out, r.soa.retry);
      put32(w.out, r.soa.expire);
      put32(w.out, r.soa.minimum);
      break;
    default:
      w.out += r.raw;
  }
  size_t length = w.out.size() - length_at - 2;
  w.out[length_at] = static_cast<char>(length >> 8);
  w.out[length_at + 1] = static_cast<char>(length & 0xFF);
}

Status read_record(Reader& r, Record& rec, std::optional<Edns>* edns, bool& was_opt, uint8_t& ext_rcode) {
  was_opt = false;
  if (auto ok = r.name(rec.name); !ok) return ok;
  uint16_t rdlength = 0;
  if (!r.u16(rec.type) || !r.u16(rec.klass) || !r.u32(rec.ttl) || !r.u16(rdlength)) return malformed("record header runs past the end");
  if (r.left() < rdlength) return malformed("record data runs past the end");
  size_t end = r.pos() + rdlength;
  auto finish = [&]() -> Status {
    if (r.pos() != end) return malformed(type_name(rec.type) + " record data has the wrong length");
    return Status::ok();
  };
  switch (rec.type) {
    case kA:
    case kAAAA:
      if (rdlength != (rec.type == kA ? 4 : 16)) return malformed(type_name(rec.type) + " record of " + std::to_string(rdlength) + " bytes");
      (void)r.bytes(rdlength, rec.address);
      return Status::ok();
    case kCNAME:
    case kPTR:
    case kNS:
      if (auto ok = r.name(rec.target); !ok) return ok;
      return finish();
    case kMX:
      if (!r.u16(rec.priority)) return malformed("MX record too short");
      if (auto ok = r.name(rec.target); !ok) return ok;
      return finish();
    case kSRV:
      if (!r.u16(rec.priority) || !r.u16(rec.weight) || !r.u16(rec.port)) return malformed("SRV record too short");
      if (auto ok = r.name(rec.target); !ok) return ok;
      return finish();
    case kSOA:
      if (auto ok = r.name(rec.soa.mname); !ok) return ok;
      if (auto ok = r.name(rec.soa.rname); !ok) return ok;
      if (!r.u32(rec.soa.serial) || !r.u32(rec.soa.refresh) || !r.u32(rec.soa.retry) || !r.u32(rec.soa.expire) ||
          !r.u32(rec.soa.minimum))
        return malformed("SOA record too short");
      return finish();
    case kOPT: {
      if (!edns) return malformed("OPT record outside the additional section");
      if (!rec.name.empty()) return malformed("OPT record with a name other than the root");
      if (edns->has_value()) return malformed("more than one OPT record");
      Edns e;
      e.udp_size = rec.klass;
      ext_rcode = static_cast<uint8_t>(rec.ttl >> 24);
      e.version = static_cast<uint8_t>((rec.ttl >> 16) & 0xFF);
      e.dnssec_ok = (rec.ttl & 0x8000) != 0;
      (void)r.bytes(rdlength, e.options);
      *edns = std::move(e);
      was_opt = true;
      return Status::ok();
    }
    default:
      (void)r.bytes(rdlength, rec.raw);
      return Status::ok();
  }
}

void write_body(Writer& w, const Message& m, bool with_records, bool with_additional, bool tc) {
  const Header& h = m.header;
  put16(w.out, h.id);
  uint16_t flags = static_cast<uint16_t>((h.qr ? 0x8000 : 0) | (h.opcode & 0xF) << 11 | (h.aa ? 0x0400 : 0) |
                                         (tc || h.tc ? 0x0200 : 0) | (h.rd ? 0x0100 : 0) | (h.ra ? 0x0080 : 0) |
                                         (h.ad ? 0x0020 : 0) | (h.cd ? 0x0010 : 0) | (h.rcode & 0xF));
  put16(w.out, flags);
  put16(w.out, static_cast<uint16_t>(m.questions.size()));
  put16(w.out, static_cast<uint16_t>(with_records ? m.answers.size() : 0));
  put16(w.out, static_cast<uint16_t>(with_records ? m.authority.size() : 0));
  put16(w.out, static_cast<uint16_t>((with_additional ? m.additional.size() : 0) + (m.edns ? 1 : 0)));
  for (const auto& q : m.questions) {
    w.name(q.name);
    put16(w.out, q.type);
    put16(w.out, q.klass);
  }
  if (with_records) {
    for (const auto& r : m.answers) write_record(w, r);
    for (const auto& r : m.authority) write_record(w, r);
  }
  if (with_additional) {
    for (const auto& r : m.additional) write_record(w, r);
  }
  if (m.edns) {
    w.out += '\0';
    put16(w.out, kOPT);
    put16(w.out, m.edns->udp_size);
    uint32_t ttl = static_cast<uint32_t>((h.rcode >> 4) & 0xFF) << 24 | static_cast<uint32_t>(m.edns->version) << 16 |
                   (m.edns->dnssec_ok ? 0x8000u : 0u);
    put32(w.out, ttl);
    put16(w.out, static_cast<uint16_t>(m.edns->options.size()));
    w.out += m.edns->options;
  }
}

}  // namespace

Result<Message> parse(std::string_view wire) {
  if (wire.size() < kHeaderSize) return malformed("shorter than a header (" + std::to_string(wire.size()) + " bytes)");
  Reader r(wire);
  Message m;
  uint16_t flags, qd, an, ns, ar;
  (void)r.u16(m.header.id);
  (void)r.u16(flags);
  (void)r.u16(qd);
  (void)r.u16(an);
  (void)r.u16(ns);
  (void)r.u16(ar);
  Header& h = m.header;
  h.qr = flags & 0x8000;
  h.opcode = static_cast<uint8_t>((flags >> 11) & 0xF);
  h.aa = flags & 0x0400;
  h.tc = flags & 0x0200;
  h.rd = flags & 0x0100;
  h.ra = flags & 0x0080;
  h.ad = flags & 0x0020;
  h.cd = flags & 0x0010;
  h.rcode = flags & 0xF;
  // Every question takes at least 5 bytes and every record 11: counts beyond that are lies,
  // refused before anything is reserved for them.
  if (static_cast<size_t>(qd) * 5 + (static_cast<size_t>(an) + ns + ar) * 11 > r.left())
    return malformed("section counts exceed the message size");
  m.questions.reserve(qd);
  for (uint16_t i = 0; i < qd; ++i) {
    Question q;
    if (auto ok = r.name(q.name); !ok) return ok.error();
    if (!r.u16(q.type) || !r.u16(q.klass)) return malformed("question runs past the end");
    m.questions.push_back(std::move(q));
  }
  uint8_t ext_rcode = 0;
  bool was_opt = false;
  for (auto [count, section, edns] : {std::tuple{an, &m.answers, false}, std::tuple{ns, &m.authority, false},
                                      std::tuple{ar, &m.additional, true}}) {
    section->reserve(count);
    for (uint16_t i = 0; i < count; ++i) {
      Record rec;
      if (auto ok = read_record(r, rec, edns ? &m.edns : nullptr, was_opt, ext_rcode); !ok) return ok.error();
      if (!was_opt) section->push_back(std::move(rec));
    }
  }
  if (r.left() != 0) return malformed(std::to_string(r.left()) + " bytes after the last record");
  h.rcode = static_cast<uint16_t>(ext_rcode) << 4 | h.rcode;
  return m;
}

std::string encode(const Message& m, size_t max_size) {
  if (max_size < kHeaderSize) max_size = kHeaderSize;
  {
    Writer w;
    write_body(w, m, true, true, false);
    if (w.out.size() <= max_size) return std::move(w.out);
  }
  if (!m.additional.empty()) {
    Writer w;
    write_body(w, m, true, false, false);
    if (w.out.size() <= max_size) return std::move(w.out);
  }
  Writer w;
  write_body(w, m, false, false, true);
  return std::move(w.out);
}

Record a_record(std::string name, uint32_t ttl, std::string address) {
  Record r;
  r.name = std::move(name);
  r.type = address.size() == 16 ? kAAAA : kA;
  r.ttl = ttl;
  r.address = std::move(address);
  return r;
}

Record name_record(std::string name, uint16_t type, uint32_t ttl, std::string target) {
  Record r;
  r.name = std::move(name);
  r.type = type;
  r.ttl = ttl;
  r.target = std::move(target);
  return r;
}

Record srv_record(std::string name, uint32_t ttl, uint16_t priority, uint16_t weight, uint16_t port, std::string target) {
  Record r = name_record(std::move(name), kSRV, ttl, std::move(target));
  r.priority = priority;
  r.weight = weight;
  r.port = port;
  return r;
}

Record soa_record(std::string name, uint32_t ttl, Soa soa) {
  Record r;
  r.name = std::move(name);
  r.type = kSOA;
  r.ttl = ttl;
  r.soa = std::move(soa);
  return r;
}

Record txt_record(std::string name, uint32_t ttl, const std::vector<std::string>& strings) {
  Record r;
  r.name = std::move(name);
  r.type = kTXT;
  r.ttl = ttl;
  for (const auto& s : strings) {
    std::string_view part = std::string_view(s).substr(0, 255);
    r.raw += static_cast<char>(part.size());
    r.raw += part;
  }
  return r;
}

std::string lower(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool names_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

std::string type_name(uint16_t type) {
  switch (type) {
    case kA: return "A";
    case kNS: return "NS";
    case kCNAME: return "CNAME";
    case kSOA: return "SOA";
    case kPTR: return "PTR";
    case kMX: return "MX";
    case kTXT: return "TXT";
    case kAAAA: return "AAAA";
    case kSRV: return "SRV";
    case kOPT: return "OPT";
    case kANY: return "ANY";
    default: return "TYPE" + std::to_string(type);
  }
}

}  // namespace mk::agent::dns
