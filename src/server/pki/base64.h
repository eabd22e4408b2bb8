#pragma once
// Standard base64 (RFC 4648, with padding), as kubeconfig's *-data fields use.

#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::pki {

std::string base64_encode(std::string_view bytes);

// Accepts padded or unpadded input and skips line breaks; anything else outside the alphabet
// is Errc::invalid_argument.
Result<std::string> base64_decode(std::string_view text);

}  // namespace mk::pki
