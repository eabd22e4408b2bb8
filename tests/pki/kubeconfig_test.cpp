// Admin kubeconfig: valid YAML that decodes back to the same credentials, written with its mode.

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include "pki/temp_dir.h"
#include "pki/x509_probe.h"
#include "server/pki/base64.h"
#include "server/pki/kubeconfig.h"
#include "server/pki/server_pki.h"

using namespace mk;
using namespace mk::pki;

namespace {

std::string decode(const YAML::Node& n) {
  auto d = base64_decode(n.as<std::string>());
  REQUIRE(d);
  return *d;
}

}  // namespace

TEST_CASE("the admin kubeconfig parses and decodes to the PKI's certificates", "[pki][kubeconfig]") {
  test::TempDir dir;
  PkiOptions o;
  o.data_dir = dir.path() / "data";
  o.include_host_addresses = false;
  auto pki = ensure_server_pki(o);
  REQUIRE(pki);

  auto path = dir.path() / "etc" / "minikube" / "minikube.yaml";
  REQUIRE(write_kubeconfig(path, 0600, "https://127.0.0.1:6443", pki->server_ca.cert_pem, pki->admin.cert_pem,
                           pki->admin.key_pem));
  CHECK(test::file_mode(path) == 0600);

  YAML::Node doc = YAML::LoadFile(path.string());
  CHECK(doc["apiVersion"].as<std::string>() == "v1");
  CHECK(doc["kind"].as<std::string>() == "Config");
  CHECK(doc["current-context"].as<std::string>() == "default");
  REQUIRE(doc["clusters"].size() == 1);
  const YAML::Node cluster = doc["clusters"][0];
  CHECK(cluster["name"].as<std::string>() == "default");
  CHECK(cluster["cluster"]["server"].as<std::string>() == "https://127.0.0.1:6443");
  CHECK(decode(cluster["cluster"]["certificate-authority-data"]) == pki->server_ca.cert_pem);
  REQUIRE(doc["contexts"].size() == 1);
  CHECK(doc["contexts"][0]["name"].as<std::string>() == "default");
  CHECK(doc["contexts"][0]["context"]["cluster"].as<std::string>() == "default");
  CHECK(doc["contexts"][0]["context"]["user"].as<std::string>() == "default");
  REQUIRE(doc["users"].size() == 1);
  CHECK(doc["users"][0]["name"].as<std::string>() == "default");
  std::string cert = decode(doc["users"][0]["user"]["client-certificate-data"]);
  CHECK(cert == pki->admin.cert_pem);
  CHECK(decode(doc["users"][0]["user"]["client-key-data"]) == pki->admin.key_pem);
  // The kubeconfig's CA is the one that verifies the server; its user verifies as a client.
  CHECK(test::openssl_verify(pki->serving.cert_pem, decode(cluster["cluster"]["certificate-authority-data"]),
                             "server") == "");
  CHECK(test::printed_subject(cert) == "CN=system:admin,O=system:masters");
}

TEST_CASE("write_kubeconfig applies the mode exactly and replaces an existing file", "[pki][kubeconfig]") {
  test::TempDir dir;
  auto path = dir.path() / "kube.yaml";
  mode_t old_umask = ::umask(0077);
  auto st = write_kubeconfig(path, 0644, "https://127.0.0.1:6443", "ca", "cert", "key", "lab", "admin");
  ::umask(old_umask);
  REQUIRE(st);
  CHECK(test::file_mode(path) == 0644);

  REQUIRE(write_kubeconfig(path, 0600, "https://10.0.0.5:7443", "ca", "cert", "key", "lab", "admin"));
  CHECK(test::file_mode(path) == 0600);
  YAML::Node doc = YAML::LoadFile(path.string());
  CHECK(doc["clusters"][0]["cluster"]["server"].as<std::string>() == "https://10.0.0.5:7443");
  CHECK(doc["clusters"][0]["name"].as<std::string>() == "lab");
  CHECK(doc["current-context"].as<std::string>() == "lab");
  CHECK(doc["contexts"][0]["context"]["user"].as<std::string>() == "admin");
  CHECK(doc["users"][0]["name"].as<std::string>() == "admin");
}

TEST_CASE("write_kubeconfig reports where it failed", "[pki][kubeconfig]") {
  test::TempDir dir;
  test::spit(dir.path() / "file", "x");
  auto st = write_kubeconfig(dir.path() / "file" / "kube.yaml", 0600, "https://127.0.0.1:6443", "a", "b", "c");
  REQUIRE_FALSE(st);
  CHECK(st.error().message.rfind("write kubeconfig: ", 0) == 0);
  CHECK(st.error().message.find((dir.path() / "file").string()) != std::string::npos);
}
