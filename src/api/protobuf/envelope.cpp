#include "api/protobuf/envelope.h"

#include "api/protobuf/wire.h"

namespace mk::api::proto {
namespace {

constexpr std::string_view kMagic{"k8s\0", 4};

Error bad(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

// A length-delimited field's payload; any other wire type for these fields is malformed.
Result<std::string_view> payload(WireReader& r, const Tag& tag, std::string_view what) {
  if (tag.type != WireType::bytes) {
    return bad(std::string(what) + ": wire type " + std::string(wire_type_name(tag.type)) +
               ", expected length-delimited");
  }
  auto v = r.bytes();
  if (!v) return v.error().wrap(what);
  return *v;
}

Status parse_type_meta(std::string_view data, Envelope& out) {
  WireReader r(data);
  while (!r.done()) {
    auto tag = r.tag();
    if (!tag) return tag.error().wrap("typeMeta");
    if (tag->number == 1 || tag->number == 2) {
      auto v = payload(r, *tag, tag->number == 1 ? "typeMeta.apiVersion" : "typeMeta.kind");
      if (!v) return v.error();
      (tag->number == 1 ? out.api_version : out.kind) = std::string(*v);
    } else if (auto s = r.skip(tag->type); !s) {
      return s.error().wrap("typeMeta");
    }
  }
  return Status::ok();
}

}  // namespace

Result<Envelope> parse_envelope(std::string_view body) {
  if (body.size() < kMagic.size() || body.substr(0, kMagic.size()) != kMagic) {
    return bad("missing the k8s protobuf magic prefix");
  }
  Envelope out;
  bool have_raw = false;
  WireReader r(body.substr(kMagic.size()));
  while (!r.done()) {
    auto tag = r.tag();
    if (!tag) return tag.error().wrap("envelope");
    switch (tag->number) {
      case 1: {
        auto v = payload(r, *tag, "typeMeta");
        if (!v) return v.error();
        if (auto s = parse_type_meta(*v, out); !s) return s.error();
        break;
      }
      case 2: {
        auto v = payload(r, *tag, "raw");
        if (!v) return v.error();
        out.raw = *v;
        have_raw = true;
        break;
      }
      case 3:
      case 4: {
        auto v = payload(r, *tag, tag->number == 3 ? "contentEncoding" : "contentType");
        if (!v) return v.error();
        (tag->number == 3 ? out.content_encoding : out.content_type) = std::string(*v);
        break;
      }
      default:
        if (auto s = r.skip(tag->type); !s) return s.error().wrap("envelope");
    }
  }
  if (out.api_version.empty() || out.kind.empty()) return bad("envelope names no apiVersion and kind");
  if (!have_raw) return bad("envelope carries no object");
  if (!out.content_encoding.empty()) {
    return bad("content encoding " + out.content_encoding + " is not supported");
  }
  return out;
}

}  // namespace mk::api::proto
