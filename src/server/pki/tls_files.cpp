#include "server/pki/tls_files.h"

#include "common/log.h"
#include "server/pki/cert.h"
#include "server/pki/file_util.h"
#include "server/pki/key.h"

namespace mk::pki {

namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kKeyMode = 0600;
constexpr std::uint32_t kCertMode = 0644;

std::chrono::sys_seconds now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// The file's bytes, or nullopt if it does not exist.
Result<std::optional<std::string>> read_optional(const fs::path& path) {
  auto data = read_file(path);
  if (data) return std::optional<std::string>(std::move(*data));
  if (data.error().code == Errc::not_found) return std::optional<std::string>();
  return data.error();
}

// The key goes first. Were the process to die between the two renames, the next start finds a
// key that does not match its certificate: a leaf is then re-issued, a CA start is refused.
Status write_pair(const fs::path& cert_path, const std::string& cert_pem, const fs::path& key_path,
                  const std::string& key_pem) {
  if (auto st = write_file_atomic(key_path, key_pem, kKeyMode); !st) return st;
  return write_file_atomic(cert_path, cert_pem, kCertMode);
}

// Why the stored leaf must be re-issued, or "" if it can stay.
std::string reissue_reason(const CertInfo& info, const KeyPair& pair, const CertAuthority& ca, const LeafSpec& spec) {
  if (!check_key_matches_cert(pair.cert_pem, pair.key_pem)) return "its key does not match it";
  auto purpose = spec.sans ? CertPurpose::server : CertPurpose::client;
  if (auto st = verify_certificate(pair.cert_pem, ca.cert_pem, purpose); !st) {
    return "it does not verify against the current CA (" + st.error().message + ")";
  }
  if (info.not_after - now() <= spec.renew_before) return "it expires on " + format_time(info.not_after);
  if (info.subject != Subject{spec.common_name, spec.organizations}) return "its subject differs";
  if (spec.sans) {
    auto missing = missing_sans(info.sans, *spec.sans);
    if (!missing.empty()) {
      std::string reason = "it lacks";
      for (const auto& m : missing) reason += " " + m;
      return reason;
    }
  }
  return "";
}

Result<KeyPair> issue_leaf(const CertAuthority& ca, const LeafSpec& spec) {
  if (spec.sans) return issue_serving_cert(ca, spec.common_name, *spec.sans, spec.validity);
  return issue_client_cert(ca, spec.common_name, spec.organizations, spec.validity);
}

}  // namespace

Result<CertAuthority> load_or_create_ca(const fs::path& cert_path, const fs::path& key_path, const CaSpec& spec) {
  auto cert = read_optional(cert_path);
  if (!cert) return cert.error();
  auto key = read_optional(key_path);
  if (!key) return key.error();

  if (!*cert && !*key) {
    std::string cn = spec.cn_prefix + "@" + std::to_string(now().time_since_epoch().count());
    auto ca = create_ca(cn, spec.validity);
    if (!ca) return ca.error();
    if (auto st = write_pair(cert_path, ca->cert_pem, key_path, ca->key_pem); !st) {
      return st.error().wrap("store " + spec.label);
    }
    MK_LOG(info) << "pki: created " << spec.label << " " << cn << " in " << cert_path.string();
    return ca;
  }
  const std::string refuse = "; refusing to create a new CA, which would invalidate every certificate and token "
                             "issued by the old one (restore the file, or remove both to start a new cluster)";
  if (!*key) {
    return make_error(Errc::not_found, "load " + spec.label + ": certificate " + cert_path.string() +
                                           " exists but its key " + key_path.string() + " is missing" + refuse);
  }
  if (!*cert) {
    return make_error(Errc::not_found, "load " + spec.label + ": key " + key_path.string() +
                                           " exists but its certificate " + cert_path.string() + " is missing" + refuse);
  }

  auto info = parse_certificate(**cert);
  if (!info) return info.error().wrap("load " + spec.label + " certificate " + cert_path.string());
  if (auto st = check_private_key(**key); !st) {
    return st.error().wrap("load " + spec.label + " key " + key_path.string());
  }
  if (!info->is_ca) {
    return make_error(Errc::corrupt, "load " + spec.label + " certificate " + cert_path.string() +
                                         ": not a CA certificate (basicConstraints CA:TRUE is missing)");
  }
  if (auto st = check_key_matches_cert(**cert, **key); !st) {
    return make_error(Errc::corrupt, "load " + spec.label + ": key " + key_path.string() +
                                         " does not match certificate " + cert_path.string());
  }
  auto left = info->not_after - now();
  if (left <= std::chrono::seconds(0)) {
    return make_error(Errc::unavailable, "load " + spec.label + " certificate " + cert_path.string() +
                                             ": expired on " + format_time(info->not_after) +
                                             "; certificates it signs would not verify");
  }
  if (left <= spec.warn_before) {
    MK_LOG(warn) << "pki: " << spec.label << " " << cert_path.string() << " expires on "
                 << format_time(info->not_after) << "; it is not renewed automatically";
  }
  return CertAuthority{std::move(**cert), std::move(**key)};
}

Result<KeyPair> ensure_leaf(const fs::path& cert_path, const fs::path& key_path, const CertAuthority& ca,
                            const LeafSpec& spec) {
  auto cert = read_optional(cert_path);
  if (!cert) return cert.error();
  auto key = read_optional(key_path);
  if (!key) return key.error();

  std::string reason;
  if (!*cert || !*key) {
    reason = !*cert && !*key ? "it does not exist yet" : "half of the pair is missing";
  } else {
    auto info = parse_certificate(**cert);
    if (!info) return info.error().wrap("load " + spec.label + " " + cert_path.string());
    if (auto st = check_private_key(**key); !st) return st.error().wrap("load " + spec.label + " key " + key_path.string());
    KeyPair stored{std::move(**cert), std::move(**key)};
    reason = reissue_reason(*info, stored, ca, spec);
    if (reason.empty()) return stored;
  }

  auto pair = issue_leaf(ca, spec);
  if (!pair) return pair.error();
  if (auto st = write_pair(cert_path, pair->cert_pem, key_path, pair->key_pem); !st) {
    return st.error().wrap("store " + spec.label);
  }
  MK_LOG(info) << "pki: issued " << spec.label << " " << cert_path.string() << " because " << reason;
  return pair;
}

Result<std::string> load_or_create_key(const fs::path& path, const std::string& label) {
  auto stored = read_optional(path);
  if (!stored) return stored.error();
  if (*stored) {
    if (auto st = check_private_key(**stored); !st) return st.error().wrap("load " + label + " " + path.string());
    return std::move(**stored);
  }
  auto key = generate_private_key();
  if (!key) return key.error().wrap("create " + label);
  if (auto st = write_file_atomic(path, *key, kKeyMode); !st) return st.error().wrap("store " + label);
  MK_LOG(info) << "pki: created " << label << " " << path.string();
  return key;
}

}  // namespace mk::pki
