#include "server/pki/authority.h"

#include <ctime>

#include "server/pki/key.h"
#include "server/pki/ossl.h"
#include "server/pki/random.h"

namespace mk::pki {

namespace {

enum class Kind { ca, server, client };

struct CertTemplate {
  Kind kind = Kind::client;
  std::string_view common_name;
  const std::vector<std::string>* organizations = nullptr;
  const SanSet* sans = nullptr;
  std::chrono::seconds validity{0};
};

// Clocks of nodes joining later may lag ours; a certificate must not look "not yet valid" there.
constexpr std::time_t kBackdate = 5 * 60;

Status set_random_serial(X509* cert) {
  auto bytes = random_bytes(16);
  if (!bytes) return bytes.error().wrap("generate serial number");
  auto* raw = reinterpret_cast<unsigned char*>(bytes->data());
  raw[0] &= 0x7f;  // DER INTEGERs are signed; RFC 5280 wants the serial positive
  raw[15] |= 0x01;  // and non-zero
  ossl::BignumPtr bn(BN_bin2bn(raw, 16, nullptr));
  if (!bn) return ossl::openssl_error(Errc::internal, "set serial number");
  ossl::Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial || X509_set_serialNumber(cert, serial.get()) != 1) {
    return ossl::openssl_error(Errc::internal, "set serial number");
  }
  return Status::ok();
}

Status set_subject(X509* cert, const CertTemplate& t) {
  X509_NAME* name = X509_get_subject_name(cert);
  // V_ASN1_UTF8STRING rather than MBSTRING_UTF8: the latter enforces X.520's 64-character
  // limits, which names like "system:node:<253-character node name>" exceed (Go does not care).
  auto add = [&](const char* field, std::string_view value) {
    return X509_NAME_add_entry_by_txt(name, field, V_ASN1_UTF8STRING, reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  if (t.organizations != nullptr) {
    for (const auto& o : *t.organizations) {
      if (!add("O", o)) return ossl::openssl_error(Errc::invalid_argument, "set subject organization");
    }
  }
  if (!add("CN", t.common_name)) return ossl::openssl_error(Errc::invalid_argument, "set subject common name");
  return Status::ok();
}

Status add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ossl::ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return ossl::openssl_error(Errc::internal, std::string("add extension ") + OBJ_nid2sn(nid));
  }
  return Status::ok();
}

// Built from GENERAL_NAMEs rather than a config string so no name is ever parsed as syntax.
Status add_sans(X509* cert, const SanSet& sans) {
  if (sans.dns_names.empty() && sans.ip_addresses.empty()) return Status::ok();
  ossl::GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) return ossl::openssl_error(Errc::internal, "add subjectAltName");
  auto push = [&](ossl::GeneralNamePtr gn) {
    if (sk_GENERAL_NAME_push(names.get(), gn.get()) <= 0) return false;
    gn.release();  // the stack owns it now
    return true;
  };
  for (const auto& dns : sans.dns_names) {
    ossl::Ia5StringPtr s(ASN1_IA5STRING_new());
    ossl::GeneralNamePtr gn(GENERAL_NAME_new());
    if (!s || !gn || ASN1_STRING_set(s.get(), dns.data(), static_cast<int>(dns.size())) != 1) {
      return ossl::openssl_error(Errc::internal, "add subjectAltName DNS:" + dns);
    }
    GENERAL_NAME_set0_value(gn.get(), GEN_DNS, s.release());
    if (!push(std::move(gn))) return ossl::openssl_error(Errc::internal, "add subjectAltName DNS:" + dns);
  }
  for (const auto& ip : sans.ip_addresses) {
    ossl::OctetStringPtr s(a2i_IPADDRESS(ip.c_str()));
    ossl::GeneralNamePtr gn(GENERAL_NAME_new());
    if (!s || !gn) return ossl::openssl_error(Errc::invalid_argument, "add subjectAltName IP:" + ip);
    GENERAL_NAME_set0_value(gn.get(), GEN_IPADD, s.release());
    if (!push(std::move(gn))) return ossl::openssl_error(Errc::internal, "add subjectAltName IP:" + ip);
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return ossl::openssl_error(Errc::internal, "add subjectAltName");
  }
  return Status::ok();
}

