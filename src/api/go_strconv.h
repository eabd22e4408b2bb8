#pragma once
// The few behaviours of Go's strconv that upstream's messages and grammars depend on: Quote
// (through %q, wherever a message shows a user's value) and ParseInt (label selector integers,
// quantity exponents). Reproduced so that our messages and accepted inputs match the API server's.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mk::api {

// "a\"b" for a"b; control characters and invalid UTF-8 are escaped as Go does.
std::string go_quote(std::string_view text);

// Go's %#v of a []string: []string{"a", "b"}; []string(nil) when `is_nil`.
std::string go_string_slice(const std::vector<std::string>& values, bool is_nil);

// strconv.ParseInt(text, 10, 64): an optional '+' or '-' then decimal digits, within int64.
std::optional<int64_t> parse_go_int64(std::string_view text);

}  // namespace mk::api
