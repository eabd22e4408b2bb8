#include "server/pki/key.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "server/pki/ossl.h"

namespace mk::pki {

Result<std::string> generate_private_key() {
  ossl::KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return ossl::openssl_error(Errc::internal, "generate ECDSA P-256 key");
  return ossl::key_to_pem(key.get());
}

Status check_private_key(std::string_view key_pem) {
  auto key = ossl::parse_key_pem(key_pem);
  if (!key) return key.error();
  return Status::ok();
}

Result<std::string> public_key_pem(std::string_view key_pem) {
  auto key = ossl::parse_key_pem(key_pem);
  if (!key) return key.error();
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key->get()) != 1) {
    return ossl::openssl_error(Errc::internal, "encode public key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return make_error(Errc::internal, "encode public key: empty output");
  return std::string(data, static_cast<size_t>(len));
}

Status check_key_matches_cert(std::string_view cert_pem, std::string_view key_pem) {
  auto cert = ossl::parse_cert_pem(cert_pem);
  if (!cert) return cert.error();
  auto key = ossl::parse_key_pem(key_pem);
  if (!key) return key.error();
  EVP_PKEY* cert_key = X509_get0_pubkey(cert->get());
  if (cert_key == nullptr || EVP_PKEY_eq(cert_key, key->get()) != 1) {
    ERR_clear_error();  // comparing keys of different types queues an error; it is our answer
    return make_error(Errc::invalid_argument, "private key does not match the certificate");
  }
  return Status::ok();
}

}  // namespace mk::pki
