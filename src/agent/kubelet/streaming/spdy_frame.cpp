#include "agent/kubelet/streaming/spdy_frame.h"

#include <algorithm>

namespace mk::agent::kubelet::streaming::spdy {
namespace {

std::uint32_t get32(std::string_view s, std::size_t at) {
  auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

void put32(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

std::string control_header(FrameType type, std::uint8_t flags, std::size_t length) {
  std::string out;
  out.reserve(kHeaderSize + length);
  put32(out, 0x80000000u | (std::uint32_t{kVersion} << 16) | static_cast<std::uint16_t>(type));
  put32(out, (std::uint32_t{flags} << 24) | static_cast<std::uint32_t>(length));
  return out;
}

Error malformed(std::string_view what) { return make_error(Errc::invalid_argument, "spdy: " + std::string(what)); }

}  // namespace

std::optional<std::string_view> header_value(const Headers& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) {
      std::string_view value = v;
      return value.substr(0, value.find('\0'));
    }
  }
  return std::nullopt;
}

Result<std::optional<Frame>> FrameReader::next() {
  for (;;) {
    auto frame = next_frame();
    if (!frame || !frame->has_value() || (*frame)->type != FrameType::data || (*frame)->stream_id != 0) return frame;
    // Stream id 0 on a "data" frame marks a skipped control frame of an unknown type.
  }
}

Result<std::optional<Frame>> FrameReader::next_frame() {
  if (buffered() < kHeaderSize) return std::optional<Frame>{};
  std::string_view in(buf_.data() + pos_, buf_.size() - pos_);
  std::uint32_t word0 = get32(in, 0), word1 = get32(in, 4);
  std::uint32_t length = word1 & 0xffffff;
  bool control = (word0 & 0x80000000u) != 0;
  if (length > (control ? max_control_ : max_data_)) {
    return make_error(Errc::too_large, "spdy: " + std::string(control ? "control" : "data") + " frame of " +
                                           std::to_string(length) + " bytes is too large");
  }
  if (in.size() < kHeaderSize + length) return std::optional<Frame>{};

  Frame f;
  f.flags = static_cast<std::uint8_t>(word1 >> 24);
  std::string_view body = in.substr(kHeaderSize, length);
  auto consume = [&] {
    pos_ += kHeaderSize + length;
    // Drop consumed bytes once they dominate the buffer, so it does not grow without bound.
    if (pos_ > 64 * 1024 && pos_ * 2 > buf_.size()) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  };

  if (!control) {
    f.type = FrameType::data;
    f.stream_id = word0 & 0x7fffffff;
    if (f.stream_id == 0) return malformed("data frame for stream 0");
    f.payload.assign(body);
    consume();
    return std::optional<Frame>(std::move(f));
  }

  std::uint16_t version = (word0 >> 16) & 0x7fff;
  if (version != kVersion) return malformed("unsupported version " + std::to_string(version));
  std::uint16_t type = word0 & 0xffff;
  auto need = [&](bool ok, std::string_view name) -> Status {
    if (!ok) return malformed(std::string(name) + " frame with a bad length " + std::to_string(length));
    return Status::ok();
  };
  Status check;
  switch (static_cast<FrameType>(type)) {
    case FrameType::syn_stream:
      check = need(length >= 10, "SYN_STREAM");
      if (!check) break;
      f.stream_id = get32(body, 0) & 0x7fffffff;
      f.associated_id = get32(body, 4) & 0x7fffffff;
      f.priority = static_cast<std::uint8_t>(static_cast<unsigned char>(body[8]) >> 5);
      f.payload.assign(body.substr(10));
      if (f.stream_id == 0) return malformed("SYN_STREAM for stream 0");
      break;
    case FrameType::syn_reply:
    case FrameType::headers:
      check = need(length >= 4, type == 2 ? "SYN_REPLY" : "HEADERS");
      if (!check) break;
      f.stream_id = get32(body, 0) & 0x7fffffff;
      f.payload.assign(body.substr(4));
      if (f.stream_id == 0) return malformed("header frame for stream 0");
      break;
    case FrameType::rst_stream:
      check = need(length == 8, "RST_STREAM");
      if (!check) break;
      f.stream_id = get32(body, 0) & 0x7fffffff;
      f.status = get32(body, 4);
      break;
    case FrameType::settings: {
      check = need(length >= 4, "SETTINGS");
      if (!check) break;
      std::uint32_t n = get32(body, 0);
      check = need(n <= (length - 4) / 8 && 4 + std::size_t{n} * 8 == length, "SETTINGS");
      if (!check) break;
      for (std::uint32_t i = 0; i < n; ++i) {
        f.settings.emplace_back(get32(body, 4 + i * 8) & 0xffffff, get32(body, 8 + i * 8));
      }
      break;
    }
    case FrameType::ping:
      check = need(length == 4, "PING");
      if (check) f.value = get32(body, 0);
      break;
    case FrameType::goaway:
      check = need(length == 8, "GOAWAY");
      if (!check) break;
      f.value = get32(body, 0) & 0x7fffffff;
      f.status = get32(body, 4);
      break;
    case FrameType::window_update:
      check = need(length == 8, "WINDOW_UPDATE");
      if (!check) break;
      f.stream_id = get32(body, 0) & 0x7fffffff;
      f.value = get32(body, 4) & 0x7fffffff;
      break;
    default:
      // SPDY/3: control frames of an unknown type are ignored.
      consume();
      return std::optional<Frame>(Frame{});
  }
  if (!check) return check.error();
  f.type = static_cast<FrameType>(type);
  consume();
  return std::optional<Frame>(std::move(f));
}

std::string encode_data(std::uint32_t stream_id, std::string_view data, bool fin) {
  std::string out;
  out.reserve(kHeaderSize + data.size());
  put32(out, stream_id & 0x7fffffff);
  put32(out, (std::uint32_t{fin ? kFlagFin : std::uint8_t{0}} << 24) | static_cast<std::uint32_t>(data.size()));
  out.append(data);
  return out;
}

std::string encode_syn_stream(std::uint32_t stream_id, std::uint32_t associated_id, std::uint8_t priority,
                              std::uint8_t flags, std::string_view header_block) {
  std::string out = control_header(FrameType::syn_stream, flags, 10 + header_block.size());
  put32(out, stream_id & 0x7fffffff);
  put32(out, associated_id & 0x7fffffff);
  out.push_back(static_cast<char>((priority & 7) << 5));
  out.push_back('\0');  // slot
  out.append(header_block);
  return out;
}

std::string encode_syn_reply(std::uint32_t stream_id, std::uint8_t flags, std::string_view header_block) {
  std::string out = control_header(FrameType::syn_reply, flags, 4 + header_block.size());
  put32(out, stream_id & 0x7fffffff);
  out.append(header_block);
  return out;
}

std::string encode_headers(std::uint32_t stream_id, std::uint8_t flags, std::string_view header_block) {
  std::string out = control_header(FrameType::headers, flags, 4 + header_block.size());
  put32(out, stream_id & 0x7fffffff);
  out.append(header_block);
  return out;
}

std::string encode_rst_stream(std::uint32_t stream_id, RstStatus status) {
  std::string out = control_header(FrameType::rst_stream, 0, 8);
  put32(out, stream_id & 0x7fffffff);
  put32(out, static_cast<std::uint32_t>(status));
  return out;
}

std::string encode_settings(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& settings) {
  std::string out = control_header(FrameType::settings, 0, 4 + 8 * settings.size());
  put32(out, static_cast<std::uint32_t>(settings.size()));
  for (const auto& [id, value] : settings) {
    put32(out, id & 0xffffff);
    put32(out, value);
  }
  return out;
}

std::string encode_ping(std::uint32_t id) {
  std::string out = control_header(FrameType::ping, 0, 4);
  put32(out, id);
  return out;
}

std::string encode_goaway(std::uint32_t last_good_stream_id, GoAwayStatus status) {
  std::string out = control_header(FrameType::goaway, 0, 8);
  put32(out, last_good_stream_id & 0x7fffffff);
  put32(out, static_cast<std::uint32_t>(status));
  return out;
}

std::string encode_window_update(std::uint32_t stream_id, std::uint32_t delta) {
  std::string out = control_header(FrameType::window_update, 0, 8);
  put32(out, stream_id & 0x7fffffff);
  put32(out, delta & 0x7fffffff);
  return out;
}

std::string encode_header_block(const Headers& headers) {
  std::string out;
  put32(out, static_cast<std::uint32_t>(headers.size()));
  for (const auto& [name, value] : headers) {
    put32(out, static_cast<std::uint32_t>(name.size()));
    out.append(name);
    put32(out, static_cast<std::uint32_t>(value.size()));
    out.append(value);
  }
  return out;
}

Result<Headers> decode_header_block(std::string_view block) {
  std::size_t at = 0;
  auto read_string = [&](std::string& out) -> bool {
    if (block.size() - at < 4) return false;
    std::uint32_t n = get32(block, at);
    at += 4;
    if (block.size() - at < n) return false;
    out.assign(block.substr(at, n));
    at += n;
    return true;
  };
  if (block.size() < 4) return malformed("truncated header block");
  std::uint32_t count = get32(block, 0);
  at = 4;
  // Each pair takes at least 8 bytes, so a count beyond that cannot be honest.
  if (count > (block.size() - 4) / 8) return malformed("header block claims " + std::to_string(count) + " headers");
  Headers headers;
  headers.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    std::string name, value;
    if (!read_string(name) || !read_string(value)) return malformed("truncated header block");
    if (name.empty()) return malformed("empty header name");
    if (std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
      return malformed("upper-case header name " + name);
    }
    headers.emplace_back(std::move(name), std::move(value));
  }
  if (at != block.size()) return malformed("trailing bytes after the header block");
  return headers;
}

}  // namespace mk::agent::kubelet::streaming::spdy
