#pragma once
// The OpenAPI documents of the API server, generated from the type schema (src/api/schema) and
// the kind registry (src/api/kinds): the /openapi/v3 root that lists one document per
// group-version, those OpenAPI 3.0 documents, and the single Swagger 2.0 document of
// /openapi/v2. kubectl needs them to validate and patch (apply, create -f, edit) and to explain
// kinds. Generation walks the whole schema, so a server builds them once and keeps the bytes.

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "api/kinds/kind_info.h"
#include "api/schema/schema.h"
#include "common/error.h"

namespace mk::apiserver::openapi {

// "api/v1" for the core group, "apis/<group>/<version>" otherwise: a group-version's key under
// /openapi/v3 (no leading slash, as clients expect).
std::string v3_key(std::string_view group, std::string_view version);

// The OpenAPI 3.0 document of one group-version ("" is the core group); not_found when no kind
// is served there.
Result<nlohmann::json> v3_document(const api::schema::Schema& schema, const api::KindRegistry& kinds,
                                   std::string_view group, std::string_view version);

// {"paths": {"<key>": {"serverRelativeURL": "/openapi/v3/<key>?hash=<digest>"}, ...}} for every
// served group-version. Builds every document to hash it.
nlohmann::json v3_root(const api::schema::Schema& schema, const api::KindRegistry& kinds);

// The Swagger 2.0 document: paths of every served kind and a definition of every schema type.
nlohmann::json v2_document(const api::schema::Schema& schema, const api::KindRegistry& kinds);

// The digest a v3 root advertises for a document: SHA-512 hex of its serialized bytes.
std::string document_hash(const nlohmann::json& document);

// Every document serialized, ready to be served.
struct Documents {
  struct V3 {
    std::string body;
    std::string hash;
  };
  std::string v3_root;
  std::map<std::string, V3, std::less<>> v3;  // by v3_key
  std::string v2;

  // The document of a v3 key such as "apis/apps/v1"; nullptr when there is none.
  const V3* find_v3(std::string_view key) const;
};

Documents build_documents(const api::schema::Schema& schema, const api::KindRegistry& kinds);

// build_documents(Schema::builtin(), KindRegistry::builtin()), built once on first use.
const Documents& builtin_documents();

}  // namespace mk::apiserver::openapi
