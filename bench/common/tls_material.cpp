#include "tls_material.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cerrno>
#include <fstream>

namespace mk::bench {
namespace {

constexpr time_t kConnectTimeoutSeconds = 5;
constexpr time_t kIoTimeoutSeconds = 30;

std::string openssl_error(const std::string& what) {
  unsigned long code = ERR_get_error();
  char buf[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof(buf));
  ERR_clear_error();
  return what + ": " + buf;
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

std::unique_ptr<BIO, BioFree> memory_bio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

}  // namespace

Result<std::shared_ptr<const TlsMaterial>> TlsMaterial::parse(const KubeCredentials& creds,
                                                               const std::string& ca_file) {
  std::shared_ptr<TlsMaterial> m(new TlsMaterial());
  std::ofstream out(ca_file, std::ios::trunc);
  out << creds.ca_pem;
  out.close();
  if (!out) return errno_error("write " + ca_file, errno);
  m->ca_file_ = ca_file;
  auto cert_bio = memory_bio(creds.client_cert_pem);
  m->cert_ = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr);
  if (m->cert_ == nullptr) return make_error(Errc::invalid_argument, openssl_error("client certificate"));
  auto key_bio = memory_bio(creds.client_key_pem);
  m->key_ = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
  if (m->key_ == nullptr) return make_error(Errc::invalid_argument, openssl_error("client key"));
  auto ca_bio = memory_bio(creds.ca_pem);
  while (X509* ca = PEM_read_bio_X509(ca_bio.get(), nullptr, nullptr, nullptr)) m->cas_.push_back(ca);
  ERR_clear_error();  // the loop ends on "no start line"
  if (m->cas_.empty()) return make_error(Errc::invalid_argument, "kubeconfig: no CA certificate");
  return std::shared_ptr<const TlsMaterial>(std::move(m));
}

TlsMaterial::~TlsMaterial() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
  for (X509* ca : cas_) X509_free(ca);
}

X509_STORE* TlsMaterial::new_ca_store() const {
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr) return nullptr;
  for (X509* ca : cas_) X509_STORE_add_cert(store, ca);
  return store;
}

Result<std::unique_ptr<httplib::SSLClient>> TlsMaterial::client(int port) const {
  auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port, cert_, key_);
  if (!c->is_valid()) return make_error(Errc::invalid_argument, "client certificate rejected by OpenSSL");
  // A CA file rather than set_ca_cert_store(): without a file, cpp-httplib 0.11 also loads the
  // system's CA bundle on the first connection, tens of milliseconds that would land in the
  // start-up timing. Trusting the cluster CA alone is what a kubeconfig client does anyway.
  c->set_ca_cert_path(ca_file_);
  c->enable_server_certificate_verification(true);
  c->set_keep_alive(true);
  // cpp-httplib writes a request's head and body separately; with Nagle on, the body waits for
  // the server's delayed ACK of the head (~40 ms a POST). Go clients such as kubectl set
  // TCP_NODELAY, so the benchmark does too.
  c->set_tcp_nodelay(true);
  c->set_connection_timeout(kConnectTimeoutSeconds, 0);
  c->set_read_timeout(kIoTimeoutSeconds, 0);
  c->set_write_timeout(kIoTimeoutSeconds, 0);
  return c;
}

Result<SslCtxPtr> TlsMaterial::ssl_ctx() const {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return make_error(Errc::internal, openssl_error("SSL_CTX_new"));
  if (SSL_CTX_use_certificate(ctx.get(), cert_) != 1 || SSL_CTX_use_PrivateKey(ctx.get(), key_) != 1) {
    return make_error(Errc::invalid_argument, openssl_error("client certificate"));
  }
  X509_STORE* store = new_ca_store();
  if (store == nullptr) return make_error(Errc::internal, "X509_STORE_new failed");
  SSL_CTX_set_cert_store(ctx.get(), store);  // the context owns the store from here
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_AUTO_RETRY);
  return ctx;
}

}  // namespace mk::bench
