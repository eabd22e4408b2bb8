// Pure logic of the HTTP layer: response heads, chunk framing, Status bodies, request helpers.

#include <catch2/catch.hpp>

#include "http/request.h"
#include "http/request_parser.h"
#include "http/status_body.h"
#include "http/wire_format.h"

using namespace mk::http;
using namespace mk::http::detail;

TEST_CASE("response heads carry the framing the server chose", "[http]") {
  Headers h = {{"Content-Type", "application/json"},
               {"Content-Length", "999"},
               {"Transfer-Encoding", "gzip"},
               {"Connection", "keep-alive"},
               {"X-Bad", "a\r\nInjected: yes"},
               {"Bad Name", "x"}};
  CHECK(format_head(200, h, Framing::content_length, 12, ConnectionHeader::none) ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n");
  CHECK(format_head(200, h, Framing::chunked, 0, ConnectionHeader::close) ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  CHECK(format_head(101, {{"Upgrade", "websocket"}}, Framing::none, 0, ConnectionHeader::upgrade) ==
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  CHECK(format_head(101, {{"Connection", "upgrade"}, {"Upgrade", "SPDY/3.1"}}, Framing::none, 0,
                    ConnectionHeader::upgrade) ==
        "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n");
  CHECK(format_head(413, {}, Framing::content_length, 0, ConnectionHeader::keep_alive) ==
        "HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
  CHECK(asks_close({{"connection", "Close"}}));
  CHECK_FALSE(asks_close({{"Connection", "keep-alive"}}));
  CHECK_FALSE(status_has_body(204));
  CHECK_FALSE(status_has_body(304));
  CHECK(status_has_body(200));
}

TEST_CASE("chunks are framed with their hex size", "[http]") {
  std::string out;
  append_chunk(out, "hello\n");
  append_chunk(out, "");
  append_chunk(out, std::string(255, 'x'));
  CHECK(out.substr(0, 11) == "6\r\nhello\n\r\n");
  CHECK(out.substr(11, 4) == "ff\r\n");
  CHECK(out.size() == 11 + 4 + 255 + 2);
  CHECK(kLastChunk == "0\r\n\r\n");
}

TEST_CASE("the default error body is a Kubernetes Status", "[http]") {
  ErrorResponse e = default_error_body(413, "the request is too large");
  CHECK(e.content_type == "application/json");
  CHECK(e.body ==
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the request is too large",)"
        R"("reason":"RequestEntityTooLarge","code":413})");
  CHECK(status_json(431, "", "say \"hi\"\n") ==
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"say \"hi\"\n","code":431})");
}

TEST_CASE("requests: headers, targets, upgrades", "[http]") {
  Request r;
  r.headers = {{"Host", "x"}, {"connection", "keep-alive, Upgrade"}, {"upgrade", "websocket"}};
  CHECK(r.header("HOST") == "x");
  CHECK(r.header("missing").empty());
  CHECK(r.wants_upgrade());
  r.headers[1].second = "keep-alive";
  CHECK_FALSE(r.wants_upgrade());
  std::string path, query;
  split_target("/api/v1/pods?watch=1&x=?", path, query);
  CHECK(path == "/api/v1/pods");
  CHECK(query == "watch=1&x=?");
  split_target("/version", path, query);
  CHECK(path == "/version");
  CHECK(query.empty());
}

TEST_CASE("the request parser takes bytes in pieces and leaves the next request", "[http]") {
  RequestParser p(8192, 100);
  std::string input = "POST /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /next HTTP/1.1\r\n";
  std::size_t used = p.feed(input.substr(0, 10));
  CHECK(p.state() == RequestParser::State::need_more);
  std::string rest = input.substr(used);
  used = p.feed(rest);
  REQUIRE(p.state() == RequestParser::State::done);
  CHECK(rest.substr(used) == "GET /next HTTP/1.1\r\n");
  CHECK(p.keep_alive());
  Request r = p.take();
  CHECK(r.method == "POST");
  CHECK(r.path == "/a");
  CHECK(r.query == "b=c");
  CHECK(r.body == "abc");
  CHECK(r.version == 11);

  RequestParser big(8192, 100);
  big.feed("PUT / HTTP/1.1\r\nContent-Length: 101\r\n\r\n");
  CHECK(big.state() == RequestParser::State::error);
  CHECK(big.error_status() == 413);

  RequestParser bad(8192, 100);
  bad.feed("NOT HTTP AT ALL\r\n\r\n");
  CHECK(bad.state() == RequestParser::State::error);
  CHECK(bad.error_status() == 400);
}
