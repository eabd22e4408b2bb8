#pragma once
// The admin client certificate, its key and the cluster CA, parsed once and handed to every
// HTTPS client the benchmark makes: cpp-httplib clients for requests, and plain OpenSSL
// contexts for the watch streams.

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "kube_credentials.h"

namespace httplib {
class SSLClient;
}

namespace mk::bench {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

class TlsMaterial {
 public:
  // Also writes the CA to ca_file, which the cpp-httplib clients load it from.
  static Result<std::shared_ptr<const TlsMaterial>> parse(const KubeCredentials& creds, const std::string& ca_file);
  ~TlsMaterial();
  TlsMaterial(const TlsMaterial&) = delete;
  TlsMaterial& operator=(const TlsMaterial&) = delete;

  // A keep-alive client for https://127.0.0.1:port that presents the client certificate and
  // verifies the server against the cluster CA (and its 127.0.0.1 address).
  Result<std::unique_ptr<httplib::SSLClient>> client(int port) const;
  // The same trust and identity for raw TLS connections.
  Result<SslCtxPtr> ssl_ctx() const;

 private:
  TlsMaterial() = default;
  X509_STORE* new_ca_store() const;

  std::string ca_file_;
  X509* cert_ = nullptr;
  EVP_PKEY* key_ = nullptr;
  std::vector<X509*> cas_;
};

}  // namespace mk::bench
