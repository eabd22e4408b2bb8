#pragma once
// Pieces of strategic merge patch shared between the map half (strategic_merge.cpp) and the list
// half (strategic_list.cpp).

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "server/apiserver/merge/shape.h"

namespace mk::apiserver::merge {

inline constexpr std::string_view patch_directive = "$patch";
inline constexpr std::string_view retain_keys_directive = "$retainKeys";
inline constexpr std::string_view set_order_prefix = "$setElementOrder/";
inline constexpr std::string_view delete_from_list_prefix = "$deleteFromPrimitiveList/";

// Errc::invalid_argument naming where in the patch the problem is.
Error bad_patch(const std::string& path, const std::string& why);
std::string member_path(const std::string& parent, std::string_view name);
std::string item_path(const std::string& list, size_t index);
const char* json_kind(const nlohmann::json& v);

// Merges `patch` (an object) into `original` (an object, or null for none). nullopt when the patch
// deletes the value (`$patch: delete`).
Result<std::optional<nlohmann::json>> smp_object(const Shape& shape, const nlohmann::json& original,
                                                 const nlohmann::json& patch, const std::string& path);
// Merges one field's patch value into its current value (nullptr when absent); null patch values
// are handled by the caller.
Result<std::optional<nlohmann::json>> smp_value(const Shape& shape, const nlohmann::json* original,
                                                const nlohmann::json& patch, const std::string& path);
// A list field: merged by key, as a set of scalars, or replaced, as the schema declares.
Result<nlohmann::json> smp_list(const Shape& shape, const nlohmann::json* original, const nlohmann::json& patch,
                                const std::string& path);
// Applies `$setElementOrder/<name>` to the merged list `merged`: the listed items first in the
// listed order, then the others in their current order. `patch_list` is the patch's own list for
// that field, checked to follow the same order.
Status smp_set_order(const Shape& list_shape, nlohmann::json& merged, const nlohmann::json& order,
                     const nlohmann::json* patch_list, const std::string& path);

}  // namespace mk::apiserver::merge
