#pragma once
// Protobuf strings are not checked for valid UTF-8 on the wire, but JSON text must be: Go's
// encoding/json writes each byte that does not start a valid sequence as U+FFFD, and so do we.

#include <string>
#include <string_view>

namespace mk::api::proto {

std::string valid_utf8(std::string_view text);

}  // namespace mk::api::proto
