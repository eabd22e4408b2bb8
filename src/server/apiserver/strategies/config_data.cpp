#include "server/apiserver/strategies/config_data.h"

#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {
namespace {

int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool is_newline(char c) { return c == '\n' || c == '\r'; }

}  // namespace

std::vector<std::string> check_config_key(std::string_view key) {
  std::vector<std::string> errs;
  if (key.size() > 253) errs.push_back("must be no more than 253 characters");
  bool ok = !key.empty();
  for (char c : key)
    ok &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  if (!ok)
    errs.push_back(regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", "[-._a-zA-Z0-9]+",
                               {"key.name", "KEY_NAME", "key-name"}));
  if (key == ".") {
    errs.push_back("must not be '.'");
  } else if (key == "..") {
    errs.push_back("must not be '..'");
  } else if (key.substr(0, 2) == "..") {
    errs.push_back("must not start with '..'");
  }
  return errs;
}

// Go's decodeQuantum loop, so that the reported offset is the one Go reports.
Base64Result decode_base64(std::string_view src) {
  Base64Result out;
  size_t si = 0;
  const size_t n = src.size();
  while (si < n) {
    int dbuf[4] = {0, 0, 0, 0};
    int dlen = 4;
    std::optional<size_t> err;
    for (int j = 0; j < 4; ++j) {
      if (si == n) {
        if (j == 0) return out;
        out.error_at = si - static_cast<size_t>(j);
        return out;
      }
      char in = src[si++];
      int v = base64_value(static_cast<unsigned char>(in));
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (is_newline(in)) {
        --j;
        continue;
      }
      if (in != '=') {
        out.error_at = si - 1;
        return out;
      }
      // Padding: "==" after two characters, "=" after three, then nothing but newlines.
      if (j == 0 || j == 1) {
        out.error_at = si - 1;
        return out;
      }
      if (j == 2) {
        while (si < n && is_newline(src[si])) ++si;
        if (si == n) {
          out.error_at = n;
          return out;
        }
        if (src[si] != '=') {
          out.error_at = si - 1;
          return out;
        }
        ++si;
      }
      while (si < n && is_newline(src[si])) ++si;
      if (si < n) err = si;
      dlen = j;
      break;
    }
    unsigned val = (static_cast<unsigned>(dbuf[0]) << 18) | (static_cast<unsigned>(dbuf[1]) << 12) |
                   (static_cast<unsigned>(dbuf[2]) << 6) | static_cast<unsigned>(dbuf[3]);
    char bytes[3] = {static_cast<char>(val >> 16), static_cast<char>(val >> 8), static_cast<char>(val)};
    out.bytes.append(bytes, static_cast<size_t>(dlen - 1));
    if (err) {
      out.error_at = err;
      return out;
    }
  }
  return out;
}

std::string encode_base64(std::string_view bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::optional<api::ApiError> check_base64_values(const nlohmann::json& obj, const char* field, const std::string& kind) {
  const nlohmann::json& values = object_of(obj, field);
  for (const auto& [key, value] : values.items()) {
    if (!value.is_string()) continue;
    auto decoded = decode_base64(value.get<std::string>());
    if (decoded.error_at)
      return api::bad_request(kind + " in version \"v1\" cannot be handled as a " + kind +
                              ": illegal base64 data at input byte " + std::to_string(*decoded.error_at));
  }
  return std::nullopt;
}

}  // namespace mk::apiserver
