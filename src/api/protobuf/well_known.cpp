#include "api/protobuf/well_known.h"

#include <cstdint>
#include <functional>
#include <string>

#include "api/protobuf/go_format.h"
#include "api/protobuf/utf8.h"
#include "api/protobuf/wire.h"

namespace mk::api::proto {
namespace {

using nlohmann::json;

Error bad(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

// Walks a small message, handing each field to `on_field`; `on_field` returns false for a
// field it does not know, which is then skipped as Go skips unknown fields.
Status each_field(std::string_view payload, std::string_view type_name,
                  const std::function<Result<bool>(const Tag&, WireReader&)>& on_field) {
  WireReader r(payload);
  while (!r.done()) {
    auto tag = r.tag();
    if (!tag) return tag.error().wrap(type_name);
    auto known = on_field(*tag, r);
    if (!known) return known.error().wrap(type_name);
    if (!*known) {
      if (auto s = r.skip(tag->type); !s) return s.error().wrap(type_name);
    }
  }
  return Status::ok();
}

Status expect(const Tag& tag, WireType want) {
  if (tag.type == want) return Status::ok();
  return bad("field " + std::to_string(tag.number) + " has wire type " +
             std::string(wire_type_name(tag.type)) + ", expected " + std::string(wire_type_name(want)));
}

Result<uint64_t> read_varint(const Tag& tag, WireReader& r) {
  if (auto s = expect(tag, WireType::varint); !s) return s.error();
  return r.varint();
}

Result<std::string_view> read_bytes(const Tag& tag, WireReader& r) {
  if (auto s = expect(tag, WireType::bytes); !s) return s.error();
  return r.bytes();
}

}  // namespace

Result<json> decode_time(std::string_view payload, bool micro) {
  int64_t seconds = 0;
  int32_t nanos = 0;
  auto s = each_field(payload, "Time", [&](const Tag& tag, WireReader& r) -> Result<bool> {
    if (tag.number != 1 && tag.number != 2) return false;
    auto v = read_varint(tag, r);
    if (!v) return v.error();
    if (tag.number == 1) {
      seconds = static_cast<int64_t>(*v);
    } else {
      nanos = static_cast<int32_t>(static_cast<uint32_t>(*v));
    }
    return true;
  });
  if (!s) return s.error();
  // Go's metav1.Time keeps {0, 0} as the zero time, which JSON writes as null.
  if (seconds == 0 && nanos == 0) return json(nullptr);
  auto text = format_timestamp(seconds, nanos, micro);
  if (!text) return text.error();
  return json(*text);
}

Result<json> decode_duration(std::string_view payload) {
  int64_t ns = 0;
  auto s = each_field(payload, "Duration", [&](const Tag& tag, WireReader& r) -> Result<bool> {
    if (tag.number != 1) return false;
    auto v = read_varint(tag, r);
    if (!v) return v.error();
    ns = static_cast<int64_t>(*v);
    return true;
  });
  if (!s) return s.error();
  return json(format_go_duration(ns));
}

Result<json> decode_quantity(std::string_view payload) {
  std::string text;
  auto s = each_field(payload, "Quantity", [&](const Tag& tag, WireReader& r) -> Result<bool> {
    if (tag.number != 1) return false;
    auto v = read_bytes(tag, r);
    if (!v) return v.error();
    text = valid_utf8(*v);
    return true;
  });
  if (!s) return s.error();
  return json(text.empty() ? std::string("0") : text);
}

Result<json> decode_int_or_string(std::string_view payload) {
  int64_t type = 0;
  int32_t int_val = 0;
  std::string str_val;
  auto s = each_field(payload, "IntOrString", [&](const Tag& tag, WireReader& r) -> Result<bool> {
    if (tag.number == 1 || tag.number == 2) {
      auto v = read_varint(tag, r);
      if (!v) return v.error();
      if (tag.number == 1) {
        type = static_cast<int64_t>(*v);
      } else {
        int_val = static_cast<int32_t>(static_cast<uint32_t>(*v));
      }
      return true;
    }
    if (tag.number == 3) {
      auto v = read_bytes(tag, r);
      if (!v) return v.error();
      str_val = valid_utf8(*v);
      return true;
    }
    return false;
  });
  if (!s) return s.error();
  if (type == 0) return json(int_val);
  if (type == 1) return json(str_val);
  return bad("IntOrString: unknown type " + std::to_string(type));
}

Result<json> parse_embedded_json(std::string_view text, int max_depth) {
  int deepest = 0;
  // The parser itself is not recursive; the limit keeps later, recursive walks of the value
  // bounded. Values past it are discarded at once rather than built and thrown away.
  json::parser_callback_t track = [&deepest, max_depth](int depth, json::parse_event_t, json&) {
    if (depth > deepest) deepest = depth;
    return depth <= max_depth;
  };
  json value = json::parse(text.begin(), text.end(), track, /*allow_exceptions=*/false);
  if (value.is_discarded()) return bad("embedded JSON does not parse");
  if (deepest > max_depth) return bad("embedded JSON nests deeper than the limit");
  return value;
}

Result<json> decode_raw_extension(std::string_view payload, int max_depth) {
  std::string_view raw;
  auto s = each_field(payload, "RawExtension", [&](const Tag& tag, WireReader& r) -> Result<bool> {
    if (tag.number != 1) return false;
    auto v = read_bytes(tag, r);
    if (!v) return v.error();
    raw = *v;
    return true;
  });
  if (!s) return s.error();
  if (raw.empty()) return json(nullptr);
  return parse_embedded_json(raw, max_depth);
}

Result<FreeForm> decode_free_form(std::string_view payload, int max_depth) {
  if (!payload.empty() && payload.front() == '\x0a') {
    // Field 1 alone is a {bytes raw = 1} wrapper; fields 1 and 2 are an `extra` map entry.
    std::string_view first;
    std::string_view second;
    bool have_second = false;
    auto s = each_field(payload, "object", [&](const Tag& tag, WireReader& r) -> Result<bool> {
      if (tag.number != 1 && tag.number != 2) return false;
      auto v = read_bytes(tag, r);
      if (!v) return v.error();
      (tag.number == 1 ? first : second) = *v;
      have_second = have_second || tag.number == 2;
      return true;
    });
    if (s && !have_second) {
      auto value = parse_embedded_json(first, max_depth);
      if (!value) return value.error();
      return FreeForm{std::move(*value), false};
    }
    if (s) {
      json items = json::array();
      auto e = each_field(second, "ExtraValue", [&](const Tag& tag, WireReader& r) -> Result<bool> {
        if (tag.number != 1) return false;
        auto v = read_bytes(tag, r);
        if (!v) return v.error();
        items.push_back(valid_utf8(*v));
        return true;
      });
      if (!e) return e.error();
      json entry = json::object();
      entry[valid_utf8(first)] = std::move(items);
      return FreeForm{std::move(entry), true};
    }
    // Not a message after all: white space before JSON text.
  }
  auto value = parse_embedded_json(payload, max_depth);
  if (!value) return value.error();
  return FreeForm{std::move(*value), false};
}

}  // namespace mk::api::proto
