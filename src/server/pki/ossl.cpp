#include "server/pki/ossl.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

namespace mk::pki::ossl {

namespace {

// PEM files are small; anything past INT_MAX is not one of ours and BIO lengths are int.
Result<BioPtr> memory_bio(std::string_view data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) return make_error(Errc::too_large, "PEM data too large");
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return openssl_error(Errc::internal, "allocate memory BIO");
  return bio;
}

Result<std::string> drain(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len < 0 || (len > 0 && data == nullptr)) return make_error(Errc::internal, "read memory BIO");
  return std::string(data, static_cast<size_t>(len));
}

// OpenSSL's default passphrase callback reads the terminal; a server must fail instead.
int refuse_passphrase(char*, int, int, void*) { return -1; }

bool has_pem_block(std::string_view pem) { return pem.find("-----BEGIN ") != std::string_view::npos; }

}  // namespace

Error openssl_error(Errc code, std::string_view what) {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  std::string m(what);
  m += ": ";
  const char* reason = last != 0 ? ERR_reason_error_string(last) : nullptr;
  m += reason != nullptr ? reason : "unknown OpenSSL error";
  return make_error(code, std::move(m));
}

Result<X509Ptr> parse_cert_pem(std::string_view pem) {
  if (!has_pem_block(pem)) return make_error(Errc::corrupt, "parse certificate: no PEM block found");
  auto bio = memory_bio(pem);
  if (!bio) return bio.error();
  X509Ptr cert(PEM_read_bio_X509(bio->get(), nullptr, refuse_passphrase, nullptr));
  if (!cert) return openssl_error(Errc::corrupt, "parse certificate");
  return cert;
}

Result<KeyPtr> parse_key_pem(std::string_view pem) {
  if (!has_pem_block(pem)) return make_error(Errc::corrupt, "parse private key: no PEM block found");
  auto bio = memory_bio(pem);
  if (!bio) return bio.error();
  KeyPtr key(PEM_read_bio_PrivateKey(bio->get(), nullptr, refuse_passphrase, nullptr));
  if (!key) return openssl_error(Errc::corrupt, "parse private key");
  return key;
}

Result<std::string> cert_to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return openssl_error(Errc::internal, "encode certificate");
  return drain(bio.get());
}

Result<std::string> key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  // Unencrypted PKCS#8: the file mode (0600) protects it, as with k3s and kubeadm.
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error(Errc::internal, "encode private key");
  }
  return drain(bio.get());
}

}  // namespace mk::pki::ossl
