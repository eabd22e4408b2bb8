#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/kind_strategies.h"

namespace mk::apiserver {

KindStrategy namespace_strategy() {
  KindStrategy s;
  s.initial_status = [](const nlohmann::json&) { return nlohmann::json{{"phase", "Active"}}; };
  s.defaults = [](nlohmann::json& obj, const AdmissionRequest& req) {
    // Every namespace waits for its contents to be removed before it goes.
    if (req.verb == "create") obj["spec"]["finalizers"] = nlohmann::json::array({"kubernetes"});
    // The namespace's own name as a label, as upstream sets it.
    std::string name = obj["metadata"].value("name", "");
    if (!name.empty()) obj["metadata"]["labels"]["kubernetes.io/metadata.name"] = name;
  };
  return s;
}

}  // namespace mk::apiserver
