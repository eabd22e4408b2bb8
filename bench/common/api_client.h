#pragma once
// One HTTPS keep-alive connection to the API server and the few requests the benchmarks make.
// Not thread-safe: each load thread has its own.

#include <memory>
#include <string>

#include "common/error.h"
#include "tls_material.h"

namespace httplib {
class SSLClient;
}

namespace mk::bench {

struct HttpReply {
  int status = 0;
  std::string body;
};

class ApiClient {
 public:
  static Result<ApiClient> connect(const TlsMaterial& tls, int port);
  ApiClient(ApiClient&&) noexcept;
  ApiClient& operator=(ApiClient&&) noexcept;
  ~ApiClient();

  // A transport failure is an error; any HTTP status is a reply.
  Result<HttpReply> get(const std::string& path);
  Result<HttpReply> post_json(const std::string& path, const std::string& body);
  Result<HttpReply> delete_json(const std::string& path, const std::string& body);

 private:
  explicit ApiClient(std::unique_ptr<httplib::SSLClient> c);
  std::unique_ptr<httplib::SSLClient> c_;
};

// POST the namespace; one that already exists is fine.
Status ensure_namespace(ApiClient& client, const std::string& ns);
// The resourceVersion of a collection (e.g. /api/v1/namespaces/x/pods) now: watches opened
// from it see only later changes.
Result<std::string> list_resource_version(ApiClient& client, const std::string& collection_path);
// A failed request's status line and the start of its body, for the report.
Error http_error(const std::string& what, const HttpReply& reply);

}  // namespace mk::bench
