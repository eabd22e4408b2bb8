#include "client/client.h"

#include <nlohmann/json.hpp>

namespace mk::client {

Response<nlohmann::json> ApiClient::create_subresource(const Resource&, const std::string&, const std::string&,
                                                       const std::string& subresource, const nlohmann::json&) {
  api::ApiError e;
  e.code = 405;
  e.reason = "MethodNotAllowed";
  e.message = "POST " + subresource + " is not supported by this client";
  return e;
}

}  // namespace mk::client
