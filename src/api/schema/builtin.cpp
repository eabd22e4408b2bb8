#include <cstdio>
#include <cstdlib>

#include "api/schema/schema.h"

namespace mk::api::schema {

const std::vector<std::pair<std::string, std::string>>& builtin_definitions();

const Schema& Schema::builtin() {
  // Parsed once, on first use. The definitions ship inside the binary and are checked by the
  // tests, so a failure here is a build defect, not a runtime condition.
  static const std::shared_ptr<const Schema> schema = [] {
    auto s = Schema::parse(builtin_definitions());
    if (!s) {
      std::fprintf(stderr, "built-in schema: %s\n", s.error().message.c_str());
      std::abort();
    }
    return *s;
  }();
  return *schema;
}

}  // namespace mk::api::schema
