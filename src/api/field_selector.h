#pragma once
// Field selectors: the `fieldSelector` query string (k8s.io/apimachinery pkg/fields). A
// comma-separated AND of `field=value`, `field==value` and `field!=value`; in values a
// backslash escapes '\', ',' and '=' (the only characters that need it). Which fields exist is
// up to each kind, so matching asks the caller for field values, and fields() lets the registry
// refuse unknown ones first with upstream's "field label not supported: <name>".

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace mk::api {

struct FieldRequirement {
  std::string field;
  bool negated = false;  // != rather than = or ==
  std::string value;     // unescaped
  bool operator==(const FieldRequirement&) const = default;
};

// The value of a field of one object, or nullopt when it has none (treated as "", as upstream).
using FieldGetter = std::function<std::optional<std::string>(std::string_view field)>;

class FieldSelector {
 public:
  // The empty selector: matches everything.
  FieldSelector() = default;

  // Errors are Errc::invalid_argument with upstream's messages:
  //   invalid selector: 'x'; can't understand 'x'
  //   invalid field selector: invalid escape sequence: \a
  static Result<FieldSelector> parse(std::string_view text);

  bool matches(const FieldGetter& get) const;
  bool empty() const { return requirements_.empty(); }
  // In upstream's order: the terms sorted as written.
  const std::vector<FieldRequirement>& requirements() const { return requirements_; }
  // Every field named, sorted, without duplicates.
  std::vector<std::string> fields() const;
  // Fails with Errc::invalid_argument "field label not supported: <field>" for the first field
  // (in requirement order) that `supported` refuses.
  Status check_supported(const std::function<bool(std::string_view field)>& supported) const;
  // The value `field` must equal for a match (from an = or ==), if any.
  std::optional<std::string> required_value(std::string_view field) const;
  // "a=b,c!=d", values escaped.
  std::string to_string() const;

 private:
  std::vector<FieldRequirement> requirements_;
};

// '\' ',' '=' preceded by a backslash.
std::string escape_field_value(std::string_view value);
// The reverse; fails on an unknown escape, a trailing backslash or a bare ',' or '='.
Result<std::string> unescape_field_value(std::string_view value);

}  // namespace mk::api
