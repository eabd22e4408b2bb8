#include "api/go_strconv.h"

#include <charconv>

namespace mk::api {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex(std::string& out, char prefix, uint32_t value, int digits) {
  out += '\\';
  out += prefix;
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xf];
}

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 when the bytes are not valid
// UTF-8 (Go then escapes the single byte).
size_t decode_utf8(std::string_view text, size_t i, uint32_t& rune) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(i);
  size_t len = 0;
  uint32_t min = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2, rune = b0 & 0x1f, min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3, rune = b0 & 0x0f, min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4, rune = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xc0) != 0x80) return 0;
    rune = (rune << 6) | (b & 0x3f);
  }
  if (rune < min || rune > 0x10ffff || (rune >= 0xd800 && rune <= 0xdfff)) return 0;
  return len;
}

// An approximation of Go's unicode.IsPrint for non-ASCII runes: everything except the C1
// controls and the invisible format characters people actually paste into names.
bool is_print(uint32_t r) {
  if (r >= 0x80 && r <= 0x9f) return false;
  if (r == 0xad || r == 0xfeff) return false;
  if (r >= 0x200b && r <= 0x200f) return false;
  if (r >= 0x2028 && r <= 0x202e) return false;
  if (r >= 0x2060 && r <= 0x2064) return false;
  return true;
}

}  // namespace

std::string go_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            append_hex(out, 'x', c, 2);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    uint32_t rune = 0;
    size_t len = decode_utf8(text, i, rune);
    if (len == 0) {
      append_hex(out, 'x', c, 2);
      ++i;
    } else if (!is_print(rune)) {
      if (rune < 0x10000) {
        append_hex(out, 'u', rune, 4);
      } else {
        append_hex(out, 'U', rune, 8);
      }
      i += len;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  out += '"';
  return out;
}

std::string go_string_slice(const std::vector<std::string>& values, bool is_nil) {
  if (is_nil) return "[]string(nil)";
  std::string out = "[]string{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += go_quote(values[i]);
  }
  out += '}';
  return out;
}

std::optional<int64_t> parse_go_int64(std::string_view text) {
  // from_chars takes a '-' but not a '+'; a '+' must be followed by a digit ("+-1" is wrong).
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace mk::api
