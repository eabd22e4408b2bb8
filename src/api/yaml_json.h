#pragma once
// YAML documents to JSON values (request bodies, config files). Plain scalars are typed as
// YAML 1.2's core schema does (null, booleans, integers, floats); quoted scalars stay strings.

#include <nlohmann/json_fwd.hpp>

#include <string_view>

#include "common/error.h"

namespace mk::api {

// The first document of `text`; Errc::invalid_argument with the parser's line on bad YAML.
Result<nlohmann::json> yaml_to_json(std::string_view text);

}  // namespace mk::api
