#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/kind_strategies.h"

namespace mk::apiserver {

KindStrategy pod_strategy() {
  KindStrategy s;
  s.initial_status = [](const nlohmann::json&) { return nlohmann::json{{"phase", "Pending"}}; };
  return s;
}

}  // namespace mk::apiserver
