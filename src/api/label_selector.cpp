#include "api/label_selector.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "api/field_error.h"
#include "api/go_strconv.h"
#include "api/label_selector_lexer.h"
#include "api/validation.h"

namespace mk::api {
namespace {

Error invalid(std::string message) { return make_error(Errc::invalid_argument, std::move(message)); }

const std::string* label_value(const nlohmann::json& labels, const std::string& key) {
  static const std::string kEmpty;
  if (!labels.is_object()) return nullptr;
  auto it = labels.find(key);
  if (it == labels.end()) return nullptr;
  return it->is_string() ? &it->get_ref<const std::string&>() : &kEmpty;
}

// upstream's validateLabelKey: one error carrying every problem, joined by "; ".
std::optional<FieldError> key_error(const std::string& key, std::string field) {
  auto problems = check_qualified_name(key);
  if (problems.empty()) return std::nullopt;
  std::string detail;
  for (size_t i = 0; i < problems.size(); ++i) detail += (i ? "; " : "") + problems[i];
  return field_invalid(std::move(field), key, std::move(detail));
}

// upstream's NewRequirement. `nil_values` says how Go would print an empty value list in a
// message: []string(nil) for lists from API objects, []string{} for parsed strings.
Result<LabelRequirement> new_requirement(std::string key, LabelOp op, std::vector<std::string> values,
                                         bool nil_values) {
  FieldErrors errors;
  if (auto e = key_error(key, "key")) errors.push_back(std::move(*e));
  auto values_rendered = [&] { return go_string_slice(values, nil_values && values.empty()); };
  switch (op) {
    case LabelOp::in:
    case LabelOp::not_in:
      if (values.empty()) {
        errors.push_back(field_invalid_verbatim("values", values_rendered(),
                                                "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case LabelOp::equals:
    case LabelOp::double_equals:
    case LabelOp::not_equals:
      if (values.size() != 1) {
        errors.push_back(field_invalid_verbatim("values", values_rendered(),
                                                "exact-match compatibility requires one single value"));
      }
      break;
    case LabelOp::exists:
    case LabelOp::does_not_exist:
      if (!values.empty()) {
        errors.push_back(field_invalid_verbatim("values", values_rendered(),
                                                "values set must be empty for exists and does not exist"));
      }
      break;
    case LabelOp::greater_than:
    case LabelOp::less_than:
      if (values.size() != 1) {
        errors.push_back(field_invalid_verbatim("values", values_rendered(),
                                                "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      for (size_t i = 0; i < values.size(); ++i) {
        if (!parse_go_int64(values[i])) {
          errors.push_back(field_invalid("values[" + std::to_string(i) + "]", values[i],
                                         "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
      break;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    auto problems = check_label_value(values[i]);
    if (problems.empty()) continue;
    std::string detail;
    for (size_t k = 0; k < problems.size(); ++k) detail += (k ? "; " : "") + problems[k];
    errors.push_back(field_invalid("values[" + std::to_string(i) + "][" + key + "]", values[i], detail));
  }
  if (!errors.empty()) return invalid(aggregate_message(errors));
  return LabelRequirement{std::move(key), op, std::move(values)};
}

void sort_by_key(std::vector<LabelRequirement>& requirements) {
  std::stable_sort(requirements.begin(), requirements.end(),
                   [](const auto& a, const auto& b) { return a.key < b.key; });
}

// A recursive-descent parser over the lexemes, following upstream's Parser step by step so that
// the same inputs fail with the same messages.
class Parser {
 public:
  explicit Parser(std::string_view text) : lexemes_(lex_label_selector(text)) {}

  Result<std::vector<LabelRequirement>> parse() {
    std::vector<LabelRequirement> requirements;
    while (true) {
      const auto& next = lookahead();
      if (next.token == LabelToken::end_of_string) return requirements;
      if (next.token != LabelToken::identifier && next.token != LabelToken::does_not_exist) {
        return invalid("found '" + next.literal + "', expected: !, identifier, or 'end of string'");
      }
      auto requirement = parse_requirement();
      if (!requirement) return invalid("unable to parse requirement: " + requirement.error().message);
      requirements.push_back(std::move(*requirement));
      const auto& after = consume();
      if (after.token == LabelToken::end_of_string) return requirements;
      if (after.token != LabelToken::comma) {
        return invalid("found '" + after.literal + "', expected: ',' or 'end of string'");
      }
      const auto& following = lookahead();
      if (following.token != LabelToken::identifier && following.token != LabelToken::does_not_exist) {
        return invalid("found '" + following.literal + "', expected: identifier after ','");
      }
    }
  }

 private:
  // Where a value is expected, the keywords "in" and "notin" are plain identifiers.
  static LabelLexeme as_value(LabelLexeme l) {
    if (l.token == LabelToken::in || l.token == LabelToken::not_in) l.token = LabelToken::identifier;
    return l;
  }
  LabelLexeme lookahead() const { return as_value(lexemes_[pos_]); }
  LabelLexeme consume() { return as_value(consume_raw()); }
  LabelLexeme consume_raw() {
    const auto& l = lexemes_[pos_];
    if (pos_ + 1 < lexemes_.size()) ++pos_;
    return l;
  }

  Result<LabelRequirement> parse_requirement() {
    auto first = consume();
    std::optional<LabelOp> op;
    if (first.token == LabelToken::does_not_exist) {
      op = LabelOp::does_not_exist;
      first = consume();
    }
    if (first.token != LabelToken::identifier) {
      return invalid("found '" + first.literal + "', expected: identifier");
    }
    std::string key = first.literal;
    // The parser has no field path, which upstream prints as "<nil>".
    if (auto e = key_error(key, "<nil>")) return invalid(to_string(*e));
    auto next = lookahead().token;
    if (next == LabelToken::end_of_string || next == LabelToken::comma) {
      if (!op) op = LabelOp::exists;
    }
    if (op) return new_requirement(std::move(key), *op, {}, false);

    auto op_lexeme = consume_raw();
    switch (op_lexeme.token) {
      case LabelToken::in: op = LabelOp::in; break;
      case LabelToken::equals: op = LabelOp::equals; break;
      case LabelToken::double_equals: op = LabelOp::double_equals; break;
      case LabelToken::greater_than: op = LabelOp::greater_than; break;
      case LabelToken::less_than: op = LabelOp::less_than; break;
      case LabelToken::not_in: op = LabelOp::not_in; break;
      case LabelToken::not_equals: op = LabelOp::not_equals; break;
      default:
        return invalid("found '" + op_lexeme.literal + "', expected: in, notin, =, ==, !=, gt, lt");
    }
    Result<std::set<std::string>> values =
        (*op == LabelOp::in || *op == LabelOp::not_in) ? parse_values() : parse_exact_value();
    if (!values) return values.error();
    return new_requirement(std::move(key), *op, {values->begin(), values->end()}, false);
  }

  // "(a,b)" after in/notin. Empty members count as the empty value: "()" and "(a,)" hold "".
  Result<std::set<std::string>> parse_values() {
    auto open = consume();
    if (open.token != LabelToken::open_par) return invalid("found '" + open.literal + "' expected: '('");
    auto next = lookahead();
    switch (next.token) {
      case LabelToken::identifier:
      case LabelToken::comma: {
        auto values = parse_identifiers_list();
        if (!values) return values;
        if (consume().token != LabelToken::closed_par) {
          // Upstream quotes the token that opened the list here, not the offending one.
          return invalid("found '" + next.literal + "', expected: ')'");
        }
        return values;
      }
      case LabelToken::closed_par:
        consume();
        return std::set<std::string>{""};
      default:
        return invalid("found '" + next.literal + "', expected: ',', ')' or identifier");
    }
  }

  Result<std::set<std::string>> parse_identifiers_list() {
    std::set<std::string> values;
    while (true) {
      auto l = consume();
      if (l.token == LabelToken::identifier) {
        values.insert(l.literal);
        auto next = lookahead();
        if (next.token == LabelToken::comma) continue;
        if (next.token == LabelToken::closed_par) return values;
        return invalid("found '" + next.literal + "', expected: ',' or ')'");
      }
      if (l.token == LabelToken::comma) {
        if (values.empty()) values.insert("");  // "(,"
        auto next = lookahead();
        if (next.token == LabelToken::closed_par) {
          values.insert("");  // ",)"
          return values;
        }
        if (next.token == LabelToken::comma) {
          consume();
          values.insert("");  // ",,"
        }
        continue;
      }
      return invalid("found '" + l.literal + "', expected: ',', or identifier");
    }
  }

  // The single value after =, ==, !=, > or <; nothing before ',' or the end means "".
  Result<std::set<std::string>> parse_exact_value() {
    auto next = lookahead();
    if (next.token == LabelToken::end_of_string || next.token == LabelToken::comma) {
      return std::set<std::string>{""};
    }
    auto l = consume();
    if (l.token == LabelToken::identifier) return std::set<std::string>{l.literal};
    return invalid("found '" + l.literal + "', expected: identifier");
  }

  std::vector<LabelLexeme> lexemes_;
  size_t pos_ = 0;
};

}  // namespace

Result<LabelRequirement> make_label_requirement(std::string key, LabelOp op, std::vector<std::string> values) {
  return new_requirement(std::move(key), op, std::move(values), true);
}

bool LabelRequirement::matches(const nlohmann::json& labels) const {
  const std::string* value = label_value(labels, key);
  auto has_value = [&] { return std::find(values.begin(), values.end(), *value) != values.end(); };
  switch (op) {
    case LabelOp::in:
    case LabelOp::equals:
    case LabelOp::double_equals:
      return value != nullptr && has_value();
    case LabelOp::not_in:
    case LabelOp::not_equals:
      return value == nullptr || !has_value();
    case LabelOp::exists:
      return value != nullptr;
    case LabelOp::does_not_exist:
      return value == nullptr;
    case LabelOp::greater_than:
    case LabelOp::less_than: {
      if (value == nullptr || values.size() != 1) return false;
      auto have = parse_go_int64(*value);
      auto want = parse_go_int64(values.front());
      if (!have || !want) return false;
      return op == LabelOp::greater_than ? *have > *want : *have < *want;
    }
  }
  return false;
}

std::string LabelRequirement::to_string() const {
  std::string out;
  if (op == LabelOp::does_not_exist) out += '!';
  out += key;
  switch (op) {
    case LabelOp::equals: out += '='; break;
    case LabelOp::double_equals: out += "=="; break;
    case LabelOp::not_equals: out += "!="; break;
    case LabelOp::in: out += " in ("; break;
    case LabelOp::not_in: out += " notin ("; break;
    case LabelOp::greater_than: out += '>'; break;
    case LabelOp::less_than: out += '<'; break;
    case LabelOp::exists:
    case LabelOp::does_not_exist:
      return out;
  }
  std::vector<std::string> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) out += ',';
    out += sorted[i];
  }
  if (op == LabelOp::in || op == LabelOp::not_in) out += ')';
  return out;
}

LabelSelector::LabelSelector(std::vector<LabelRequirement> requirements)
    : requirements_(std::move(requirements)) {
  sort_by_key(requirements_);
}

LabelSelector LabelSelector::nothing() {
  LabelSelector s;
  s.nothing_ = true;
  return s;
}

Result<LabelSelector> LabelSelector::parse(std::string_view text) {
  Parser parser(text);
  auto requirements = parser.parse();
  if (!requirements) return requirements.error();
  return LabelSelector(std::move(*requirements));
}

Result<LabelSelector> LabelSelector::from_map(const nlohmann::json& labels) {
  if (labels.is_null()) return LabelSelector();
  if (!labels.is_object()) return invalid("label selector map must be an object of strings");
  std::vector<LabelRequirement> requirements;
  for (const auto& [key, value] : labels.items()) {
    if (!value.is_string()) return invalid("label selector map must be an object of strings");
    auto r = new_requirement(key, LabelOp::equals, {value.get<std::string>()}, true);
    if (!r) return r.error();
    requirements.push_back(std::move(*r));
  }
  return LabelSelector(std::move(requirements));
}

Result<LabelSelector> LabelSelector::from_json(const nlohmann::json& label_selector) {
  if (label_selector.is_null()) return nothing();
  if (!label_selector.is_object()) return invalid("label selector must be an object");
  std::vector<LabelRequirement> requirements;
  if (auto it = label_selector.find("matchLabels"); it != label_selector.end()) {
    auto from_labels = from_map(*it);
    if (!from_labels) return from_labels.error();
    requirements = from_labels->requirements_;
  }
  auto expressions = label_selector.find("matchExpressions");
  if (expressions != label_selector.end() && !expressions->is_null()) {
    if (!expressions->is_array()) return invalid("matchExpressions must be an array");
    for (const auto& expr : *expressions) {
      if (!expr.is_object()) return invalid("matchExpressions must hold objects");
      auto key_it = expr.find("key");
      auto op_it = expr.find("operator");
      bool key_ok = key_it == expr.end() || key_it->is_string() || key_it->is_null();
      bool op_ok = op_it == expr.end() || op_it->is_string() || op_it->is_null();
      if (!key_ok || !op_ok) return invalid("matchExpressions key and operator must be strings");
      std::string key = key_it != expr.end() && key_it->is_string() ? key_it->get<std::string>() : "";
      std::string op_name = op_it != expr.end() && op_it->is_string() ? op_it->get<std::string>() : "";
      LabelOp op;
      if (op_name == "In") {
        op = LabelOp::in;
      } else if (op_name == "NotIn") {
        op = LabelOp::not_in;
      } else if (op_name == "Exists") {
        op = LabelOp::exists;
      } else if (op_name == "DoesNotExist") {
        op = LabelOp::does_not_exist;
      } else {
        return invalid(go_quote(op_name) + " is not a valid label selector operator");
      }
      std::vector<std::string> values;
      if (auto v = expr.find("values"); v != expr.end() && !v->is_null()) {
        if (!v->is_array()) return invalid("matchExpressions values must be an array of strings");
        for (const auto& item : *v) {
          if (!item.is_string()) return invalid("matchExpressions values must be an array of strings");
          values.push_back(item.get<std::string>());
        }
      }
      auto r = new_requirement(std::move(key), op, std::move(values), true);
      if (!r) return r.error();
      requirements.push_back(std::move(*r));
    }
  }
  return LabelSelector(std::move(requirements));
}

bool LabelSelector::matches(const nlohmann::json& labels) const {
  if (nothing_) return false;
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const LabelRequirement& r) { return r.matches(labels); });
}

std::optional<std::string> LabelSelector::required_value(std::string_view key) const {
  for (const auto& r : requirements_) {
    if (r.key != key) continue;
    bool exact = r.op == LabelOp::equals || r.op == LabelOp::double_equals || r.op == LabelOp::in;
    if (exact && r.values.size() == 1) return r.values.front();
    return std::nullopt;
  }
  return std::nullopt;
}

std::string LabelSelector::to_string() const {
  std::string out;
  for (size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) out += ',';
    out += requirements_[i].to_string();
  }
  return out;
}

}  // namespace mk::api
