#pragma once
// Private to mk_pki: keeping one CA, leaf certificate or key on disk. Each is loaded and checked
// when present, and created or re-issued only where that cannot break existing trust: leaves are
// re-issued freely, a CA is never replaced.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "server/pki/authority.h"
#include "server/pki/sans.h"

namespace mk::pki {

struct CaSpec {
  std::string label;      // "server CA", for messages
  std::string cn_prefix;  // the CN is "<prefix>@<unix time>", as k3s names its CAs
  std::chrono::seconds validity{0};
  std::chrono::seconds warn_before{0};  // log a warning when the CA expires sooner than this
};

// Loads the CA from cert_path/key_path, or creates it when both are absent. Only one of them
// present, a file that does not parse, a key that does not match, or an expired CA is an error
// naming the file: replacing a CA would orphan every certificate and token that trusts it.
Result<CertAuthority> load_or_create_ca(const std::filesystem::path& cert_path,
                                        const std::filesystem::path& key_path, const CaSpec& spec);

struct LeafSpec {
  std::string label;  // "serving certificate", for messages
  std::string common_name;
  std::vector<std::string> organizations;
  std::optional<SanSet> sans;  // set for a serving certificate, unset for a client one
  std::chrono::seconds validity{0};
  std::chrono::seconds renew_before{0};
};

// Loads the leaf pair and re-issues it from ca when it is missing, its key does not match, it no
// longer verifies against ca, it expires within renew_before, its subject differs from the spec
// or its SANs do not cover the wanted ones. A file that does not parse is an error naming it.
Result<KeyPair> ensure_leaf(const std::filesystem::path& cert_path, const std::filesystem::path& key_path,
                            const CertAuthority& ca, const LeafSpec& spec);

// Loads the private key at path, or generates one (mode 0600) when it is absent.
Result<std::string> load_or_create_key(const std::filesystem::path& path, const std::string& label);

}  // namespace mk::pki
