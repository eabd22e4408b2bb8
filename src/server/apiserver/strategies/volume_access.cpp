#include "server/apiserver/strategies/volume_access.h"

#include <nlohmann/json.hpp>

#include "server/apiserver/strategies/strategy_util.h"

namespace mk::apiserver {

void validate_access_modes(const nlohmann::json& spec, const std::string& path, const std::string& required_detail,
                           api::FieldErrors& out) {
  const nlohmann::json& modes = array_of(spec, "accessModes");
  if (modes.empty()) out.push_back(api::field_required(path, required_detail));
  bool once_pod = false, others = false;
  for (const auto& m : modes) {
    std::string mode = m.is_string() ? m.get<std::string>() : "";
    bool known = mode == "ReadWriteOnce" || mode == "ReadOnlyMany" || mode == "ReadWriteMany" || mode == "ReadWriteOncePod";
    if (!known) out.push_back(api::field_not_supported(path, mode, {"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"}));
    if (mode == "ReadWriteOncePod") once_pod = true;
    else if (known) others = true;
  }
  if (once_pod && others) out.push_back(api::field_forbidden(path, "may not use ReadWriteOncePod with other access modes"));
}

}  // namespace mk::apiserver
