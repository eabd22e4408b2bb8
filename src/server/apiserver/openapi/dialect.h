#pragma once
// The two OpenAPI flavours the server publishes from the same model. They differ in where
// definitions live, how a reference carries a description, and how bodies and parameters are
// written.

#include <string>

namespace mk::apiserver::openapi {

enum class Dialect { swagger2, openapi3 };

// Prefix of a reference to a named schema: "#/definitions/" or "#/components/schemas/".
inline std::string ref_prefix(Dialect d) {
  return d == Dialect::swagger2 ? "#/definitions/" : "#/components/schemas/";
}

}  // namespace mk::apiserver::openapi
