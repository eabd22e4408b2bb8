#pragma once
// Access modes of persistent volumes and claims.

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "api/field_error.h"

namespace mk::apiserver {

// At least one mode (`required_detail` is the Required message's detail), each supported, and
// ReadWriteOncePod alone.
void validate_access_modes(const nlohmann::json& spec, const std::string& path, const std::string& required_detail,
                           api::FieldErrors& out);

}  // namespace mk::apiserver
