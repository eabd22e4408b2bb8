#pragma once
// SPDY/3 header-block compression: one zlib stream per direction for the whole session, primed
// with the protocol's fixed dictionary, each block ended with a sync flush so it can be
// decoded on arrival. Neither class is thread-safe; the session serialises its use.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::agent::kubelet::streaming::spdy {

// The SPDY/3 header dictionary (1423 bytes, draft-mbelshe-httpbis-spdy-00 section 2.6.10.1).
const std::string& header_dictionary();

class HeaderCompressor {
 public:
  HeaderCompressor();
  ~HeaderCompressor();
  HeaderCompressor(const HeaderCompressor&) = delete;
  HeaderCompressor& operator=(const HeaderCompressor&) = delete;

  // The compressed form of one uncompressed header block.
  Result<std::string> compress(std::string_view block);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

class HeaderDecompressor {
 public:
  // Blocks inflating to more than `max_block` bytes are refused (Errc::too_large).
  explicit HeaderDecompressor(std::size_t max_block = 256 << 10);
  ~HeaderDecompressor();
  HeaderDecompressor(const HeaderDecompressor&) = delete;
  HeaderDecompressor& operator=(const HeaderDecompressor&) = delete;

  // The uncompressed header block carried by one frame. After an error the stream is broken.
  Result<std::string> decompress(std::string_view compressed);

 private:
  struct State;
  std::unique_ptr<State> s_;
  std::size_t max_block_;
};

}  // namespace mk::agent::kubelet::streaming::spdy
