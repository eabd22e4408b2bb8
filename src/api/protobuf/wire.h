#pragma once
// Reading the protobuf wire format: tags, varints, fixed-width numbers and length-delimited
// payloads, each bounds-checked so that hostile input ends in an Errc::invalid_argument and
// never in a read past the buffer.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::api::proto {

enum class WireType : uint8_t {
  varint = 0,
  fixed64 = 1,
  bytes = 2,
  start_group = 3,
  end_group = 4,
  fixed32 = 5
};

std::string_view wire_type_name(WireType type);

struct Tag {
  int number = 0;
  WireType type = WireType::varint;
};

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}
  // The reader only views its data; a temporary would be gone before the first read.
  explicit WireReader(std::string&&) = delete;

  bool done() const { return pos_ >= data_.size(); }

  // Field numbers are 1..2^29-1; groups (wire types 3 and 4) are refused, no Kubernetes type
  // uses them.
  Result<Tag> tag();
  // At most ten bytes, the tenth carrying only the top bit, as Go's decoder insists.
  Result<uint64_t> varint();
  Result<uint64_t> fixed64();
  Result<uint32_t> fixed32();
  // A length prefix and that many bytes, which must all be present.
  Result<std::string_view> bytes();
  // Steps over a value of the given wire type (an unknown field).
  Status skip(WireType type);

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace mk::api::proto
