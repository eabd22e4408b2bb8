#include "http/request_parser.h"

#include <algorithm>
#include <cstdint>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace mk::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct RequestParser::Impl {
  bhttp::request_parser<bhttp::string_body> parser;
};

RequestParser::RequestParser(std::size_t max_header_bytes, std::size_t max_body_bytes)
    : impl_(std::make_unique<Impl>()) {
  impl_->parser.eager(true);
  impl_->parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(max_header_bytes, UINT32_MAX)));
  impl_->parser.body_limit(static_cast<std::uint64_t>(max_body_bytes));
}

RequestParser::~RequestParser() = default;

std::size_t RequestParser::feed(std::string_view data) {
  std::size_t used = 0;
  auto& p = impl_->parser;
  while (state_ == State::need_more && used < data.size()) {
    beast::error_code ec;
    std::size_t n = p.put(boost::asio::const_buffer(data.data() + used, data.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) break;
    if (ec == bhttp::error::body_limit) {
      state_ = State::error;
      error_status_ = 413;
      error_message_ = "the request is too large";
    } else if (ec == bhttp::error::header_limit) {
      state_ = State::error;
      error_status_ = 431;
      error_message_ = "the request header is too large";
    } else if (ec) {
      state_ = State::error;
      error_status_ = 400;
      error_message_ = "the request could not be parsed";
    } else if (p.is_done()) {
      state_ = State::done;
    } else if (n == 0) {
      break;
    }
  }
  return used;
}

bool RequestParser::header_done() const { return impl_->parser.is_header_done(); }

bool RequestParser::keep_alive() const { return impl_->parser.get().keep_alive(); }

bool RequestParser::expects_continue() const {
  const auto& msg = impl_->parser.get();
  if (msg.version() < 11) return false;
  auto it = msg.find(bhttp::field::expect);
  return it != msg.end() && iequals(std::string_view(it->value().data(), it->value().size()), "100-continue");
}

Request RequestParser::take() {
  auto msg = impl_->parser.release();
  Request req;
  auto method = msg.method_string();
  req.method.assign(method.data(), method.size());
  auto target = msg.target();
  req.target.assign(target.data(), target.size());
  split_target(req.target, req.path, req.query);
  req.version = static_cast<int>(msg.version());
  for (const auto& field : msg) {
    auto name = field.name_string();
    auto value = field.value();
    req.headers.emplace_back(std::string(name.data(), name.size()), std::string(value.data(), value.size()));
  }
  req.body = std::move(msg.body());
  return req;
}

}  // namespace mk::http::detail