Status add_extensions(X509* cert, X509* issuer, const CertTemplate& t) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  bool ca = t.kind == Kind::ca;
  Status st = add_extension(cert, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (st) {
    st = add_extension(cert, &ctx, NID_key_usage,
                       ca ? "critical,digitalSignature,keyEncipherment,keyCertSign"
                          : "critical,digitalSignature,keyEncipherment");
  }
  if (st && !ca) {
    st = add_extension(cert, &ctx, NID_ext_key_usage, t.kind == Kind::server ? "serverAuth" : "clientAuth");
  }
  // The subject key identifier goes first: for a self-signed CA, the authority key identifier
  // is copied from it.
  if (st) st = add_extension(cert, &ctx, NID_subject_key_identifier, "hash");
  if (st) st = add_extension(cert, &ctx, NID_authority_key_identifier, "keyid:always");
  if (st && t.sans != nullptr) st = add_sans(cert, *t.sans);
  return st;
}

// Signs a certificate for subject_key. issuer == nullptr makes it self-signed with subject_key.
Result<std::string> sign(const CertTemplate& t, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key) {
  ossl::X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return ossl::openssl_error(Errc::internal, "create certificate");
  }
  if (auto st = set_random_serial(cert.get()); !st) return st.error();
  std::time_t now = std::time(nullptr);
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), now - kBackdate) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), now + static_cast<std::time_t>(t.validity.count())) == nullptr) {
    return ossl::openssl_error(Errc::internal, "set certificate validity");
  }
  if (auto st = set_subject(cert.get(), t); !st) return st.error();
  X509* signer = issuer != nullptr ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1 ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    return ossl::openssl_error(Errc::internal, "create certificate");
  }
  if (auto st = add_extensions(cert.get(), signer, t); !st) return st.error();
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : subject_key, EVP_sha256()) <= 0) {
    return ossl::openssl_error(Errc::internal, "sign certificate");
  }
  return ossl::cert_to_pem(cert.get());
}

Result<KeyPair> issue(const CertAuthority& ca, const CertTemplate& t) {
  if (t.validity.count() <= 0) return make_error(Errc::invalid_argument, "issue certificate: validity must be positive");
  auto ca_cert = ossl::parse_cert_pem(ca.cert_pem);
  if (!ca_cert) return ca_cert.error().wrap("load CA certificate");
  auto ca_key = ossl::parse_key_pem(ca.key_pem);
  if (!ca_key) return ca_key.error().wrap("load CA key");
  auto key_pem = generate_private_key();
  if (!key_pem) return key_pem.error();
  auto key = ossl::parse_key_pem(*key_pem);
  if (!key) return key.error();
  auto cert_pem = sign(t, key->get(), ca_cert->get(), ca_key->get());
  if (!cert_pem) return cert_pem.error();
  return KeyPair{std::move(*cert_pem), std::move(*key_pem)};
}

}  // namespace

Result<CertAuthority> create_ca(std::string_view common_name, std::chrono::seconds validity) {
  if (validity.count() <= 0) return make_error(Errc::invalid_argument, "create CA: validity must be positive");
  auto key_pem = generate_private_key();
  if (!key_pem) return key_pem.error().wrap("create CA");
  auto key = ossl::parse_key_pem(*key_pem);
  if (!key) return key.error().wrap("create CA");
  CertTemplate t;
  t.kind = Kind::ca;
  t.common_name = common_name;
  t.validity = validity;
  auto cert_pem = sign(t, key->get(), nullptr, nullptr);
  if (!cert_pem) return cert_pem.error().wrap("create CA " + std::string(common_name));
  return CertAuthority{std::move(*cert_pem), std::move(*key_pem)};
}

Result<KeyPair> issue_client_cert(const CertAuthority& ca, std::string_view common_name,
                                  const std::vector<std::string>& groups, std::chrono::seconds validity) {
  CertTemplate t;
  t.kind = Kind::client;
  t.common_name = common_name;
  t.organizations = &groups;
  t.validity = validity;
  auto pair = issue(ca, t);
  if (!pair) return pair.error().wrap("issue client certificate " + std::string(common_name));
  return pair;
}

Result<KeyPair> issue_serving_cert(const CertAuthority& ca, std::string_view common_name, const SanSet& sans,
                                   std::chrono::seconds validity) {
  CertTemplate t;
  t.kind = Kind::server;
  t.common_name = common_name;
  t.sans = &sans;
  t.validity = validity;
  auto pair = issue(ca, t);
  if (!pair) return pair.error().wrap("issue serving certificate " + std::string(common_name));
  return pair;
}

}  // namespace mk::pki
