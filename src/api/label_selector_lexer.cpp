#include "api/label_selector_lexer.h"

#include <optional>

namespace mk::api {
namespace {

bool is_whitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_special_symbol(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

std::optional<LabelToken> keyword_or_symbol(std::string_view s) {
  if (s == ")") return LabelToken::closed_par;
  if (s == ",") return LabelToken::comma;
  if (s == "!") return LabelToken::does_not_exist;
  if (s == "==") return LabelToken::double_equals;
  if (s == "=") return LabelToken::equals;
  if (s == ">") return LabelToken::greater_than;
  if (s == "in") return LabelToken::in;
  if (s == "<") return LabelToken::less_than;
  if (s == "!=") return LabelToken::not_equals;
  if (s == "notin") return LabelToken::not_in;
  if (s == "(") return LabelToken::open_par;
  return std::nullopt;
}

}  // namespace

std::vector<LabelLexeme> lex_label_selector(std::string_view text) {
  // Upstream reads a NUL byte as the end of input; so do we, to agree on what follows it.
  text = text.substr(0, text.find('\0'));
  std::vector<LabelLexeme> out;
  size_t pos = 0;
  while (true) {
    while (pos < text.size() && is_whitespace(text[pos])) ++pos;
    if (pos >= text.size()) break;
    if (is_special_symbol(text[pos])) {
      // Longest run of symbols that still forms a token: "!=" is one token, "=(" is two.
      std::string buffer;
      std::optional<LabelLexeme> last;
      while (pos < text.size() && is_special_symbol(text[pos])) {
        buffer += text[pos];
        if (auto token = keyword_or_symbol(buffer)) {
          last = LabelLexeme{*token, buffer};
        } else if (last) {
          break;
        }
        ++pos;
      }
      // Every single symbol is a token, so `last` is always set here.
      out.push_back(*last);
      continue;
    }
    size_t start = pos;
    while (pos < text.size() && !is_special_symbol(text[pos]) && !is_whitespace(text[pos])) ++pos;
    std::string word(text.substr(start, pos - start));
    auto token = keyword_or_symbol(word);
    out.push_back(LabelLexeme{token.value_or(LabelToken::identifier), std::move(word)});
  }
  out.push_back(LabelLexeme{LabelToken::end_of_string, ""});
  return out;
}

}  // namespace mk::api
