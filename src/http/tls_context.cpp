#include "http/tls_context.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>

namespace mk::http::detail {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

BioPtr memory_bio(const std::string& pem) { return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))); }

// Every certificate in a PEM bundle, in order.
std::vector<X509Ptr> read_certificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  BioPtr bio = memory_bio(pem);
  if (!bio) return out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(cert);
  ERR_clear_error();  // the read that ends the loop leaves "no start line"
  return out;
}

// ALPN: speak HTTP/1.1 when offered (kubectl offers h2 and http/1.1); no ALPN otherwise.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void*) {
  static const unsigned char kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned int i = 0;
  while (i < inlen) {
    unsigned int len = in[i];
    if (i + 1 + len > inlen) break;
    if (len == sizeof kHttp11 && std::memcmp(in + i + 1, kHttp11, len) == 0) {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

std::string asn1_utf8(const ASN1_STRING* s) {
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

std::string take_tls_errors() {
  std::string out;
  while (unsigned long err = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string("unknown TLS error") : out;
}

Result<std::shared_ptr<ssl_ctx_st>> make_server_tls_context(const std::string& cert_pem, const std::string& key_pem,
                                                            const std::string& client_ca_pem) {
  ERR_clear_error();
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) return make_error(Errc::internal, "create TLS context: " + take_tls_errors());
  SSL_CTX* c = ctx.get();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                             SSL_OP_IGNORE_UNEXPECTED_EOF);
  // Buffers are freed while a connection is idle: a thousand open watches stay small.
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  static const unsigned char kSessionContext[] = "minikube";
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext - 1);
  SSL_CTX_set_alpn_select_cb(c, select_alpn, nullptr);

  auto chain = read_certificates(cert_pem);
  if (chain.empty()) return make_error(Errc::invalid_argument, "server certificate: no PEM certificate found");
  if (SSL_CTX_use_certificate(c, chain[0].get()) != 1) {
    return make_error(Errc::invalid_argument, "server certificate: " + take_tls_errors());
  }
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(c, chain[i].get()) != 1) {
      return make_error(Errc::invalid_argument, "server certificate chain: " + take_tls_errors());
    }
  }
  BioPtr key_bio = memory_bio(key_pem);
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return make_error(Errc::invalid_argument, "server key: " + take_tls_errors());
  if (SSL_CTX_use_PrivateKey(c, key.get()) != 1 || SSL_CTX_check_private_key(c) != 1) {
    return make_error(Errc::invalid_argument, "server key: " + take_tls_errors());
  }

  if (!client_ca_pem.empty()) {
    auto cas = read_certificates(client_ca_pem);
    if (cas.empty()) return make_error(Errc::invalid_argument, "client CA: no PEM certificate found");
    X509_STORE* store = SSL_CTX_get_cert_store(c);
    for (auto& ca : cas) {
      if (X509_STORE_add_cert(store, ca.get()) != 1 || SSL_CTX_add_client_CA(c, ca.get()) != 1) {
        return make_error(Errc::invalid_argument, "client CA: " + take_tls_errors());
      }
    }
    // Ask for a certificate but accept clients without one (bearer tokens); a certificate that
    // is offered must verify.
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  }
  return std::shared_ptr<ssl_ctx_st>(std::move(ctx));
}

PeerIdentity peer_identity(ssl_st* ssl) {
  PeerIdentity id;
  if (!ssl) return id;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return id;
  X509_NAME* subject = X509_get_subject_name(cert);
  int count = X509_NAME_entry_count(subject);
  for (int i = 0; i < count; ++i) {
    X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    if (nid == NID_commonName) {
      id.common_name = asn1_utf8(X509_NAME_ENTRY_get_data(entry));  // the last CN counts, as in Go
    } else if (nid == NID_organizationName) {
      id.organizations.push_back(asn1_utf8(X509_NAME_ENTRY_get_data(entry)));
    }
  }
  return id;
}

}  // namespace mk::http::detail
