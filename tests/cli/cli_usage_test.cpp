// The command line as a user meets it: help, version, and one clear line with exit code 2 for
// every mistake.
#include <catch2/catch.hpp>

#include "cli/process.h"

using mk::test::lines;
using mk::test::Outcome;
using mk::test::run_minikube;
using mk::test::TempDir;

namespace {

// A mistake is reported as exactly one line on stderr, nothing on stdout, and exit code 2.
void require_usage_error(const Outcome& r, const std::string& expected_part) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  auto err = lines(r.err);
  REQUIRE(err.size() == 1);
  CHECK(err[0].rfind("minikube: ", 0) == 0);
  CHECK(err[0].find(expected_part) != std::string::npos);
}

}  // namespace

TEST_CASE("server --help lists every flag with its default and environment variable") {
  auto r = run_minikube({"server", "--help"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  for (const char* flag :
       {"--data-dir", "-d,", "--node-name", "--token", "-t,", "--token-file", "--join", "--server", "-s,",
        "--datastore-endpoint", "--datastore-durability", "--https-listen-port", "--bind-address",
        "--cluster-cidr", "--service-cidr", "--cluster-dns", "--cluster-domain", "--tls-san",
        "--write-kubeconfig", "-o,", "--write-kubeconfig-mode", "--disable-agent", "--debug", "--config",
        "-c,", "--dry-run"}) {
    INFO(flag);
    CHECK(r.out.find(flag) != std::string::npos);
  }
  CHECK(r.out.find("[default: 10.42.0.0/16]") != std::string::npos);
  CHECK(r.out.find("[default: /var/lib/minikube]") != std::string::npos);
  CHECK(r.out.find("[env: MINIKUBE_DATA_DIR]") != std::string::npos);
  CHECK(r.out.find("[env: MINIKUBE_URL]") != std::string::npos);
  CHECK(r.out.find("[env: MINIKUBE_CONFIG_FILE]") != std::string::npos);
  CHECK(r.out.find("Networking:") != std::string::npos);
}

TEST_CASE("agent --help lists only the agent's flags") {
  auto r = run_minikube({"agent", "--help"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("--join") != std::string::npos);
  CHECK(r.out.find("--token-file") != std::string::npos);
  CHECK(r.out.find("--cluster-cidr") == std::string::npos);
}

TEST_CASE("minikube --help names the commands") {
  auto r = run_minikube({"--help"});
  REQUIRE(r.exit_code == 0);
  for (const char* command : {"server", "agent", "version"}) CHECK(r.out.find(command) != std::string::npos);
}

TEST_CASE("version prints the minikube and Kubernetes versions") {
  for (auto args : {std::vector<std::string>{"version"}, std::vector<std::string>{"--version"}}) {
    auto r = run_minikube(args);
    REQUIRE(r.exit_code == 0);
    auto out = lines(r.out);
    REQUIRE(out.size() == 2);
    CHECK(out[0] == "minikube version v0.1.0");
    CHECK(out[1].rfind("kubernetes version v1.", 0) == 0);
  }
}

TEST_CASE("mistakes on the command line give one line and exit code 2") {
  TempDir dir;
  const std::string config = "MINIKUBE_CONFIG_FILE=" + dir.write("config.yaml", "");

  SECTION("unknown flag") {
    require_usage_error(run_minikube({"server", "--no-such-flag"}, {config}), "unknown flag --no-such-flag");
  }
  SECTION("unknown command") { require_usage_error(run_minikube({"serve"}), "unknown command \"serve\""); }
  SECTION("no command") { require_usage_error(run_minikube({}), "a command is required"); }
  SECTION("flag without its value") {
    require_usage_error(run_minikube({"server", "--data-dir"}, {config}), "--data-dir: a value is required");
  }
  SECTION("invalid CIDR") {
    require_usage_error(run_minikube({"server", "--cluster-cidr", "10.42.0.0/33"}, {config}),
                        "--cluster-cidr: \"10.42.0.0/33\" is not a valid CIDR");
  }
  SECTION("CIDR with host bits") {
    require_usage_error(run_minikube({"server", "--service-cidr", "10.43.0.1/16"}, {config}),
                        "did you mean 10.43.0.0/16?");
  }
  SECTION("invalid IP") {
    require_usage_error(run_minikube({"server", "--bind-address", "300.1.1.1"}, {config}),
                        "--bind-address: \"300.1.1.1\" is not a valid IP address");
  }
  SECTION("port out of range") {
    require_usage_error(run_minikube({"server", "--https-listen-port", "65536"}, {config}),
                        "--https-listen-port: \"65536\" is not a valid port");
  }
  SECTION("mode that is not octal") {
    require_usage_error(run_minikube({"server", "--write-kubeconfig-mode", "0648"}, {config}),
                        "--write-kubeconfig-mode: \"0648\" is not an octal file mode");
  }
  SECTION("server URL that is not https") {
    require_usage_error(run_minikube({"agent", "--server", "http://192.0.2.1:6443", "-t", "x"}, {config}),
                        "--join: \"http://192.0.2.1:6443\" is not an https:// URL");
  }
  SECTION("cluster DNS outside the service range") {
    require_usage_error(run_minikube({"server", "--cluster-dns", "10.42.0.10"}, {config}),
                        "is not inside the service CIDR 10.43.0.0/16");
  }
  SECTION("durability level") {
    require_usage_error(run_minikube({"server", "--datastore-durability", "fast"}, {config}),
                        "--datastore-durability: \"fast\" is not a durability level");
  }
  SECTION("bad boolean in the environment names the variable") {
    require_usage_error(run_minikube({"server"}, {config, "MINIKUBE_DEBUG=maybe"}),
                        "MINIKUBE_DEBUG: \"maybe\" is not a boolean");
  }
  SECTION("bad value in the environment names the variable") {
    require_usage_error(run_minikube({"server"}, {config, "MINIKUBE_CLUSTER_CIDR=10.42.0.0"}),
                        "MINIKUBE_CLUSTER_CIDR: \"10.42.0.0\" is not a valid CIDR");
  }
}

TEST_CASE("config file problems give one line and exit code 2") {
  TempDir dir;
  SECTION("explicit file that does not exist") {
    require_usage_error(run_minikube({"server", "--config", dir.file("missing.yaml")}),
                        "--config: open " + dir.file("missing.yaml") + ": No such file or directory");
  }
  SECTION("file named by the environment that does not exist") {
    require_usage_error(run_minikube({"server"}, {"MINIKUBE_CONFIG_FILE=" + dir.file("missing.yaml")}),
                        "MINIKUBE_CONFIG_FILE: open");
  }
  SECTION("malformed YAML") {
    auto path = dir.write("bad.yaml", "data-dir: /x\ntls-san: [a, b\n");
    require_usage_error(run_minikube({"server", "-c", path}), path + ":3: not valid YAML");
  }
  SECTION("unknown key, with its line") {
    auto path = dir.write("unknown.yaml", "data-dir: /x\ncluster-cdir: 10.42.0.0/16\n");
    require_usage_error(run_minikube({"server", "-c", path}), path + ":2: unknown key \"cluster-cdir\"");
  }
  SECTION("bad value, with its line") {
    auto path = dir.write("value.yaml", "debug: true\n\ncluster-cidr: 10.42.0.0/99\n");
    require_usage_error(run_minikube({"server", "-c", path}),
                        path + ":3: cluster-cidr: \"10.42.0.0/99\" is not a valid CIDR");
  }
  SECTION("a list where one value belongs") {
    auto path = dir.write("list.yaml", "data-dir: [a, b]\n");
    require_usage_error(run_minikube({"server", "-c", path}), path + ":1: data-dir: expected a single value");
  }
}

TEST_CASE("agent needs a server URL and a token, and says its node components are missing") {
  TempDir dir;
  const std::string config = "MINIKUBE_CONFIG_FILE=" + dir.write("config.yaml", "");
  const std::string data = "MINIKUBE_DATA_DIR=" + dir.file("data");
  require_usage_error(run_minikube({"agent", "--token", "t"}, {config, data}), "--join");
  require_usage_error(run_minikube({"agent", "--join", "https://127.0.0.1:6443"}, {config, data}),
                      "a token is required");

  // Nothing listens on port 1: the agent cannot fetch the cluster CA and says so in one line.
  auto r = run_minikube({"agent"}, {config, data, "MINIKUBE_URL=https://127.0.0.1:1", "MINIKUBE_TOKEN=t"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("agent: join https://127.0.0.1:1: GET /cacerts") != std::string::npos);
}
