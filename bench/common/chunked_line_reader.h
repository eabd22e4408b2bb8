#pragma once
// Turns the bytes of one HTTP/1.1 streaming response into the newline-delimited lines of its
// body: checks the status line, skips the headers, undoes chunked transfer encoding (or passes
// an unframed body through) and hands out each complete line.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::bench {

class ChunkedLineReader {
 public:
  using LineHandler = std::function<Status(std::string_view line)>;

  // Feeds received bytes; calls on_line for each complete body line. An error (bad status,
  // bad framing, end of stream, or one from the handler) is final.
  Status feed(std::string_view bytes, const LineHandler& on_line);

 private:
  enum class State { headers, chunk_size, chunk_data, chunk_end, body, done };

  Status parse_headers();
  Status take_lines(const LineHandler& on_line);

  State state_ = State::headers;
  bool chunked_ = false;
  size_t chunk_left_ = 0;
  std::string in_;    // bytes not yet parsed
  std::string body_;  // body bytes not yet ending in a newline
};

}  // namespace mk::bench
