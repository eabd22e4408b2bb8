#pragma once
// A SPDY/3.1 test client that builds its frames and runs its own zlib streams, as kubectl's
// spdystream would, and a transport that records what the server wrote.
#include <zlib.h>

#include <catch2/catch.hpp>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "agent/kubelet/streaming/spdy_zlib.h"
#include "agent/kubelet/streaming/transport.h"

namespace spdy_test {

using mk::agent::kubelet::streaming::Transport;
namespace spdy = mk::agent::kubelet::streaming::spdy;


class FakeTransport : public Transport {
 public:
  bool write(std::string bytes) override {
    std::lock_guard lock(mu);
    if (closed) return false;
    out += bytes;
    messages.push_back(std::move(bytes));
    changed.notify_all();
    return true;
  }
  std::size_t pending_bytes() const override { return 0; }
  void pause_reading(bool) override {}
  void close() override {
    std::lock_guard lock(mu);
    closed = true;
    changed.notify_all();
  }

  std::string take() {
    std::lock_guard lock(mu);
    return std::exchange(out, {});
  }

  std::mutex mu;
  std::condition_variable changed;
  std::string out;                    // every byte written
  std::vector<std::string> messages;  // one per write() call
  bool closed = false;
};

inline void put32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>(v >> shift));
}
inline std::uint32_t get32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// The client half: its own deflate (client -> server) and inflate (server -> client) streams.
class Client {
 public:
  Client() {
    REQUIRE(deflateInit(&def_, Z_DEFAULT_COMPRESSION) == Z_OK);
    const auto& dict = spdy::header_dictionary();
    REQUIRE(deflateSetDictionary(&def_, reinterpret_cast<const Bytef*>(dict.data()),
                                 static_cast<uInt>(dict.size())) == Z_OK);
    REQUIRE(inflateInit(&inf_) == Z_OK);
  }
  ~Client() {
    deflateEnd(&def_);
    inflateEnd(&inf_);
  }

  std::string compress(const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string block;
    put32(block, static_cast<std::uint32_t>(headers.size()));
    for (const auto& [n, v] : headers) {
      put32(block, static_cast<std::uint32_t>(n.size()));
      block += n;
      put32(block, static_cast<std::uint32_t>(v.size()));
      block += v;
    }
    return compress_raw(block);
  }

  std::string compress_raw(std::string block) {
    def_.next_in = reinterpret_cast<Bytef*>(block.data());
    def_.avail_in = static_cast<uInt>(block.size());
    std::string out;
    char buf[1024];
    do {
      def_.next_out = reinterpret_cast<Bytef*>(buf);
      def_.avail_out = sizeof buf;
      REQUIRE(deflate(&def_, Z_SYNC_FLUSH) != Z_STREAM_ERROR);
      out.append(buf, sizeof buf - def_.avail_out);
    } while (def_.avail_out == 0);
    return out;
  }

  std::string inflate_block(const std::string& compressed) {
    inf_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    inf_.avail_in = static_cast<uInt>(compressed.size());
    std::string out;
    char buf[1024];
    for (;;) {
      inf_.next_out = reinterpret_cast<Bytef*>(buf);
      inf_.avail_out = sizeof buf;
      int rc = inflate(&inf_, Z_SYNC_FLUSH);
      if (rc == Z_NEED_DICT) {
        const auto& dict = spdy::header_dictionary();
        REQUIRE(inflateSetDictionary(&inf_, reinterpret_cast<const Bytef*>(dict.data()),
                                     static_cast<uInt>(dict.size())) == Z_OK);
        continue;
      }
      REQUIRE((rc == Z_OK || rc == Z_BUF_ERROR));
      out.append(buf, sizeof buf - inf_.avail_out);
      if (inf_.avail_in == 0 && inf_.avail_out != 0) break;
    }
    return out;
  }

  static std::string control(std::uint16_t type, std::uint8_t flags, const std::string& body) {
    std::string f;
    put32(f, 0x80030000u | type);
    put32(f, (std::uint32_t{flags} << 24) | static_cast<std::uint32_t>(body.size()));
    return f + body;
  }

  std::string syn_stream(std::uint32_t id, const std::vector<std::pair<std::string, std::string>>& headers,
                         std::uint8_t flags = 0) {
    std::string body;
    put32(body, id);
    put32(body, 0);
    body.push_back(0);
    body.push_back(0);
    return control(1, flags, body + compress(headers));
  }
  static std::string data(std::uint32_t id, const std::string& bytes, bool fin = false) {
    std::string f;
    put32(f, id);
    put32(f, (fin ? 0x01000000u : 0u) | static_cast<std::uint32_t>(bytes.size()));
    return f + bytes;
  }
  static std::string ping(std::uint32_t id) {
    std::string body;
    put32(body, id);
    return control(6, 0, body);
  }
  static std::string rst(std::uint32_t id, std::uint32_t status) {
    std::string body;
    put32(body, id);
    put32(body, status);
    return control(3, 0, body);
  }

 private:
  z_stream def_{};
  z_stream inf_{};
};

struct ParsedFrame {
  bool control = false;
  std::uint16_t type = 0;
  std::uint8_t flags = 0;
  std::uint32_t id = 0;  // stream id (data, and the first word of control bodies)
  std::string body;      // whole body for control frames, payload for data frames
};

inline std::vector<ParsedFrame> parse_all(const std::string& bytes) {
  std::vector<ParsedFrame> frames;
  std::size_t at = 0;
  while (at + 8 <= bytes.size()) {
    ParsedFrame f;
    std::uint32_t w0 = get32(bytes, at), w1 = get32(bytes, at + 4);
    f.control = (w0 & 0x80000000u) != 0;
    f.type = f.control ? static_cast<std::uint16_t>(w0 & 0xffff) : 0;
    f.flags = static_cast<std::uint8_t>(w1 >> 24);
    std::size_t len = w1 & 0xffffff;
    REQUIRE(at + 8 + len <= bytes.size());
    f.body = bytes.substr(at + 8, len);
    f.id = f.control ? (f.body.size() >= 4 ? get32(f.body, 0) & 0x7fffffff : 0) : (w0 & 0x7fffffff);
    frames.push_back(std::move(f));
    at += 8 + len;
  }
  REQUIRE(at == bytes.size());
  return frames;
}

}  // namespace spdy_test
