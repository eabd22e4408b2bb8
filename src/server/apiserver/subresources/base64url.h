#pragma once
// Unpadded base64url (RFC 4648 §5), the encoding of every JSON Web Token segment.

#include <optional>
#include <string>
#include <string_view>

namespace mk::apiserver {

std::string base64url_encode(std::string_view bytes);
// nullopt for characters outside the alphabet, padding, or an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace mk::apiserver
