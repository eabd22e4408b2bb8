#include "http/websocket.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace mk::http::websocket {
namespace {

const char kGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool header_has_token(const Request& req, std::string_view name, std::string_view token) {
  for (const auto& [k, v] : req.headers) {
    if (!iequals(k, name)) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      if (iequals(trim(rest.substr(0, comma)), token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

}  // namespace

std::string accept_key(std::string_view client_key) {
  std::string input = std::string(client_key) + kGuid;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha1(), nullptr);
  unsigned char out[64] = {};
  int n = EVP_EncodeBlock(out, digest, static_cast<int>(len));
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

bool is_upgrade_request(const Request& req) {
  return req.method == "GET" && header_has_token(req, "Upgrade", "websocket") &&
         header_has_token(req, "Connection", "upgrade") && !req.header("Sec-WebSocket-Key").empty();
}

std::vector<std::string> offered_protocols(const Request& req) {
  std::vector<std::string> out;
  for (const auto& [k, v] : req.headers) {
    if (!iequals(k, "Sec-WebSocket-Protocol")) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string p = trim(rest.substr(0, comma));
      if (!p.empty()) out.push_back(p);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

Headers handshake_headers(const Request& req, const std::string& protocol) {
  Headers h = {{"Upgrade", "websocket"},
               {"Connection", "Upgrade"},
               {"Sec-WebSocket-Accept", accept_key(trim(req.header("Sec-WebSocket-Key")))}};
  if (!protocol.empty()) h.emplace_back("Sec-WebSocket-Protocol", protocol);
  return h;
}

std::string encode_frame(Opcode opcode, std::string_view payload, bool mask) {
  std::string out;
  out.reserve(payload.size() + 14);
  out += static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  std::uint8_t mask_bit = mask ? 0x80 : 0;
  size_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(mask_bit | n);
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(mask_bit | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF);
  }
  if (!mask) {
    out.append(payload);
    return out;
  }
  unsigned char key[4];
  RAND_bytes(key, sizeof key);
  out.append(reinterpret_cast<char*>(key), 4);
  size_t start = out.size();
  out.append(payload);
  for (size_t i = 0; i < n; ++i) out[start + i] = static_cast<char>(out[start + i] ^ key[i % 4]);
  return out;
}

std::string close_frame(std::uint16_t code, std::string_view reason, bool mask) {
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xFF);
  payload.append(reason.substr(0, 123));
  return encode_frame(Opcode::close, payload, mask);
}

bool Decoder::feed(std::string_view data, std::vector<Message>& out) {
  if (!error_.empty()) return false;
  buffer_.append(data);
  size_t pos = 0;
  auto fail = [this](std::string why) {
    error_ = std::move(why);
    buffer_.clear();
    return false;
  };
  for (;;) {
    const auto* b = reinterpret_cast<const unsigned char*>(buffer_.data()) + pos;
    size_t avail = buffer_.size() - pos;
    if (avail < 2) break;
    bool fin = b[0] & 0x80;
    if (b[0] & 0x70) return fail("reserved bits set");
    auto opcode = static_cast<Opcode>(b[0] & 0x0F);
    bool masked = b[1] & 0x80;
    std::uint64_t len = b[1] & 0x7F;
    size_t head = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = (std::uint64_t{b[2]} << 8) | b[3];
      head = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
      head = 10;
    }
    if (len > max_) return fail("frame too large");
    size_t mask_at = head;
    if (masked) head += 4;
    if (avail < head + len) break;
    std::string payload(reinterpret_cast<const char*>(b + head), static_cast<size_t>(len));
    if (masked)
      for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ b[mask_at + i % 4]);
    pos += head + static_cast<size_t>(len);

    std::uint8_t op = static_cast<std::uint8_t>(opcode);
    if (op >= 8) {
      if (!fin || len > 125) return fail("bad control frame");
      if (opcode != Opcode::close && opcode != Opcode::ping && opcode != Opcode::pong) return fail("unknown opcode");
      out.push_back({opcode, std::move(payload)});
      continue;
    }
    if (opcode == Opcode::continuation) {
      if (!in_fragment_) return fail("continuation without a first frame");
      if (partial_.size() + payload.size() > max_) return fail("message too large");
      partial_ += payload;
      if (fin) {
        out.push_back({partial_opcode_, std::move(partial_)});
        partial_.clear();
        in_fragment_ = false;
      }
      continue;
    }
    if (opcode != Opcode::text && opcode != Opcode::binary) return fail("unknown opcode");
    if (in_fragment_) return fail("new message inside a fragmented one");
    if (fin) {
      out.push_back({opcode, std::move(payload)});
    } else {
      in_fragment_ = true;
      partial_opcode_ = opcode;
      partial_ = std::move(payload);
    }
  }
  buffer_.erase(0, pos);
  return true;
}

}  // namespace mk::http::websocket
