#include "api/protobuf/message.h"

#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "api/protobuf/utf8.h"
#include "api/protobuf/well_known.h"
#include "api/protobuf/wire.h"
#include "api/protobuf/zero_values.h"
#include "api/schema/schema.h"

namespace mk::api::proto {
namespace {

using nlohmann::json;
using schema::Base;
using schema::Container;
using schema::Field;
using schema::TypeDef;

Error bad(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

bool is_scalar(Base b) {
  return b == Base::string || b == Base::bytes || b == Base::int32 || b == Base::int64 ||
         b == Base::boolean || b == Base::number;
}

// Scalars that may arrive packed: several values in one length-delimited field.
bool is_packable(Base b) {
  return b == Base::int32 || b == Base::int64 || b == Base::boolean || b == Base::number;
}

bool is_zero(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() == 0;
  if (v.is_number_float()) return v.get<double>() == 0.0;
  return false;
}

// What a map entry without a value field stands for: the value type's zero.
json zero_of(Base b) {
  switch (b) {
    case Base::string:
    case Base::bytes: return "";
    case Base::int32:
    case Base::int64:
    case Base::int_or_string: return 0;
    case Base::boolean: return false;
    case Base::number: return 0.0;
    case Base::quantity: return "0";
    case Base::duration: return "0s";
    case Base::message: return json::object();
    case Base::time:
    case Base::micro_time:
    case Base::raw_extension:
    case Base::any: break;
  }
  return nullptr;
}

// Go's encoding/json writes []byte as standard, padded base64.
std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16 | static_cast<uint8_t>(in[i + 1]) << 8 |
                 static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += i + 1 < in.size() ? kAlphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

class Decoder {
 public:
  // Decodes `data` as `type`, merging into `out` as protobuf merges repeated occurrences of
  // an embedded message.
  Status message(const TypeDef& type, std::string_view data, json& out);

 private:
  Status field(const TypeDef& type, const Field& f, const Tag& tag, WireReader& r, json& out);
  Status list_item(const Field& f, const Tag& tag, WireReader& r, json& list);
  Status map_entry(const Field& f, std::string_view payload, json& map);
  // One value of f's base type (a list item, a map value or a singular field).
  Result<json> element(const Field& f, WireType type, WireReader& r);
  Result<json> scalar(Base base, WireType type, WireReader& r);
  Result<std::string_view> payload(WireType type, WireReader& r);

  // The error with the path of the field being decoded: "spec.template.spec.containers[0].ports[1]: ...".
  Error at(const Error& e) const;
  int json_depth_left() const { return kMaxNesting - depth_; }

  std::vector<std::string> path_;
  int depth_ = 0;
};

// Names the field being decoded for error messages for as long as it lives.
class PathSegment {
 public:
  PathSegment(std::vector<std::string>& path, std::string name) : path_(path) {
    path_.push_back(std::move(name));
  }
  ~PathSegment() { path_.pop_back(); }
  PathSegment(const PathSegment&) = delete;
  PathSegment& operator=(const PathSegment&) = delete;

 private:
  std::vector<std::string>& path_;
};

Error Decoder::at(const Error& e) const {
  std::string where;
  for (const auto& p : path_) {
    if (p.empty()) continue;
    if (!where.empty() && p.front() != '[') where += '.';
    where += p;
  }
  return where.empty() ? e : e.wrap(where);
}

Status Decoder::message(const TypeDef& type, std::string_view data, json& out) {
  if (depth_ >= kMaxNesting) return at(bad("messages nest deeper than " + std::to_string(kMaxNesting)));
  ++depth_;
  if (!out.is_object()) out = json::object();
  Status result;
  WireReader r(data);
  while (!r.done()) {
    auto tag = r.tag();
    if (!tag) {
      result = at(tag.error());
      break;
    }
    const Field* f = type.proto_field(tag->number);
    if (!f) {
      // Unknown to this server's schema: skipped, as Go does, so newer clients still work.
      if (auto s = r.skip(tag->type); !s) {
        result = at(s.error());
        break;
      }
      continue;
    }
    if (auto s = field(type, *f, *tag, r, out); !s) {
      result = s;
      break;
    }
  }
  --depth_;
  return result;
}

Status Decoder::field(const TypeDef& type, const Field& f, const Tag& tag, WireReader& r, json& out) {
  // An inline field's members sit directly in this object, so it adds nothing to the path.
  PathSegment segment(path_, f.inline_ ? std::string() : f.name);
  const auto& ft = f.type;
  if (ft.container == Container::list) {
    json& list = out[f.name];
    if (!list.is_array()) list = json::array();
    if (auto s = list_item(f, tag, r, list); !s) return s;
    // An empty packed run adds nothing; Go leaves such a list nil and JSON omits it.
    if (list.empty()) out.erase(f.name);
    return Status::ok();
  }
  if (ft.container == Container::map) {
    auto entry = payload(tag.type, r);
    if (!entry) return entry.error();
    json& map = out[f.name];
    if (!map.is_object()) map = json::object();
    return map_entry(f, *entry, map);
  }
  if (ft.base == Base::message) {
    if (!ft.message)
      return at(make_error(Errc::internal, "schema type " + ft.message_name + " is unresolved"));
    auto data = payload(tag.type, r);
    if (!data) return data.error();
    // Present means set, even when empty: Go writes non-pointer structs always and JSON
    // shows them as {} ("strategy": {}, "resources": {}).
    return message(*ft.message, *data, f.inline_ ? out : out[f.name]);
  }
  if (ft.base == Base::any) {
    auto data = payload(tag.type, r);
    if (!data) return data.error();
    auto v = decode_free_form(*data, json_depth_left());
    if (!v) return at(v.error());
    json& slot = out[f.name];
    if (v->map_entry && slot.is_object()) {
      slot.update(v->value);
    } else {
      slot = std::move(v->value);
    }
    return Status::ok();
  }
  auto v = element(f, tag.type, r);
  if (!v) return v.error();
  // A later occurrence wins, so a dropped zero also removes an earlier value.
  if (v->is_null() || (is_scalar(ft.base) && is_zero(*v) && !keeps_zero_value(type, f))) {
    out.erase(f.name);
  } else {
    out[f.name] = std::move(*v);
  }
  return Status::ok();
}

Status Decoder::list_item(const Field& f, const Tag& tag, WireReader& r, json& list) {
  if (tag.type == WireType::bytes && is_packable(f.type.base)) {
    auto packed = r.bytes();
    if (!packed) return at(packed.error());
    WireReader items(*packed);
    const WireType each = f.type.base == Base::number ? WireType::fixed64 : WireType::varint;
    while (!items.done()) {
      PathSegment index(path_, "[" + std::to_string(list.size()) + "]");
      auto v = scalar(f.type.base, each, items);
      if (!v) return v.error();
      list.push_back(std::move(*v));
    }
    return Status::ok();
  }
  PathSegment index(path_, "[" + std::to_string(list.size()) + "]");
  auto v = element(f, tag.type, r);
  if (!v) return v.error();
  list.push_back(std::move(*v));
  return Status::ok();
}

Status Decoder::map_entry(const Field& f, std::string_view payload_bytes, json& map) {
  std::string key;
  json value = zero_of(f.type.base);
  WireReader r(payload_bytes);
  while (!r.done()) {
    auto tag = r.tag();
    if (!tag) return at(tag.error());
    if (tag->number == 1) {
      auto k = payload(tag->type, r);
      if (!k) return k.error();
      key = valid_utf8(*k);
    } else if (tag->number == 2) {
      PathSegment segment(path_, "[" + key + "]");
      auto v = element(f, tag->type, r);
      if (!v) return v.error();
      value = std::move(*v);
    } else if (auto s = r.skip(tag->type); !s) {
      return at(s.error());
    }
  }
  map[key] = std::move(value);
  return Status::ok();
}

Result<json> Decoder::element(const Field& f, WireType type, WireReader& r) {
  const Base base = f.type.base;
  if (is_packable(base)) return scalar(base, type, r);
  auto data = payload(type, r);
  if (!data) return data.error();
  Result<json> v = json();
  switch (base) {
    case Base::string: return json(valid_utf8(*data));
    case Base::bytes: return json(base64(*data));
    case Base::time: v = decode_time(*data, false); break;
    case Base::micro_time: v = decode_time(*data, true); break;
    case Base::duration: v = decode_duration(*data); break;
    case Base::quantity: v = decode_quantity(*data); break;
    case Base::int_or_string: v = decode_int_or_string(*data); break;
    case Base::raw_extension: v = decode_raw_extension(*data, json_depth_left()); break;
    case Base::any: {
      auto free_form = decode_free_form(*data, json_depth_left());
      if (!free_form) return at(free_form.error());
      return std::move(free_form->value);
    }
    case Base::message: {
      if (!f.type.message)
        return at(make_error(Errc::internal, "schema type " + f.type.message_name + " is unresolved"));
      json out = json::object();
      if (auto s = message(*f.type.message, *data, out); !s) return s.error();
      return out;
    }
    default: return at(make_error(Errc::internal, "unhandled schema type"));
  }
  if (!v) return at(v.error());
  return v;
}

Result<json> Decoder::scalar(Base base, WireType type, WireReader& r) {
  const WireType want = base == Base::number ? WireType::fixed64 : WireType::varint;
  if (type != want) {
    return at(bad("wire type " + std::string(wire_type_name(type)) + ", expected " +
                  std::string(wire_type_name(want))));
  }
  if (base == Base::number) {
    auto bits = r.fixed64();
    if (!bits) return at(bits.error());
    const auto d = std::bit_cast<double>(*bits);
    if (!std::isfinite(d)) return at(bad("number is not finite"));
    return json(d);
  }
  auto v = r.varint();
  if (!v) return at(v.error());
  switch (base) {
    // Go truncates to 32 bits; a negative int32 arrives sign-extended in ten bytes.
    case Base::int32: return json(static_cast<int32_t>(static_cast<uint32_t>(*v)));
    case Base::boolean: return json(*v != 0);
    default: return json(static_cast<int64_t>(*v));
  }
}

Result<std::string_view> Decoder::payload(WireType type, WireReader& r) {
  if (type != WireType::bytes) {
    return at(bad("wire type " + std::string(wire_type_name(type)) + ", expected length-delimited"));
  }
  auto v = r.bytes();
  if (!v) return at(v.error());
  return *v;
}

}  // namespace

Result<json> decode_message(const TypeDef& type, std::string_view data) {
  Decoder decoder;
  json out = json::object();
  if (auto s = decoder.message(type, data, out); !s) return s.error();
  return out;
}

}  // namespace mk::api::proto
