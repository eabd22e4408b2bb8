#pragma once
// Joining a cluster with a k3s-style token: K10<sha256 of the server CA>::<user>:<password>.
// The agent fetches the CA from <server>/cacerts without trusting it, keeps it only if its
// hash matches the token's, then authenticates with the password as a bearer token. A short
// token (the password alone) carries no hash: the CA is then taken on first use, as k3s does.

#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::client {
class ApiClient;
}

namespace mk::agent {

struct ParsedToken {
  std::string ca_hash;  // lowercase hex, empty for a short token
  std::string password;
};

Result<ParsedToken> parse_token(const std::string& token);

// The verified cluster CA (PEM) and an API client for the node.
struct Joined {
  std::string ca_pem;
  std::unique_ptr<client::ApiClient> client;
  std::string server_url;
  std::string bearer_token;  // the token's password
};

Result<Joined> join(const std::string& server_url, const std::string& token);

// The kubelet's serving certificate for `node_name` with `addresses` as IP SANs, signed by the
// server CA, and the CA of client certificates (the API server's), from the joined server.
struct KubeletCerts {
  std::string cert_pem, key_pem, client_ca_pem;
};
Result<KubeletCerts> fetch_kubelet_certs(const Joined& joined, const std::string& node_name,
                                         const std::vector<std::string>& addresses);

}  // namespace mk::agent
