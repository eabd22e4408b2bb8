#include "chunked_line_reader.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace mk::bench {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Status ChunkedLineReader::parse_headers() {
  size_t end = in_.find("\r\n\r\n");
  if (end == std::string::npos) return Status::ok();
  std::string head = in_.substr(0, end);
  in_.erase(0, end + 4);
  size_t first_line = head.find("\r\n");
  std::string status_line = head.substr(0, first_line);
  if (status_line.rfind("HTTP/1.1 200", 0) != 0 && status_line.rfind("HTTP/1.0 200", 0) != 0) {
    state_ = State::done;
    return make_error(Errc::unavailable, "watch stream: " + status_line);
  }
  chunked_ = lower(head).find("transfer-encoding: chunked") != std::string::npos;
  state_ = chunked_ ? State::chunk_size : State::body;
  return Status::ok();
}

Status ChunkedLineReader::take_lines(const LineHandler& on_line) {
  size_t start = 0;
  for (size_t nl = body_.find('\n'); nl != std::string::npos; nl = body_.find('\n', start)) {
    std::string_view line(body_.data() + start, nl - start);
    start = nl + 1;
    if (line.empty() || line == "\r") continue;
    if (Status s = on_line(line); !s) {
      state_ = State::done;
      return s;
    }
  }
  body_.erase(0, start);
  return Status::ok();
}

Status ChunkedLineReader::feed(std::string_view bytes, const LineHandler& on_line) {
  if (state_ == State::done) return make_error(Errc::unavailable, "watch stream: closed");
  in_.append(bytes);
  for (;;) {
    switch (state_) {
      case State::headers: {
        State before = state_;
        if (Status s = parse_headers(); !s) return s;
        if (state_ == before) return Status::ok();
        break;
      }
      case State::chunk_size: {
        size_t eol = in_.find("\r\n");
        if (eol == std::string::npos) return Status::ok();
        std::string size_text = in_.substr(0, eol);
        in_.erase(0, eol + 2);
        char* parse_end = nullptr;
        unsigned long size = std::strtoul(size_text.c_str(), &parse_end, 16);
        if (parse_end == size_text.c_str()) {
          state_ = State::done;
          return make_error(Errc::internal, "watch stream: bad chunk size '" + size_text + "'");
        }
        if (size == 0) {
          state_ = State::done;
          return make_error(Errc::unavailable, "watch stream: ended by the server");
        }
        chunk_left_ = size;
        state_ = State::chunk_data;
        break;
      }
      case State::chunk_data: {
        if (in_.empty()) return Status::ok();
        size_t n = std::min(chunk_left_, in_.size());
        body_.append(in_, 0, n);
        in_.erase(0, n);
        chunk_left_ -= n;
        if (chunk_left_ == 0) state_ = State::chunk_end;
        if (Status s = take_lines(on_line); !s) return s;
        break;
      }
      case State::chunk_end: {
        if (in_.size() < 2) return Status::ok();
        if (in_.compare(0, 2, "\r\n") != 0) {
          state_ = State::done;
          return make_error(Errc::internal, "watch stream: missing chunk terminator");
        }
        in_.erase(0, 2);
        state_ = State::chunk_size;
        break;
      }
      case State::body: {
        body_.append(in_);
        in_.clear();
        return take_lines(on_line);
      }
      case State::done:
        return make_error(Errc::unavailable, "watch stream: closed");
    }
  }
}

}  // namespace mk::bench
