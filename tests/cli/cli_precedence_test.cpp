// Where each setting comes from: flag > environment > config file > default, observed through
// `minikube server --dry-run`, which prints the effective configuration as YAML.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include "cli/process.h"

using mk::test::run_minikube;
using mk::test::TempDir;

namespace {

YAML::Node dry_run(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> all{"server", "--dry-run"};
  all.insert(all.end(), args.begin(), args.end());
  auto r = run_minikube(all, env);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());
  return YAML::Load(r.out);
}

std::vector<std::string> list(const YAML::Node& node) { return node.as<std::vector<std::string>>(); }

}  // namespace

TEST_CASE("a flag beats the environment, which beats the config file, which beats the default") {
  TempDir dir;
  auto config = dir.write("config.yaml",
                          "cluster-domain: file.local\n"
                          "data-dir: " + dir.file("from-file") + "\n"
                          "bind-address: 127.0.0.3\n"
                          "tls-san: [file.example, 192.0.2.1]\n"
                          "debug: true\n");
  auto cfg = dry_run({"--cluster-domain", "flag.local", "--tls-san", "flag.example"},
                     {"MINIKUBE_CONFIG_FILE=" + config, "MINIKUBE_CLUSTER_DOMAIN=env.local",
                      "MINIKUBE_DATA_DIR=" + dir.file("from-env"), "MINIKUBE_HTTPS_LISTEN_PORT=7443"});

  CHECK(cfg["cluster-domain"].as<std::string>() == "flag.local");         // flag over env and file
  CHECK(cfg["data-dir"].as<std::string>() == dir.file("from-env"));       // env over file
  CHECK(cfg["https-listen-port"].as<int>() == 7443);                      // env over default
  CHECK(cfg["bind-address"].as<std::string>() == "127.0.0.3");            // file over default
  CHECK(cfg["debug"].as<bool>() == true);                                 // file over default
  CHECK(list(cfg["tls-san"]) == std::vector<std::string>{"flag.example"});  // a flag's list replaces
  CHECK(cfg["cluster-cidr"].as<std::string>() == "10.42.0.0/16");         // default
  // The default datastore lives in the effective data directory.
  CHECK(cfg["datastore-endpoint"].as<std::string>() == "sqlite://" + dir.file("from-env") + "/server/db/state.db");
}

TEST_CASE("--config beats MINIKUBE_CONFIG_FILE") {
  TempDir dir;
  auto by_flag = dir.write("flag.yaml", "cluster-domain: flag-file.local\n");
  auto by_env = dir.write("env.yaml", "cluster-domain: env-file.local\n");
  auto cfg = dry_run({"-c", by_flag}, {"MINIKUBE_CONFIG_FILE=" + by_env});
  CHECK(cfg["cluster-domain"].as<std::string>() == "flag-file.local");
}

TEST_CASE("lists come from repeated flags, commas, and the environment") {
  TempDir dir;
  const std::string config = "MINIKUBE_CONFIG_FILE=" + dir.write("config.yaml", "tls-san: a.example,b.example\n");
  CHECK(list(dry_run({}, {config})["tls-san"]) == std::vector<std::string>{"a.example", "b.example"});
  CHECK(list(dry_run({}, {config, "MINIKUBE_TLS_SAN=c.example,10.0.0.1"})["tls-san"]) ==
        std::vector<std::string>{"c.example", "10.0.0.1"});
  CHECK(list(dry_run({"--tls-san", "d.example,e.example", "--tls-san", "10.0.0.2"}, {config})["tls-san"]) ==
        std::vector<std::string>{"d.example", "e.example", "10.0.0.2"});
}

TEST_CASE("the join URL comes from --join, --server, -s or MINIKUBE_URL") {
  TempDir dir;
  const std::string config = "MINIKUBE_CONFIG_FILE=" + dir.write("config.yaml", "");
  const std::string url = "https://192.0.2.7:6443";
  for (const char* flag : {"--join", "--server", "-s"}) {
    CHECK(dry_run({flag, url}, {config})["join"].as<std::string>() == url);
  }
  CHECK(dry_run({}, {config, "MINIKUBE_URL=" + url})["join"].as<std::string>() == url);
}

TEST_CASE("the token is never printed") {
  TempDir dir;
  const std::string config = "MINIKUBE_CONFIG_FILE=" + dir.write("config.yaml", "");
  auto r = run_minikube({"server", "--dry-run", "--token", "very-secret-token"}, {config});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("very-secret-token") == std::string::npos);
  CHECK(r.out.find("token: set") != std::string::npos);
}

TEST_CASE("the --dry-run output is itself a config file giving the same configuration") {
  TempDir dir;
  const std::string config = dir.write("config.yaml", "");
  auto first = run_minikube({"server", "--dry-run", "--cluster-cidr", "10.50.0.0/16", "--tls-san", "x.example",
                             "--debug", "--write-kubeconfig-mode", "644", "--node-name", "n1", "-d", dir.path()},
                            {"MINIKUBE_CONFIG_FILE=" + config});
  REQUIRE(first.exit_code == 0);
  auto again = run_minikube({"server", "--dry-run", "-c", dir.write("again.yaml", first.out)});
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  auto a = YAML::Load(first.out), b = YAML::Load(again.out);
  for (const auto& kv : a) {
    const auto key = kv.first.as<std::string>();
    INFO(key);
    CHECK(YAML::Dump(kv.second) == YAML::Dump(b[key]));
  }
  CHECK(a["write-kubeconfig-mode"].as<std::string>() == "0644");
}
