#pragma once
// SHA-256 as lowercase hex: the CA hash in join tokens is this digest of the CA file's bytes.

#include <string>
#include <string_view>

namespace mk::pki {

std::string sha256_hex(std::string_view bytes);

}  // namespace mk::pki
