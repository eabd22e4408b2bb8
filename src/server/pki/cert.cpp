#include "server/pki/cert.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cctype>
#include <ctime>

#include "server/pki/ossl.h"

namespace mk::pki {

namespace {

Result<std::string> entry_text(X509_NAME_ENTRY* entry) {
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  if (len < 0) return ossl::openssl_error(Errc::corrupt, "decode certificate name");
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

Result<Subject> read_name(const X509_NAME* name) {
  Subject out;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    if (nid != NID_commonName && nid != NID_organizationName) continue;
    auto text = entry_text(entry);
    if (!text) return text.error();
    if (nid == NID_commonName) {
      out.common_name = std::move(*text);
    } else {
      out.organizations.push_back(std::move(*text));
    }
  }
  return out;
}

Result<std::chrono::sys_seconds> read_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return ossl::openssl_error(Errc::corrupt, "decode certificate time");
  return std::chrono::sys_seconds(std::chrono::seconds(timegm(&tm)));
}

Result<SanSet> read_sans(X509* cert) {
  SanSet out;
  int crit = 0;
  ossl::GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, nullptr)));
  if (!names) {
    // crit == -1: the extension is absent, which is fine; anything else is a broken extension.
    if (crit != -1) return ossl::openssl_error(Errc::corrupt, "decode subjectAltName");
    ERR_clear_error();
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    if (gn->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gn->d.dNSName;
      out.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = gn->d.iPAddress;
      char text[INET6_ADDRSTRLEN];
      int len = ASN1_STRING_length(s);
      int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
      if (family == 0 || inet_ntop(family, ASN1_STRING_get0_data(s), text, sizeof text) == nullptr) {
        return make_error(Errc::corrupt, "decode subjectAltName: malformed IP address");
      }
      out.ip_addresses.emplace_back(text);
    }
  }
  // DNS names compare case-insensitively; store them as add_san would.
  for (auto& d : out.dns_names) {
    for (auto& c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  normalize(out);
  return out;
}

Result<std::string> read_serial(X509* cert) {
  ossl::BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (!bn) return ossl::openssl_error(Errc::corrupt, "decode certificate serial number");
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr) return ossl::openssl_error(Errc::internal, "encode certificate serial number");
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

}  // namespace

Result<CertInfo> parse_certificate(std::string_view pem) {
  auto cert = ossl::parse_cert_pem(pem);
  if (!cert) return cert.error();
  X509* x = cert->get();
  CertInfo info;
  auto subject = read_name(X509_get_subject_name(x));
  if (!subject) return subject.error();
  info.subject = std::move(*subject);
  auto issuer = read_name(X509_get_issuer_name(x));
  if (!issuer) return issuer.error();
  info.issuer = std::move(*issuer);
  auto serial = read_serial(x);
  if (!serial) return serial.error();
  info.serial_hex = std::move(*serial);
  auto not_before = read_time(X509_get0_notBefore(x));
  if (!not_before) return not_before.error();
  info.not_before = *not_before;
  auto not_after = read_time(X509_get0_notAfter(x));
  if (!not_after) return not_after.error();
  info.not_after = *not_after;
  info.is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
  auto sans = read_sans(x);
  if (!sans) return sans.error();
  info.sans = std::move(*sans);
  return info;
}

Result<Subject> parse_subject(std::string_view pem) {
  auto cert = ossl::parse_cert_pem(pem);
  if (!cert) return cert.error();
  return read_name(X509_get_subject_name(cert->get()));
}

Status verify_certificate(std::string_view cert_pem, std::string_view ca_pem, CertPurpose purpose) {
  auto cert = ossl::parse_cert_pem(cert_pem);
  if (!cert) return cert.error();
  ossl::StorePtr store(X509_STORE_new());
  if (!store) return ossl::openssl_error(Errc::internal, "verify certificate");

  // Every certificate in the bundle is a trust anchor.
  std::string_view rest = ca_pem;
  int anchors = 0;
  while (true) {
    auto begin = rest.find("-----BEGIN CERTIFICATE-----");
    if (begin == std::string_view::npos) break;
    rest.remove_prefix(begin);
    auto ca = ossl::parse_cert_pem(rest);
    if (!ca) return ca.error().wrap("parse CA bundle");
    if (X509_STORE_add_cert(store.get(), ca->get()) != 1) {
      return ossl::openssl_error(Errc::internal, "verify certificate: add CA");
    }
    ++anchors;
    rest.remove_prefix(1);  // past this block's BEGIN, so the next find moves on
  }
  if (anchors == 0) return make_error(Errc::corrupt, "parse CA bundle: no certificate found");

  ossl::StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr) != 1) {
    return ossl::openssl_error(Errc::internal, "verify certificate");
  }
  if (purpose != CertPurpose::any) {
    int id = purpose == CertPurpose::server ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT;
    if (X509_STORE_CTX_set_purpose(ctx.get(), id) != 1) return ossl::openssl_error(Errc::internal, "verify certificate");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    ERR_clear_error();
    return make_error(Errc::permission_denied,
                      std::string("verify certificate: ") + X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  return Status::ok();
}

std::string format_time(std::chrono::sys_seconds t) {
  std::time_t tt = static_cast<std::time_t>(t.time_since_epoch().count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace mk::pki
