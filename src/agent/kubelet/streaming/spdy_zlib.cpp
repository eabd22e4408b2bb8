#include "agent/kubelet/streaming/spdy_zlib.h"

#include <zlib.h>

#include <cstdint>
#include <initializer_list>

namespace mk::agent::kubelet::streaming::spdy {

const std::string& header_dictionary() {
  // Length-prefixed header names and values, then a tail of common value fragments.
  static const std::string dict = [] {
    std::string d;
    for (std::string_view word :
         {"options", "head", "post", "put", "delete", "trace", "accept", "accept-charset",
          "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization",
          "cache-control", "connection", "content-base", "content-encoding", "content-language",
          "content-length", "content-location", "content-md5", "content-range", "content-type", "date",
          "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match",
          "if-range", "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma",
          "proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after", "server", "te",
          "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
          "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public",
          "set-cookie", "keep-alive", "origin"}) {
      auto n = static_cast<std::uint32_t>(word.size());
      d.push_back(static_cast<char>(n >> 24));
      d.push_back(static_cast<char>(n >> 16));
      d.push_back(static_cast<char>(n >> 8));
      d.push_back(static_cast<char>(n));
      d.append(word);
    }
    d.append(
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
        "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401"
        " Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 S"
        "ervice UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, We"
        "d, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xm"
        "l,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdc"
        "hcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.");
    return d;
  }();
  return dict;
}

namespace {
const Bytef* dict_bytes() { return reinterpret_cast<const Bytef*>(header_dictionary().data()); }
uInt dict_size() { return static_cast<uInt>(header_dictionary().size()); }
Error zlib_error(std::string_view what, int rc, const z_stream& z) {
  return make_error(Errc::invalid_argument, "spdy: " + std::string(what) + ": " +
                                                (z.msg ? std::string(z.msg) : "zlib error " + std::to_string(rc)));
}
}  // namespace

struct HeaderCompressor::State {
  z_stream z{};
  bool ok = false;
};

HeaderCompressor::HeaderCompressor() : s_(std::make_unique<State>()) {
  s_->ok = deflateInit(&s_->z, Z_BEST_COMPRESSION) == Z_OK;
  if (s_->ok) s_->ok = deflateSetDictionary(&s_->z, dict_bytes(), dict_size()) == Z_OK;
}

HeaderCompressor::~HeaderCompressor() { deflateEnd(&s_->z); }

Result<std::string> HeaderCompressor::compress(std::string_view block) {
  if (!s_->ok) return make_error(Errc::internal, "spdy: header compressor could not be set up");
  z_stream& z = s_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
  z.avail_in = static_cast<uInt>(block.size());
  std::string out;
  char buf[4096];
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    int rc = deflate(&z, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      s_->ok = false;
      return zlib_error("compress headers", rc, z);
    }
    out.append(buf, sizeof buf - z.avail_out);
  } while (z.avail_out == 0 || z.avail_in != 0);
  return out;
}

struct HeaderDecompressor::State {
  z_stream z{};
  bool ok = false;
};

HeaderDecompressor::HeaderDecompressor(std::size_t max_block)
    : s_(std::make_unique<State>()), max_block_(max_block) {
  s_->ok = inflateInit(&s_->z) == Z_OK;
}

HeaderDecompressor::~HeaderDecompressor() { inflateEnd(&s_->z); }

Result<std::string> HeaderDecompressor::decompress(std::string_view compressed) {
  if (!s_->ok) return make_error(Errc::invalid_argument, "spdy: header decompressor is unusable");
  z_stream& z = s_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buf[4096];
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    int rc = inflate(&z, Z_SYNC_FLUSH);
    if (rc == Z_NEED_DICT) {
      if (z.adler != adler32(adler32(0, nullptr, 0), dict_bytes(), dict_size()) ||
          inflateSetDictionary(&z, dict_bytes(), dict_size()) != Z_OK) {
        s_->ok = false;
        return make_error(Errc::invalid_argument, "spdy: header block asks for an unknown dictionary");
      }
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      s_->ok = false;
      return zlib_error("decompress headers", rc, z);
    }
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > max_block_) {
      s_->ok = false;
      return make_error(Errc::too_large, "spdy: header block inflates beyond " + std::to_string(max_block_) +
                                             " bytes");
    }
    // Done when all input is used and inflate had room to spare (nothing left pending).
    if (z.avail_in == 0 && z.avail_out != 0) break;
    if (rc == Z_BUF_ERROR && z.avail_out != 0) break;  // no progress possible
  }
  if (z.avail_in != 0) {
    s_->ok = false;
    return make_error(Errc::invalid_argument, "spdy: header block has bytes after the compressed data");
  }
  return out;
}

}  // namespace mk::agent::kubelet::streaming::spdy
