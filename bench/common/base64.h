#pragma once
// Standard, padded base64, as etcd's JSON gateway wants keys and values.

#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::bench {

std::string base64_encode(std::string_view data);
Result<std::string> base64_decode(std::string_view text);

}  // namespace mk::bench
