#include "server/apiserver/openapi/parameters.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace mk::apiserver::openapi {

using nlohmann::json;

namespace {

struct ParameterInfo {
  const char* type;  // string, boolean or integer
  const char* description;
};

const std::map<std::string_view, ParameterInfo>& query_table() {
  static const std::map<std::string_view, ParameterInfo> table = {
      {"allowWatchBookmarks", {"boolean", "Ask a watch to send BOOKMARK events that carry only the latest resourceVersion."}},
      {"command", {"string", "The command to run, one argument per occurrence of the parameter."}},
      {"container", {"string", "The container to act on; may be omitted when the pod has only one."}},
      {"continue", {"string", "Token from a previous truncated list, to fetch the next page."}},
      {"dryRun", {"string", "When set to All, the request is processed in full but nothing is stored."}},
      {"fieldManager", {"string", "Name of the actor making the change, recorded in managedFields; required for apply patches."}},
      {"fieldSelector", {"string", "Restrict the result to objects whose fields match, such as status.phase=Running."}},
      {"fieldValidation", {"string", "How unknown or duplicate fields in the body are handled: Ignore, Warn or Strict."}},
      {"follow", {"boolean", "Keep streaming the log as it grows."}},
      {"force", {"boolean", "For apply patches, take over fields owned by other managers instead of failing with a conflict."}},
      {"gracePeriodSeconds", {"integer", "Seconds the object gets to shut down; zero deletes at once."}},
      {"ignoreStoreReadErrorWithClusterBreakingPotential", {"boolean", "Remove an object that can no longer be read from storage; unsafe."}},
      {"insecureSkipTLSVerifyBackend", {"boolean", "Do not verify the serving certificate of the kubelet the log is read from."}},
      {"labelSelector", {"string", "Restrict the result to objects whose labels match, such as app=web,tier!=cache."}},
      {"limit", {"integer", "Largest number of objects to return; a continue token is given when more remain."}},
      {"limitBytes", {"integer", "Stop the log after this many bytes."}},
      {"orphanDependents", {"boolean", "Deprecated: leave dependents behind; use propagationPolicy instead."}},
      {"ports", {"integer", "Pod ports to forward, one per occurrence of the parameter."}},
      {"pretty", {"string", "When true, the output is indented."}},
      {"previous", {"boolean", "Return the log of the previous, terminated instance of the container."}},
      {"propagationPolicy", {"string", "How dependents are garbage collected: Orphan, Background or Foreground."}},
      {"resourceVersion", {"string", "Serve data at least as new as this version; for a watch, start after it."}},
      {"resourceVersionMatch", {"string", "How resourceVersion is interpreted on a list: Exact or NotOlderThan."}},
      {"sendInitialEvents", {"boolean", "Start a watch with ADDED events for the current objects, ended by a bookmark."}},
      {"sinceSeconds", {"integer", "Only return log lines newer than this many seconds."}},
      {"stderr", {"boolean", "Attach the container's standard error."}},
      {"stdin", {"boolean", "Attach the container's standard input."}},
      {"stdout", {"boolean", "Attach the container's standard output."}},
      {"stream", {"string", "Which log stream to return: All, Stdout or Stderr."}},
      {"tailLines", {"integer", "Only return this many lines from the end of the log."}},
      {"timeoutSeconds", {"integer", "End a list or watch after this many seconds."}},
      {"timestamps", {"boolean", "Prefix every log line with its RFC 3339 timestamp."}},
      {"tty", {"boolean", "Allocate a terminal for the session."}},
      {"watch", {"boolean", "Instead of a list, stream added, modified and deleted events for the matching objects."}},
  };
  return table;
}

json parameter(std::string_view name, const char* in, const ParameterInfo& info, bool required, Dialect d) {
  json p = {{"name", name}, {"in", in}, {"description", info.description}};
  if (required) p["required"] = true;
  if (d == Dialect::openapi3) {
    p["schema"] = {{"type", info.type}, {"uniqueItems", true}};
  } else {
    p["type"] = info.type;
    p["uniqueItems"] = true;
  }
  return p;
}

}  // namespace

json query_parameter(std::string_view name, Dialect d) {
  static const ParameterInfo unknown{"string", ""};
  auto it = query_table().find(name);
  return parameter(name, "query", it == query_table().end() ? unknown : it->second, false, d);
}

json path_parameter(std::string_view name, Dialect d) {
  static const ParameterInfo object_name{"string", "Name of the object."};
  static const ParameterInfo namespace_name{"string", "Namespace the object lives in."};
  return parameter(name, "path", name == "namespace" ? namespace_name : object_name, true, d);
}

}  // namespace mk::apiserver::openapi
