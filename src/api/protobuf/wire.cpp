#include "api/protobuf/wire.h"

#include <string>

namespace mk::api::proto {
namespace {

Error bad(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

}  // namespace

std::string_view wire_type_name(WireType type) {
  switch (type) {
    case WireType::varint: return "varint";
    case WireType::fixed64: return "fixed64";
    case WireType::bytes: return "length-delimited";
    case WireType::start_group: return "start-group";
    case WireType::end_group: return "end-group";
    case WireType::fixed32: return "fixed32";
  }
  return "unknown";
}

Result<uint64_t> WireReader::varint() {
  uint64_t value = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= data_.size()) return bad("truncated varint");
    auto b = static_cast<uint8_t>(data_[pos_++]);
    // The tenth byte holds bit 63 only; anything more would overflow 64 bits.
    if (i == 9 && b > 1) return bad("varint overflows 64 bits");
    value |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return value;
  }
  return bad("varint longer than 10 bytes");
}

Result<Tag> WireReader::tag() {
  auto v = varint();
  if (!v) return v.error();
  uint64_t number = *v >> 3;
  auto type = static_cast<unsigned>(*v & 7);
  if (number == 0 || number > 0x1fffffff) return bad("invalid field number " + std::to_string(number));
  if (type == 3 || type == 4) return bad("groups are not supported (field " + std::to_string(number) + ")");
  if (type > 5)
    return bad("invalid wire type " + std::to_string(type) + " (field " + std::to_string(number) + ")");
  return Tag{static_cast<int>(number), static_cast<WireType>(type)};
}

Result<uint64_t> WireReader::fixed64() {
  if (data_.size() - pos_ < 8) return bad("truncated fixed64");
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
  pos_ += 8;
  return v;
}

Result<uint32_t> WireReader::fixed32() {
  if (data_.size() - pos_ < 4) return bad("truncated fixed32");
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(data_[pos_ + i]);
  pos_ += 4;
  return v;
}

Result<std::string_view> WireReader::bytes() {
  auto n = varint();
  if (!n) return n.error();
  if (*n > data_.size() - pos_) {
    return bad("length " + std::to_string(*n) + " runs past the end of the data (" +
               std::to_string(data_.size() - pos_) + " bytes left)");
  }
  auto out = data_.substr(pos_, *n);
  pos_ += *n;
  return out;
}

Status WireReader::skip(WireType type) {
  switch (type) {
    case WireType::varint:
      if (auto v = varint(); !v) return v.error();
      return Status::ok();
    case WireType::fixed64:
      if (auto v = fixed64(); !v) return v.error();
      return Status::ok();
    case WireType::fixed32:
      if (auto v = fixed32(); !v) return v.error();
      return Status::ok();
    case WireType::bytes:
      if (auto v = bytes(); !v) return v.error();
      return Status::ok();
    case WireType::start_group:
    case WireType::end_group: break;
  }
  return bad("groups are not supported");
}

}  // namespace mk::api::proto
