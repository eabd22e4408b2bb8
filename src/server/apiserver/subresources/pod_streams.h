#pragma once
// pods/log, exec, attach and portforward: streams a node agent serves. Until one runs the pod,
// the answer is a clear 503 naming the pod (404 when there is no such pod).

#include <string>

#include "api/status.h"
#include "server/apiserver/registry.h"

namespace mk::apiserver {

api::ApiError pod_stream_unavailable(Registry& registry, const std::string& ns, const std::string& pod,
                                     const std::string& subresource);

}  // namespace mk::apiserver
