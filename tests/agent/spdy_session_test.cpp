// The kubelet's SPDY/3.1 session, driven by a test client that builds its frames and runs its
// own zlib streams byte by byte, as kubectl's spdystream would.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "agent/kubelet/streaming/spdy_session.h"
#include "spdy_test_client.h"

using namespace spdy_test;

namespace {

// A session whose callbacks record what they saw.
struct Harness {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::map<std::uint32_t, spdy::Headers> opened;
  std::map<std::uint32_t, std::string> received;
  std::vector<std::uint32_t> fins, resets;
  bool accept = true;
  spdy::Session session{transport, spdy::SessionCallbacks{
                                       [this](std::uint32_t id, const spdy::Headers& h) {
                                         if (accept) opened[id] = h;
                                         return accept;
                                       },
                                       nullptr,
                                       [this](std::uint32_t id, std::string_view d) { received[id] += d; },
                                       [this](std::uint32_t id) { fins.push_back(id); },
                                       [this](std::uint32_t id) { resets.push_back(id); },
                                   }};
};

const std::vector<std::pair<std::string, std::string>> kDataHeaders = {
    {"streamtype", "data"}, {"port", "8080"}, {"requestid", "0"}};

}  // namespace

TEST_CASE("the header dictionary is SPDY/3's") {
  const auto& dict = spdy::header_dictionary();
  REQUIRE(dict.size() == 1423);
  REQUIRE(adler32(adler32(0, nullptr, 0), reinterpret_cast<const Bytef*>(dict.data()),
                  static_cast<uInt>(dict.size())) == 0xe3c6a7c2u);
}

TEST_CASE("a stream carries data both ways and closes with FIN on each side") {
  Harness h;
  Client c;
  REQUIRE(h.session.feed(c.syn_stream(1, kDataHeaders)));
  REQUIRE(h.opened.count(1) == 1);
  REQUIRE(spdy::header_value(h.opened[1], "streamtype") == "data");
  REQUIRE(spdy::header_value(h.opened[1], "port") == "8080");

  auto frames = parse_all(h.transport->take());
  REQUIRE(frames.size() == 1);
  REQUIRE(frames[0].control);
  REQUIRE(frames[0].type == 2);  // SYN_REPLY
  REQUIRE(frames[0].id == 1);
  std::string reply_block = c.inflate_block(frames[0].body.substr(4));
  REQUIRE(reply_block == std::string("\0\0\0\0", 4));  // no headers

  REQUIRE(h.session.feed(Client::data(1, "GET / HTTP/1.0\r\n\r\n")));
  REQUIRE(h.received[1] == "GET / HTTP/1.0\r\n\r\n");

  std::string big(100 * 1024, 'x');
  REQUIRE(h.session.send_data(1, big, true));
  frames = parse_all(h.transport->take());
  REQUIRE(frames.size() == 4);  // 32 KiB chunks
  std::string echoed;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    REQUIRE_FALSE(frames[i].control);
    REQUIRE(frames[i].id == 1);
    REQUIRE((frames[i].flags & 1) == (i + 1 == frames.size() ? 1 : 0));
    echoed += frames[i].body;
  }
  REQUIRE(echoed == big);
  REQUIRE_FALSE(h.session.send_data(1, "late"));  // FIN already sent

  REQUIRE(h.session.open_streams() == 1);
  REQUIRE(h.session.feed(Client::data(1, "", true)));
  REQUIRE(h.fins == std::vector<std::uint32_t>{1});
  REQUIRE(h.session.open_streams() == 0);
}

TEST_CASE("bytes split anywhere make the same frames") {
  Harness h;
  Client c;
  std::string wire = c.syn_stream(1, kDataHeaders) + Client::data(1, "abc") + Client::data(1, "def", true);
  for (char ch : wire) REQUIRE(h.session.feed(std::string_view(&ch, 1)));
  REQUIRE(h.opened.count(1) == 1);
  REQUIRE(h.received[1] == "abcdef");
  REQUIRE(h.fins == std::vector<std::uint32_t>{1});
}

TEST_CASE("pings from the client are answered, the server's own ids are not echoed") {
  Harness h;
  REQUIRE(h.session.feed(Client::ping(1) + Client::ping(7)));
  auto frames = parse_all(h.transport->take());
  REQUIRE(frames.size() == 2);
  REQUIRE(frames[0].type == 6);
  REQUIRE(frames[0].id == 1);
  REQUIRE(frames[1].id == 7);
  REQUIRE(h.session.feed(Client::ping(2)));
  REQUIRE(h.transport->take().empty());
}

TEST_CASE("header compression spans frames in both directions") {
  Harness h;
  Client c;
  for (std::uint32_t id = 1; id <= 9; id += 2) {
    auto headers = kDataHeaders;
    headers[0].second = id % 4 == 1 ? "error" : "data";
    headers[2].second = std::to_string(id / 4);
    REQUIRE(h.session.feed(c.syn_stream(id, headers)));
  }
  REQUIRE(h.opened.size() == 5);
  REQUIRE(spdy::header_value(h.opened[1], "streamtype") == "error");
  REQUIRE(spdy::header_value(h.opened[3], "streamtype") == "data");
  REQUIRE(spdy::header_value(h.opened[9], "requestid") == "2");

  // Five SYN_REPLYs, each readable only with the state the earlier ones left.
  auto frames = parse_all(h.transport->take());
  REQUIRE(frames.size() == 5);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    REQUIRE(frames[i].type == 2);
    REQUIRE(frames[i].id == 1 + 2 * i);
    REQUIRE(c.inflate_block(frames[i].body.substr(4)) == std::string("\0\0\0\0", 4));
  }
}

