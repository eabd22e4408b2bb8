#include "server/apiserver/subresources/pod_streams.h"

namespace mk::apiserver {

api::ApiError pod_stream_unavailable(Registry& registry, const std::string& ns, const std::string& pod,
                                     const std::string& subresource) {
  const api::KindInfo& pods = *registry.context().kinds.by_kind("", "v1", "Pod");
  auto obj = registry.get(pods, ns, pod);
  if (!obj) return obj.error();
  std::string what = subresource == "log"    ? "get the log of"
                     : subresource == "exec" ? "exec into"
                     : subresource == "attach" ? "attach to"
                                               : "forward ports to";
  api::ApiError e = api::service_unavailable("cannot " + what + " pod \"" + pod + "\" in namespace \"" + ns +
                                             "\": no node agent is running the pod");
  e.name = pod;
  e.kind = "pods";
  return e;
}

}  // namespace mk::apiserver
