#include "server/apiserver/subresources/token_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <optional>

#include "server/apiserver/subresources/base64url.h"

namespace mk::apiserver {
namespace {

// ES256 signatures are two 32-byte big-endian integers, not OpenSSL's DER.
constexpr int kP256Bytes = 32;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

std::optional<std::string> der_to_raw(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * kP256Bytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kP256Bytes) != kP256Bytes || BN_bn2binpad(s, out + kP256Bytes, kP256Bytes) != kP256Bytes)
    return std::nullopt;
  return raw;
}

std::optional<std::string> raw_to_der(std::string_view raw) {
  if (raw.size() != 2 * kP256Bytes) return std::nullopt;
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(in, kP256Bytes, nullptr);
  BIGNUM* s = BN_bin2bn(in + kP256Bytes, kP256Bytes, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return std::nullopt;
  return der;
}

std::optional<std::string> public_key_id(EVP_PKEY* key) {
  int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PUBKEY(key, &p) != len) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(der.data(), der.size(), digest, &n, EVP_sha256(), nullptr) != 1) return std::nullopt;
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), n));
}

}  // namespace

struct TokenKey::Impl {
  std::unique_ptr<EVP_PKEY, PkeyFree> key;
  bool ecdsa = false;
};

TokenKey::TokenKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TokenKey::~TokenKey() = default;

Result<std::shared_ptr<const TokenKey>> TokenKey::load(std::string_view private_key_pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())),
                                                 &BIO_free);
  if (!bio) return make_error(Errc::internal, "service account key: out of memory");
  auto impl = std::make_unique<Impl>();
  impl->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!impl->key) return make_error(Errc::invalid_argument, "service account key: not a PEM private key");
  std::string algorithm;
  if (EVP_PKEY_is_a(impl->key.get(), "EC")) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_group_name(impl->key.get(), group, sizeof group, &len) != 1 ||
        (std::string_view(group) != "prime256v1" && std::string_view(group) != "P-256"))
      return make_error(Errc::invalid_argument, "service account key: only P-256 ECDSA keys are supported");
    impl->ecdsa = true;
    algorithm = "ES256";
  } else if (EVP_PKEY_is_a(impl->key.get(), "RSA")) {
    algorithm = "RS256";
  } else {
    return make_error(Errc::invalid_argument, "service account key: only ECDSA P-256 and RSA keys are supported");
  }
  auto kid = public_key_id(impl->key.get());
  if (!kid) return make_error(Errc::internal, "service account key: cannot encode the public key");
  std::shared_ptr<TokenKey> key(new TokenKey(std::move(impl)));
  key->algorithm_ = std::move(algorithm);
  key->key_id_ = std::move(*kid);
  return std::shared_ptr<const TokenKey>(std::move(key));
}

Result<std::string> TokenKey::sign(std::string_view input) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size()) != 1)
    return make_error(Errc::internal, "sign service account token");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data, input.size()) != 1)
    return make_error(Errc::internal, "sign service account token");
  sig.resize(len);
  if (!impl_->ecdsa) return sig;
  auto raw = der_to_raw(sig);
  if (!raw) return make_error(Errc::internal, "sign service account token: malformed ECDSA signature");
  return std::move(*raw);
}

bool TokenKey::verify(std::string_view input, std::string_view signature) const {
  std::string sig;
  if (impl_->ecdsa) {
    auto der = raw_to_der(signature);
    if (!der) return false;
    sig = std::move(*der);
  } else {
    sig = std::string(signature);
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

}  // namespace mk::apiserver
