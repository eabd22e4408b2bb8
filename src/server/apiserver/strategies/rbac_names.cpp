#include "server/apiserver/strategies/rbac_names.h"

namespace mk::apiserver {

std::vector<std::string> check_path_segment_name(std::string_view name) {
  if (name == "." || name == "..") return {"may not be '" + std::string(name) + "'"};
  std::vector<std::string> errs;
  if (name.find('/') != std::string_view::npos) errs.push_back("may not contain '/'");
  if (name.find('%') != std::string_view::npos) errs.push_back("may not contain '%'");
  return errs;
}

}  // namespace mk::apiserver
