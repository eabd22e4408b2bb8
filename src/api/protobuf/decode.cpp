#include "api/protobuf/decode.h"

#include <cctype>

#include "api/protobuf/envelope.h"
#include "api/protobuf/message.h"
#include "api/protobuf/utf8.h"
#include "api/schema/schema.h"

namespace mk::api::proto {
namespace {

// The root type for kind in apiVersion. A kind whose name another group took first is
// prefixed with its group's first label in CamelCase ("Subject" in rbac is "RbacSubject").
const schema::TypeDef* find_root_type(std::string_view api_version, std::string_view kind) {
  const auto& s = schema::Schema::builtin();
  if (const auto* t = s.find(kind); t && schema::api_version(*t) == api_version) return t;
  auto slash = api_version.find('/');
  if (slash == std::string_view::npos) return nullptr;  // the core group takes names unprefixed
  std::string_view group = api_version.substr(0, slash);
  std::string name(group.substr(0, group.find('.')));
  if (name.empty()) return nullptr;
  name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  name += kind;
  if (const auto* t = s.find(name); t && schema::api_version(*t) == api_version) return t;
  return nullptr;
}

}  // namespace

Result<DecodedObject> decode_kubernetes_protobuf(std::string_view body) {
  auto envelope = parse_envelope(body);
  if (!envelope) return envelope.error().wrap("decode protobuf body");
  const auto* type = find_root_type(envelope->api_version, envelope->kind);
  if (!type) {
    return make_error(Errc::invalid_argument, "decode protobuf body: no kind " + valid_utf8(envelope->kind) +
                                                  " in " + valid_utf8(envelope->api_version));
  }
  auto object = decode_message(*type, envelope->raw);
  if (!object) return object.error().wrap("decode protobuf body: " + envelope->kind);
  (*object)["apiVersion"] = envelope->api_version;
  (*object)["kind"] = envelope->kind;
  return DecodedObject{std::move(envelope->api_version), std::move(envelope->kind), std::move(*object)};
}

}  // namespace mk::api::proto
