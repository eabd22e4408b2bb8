#pragma once
// Decoding one protobuf message into JSON by walking its type in the schema.

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/error.h"

namespace mk::api::schema {
struct TypeDef;
}

namespace mk::api::proto {

// Messages and embedded JSON together may nest this deep; deeper input is refused.
inline constexpr int kMaxNesting = 100;

// The JSON object kube-apiserver would show for `data` encoded as `type`: fields by their JSON
// names, inline fields flattened, repeated fields as arrays, map entries as objects, the
// value types of well_known.h in their JSON forms, zero scalars dropped per zero_values.h, and
// unknown field numbers skipped. Errors are Errc::invalid_argument naming the field path.
Result<nlohmann::json> decode_message(const schema::TypeDef& type, std::string_view data);

}  // namespace mk::api::proto