TEST_CASE("streams are refused, reset and validated") {
  Harness h;
  Client c;
  SECTION("refused by the handler") {
    h.accept = false;
    REQUIRE(h.session.feed(c.syn_stream(1, kDataHeaders)));
    auto frames = parse_all(h.transport->take());
    REQUIRE(frames.size() == 1);
    REQUIRE(frames[0].type == 3);
    REQUIRE(get32(frames[0].body, 4) == 3);  // REFUSED_STREAM
    // The refused stream's header block still advanced the decompressor.
    h.accept = true;
    REQUIRE(h.session.feed(c.syn_stream(3, kDataHeaders)));
    REQUIRE(h.opened.count(3) == 1);
  }
  SECTION("even or repeated ids are protocol errors") {
    REQUIRE(h.session.feed(c.syn_stream(5, kDataHeaders)));
    std::string wire = c.syn_stream(2, kDataHeaders);
    wire += c.syn_stream(3, kDataHeaders);
    REQUIRE(h.session.feed(wire));
    auto frames = parse_all(h.transport->take());
    REQUIRE(frames.size() == 3);
    REQUIRE(frames[1].type == 3);
    REQUIRE(frames[2].type == 3);
    REQUIRE(get32(frames[2].body, 4) == 1);  // PROTOCOL_ERROR
    REQUIRE(h.opened.size() == 1);
  }
  SECTION("reset by the client") {
    REQUIRE(h.session.feed(c.syn_stream(1, kDataHeaders) + Client::rst(1, 5)));
    REQUIRE(h.resets == std::vector<std::uint32_t>{1});
    REQUIRE_FALSE(h.session.send_data(1, "x"));
    REQUIRE(h.session.open_streams() == 0);
  }
  SECTION("reset by the server") {
    REQUIRE(h.session.feed(c.syn_stream(1, kDataHeaders)));
    h.transport->take();
    REQUIRE(h.session.reset(1));
    auto frames = parse_all(h.transport->take());
    REQUIRE(frames.size() == 1);
    REQUIRE(frames[0].type == 3);
    REQUIRE(get32(frames[0].body, 4) == 5);  // CANCEL
  }
  SECTION("no new streams after GOAWAY") {
    std::string body;
    put32(body, 0);
    put32(body, 0);
    REQUIRE(h.session.feed(Client::control(7, 0, body) + c.syn_stream(1, kDataHeaders)));
    REQUIRE(h.opened.empty());
    REQUIRE(h.session.gone_away());
  }
  SECTION("SETTINGS, WINDOW_UPDATE and unknown control frames are accepted") {
    std::string settings;
    put32(settings, 1);
    put32(settings, 7);
    put32(settings, 1 << 20);
    std::string wu;
    put32(wu, 1);
    put32(wu, 4096);
    REQUIRE(h.session.feed(Client::control(4, 0, settings) + Client::control(9, 0, wu) +
                           Client::control(42, 0, "xyz") + c.syn_stream(1, kDataHeaders)));
    REQUIRE(h.opened.count(1) == 1);
  }
}

TEST_CASE("malformed and oversized frames end the session with GOAWAY, without a crash") {
  Harness h;
  Client c;
  std::string bad;
  SECTION("wrong version") { bad = std::string("\x80\x02\x00\x01\0\0\0\0", 8); }
  SECTION("oversized data frame is refused before it is buffered") {
    bad = Client::data(1, "");
    bad[5] = '\x7f';  // length 0x7f0000
  }
  SECTION("oversized control frame") {
    bad = Client::control(1, 0, std::string(100 * 1024, '\0'));
  }
  SECTION("PING with a bad length") { bad = Client::control(6, 0, "12345"); }
  SECTION("SETTINGS count beyond the frame") {
    std::string body;
    put32(body, 1000);
    bad = Client::control(4, 0, body);
  }
  SECTION("header block that is not zlib") {
    std::string body;
    put32(body, 1);
    put32(body, 0);
    body += std::string(2, '\0') + "not zlib at all";
    bad = Client::control(1, 0, body);
  }
  SECTION("header block that lies about its count") {
    std::string block;
    put32(block, 0x7fffffff);
    put32(block, 1);
    block += "a";
    std::string body;
    put32(body, 1);
    put32(body, 0);
    body += std::string(2, '\0') + c.compress_raw(block);
    bad = Client::control(1, 0, body);
  }
  SECTION("header block with an upper-case name") {
    bad = c.syn_stream(1, {{"Port", "80"}});
  }
  auto st = h.session.feed(bad);
  REQUIRE_FALSE(st);
  auto frames = parse_all(h.transport->take());
  REQUIRE_FALSE(frames.empty());
  REQUIRE(frames.back().type == 7);  // GOAWAY
  REQUIRE(h.session.gone_away());
}

TEST_CASE("random bytes never crash the session") {
  std::mt19937 rng(12345);
  for (int round = 0; round < 300; ++round) {
    Harness h;
    Client c;
    std::string wire = c.syn_stream(1, kDataHeaders);
    std::size_t n = rng() % 200;
    for (std::size_t i = 0; i < n; ++i) wire.push_back(static_cast<char>(rng()));
    // Flip a few bytes of the valid prefix too.
    for (int k = 0; k < 3; ++k) wire[rng() % wire.size()] = static_cast<char>(rng());
    std::size_t at = 0;
    while (at < wire.size()) {
      std::size_t len = 1 + rng() % 40;
      if (!h.session.feed(std::string_view(wire).substr(at, len))) break;
      at += len;
    }
  }
  SUCCEED();
}
