#pragma once
// Error bodies the server layer writes itself (413, 400, 431, 500): a Kubernetes Status
// object by default; the API layer may supply its own through ServerOptions::error_body.

#include <string>
#include <string_view>

namespace mk::http {

struct ErrorResponse {
  std::string content_type;
  std::string body;
};

// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":...,"reason":...,"code":...}
// The reason is left out when empty.
std::string status_json(int code, std::string_view reason, std::string_view message);

// The Kubernetes reason for an HTTP status: 413 -> "RequestEntityTooLarge"; "" when none fits.
std::string_view status_reason(int code);

// The default ServerOptions::error_body: status_json with status_reason(code).
ErrorResponse default_error_body(int code, std::string_view message);

}  // namespace mk::http
