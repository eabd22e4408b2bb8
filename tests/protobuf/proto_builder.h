#pragma once
// Builds protobuf bytes by hand for tests: the wire format written out field by field.

#include <cstdint>
#include <string>
#include <string_view>

namespace mk::test {

class ProtoBuilder {
 public:
  ProtoBuilder& varint(int field, uint64_t v) { return key(field, 0).put_varint(v); }
  ProtoBuilder& fixed64(int field, uint64_t v) {
    key(field, 1);
    for (int i = 0; i < 8; ++i) out_ += static_cast<char>(v >> (8 * i) & 0xff);
    return *this;
  }
  ProtoBuilder& fixed32(int field, uint32_t v) {
    key(field, 5);
    for (int i = 0; i < 4; ++i) out_ += static_cast<char>(v >> (8 * i) & 0xff);
    return *this;
  }
  ProtoBuilder& bytes(int field, std::string_view v) {
    key(field, 2).put_varint(v.size());
    out_ += v;
    return *this;
  }
  ProtoBuilder& message(int field, const ProtoBuilder& m) { return bytes(field, m.str()); }
  // Anything at all, for malformed input.
  ProtoBuilder& raw(std::string_view v) {
    out_ += v;
    return *this;
  }
  ProtoBuilder& key(int field, int wire_type) {
    return put_varint(static_cast<uint64_t>(field) << 3 | wire_type);
  }
  ProtoBuilder& put_varint(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>(v & 0x7f | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
    return *this;
  }

  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// "k8s\0" + runtime.Unknown around `raw`.
inline std::string kubernetes_body(std::string_view api_version, std::string_view kind,
                                   std::string_view raw) {
  ProtoBuilder type_meta;
  type_meta.bytes(1, api_version).bytes(2, kind);
  ProtoBuilder unknown;
  unknown.message(1, type_meta).bytes(2, raw).bytes(3, "").bytes(4, "");
  return std::string("k8s\0", 4) + unknown.str();
}

}  // namespace mk::test
