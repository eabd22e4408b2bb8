#pragma once
// The objects and paths the API server benchmark writes and reads: ~1 KiB ConfigMaps, and the
// server's count of open watch streams.

#include <cstddef>
#include <string>

#include "api_client.h"
#include "common/error.h"

namespace mk::apibench {

// The JSON of a ConfigMap `name` whose data is about payload_bytes long.
std::string configmap_json(const std::string& name, size_t payload_bytes);
std::string configmaps_path(const std::string& ns);
// Watch streams the server counts as open (apiserver_longrunning_requests from /metrics).
Result<long> open_watch_count(bench::ApiClient& client);

}  // namespace mk::apibench
