#include "agent/join.h"

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cctype>

#include "client/https_client.h"

namespace mk::agent {
namespace {

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

}  // namespace

Result<ParsedToken> parse_token(const std::string& raw) {
  std::string token = raw;
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.front()))) token.erase(0, 1);
  if (token.empty()) return make_error(Errc::invalid_argument, "token is empty");
  ParsedToken out;
  if (token.rfind("K10", 0) == 0) {
    auto sep = token.find("::");
    if (sep == std::string::npos) return make_error(Errc::invalid_argument, "token: K10 token without \"::\"");
    out.ca_hash = token.substr(3, sep - 3);
    std::string creds = token.substr(sep + 2);
    auto colon = creds.find(':');
    out.password = colon == std::string::npos ? creds : creds.substr(colon + 1);
    if (out.ca_hash.size() != 64) return make_error(Errc::invalid_argument, "token: the CA hash is not 64 hex characters");
    for (char& c : out.ca_hash) {
      if (!std::isxdigit(static_cast<unsigned char>(c)))
        return make_error(Errc::invalid_argument, "token: the CA hash is not 64 hex characters");
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  } else {
    out.password = token;
  }
  if (out.password.empty()) return make_error(Errc::invalid_argument, "token: no password");
  return out;
}

Result<Joined> join(const std::string& server_url, const std::string& raw_token) {
  auto token = parse_token(raw_token);
  if (!token) return token.error();
  // Fetch the CA without verifying the server: the token's hash is what makes it trusted.
  httplib::Client fetch(server_url);
  fetch.enable_server_certificate_verification(false);
  fetch.set_connection_timeout(10, 0);
  fetch.set_read_timeout(10, 0);
  auto res = fetch.Get("/cacerts");
  if (!res) return make_error(Errc::unavailable, "join " + server_url + ": GET /cacerts: " + httplib::to_string(res.error()));
  if (res->status != 200)
    return make_error(Errc::unavailable, "join " + server_url + ": GET /cacerts: HTTP " + std::to_string(res->status));
  if (!token->ca_hash.empty() && sha256_hex(res->body) != token->ca_hash)
    return make_error(Errc::permission_denied,
                      "join " + server_url + ": the server's CA does not match the hash in the token; refusing to trust it");
  client::HttpsClientConfig cfg;
  cfg.server = server_url;
  cfg.ca_pem = res->body;
  cfg.bearer_token = token->password;
  cfg.user_agent = "minikube-agent";
  auto c = client::make_https_client(cfg);
  if (!c) return c.error().wrap("join " + server_url);
  return Joined{res->body, std::move(*c), server_url, token->password};
}

Result<KubeletCerts> fetch_kubelet_certs(const Joined& joined, const std::string& node_name,
                                         const std::vector<std::string>& addresses) {
  httplib::Client api(joined.server_url);
  {
    // httplib takes ownership of the store.
    X509_STORE* store = X509_STORE_new();
    BIO* bio = BIO_new_mem_buf(joined.ca_pem.data(), static_cast<int>(joined.ca_pem.size()));
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, cert);
      X509_free(cert);
    }
    BIO_free(bio);
    api.set_ca_cert_store(store);
  }
  api.enable_server_certificate_verification(true);
  api.set_connection_timeout(10, 0);
  api.set_read_timeout(10, 0);
  api.set_bearer_token_auth(joined.bearer_token);
  std::string ips;
  for (const auto& a : addresses) ips += (ips.empty() ? "" : ",") + a;
  auto fail = [&](const std::string& what, const httplib::Result& res) {
    std::string why = res ? "HTTP " + std::to_string(res->status) + " " + res->body : httplib::to_string(res.error());
    return make_error(Errc::unavailable, "GET " + what + " from " + joined.server_url + ": " + why);
  };
  auto serving = api.Get("/v1-minikube/serving-kubelet.crt", {{"Minikube-Node-Name", node_name}, {"Minikube-Node-IP", ips}});
  if (!serving || serving->status != 200) return fail("the kubelet serving certificate", serving);
  auto client_ca = api.Get("/v1-minikube/client-ca.crt");
  if (!client_ca || client_ca->status != 200) return fail("the client CA", client_ca);
  // The certificate, then its key, as k3s serves serving-kubelet.crt.
  const std::string& pem = serving->body;
  size_t key_end = pem.find("PRIVATE KEY-----");
  size_t key_at = key_end == std::string::npos ? key_end : pem.rfind("-----BEGIN ", key_end);
  if (key_at == std::string::npos) return make_error(Errc::internal, "the kubelet serving certificate came without its key");
  return KubeletCerts{pem.substr(0, key_at), pem.substr(key_at), client_ca->body};
}

}  // namespace mk::agent
