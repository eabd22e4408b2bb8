#pragma once
// Admin (and later node) kubeconfigs: one cluster, one user authenticating with a client
// certificate, one context joining them, all credentials inline as base64 *-data fields so the
// file stands alone.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::pki {

// The YAML text. server_url is e.g. "https://127.0.0.1:6443"; the context is named after the
// cluster and is the current one.
std::string render_kubeconfig(std::string_view server_url, std::string_view ca_pem, std::string_view client_cert_pem,
                              std::string_view client_key_pem, std::string_view cluster_name = "default",
                              std::string_view user = "default");

// Writes render_kubeconfig(...) to path atomically with exactly `mode` (e.g. 0600; it holds a
// private key), creating missing parent directories (0755).
Status write_kubeconfig(const std::filesystem::path& path, std::uint32_t mode, std::string_view server_url,
                        std::string_view ca_pem, std::string_view client_cert_pem, std::string_view client_key_pem,
                        std::string_view cluster_name = "default", std::string_view user = "default");

}  // namespace mk::pki
