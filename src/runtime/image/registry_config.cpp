#include "runtime/image/registry_config.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace mk::runtime::image {
namespace {

std::string scalar(const YAML::Node& node, const char* key) {
  const YAML::Node v = node[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

Result<std::string> base64_decode(const std::string& in) {
  std::string out(in.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return make_error(Errc::invalid_argument, "auth: not base64");
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) --len;
  out.resize(len);
  return out;
}

bool is_loopback(const std::string& host_port) {
  std::string host = host_port;
  if (host.starts_with("[")) host = host.substr(1, host.find(']') - 1);
  else host = host.substr(0, host.find(':'));
  return host == "localhost" || host.starts_with("127.") || host == "::1";
}

}  // namespace

Result<RegistriesConfig> parse_registries(const std::string& text) {
  RegistriesConfig config;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root || root.IsNull()) return config;
    if (!root.IsMap()) return make_error(Errc::invalid_argument, "registries: not a mapping");
    if (const YAML::Node mirrors = root["mirrors"]; mirrors && mirrors.IsMap()) {
      for (const auto& m : mirrors) {
        std::vector<std::string> endpoints;
        if (const YAML::Node eps = m.second["endpoint"]; eps && eps.IsSequence()) {
          for (const auto& e : eps) endpoints.push_back(e.as<std::string>());
        }
        config.mirrors[m.first.as<std::string>()] = endpoints;
      }
    }
    if (const YAML::Node configs = root["configs"]; configs && configs.IsMap()) {
      for (const auto& c : configs) {
        std::string host = c.first.as<std::string>();
        RegistryHostConfig hc;
        if (const YAML::Node auth = c.second["auth"]; auth && auth.IsMap()) {
          hc.auth.username = scalar(auth, "username");
          hc.auth.password = scalar(auth, "password");
          hc.auth.identity_token = scalar(auth, "identitytoken");
          if (std::string encoded = scalar(auth, "auth"); !encoded.empty()) {
            auto decoded = base64_decode(encoded);
            if (!decoded) return decoded.error().wrap("registries: configs " + host);
            size_t colon = decoded->find(':');
            if (colon == std::string::npos) return make_error(Errc::invalid_argument, "registries: configs " + host + ": auth is not user:password");
            hc.auth.username = decoded->substr(0, colon);
            hc.auth.password = decoded->substr(colon + 1);
          }
        }
        if (const YAML::Node tls = c.second["tls"]; tls && tls.IsMap()) {
          if (tls["insecure_skip_verify"]) hc.tls.insecure_skip_verify = tls["insecure_skip_verify"].as<bool>();
          hc.tls.ca_file = scalar(tls, "ca_file");
          hc.tls.cert_file = scalar(tls, "cert_file");
          hc.tls.key_file = scalar(tls, "key_file");
        }
        config.configs[host] = hc;
      }
    }
  } catch (const YAML::Exception& e) {
    return make_error(Errc::invalid_argument, std::string("registries: ") + e.what());
  }
  return config;
}

Result<RegistriesConfig> load_registries(const std::string& path) {
  std::ifstream in(path);
  if (!in) return RegistriesConfig{};
  std::stringstream text;
  text << in.rdbuf();
  auto config = parse_registries(text.str());
  if (!config) return config.error().wrap(path);
  return config;
}

Result<std::vector<Endpoint>> endpoints_for(const RegistriesConfig& config, const std::string& registry) {
  std::vector<std::string> urls;
  auto mirror = config.mirrors.find(registry);
  if (mirror == config.mirrors.end()) mirror = config.mirrors.find("*");
  if (mirror != config.mirrors.end()) urls = mirror->second;
  std::string host = registry == "docker.io" ? "registry-1.docker.io" : registry;
  urls.push_back((is_loopback(host) ? "http://" : "https://") + host);
  std::vector<Endpoint> out;
  for (std::string url : urls) {
    while (url.ends_with("/")) url.pop_back();
    if (url.ends_with("/v2")) url.resize(url.size() - 3);
    if (url.find("://") == std::string::npos) url = "https://" + url;
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return make_error(Errc::invalid_argument, "registry endpoint \"" + url + "\": scheme must be http or https");
    }
    Endpoint e;
    e.url = url;
    e.host = url.substr(url.find("://") + 3);
    e.host = e.host.substr(0, e.host.find('/'));
    if (auto c = config.configs.find(e.host); c != config.configs.end()) e.config = c->second;
    else if (auto r = config.configs.find(registry); r != config.configs.end() && e.host == host) e.config = r->second;
    bool duplicate = false;
    for (const Endpoint& prior : out) duplicate = duplicate || prior.url == e.url;
    if (!duplicate) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace mk::runtime::image
