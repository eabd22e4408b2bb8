#pragma once
// Internal: incremental HTTP/1.1 request parser (Beast's parser behind a pimpl). One object
// per request; feed it bytes as they arrive.

#include <cstddef>
#include <memory>
#include <string_view>

#include "http/request.h"

namespace mk::http::detail {

class RequestParser {
 public:
  enum class State { need_more, done, error };

  RequestParser(std::size_t max_header_bytes, std::size_t max_body_bytes);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Consumes a prefix of `data` and returns its length; unconsumed bytes must be offered
  // again, followed by new ones. Bytes after a complete request are left unconsumed.
  std::size_t feed(std::string_view data);

  State state() const { return state_; }
  bool header_done() const;
  // For State::error: 400, 413 (body too large) or 431 (head too large), and a message.
  int error_status() const { return error_status_; }
  std::string_view error_message() const { return error_message_; }

  // Valid once the head is parsed.
  bool keep_alive() const;
  bool expects_continue() const;

  // The parsed request (method, target, path, query, version, headers, body); State::done.
  Request take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  State state_ = State::need_more;
  int error_status_ = 0;
  std::string_view error_message_;
};

}  // namespace mk::http::detail
