#include "pki/x509_probe.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace mk::pki::test {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;

Cert load(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) throw std::runtime_error("test: certificate does not parse");
  return cert;
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

std::string openssl_verify(const std::string& cert_pem, const std::string& ca_pem, const std::string& purpose) {
  Cert cert = load(cert_pem);
  Cert ca = load(ca_pem);
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  X509_STORE_add_cert(store.get(), ca.get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  if (purpose == "server") X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  if (purpose == "client") X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(ctx.get()) == 1) return "";
  return X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
}

std::vector<std::string> printed_sans(const std::string& cert_pem) {
  std::string text = printed_extension(cert_pem, NID_subject_alt_name);
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string printed_subject(const std::string& cert_pem) {
  Cert cert = load(cert_pem);
  Bio bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert.get()), 0, XN_FLAG_RFC2253);
  return drain(bio.get());
}

std::string printed_extension(const std::string& cert_pem, int nid) {
  Cert cert = load(cert_pem);
  int idx = X509_get_ext_by_NID(cert.get(), nid, -1);
  if (idx < 0) return "";
  Bio bio(BIO_new(BIO_s_mem()));
  X509V3_EXT_print(bio.get(), X509_get_ext(cert.get(), idx), 0, 0);
  return drain(bio.get());
}

bool extension_critical(const std::string& cert_pem, int nid) {
  Cert cert = load(cert_pem);
  int idx = X509_get_ext_by_NID(cert.get(), nid, -1);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert.get(), idx)) == 1;
}

bool is_ca(const std::string& cert_pem) { return X509_check_ca(load(cert_pem).get()) == 1; }

int serial_bits(const std::string& cert_pem) {
  Cert cert = load(cert_pem);
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
  int bits = BN_num_bits(bn);
  BN_free(bn);
  return bits;
}

std::string signature_algorithm(const std::string& cert_pem) {
  Cert cert = load(cert_pem);
  return OBJ_nid2sn(X509_get_signature_nid(cert.get()));
}

std::string key_curve(const std::string& key_pem) {
  Bio bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_EC) return "";
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key.get(), "group", name, sizeof name, &len) != 1) return "";
  return name;
}

int days_left(const std::string& cert_pem) {
  Cert cert = load(cert_pem);
  int days = 0;
  int secs = 0;
  ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert.get()));
  return days;
}

std::string sha256_file_hex(const std::filesystem::path& path) {
  std::string data = slurp(path);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string out;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    snprintf(buf, sizeof buf, "%02x", md[i]);
    out += buf;
  }
  return out;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("test: cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::filesystem::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out) throw std::runtime_error("test: cannot write " + path.string());
}

unsigned file_mode(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("test: cannot stat " + path.string());
  return st.st_mode & 07777;
}

}  // namespace mk::pki::test
