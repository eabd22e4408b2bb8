#pragma once
// Registry settings in k3s's registries.yaml format:
//
//   mirrors:
//     docker.io:
//       endpoint: ["https://mirror.example:5000", "http://10.0.0.5:5000"]
//     "*":
//       endpoint: ["https://catch-all.example"]
//   configs:
//     mirror.example:5000:
//       auth: {username: u, password: p}     # or auth: <base64 user:pass>, identitytoken: ...
//       tls: {insecure_skip_verify: true, ca_file: /etc/ssl/mirror-ca.pem}
//
// A registry is tried through its mirror endpoints in order, then itself (HTTPS; plain HTTP for
// localhost and loopback addresses, as containerd does).

#include <map>
#include <string>
#include <vector>

#include "common/error.h"

namespace mk::runtime::image {

struct RegistryAuth {
  std::string username, password;
  std::string identity_token;  // an OAuth2 refresh token; sent as the token request's password
};

struct RegistryTls {
  bool insecure_skip_verify = false;
  std::string ca_file, cert_file, key_file;
};

struct RegistryHostConfig {
  RegistryAuth auth;
  RegistryTls tls;
};

struct RegistriesConfig {
  std::map<std::string, std::vector<std::string>> mirrors;  // registry -> endpoint URLs
  std::map<std::string, RegistryHostConfig> configs;        // host[:port] -> settings
};

struct Endpoint {
  std::string url;   // "https://registry-1.docker.io", "http://127.0.0.1:5000"
  std::string host;  // "registry-1.docker.io", "127.0.0.1:5000"
  RegistryHostConfig config;
};

Result<RegistriesConfig> parse_registries(const std::string& yaml_text);
// A missing file is an empty configuration.
Result<RegistriesConfig> load_registries(const std::string& path);

// Where to fetch images of `registry` ("docker.io", "ghcr.io", "127.0.0.1:5000"), in order.
Result<std::vector<Endpoint>> endpoints_for(const RegistriesConfig& config, const std::string& registry);

}  // namespace mk::runtime::image
