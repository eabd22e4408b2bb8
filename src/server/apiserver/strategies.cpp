#include "server/apiserver/strategies.h"

#include <nlohmann/json.hpp>

#include <map>

#include "server/apiserver/strategies/kind_strategies.h"

namespace mk::apiserver {

const KindStrategy* strategy_for(const api::KindInfo& kind) {
  static const std::map<std::string, KindStrategy> table = [] {
    std::map<std::string, KindStrategy> t;
    t["/Namespace"] = namespace_strategy();
    t["/Pod"] = pod_strategy();
    t["/Service"] = service_strategy();
    return t;
  }();
  auto it = table.find(kind.group + "/" + kind.kind);
  return it == table.end() ? nullptr : &it->second;
}

}  // namespace mk::apiserver
