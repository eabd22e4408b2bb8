#include "kube_credentials.h"

#include <yaml-cpp/yaml.h>

#include "base64.h"

namespace mk::bench {
namespace {

Result<std::string> decoded(const YAML::Node& map, const char* key) {
  const YAML::Node value = map[key];
  if (!value || !value.IsScalar()) {
    return make_error(Errc::not_found, std::string("no ") + key);
  }
  auto pem = bench::base64_decode(value.as<std::string>());
  if (!pem) return pem.error().wrap(key);
  return *pem;
}

}  // namespace

Result<KubeCredentials> read_kubeconfig(const std::string& path) {
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return make_error(Errc::invalid_argument, "read kubeconfig " + path + ": " + e.what());
  }
  // The server writes exactly one cluster and one user; the first of each is the admin's.
  const YAML::Node clusters = doc["clusters"];
  const YAML::Node users = doc["users"];
  if (!clusters || !clusters.IsSequence() || clusters.size() == 0 || !users ||
      !users.IsSequence() || users.size() == 0) {
    return make_error(Errc::invalid_argument, "kubeconfig " + path + ": no cluster or user");
  }
  const YAML::Node cluster = clusters[0]["cluster"];
  const YAML::Node user = users[0]["user"];
  if (!cluster || !user) {
    return make_error(Errc::invalid_argument, "kubeconfig " + path + ": empty cluster or user");
  }
  KubeCredentials creds;
  if (cluster["server"]) creds.server = cluster["server"].as<std::string>();
  auto ca = decoded(cluster, "certificate-authority-data");
  auto cert = decoded(user, "client-certificate-data");
  auto key = decoded(user, "client-key-data");
  for (const auto* r : {&ca, &cert, &key}) {
    if (!*r) return r->error().wrap("kubeconfig " + path);
  }
  creds.ca_pem = std::move(*ca);
  creds.client_cert_pem = std::move(*cert);
  creds.client_key_pem = std::move(*key);
  return creds;
}

}  // namespace mk::bench
