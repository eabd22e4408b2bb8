#pragma once
// Private to mk_pki: owners for OpenSSL objects and the PEM conversions every file here needs.
// Public headers of this directory never include it, so callers do not pull in OpenSSL.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::pki::ossl {

// unique_ptr deleter calling an OpenSSL free function.
template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME_free>>;
using Ia5StringPtr = std::unique_ptr<ASN1_IA5STRING, Deleter<ASN1_IA5STRING_free>>;
using OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;

// An Error whose message is "<what>: <reason of the most recent OpenSSL error>". Drains the
// thread's OpenSSL error queue so a stale entry cannot leak into a later, unrelated message.
Error openssl_error(Errc code, std::string_view what);

// The first certificate in a PEM text; Errc::corrupt if there is none or it does not parse.
Result<X509Ptr> parse_cert_pem(std::string_view pem);

// A private key in PEM (PKCS#8 or traditional). Encrypted keys are refused rather than
// prompting for a passphrase on the terminal, which is OpenSSL's default.
Result<KeyPtr> parse_key_pem(std::string_view pem);

Result<std::string> cert_to_pem(X509* cert);
Result<std::string> key_to_pem(EVP_PKEY* key);

}  // namespace mk::pki::ossl
