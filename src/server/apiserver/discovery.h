#pragma once
// Discovery documents, legacy and aggregated (apidiscovery.k8s.io/v2), built from the kinds.

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

#include "api/kinds/kind_info.h"

namespace mk::apiserver {

// Whether Accept asks for aggregated discovery (as=APIGroupDiscoveryList, g=apidiscovery.k8s.io, v=v2).
bool wants_aggregated(const std::string& accept);
inline constexpr const char* kAggregatedContentType =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

nlohmann::json api_versions(const std::string& server_address);               // GET /api
nlohmann::json api_group_list(const api::KindRegistry& kinds);                // GET /apis
std::optional<nlohmann::json> api_group(const api::KindRegistry& kinds, const std::string& group);  // /apis/<g>
std::optional<nlohmann::json> api_resource_list(const api::KindRegistry& kinds, const std::string& group,
                                                const std::string& version);  // /api/v1, /apis/<g>/<v>
nlohmann::json aggregated(const api::KindRegistry& kinds, bool core);  // /api (core) or /apis
nlohmann::json version_info();                                         // GET /version

}  // namespace mk::apiserver
