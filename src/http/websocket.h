#pragma once
// WebSocket (RFC 6455) over a raw byte stream: the opening handshake's accept key and a frame
// encoder and decoder. The kubelet speaks the Kubernetes channel protocols (exec, attach,
// port-forward) on top; the API server only relays the bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace mk::http::websocket {

enum class Opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// base64(SHA-1(key + the RFC 6455 GUID)), the Sec-WebSocket-Accept value.
std::string accept_key(std::string_view client_key);

// A GET asking to upgrade to "websocket" with a Sec-WebSocket-Key.
bool is_upgrade_request(const Request& req);

// The subprotocols in the request's Sec-WebSocket-Protocol header(s), in the order offered.
std::vector<std::string> offered_protocols(const Request& req);

// The 101 response's headers for `req`, choosing `protocol` (none when empty).
Headers handshake_headers(const Request& req, const std::string& protocol);

// One whole frame (FIN set). Clients must mask (`mask`), servers must not.
std::string encode_frame(Opcode opcode, std::string_view payload, bool mask = false);
// A close frame with a status code (1000: normal closure).
std::string close_frame(std::uint16_t code, std::string_view reason = {}, bool mask = false);

struct Message {
  Opcode opcode;
  std::string payload;  // unmasked; for close: the 2-byte code and the reason
};

// Reassembles frames (any split across reads) into messages: data messages with their
// continuations joined, control frames as they arrive.
class Decoder {
 public:
  explicit Decoder(std::size_t max_message_bytes = 16u << 20) : max_(max_message_bytes) {}
  // False on a protocol error (error() says which); the connection should then be closed.
  bool feed(std::string_view data, std::vector<Message>& out);
  const std::string& error() const { return error_; }

 private:
  std::string buffer_;
  std::string partial_;  // a fragmented data message so far
  Opcode partial_opcode_ = Opcode::binary;
  bool in_fragment_ = false;
  std::size_t max_;
  std::string error_;
};

}  // namespace mk::http::websocket
