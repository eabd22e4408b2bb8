#pragma once
// SPDY/3.1 framing (the protocol kubectl port-forward speaks, through moby/spdystream): the
// 8-byte frame header, the control frames and data frames, and the uncompressed header block.
// Header blocks travel zlib-compressed (spdy_zlib.h); this file only sees them as bytes.
//
//   control: |1| version(15) | type(16) |  flags(8) | length(24) |  payload
//   data:    |0| stream id(31)           |  flags(8) | length(24) |  payload

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace mk::agent::kubelet::streaming::spdy {

inline constexpr std::uint16_t kVersion = 3;
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::uint32_t kMaxLength = 0xffffff;  // 24-bit length field

enum class FrameType : std::uint16_t {
  data = 0,  // not a control type: marks data frames in Frame::type
  syn_stream = 1,
  syn_reply = 2,
  rst_stream = 3,
  settings = 4,
  ping = 6,
  goaway = 7,
  headers = 8,
  window_update = 9,
};

inline constexpr std::uint8_t kFlagFin = 0x01;             // data, SYN_STREAM, SYN_REPLY, HEADERS
inline constexpr std::uint8_t kFlagUnidirectional = 0x02;  // SYN_STREAM

// RST_STREAM status codes.
enum class RstStatus : std::uint32_t {
  protocol_error = 1,
  invalid_stream = 2,
  refused_stream = 3,
  unsupported_version = 4,
  cancel = 5,
  internal_error = 6,
  flow_control_error = 7,
  stream_in_use = 8,
  stream_already_closed = 9,
  frame_too_large = 11,
};

// GOAWAY status codes.
enum class GoAwayStatus : std::uint32_t { ok = 0, protocol_error = 1, internal_error = 2 };

// Name/value pairs in order. Names are lower case; a value holding several values joins them
// with NUL, as on the wire.
using Headers = std::vector<std::pair<std::string, std::string>>;

// The first value of `name`, if present.
std::optional<std::string_view> header_value(const Headers& headers, std::string_view name);

// One frame as read from the wire, header block still compressed.
struct Frame {
  FrameType type = FrameType::data;
  std::uint8_t flags = 0;
  std::uint32_t stream_id = 0;  // data, SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE
  std::uint32_t associated_id = 0;  // SYN_STREAM
  std::uint8_t priority = 0;        // SYN_STREAM, 0 (highest) .. 7
  std::uint32_t status = 0;         // RST_STREAM, GOAWAY
  std::uint32_t value = 0;          // PING id, WINDOW_UPDATE delta, GOAWAY last good stream id
  std::vector<std::pair<std::uint32_t, std::uint32_t>> settings;  // SETTINGS: (id, value)
  std::string payload;  // data bytes, or the compressed header block
};

// Splits a byte stream into frames. Bytes may arrive in any pieces.
class FrameReader {
 public:
  // Frames longer than these are refused (Errc::too_large) instead of buffered.
  explicit FrameReader(std::size_t max_data = 1 << 20, std::size_t max_control = 64 << 10)
      : max_data_(max_data), max_control_(max_control) {}

  void append(std::string_view bytes) { buf_.append(bytes); }

  // The next complete frame, nullopt when more bytes are needed, or an error for a malformed
  // frame (after which the stream cannot be resynchronised: the session must end).
  Result<std::optional<Frame>> next();

  std::size_t buffered() const { return buf_.size() - pos_; }

 private:
  Result<std::optional<Frame>> next_frame();

  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t max_data_, max_control_;
};

// Encoders. `header_block` is the already compressed block.
std::string encode_data(std::uint32_t stream_id, std::string_view data, bool fin);
std::string encode_syn_stream(std::uint32_t stream_id, std::uint32_t associated_id, std::uint8_t priority,
                              std::uint8_t flags, std::string_view header_block);
std::string encode_syn_reply(std::uint32_t stream_id, std::uint8_t flags, std::string_view header_block);
std::string encode_headers(std::uint32_t stream_id, std::uint8_t flags, std::string_view header_block);
std::string encode_rst_stream(std::uint32_t stream_id, RstStatus status);
std::string encode_settings(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& settings);
std::string encode_ping(std::uint32_t id);
std::string encode_goaway(std::uint32_t last_good_stream_id, GoAwayStatus status);
std::string encode_window_update(std::uint32_t stream_id, std::uint32_t delta);

// The uncompressed header block: count, then length-prefixed names and values (32-bit big
// endian). Decoding refuses truncated blocks, trailing bytes, empty or upper-case names.
std::string encode_header_block(const Headers& headers);
Result<Headers> decode_header_block(std::string_view block);

}  // namespace mk::agent::kubelet::streaming::spdy
