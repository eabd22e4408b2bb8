#include "http/test_pki.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <memory>
#include <stdexcept>

namespace mk::http::test {

namespace {

struct Deleter {
  void operator()(X509* x) const { X509_free(x); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(BIO* b) const { BIO_free(b); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Deleter>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string cert_pem(X509* cert) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "write certificate");
  return bio_string(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "write key");
  return bio_string(bio.get());
}

Ptr<X509> read_cert(const std::string& pem) {
  Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Ptr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  check(cert != nullptr, "read certificate");
  return cert;
}

Ptr<EVP_PKEY> read_key(const std::string& pem) {
  Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  check(key != nullptr, "read key");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "make extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

enum class Kind { ca, server, client };

CertKey make_cert(const CertKey* ca, Kind kind, const std::string& cn, const std::vector<std::string>& orgs) {
  static std::atomic<long> serial{1000};
  Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  check(key != nullptr, "generate key");
  Ptr<X509> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& o : orgs) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);

  Ptr<X509> issuer = ca ? read_cert(ca->cert_pem) : nullptr;
  Ptr<EVP_PKEY> signer = ca ? read_key(ca->key_pem) : nullptr;
  X509* issuer_cert = issuer ? issuer.get() : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert));
  add_ext(cert.get(), issuer_cert, NID_subject_key_identifier, "hash");
  switch (kind) {
    case Kind::ca:
      add_ext(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
      add_ext(cert.get(), issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
      break;
    case Kind::server:
      add_ext(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
      add_ext(cert.get(), issuer_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
      add_ext(cert.get(), issuer_cert, NID_ext_key_usage, "serverAuth");
      add_ext(cert.get(), issuer_cert, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
      add_ext(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid");
      break;
    case Kind::client:
      add_ext(cert.get(), issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
      add_ext(cert.get(), issuer_cert, NID_key_usage, "critical,digitalSignature");
      add_ext(cert.get(), issuer_cert, NID_ext_key_usage, "clientAuth");
      add_ext(cert.get(), issuer_cert, NID_authority_key_identifier, "keyid");
      break;
  }
  check(X509_sign(cert.get(), signer ? signer.get() : key.get(), EVP_sha256()) > 0, "sign");
  return CertKey{cert_pem(cert.get()), key_pem(key.get())};
}

}  // namespace

CertKey make_ca(const std::string& common_name) { return make_cert(nullptr, Kind::ca, common_name, {}); }

CertKey issue_server_cert(const CertKey& ca) { return make_cert(&ca, Kind::server, "minikube-apiserver", {}); }

CertKey issue_client_cert(const CertKey& ca, const std::string& common_name,
                          const std::vector<std::string>& organizations) {
  return make_cert(&ca, Kind::client, common_name, organizations);
}

const TestPki& shared_pki() {
  static const TestPki pki = [] {
    TestPki p;
    p.ca = make_ca("minikube-ca");
    p.server = issue_server_cert(p.ca);
    return p;
  }();
  return pki;
}

}  // namespace mk::http::test
