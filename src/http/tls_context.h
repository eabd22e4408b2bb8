#pragma once
// Internal: the server's OpenSSL context built from PEM strings, and the client identity of
// an established TLS connection. OpenSSL's types are only forward-declared here.

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

struct ssl_ctx_st;
struct ssl_st;

namespace mk::http::detail {

// TLS 1.2+, HTTP/1.1 by ALPN, the certificate chain and key from PEM; when client_ca_pem is
// not empty, clients are asked for a certificate (optional) verified against it.
Result<std::shared_ptr<ssl_ctx_st>> make_server_tls_context(const std::string& cert_pem, const std::string& key_pem,
                                                            const std::string& client_ca_pem);

struct PeerIdentity {
  std::string common_name;
  std::vector<std::string> organizations;
};

// The subject CN and O values of the verified client certificate; empty without one.
PeerIdentity peer_identity(ssl_st* ssl);

// The OpenSSL error queue of this thread as one line (and the queue cleared).
std::string take_tls_errors();

}  // namespace mk::http::detail
