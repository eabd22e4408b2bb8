#pragma once
// IntOrString fields that hold a count or a percentage (rolling update limits, disruption
// budgets), checked as the apps validation does.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

#include "api/field_error.h"

namespace mk::apiserver {

// ValidatePositiveIntOrPercent: a non-negative integer, or a string "<digits>%". `value` may be
// null (the zero IntOrString, 0).
void validate_int_or_percent(const nlohmann::json* value, const std::string& field, api::FieldErrors& out);
// IsNotMoreThan100Percent: percentages above 100% are refused.
void check_not_over_100_percent(const nlohmann::json* value, const std::string& field, api::FieldErrors& out);
// getIntOrPercentValue: the number, or the percentage's number; 0 for anything unparsable.
int64_t int_or_percent_value(const nlohmann::json* value);

}  // namespace mk::apiserver
