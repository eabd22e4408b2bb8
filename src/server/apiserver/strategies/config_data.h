#pragma once
// What ConfigMaps and Secrets share: key names (IsConfigMapKey), the 1 MiB size limit, and
// base64 values decoded as Go's encoding/json decodes []byte.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/status.h"

namespace mk::apiserver {

// core.MaxSecretSize: the total size of a ConfigMap's or Secret's values.
inline constexpr int64_t kMaxDataSize = 1 * 1024 * 1024;

// IsConfigMapKey: at most 253 of [-._a-zA-Z0-9], and not ".", ".." or starting with "..".
std::vector<std::string> check_config_key(std::string_view key);

// base64.StdEncoding.DecodeString: the decoded bytes, or the offset of the first bad input
// byte (Go's CorruptInputError).
struct Base64Result {
  std::string bytes;
  std::optional<size_t> error_at;
};
Base64Result decode_base64(std::string_view text);
// base64.StdEncoding.EncodeToString.
std::string encode_base64(std::string_view bytes);

// For `field` ("data", "binaryData") of a ConfigMap or Secret: upstream refuses a value that is
// not base64 while decoding the request (400), as
//   Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4
std::optional<api::ApiError> check_base64_values(const nlohmann::json& obj, const char* field, const std::string& kind);

}  // namespace mk::apiserver
