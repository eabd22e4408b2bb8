#pragma once
// Standard base64 (RFC 4648, with padding), for Secret data and dockerconfigjson auth fields.

#include <optional>
#include <string>

namespace mk::agent::kubelet {

// nullopt when `text` is not valid base64.
std::optional<std::string> base64_decode(const std::string& text);

}  // namespace mk::agent::kubelet
