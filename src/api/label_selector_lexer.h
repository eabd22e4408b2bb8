#pragma once
// The tokens of the label selector string grammar, split as upstream's lexer splits them
// (k8s.io/apimachinery pkg/labels/selector.go), so that the parser's "found '...'" messages
// quote the same text. Internal to label_selector.cpp and its tests.

#include <string>
#include <string_view>
#include <vector>

namespace mk::api {

enum class LabelToken {
  end_of_string,
  closed_par,        // )
  comma,             // ,
  does_not_exist,    // !
  double_equals,     // ==
  equals,            // =
  greater_than,      // >
  identifier,        // anything else up to whitespace or a symbol
  in,                // in
  less_than,         // <
  not_equals,        // !=
  not_in,            // notin
  open_par,          // (
};

struct LabelLexeme {
  LabelToken token;
  std::string literal;  // "" for end_of_string
};

// Every token of `text`, always ending with one end_of_string.
std::vector<LabelLexeme> lex_label_selector(std::string_view text);

}  // namespace mk::api
