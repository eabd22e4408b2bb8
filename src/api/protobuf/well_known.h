#pragma once
// The apimachinery value types that protobuf carries as small messages but JSON writes as
// plain values (see src/api/schema/defs/FORMAT.md). Each takes the field's length-delimited
// payload; errors are Errc::invalid_argument without a field path (the caller adds it).

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/error.h"

namespace mk::api::proto {

// Time and MicroTime {int64 seconds = 1; int32 nanos = 2}. The zero time is JSON null, as Go
// writes it; callers drop it.
Result<nlohmann::json> decode_time(std::string_view payload, bool micro);
// Duration {int64 duration = 1} in nanoseconds, written as Go's duration string.
Result<nlohmann::json> decode_duration(std::string_view payload);
// Quantity {string string = 1}; the text as sent, "0" when empty.
Result<nlohmann::json> decode_quantity(std::string_view payload);
// IntOrString {int64 type = 1; int32 intVal = 2; string strVal = 3}: a number for type 0, a
// string for type 1.
Result<nlohmann::json> decode_int_or_string(std::string_view payload);

// JSON text embedded in a protobuf field, nested at most `max_depth` levels.
Result<nlohmann::json> parse_embedded_json(std::string_view text, int max_depth);
// RawExtension {bytes raw = 1}: the raw JSON; null when empty.
Result<nlohmann::json> decode_raw_extension(std::string_view payload, int max_depth);

// The schema's free-form `object` fields. FORMAT.md defines them as raw JSON bytes; Go's own
// types wrap that JSON in a message {bytes raw = 1} (FieldsV1), and the user-info `extra`
// maps arrive as map entries {string key = 1; ExtraValue{repeated string items = 1} value = 2}.
// A payload starting with field 1's tag (0x0a, never the first byte of JSON that means
// anything but white space) is read as one of the two messages.
struct FreeForm {
  nlohmann::json value;
  bool map_entry = false;  // value is {key: [items]}, to be merged into the field's object
};
Result<FreeForm> decode_free_form(std::string_view payload, int max_depth);

}  // namespace mk::api::proto
