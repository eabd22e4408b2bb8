#include "api/field_selector.h"

#include <algorithm>
#include <set>

namespace mk::api {
namespace {

Error invalid(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

// Splits on commas that are not escaped; the escapes stay in the terms for unescaping later.
std::vector<std::string_view> split_terms(std::string_view text) {
  std::vector<std::string_view> terms;
  if (text.empty()) return terms;
  size_t start = 0;
  bool escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (escaped) {
      escaped = false;
    } else if (text[i] == '\\') {
      escaped = true;
    } else if (text[i] == ',') {
      terms.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(text.substr(start));
  return terms;
}

struct Term {
  std::string_view lhs;
  std::string_view op;
  std::string_view rhs;
};

// The first operator found from the left splits the term; field names cannot be escaped.
std::optional<Term> split_term(std::string_view term) {
  for (size_t i = 0; i < term.size(); ++i) {
    for (std::string_view op : {"!=", "==", "="}) {
      if (term.substr(i, op.size()) == op) return Term{term.substr(0, i), op, term.substr(i + op.size())};
    }
  }
  return std::nullopt;
}

}  // namespace

std::string escape_field_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

Result<std::string> unescape_field_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool escaped = false;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (escaped) {
      if (c != '\\' && c != ',' && c != '=') {
        // Upstream quotes the whole (UTF-8) character after the backslash.
        size_t len = 1;
        auto b = static_cast<unsigned char>(c);
        if (b >= 0xf0) len = 4; else if (b >= 0xe0) len = 3; else if (b >= 0xc0) len = 2;
        return invalid("invalid field selector: invalid escape sequence: \\" +
                       std::string(value.substr(i, len)));
      }
      out += c;
      escaped = false;
      continue;
    }
    if (c == '\\') {
      escaped = true;
    } else if (c == ',' || c == '=') {
      // Upstream formats the rune with %v, which prints its code point number.
      return invalid("invalid field selector: unescaped character in value: " +
                     std::to_string(static_cast<int>(c)));
    } else {
      out += c;
    }
  }
  if (escaped) return invalid("invalid field selector: invalid escape sequence: \\");
  return out;
}

Result<FieldSelector> FieldSelector::parse(std::string_view text) {
  auto terms = split_terms(text);
  std::sort(terms.begin(), terms.end());
  FieldSelector selector;
  for (auto term : terms) {
    if (term.empty()) continue;
    auto parts = split_term(term);
    if (!parts) {
      return invalid("invalid selector: '" + std::string(text) + "'; can't understand '" +
                     std::string(term) + "'");
    }
    auto value = unescape_field_value(parts->rhs);
    if (!value) return value.error();
    selector.requirements_.push_back(
        FieldRequirement{std::string(parts->lhs), parts->op == "!=", std::move(*value)});
  }
  return selector;
}

bool FieldSelector::matches(const FieldGetter& get) const {
  for (const auto& r : requirements_) {
    std::string actual = get(r.field).value_or("");
    if ((actual == r.value) == r.negated) return false;
  }
  return true;
}

std::vector<std::string> FieldSelector::fields() const {
  std::set<std::string> names;
  for (const auto& r : requirements_) names.insert(r.field);
  return {names.begin(), names.end()};
}

Status FieldSelector::check_supported(const std::function<bool(std::string_view)>& supported) const {
  for (const auto& r : requirements_) {
    if (!supported(r.field)) return invalid("field label not supported: " + r.field);
  }
  return Status::ok();
}

std::optional<std::string> FieldSelector::required_value(std::string_view field) const {
  for (const auto& r : requirements_) {
    if (r.field == field && !r.negated) return r.value;
  }
  return std::nullopt;
}

std::string FieldSelector::to_string() const {
  std::string out;
  for (size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) out += ',';
    out += requirements_[i].field;
    out += requirements_[i].negated ? "!=" : "=";
    out += escape_field_value(requirements_[i].value);
  }
  return out;
}

}  // namespace mk::api
