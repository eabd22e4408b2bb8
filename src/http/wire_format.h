#pragma once
// Internal: the bytes of HTTP/1.1 response heads and chunked framing.

#include <cstddef>
#include <string>
#include <string_view>

#include "http/request.h"

namespace mk::http::detail {

enum class Framing {
  content_length,  // Content-Length: n
  chunked,         // Transfer-Encoding: chunked
  until_close,     // no length: the body ends when the connection closes
  none,            // no body, no framing headers (1xx, 204, 304)
};

enum class ConnectionHeader { none, keep_alive, close, upgrade };

// "HTTP/1.1 200 OK\r\n<headers>\r\n". The caller's Content-Length, Transfer-Encoding and
// Connection headers are replaced by the ones `framing` and `connection` call for (kept as
// given for ConnectionHeader::upgrade); fields with CR, LF or NUL, or an invalid name, are
// left out.
std::string format_head(int status, const Headers& headers, Framing framing, std::size_t content_length,
                        ConnectionHeader connection);

std::string_view reason_phrase(int status);

// 1xx, 204 and 304 responses carry no body.
bool status_has_body(int status);

// True when `headers` contain "Connection: close".
bool asks_close(const Headers& headers);

// Appends one chunk of chunked transfer coding: "<hex size>\r\n<data>\r\n".
void append_chunk(std::string& out, std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace mk::http::detail
