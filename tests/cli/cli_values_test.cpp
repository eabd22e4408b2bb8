// The value checks and config resolution behind the command line, without a process.
#include <catch2/catch.hpp>

#include "agent/config.h"
#include "cli/config_file.h"
#include "cli/process.h"
#include "cli/settings.h"
#include "cli/validate.h"
#include "server/config.h"

using namespace mk::cli;

namespace {

std::string ok(const mk::Result<std::string>& r) {
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  return r.value();
}

std::string fails(const mk::Result<std::string>& r) {
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == mk::Errc::invalid_argument);
  return r.error().message;
}

}  // namespace

TEST_CASE("CIDRs") {
  CHECK(ok(check_cidr("10.42.0.0/16")) == "10.42.0.0/16");
  CHECK(ok(check_cidr("fd00:42::/56")) == "fd00:42::/56");
  CHECK(ok(check_cidr("0.0.0.0/0")) == "0.0.0.0/0");
  CHECK(fails(check_cidr("10.42.0.0/33")) == "\"10.42.0.0/33\" is not a valid CIDR");
  CHECK(fails(check_cidr("10.42.0.0")) == "\"10.42.0.0\" is not a valid CIDR");
  CHECK(fails(check_cidr("10.42.0.0/")) == "\"10.42.0.0/\" is not a valid CIDR");
  CHECK(fails(check_cidr("10.42.0.0/-1")) == "\"10.42.0.0/-1\" is not a valid CIDR");
  CHECK(fails(check_cidr("10.42.1.0/16")).find("did you mean 10.42.0.0/16?") != std::string::npos);
  CHECK(fails(check_cidr("fd00::/129")) == "\"fd00::/129\" is not a valid CIDR");

  auto services = parse_cidr("10.43.0.0/16");
  REQUIRE(services);
  CHECK(services->contains(*parse_ip("10.43.0.10")));
  CHECK_FALSE(services->contains(*parse_ip("10.44.0.10")));
  CHECK_FALSE(services->contains(*parse_ip("::1")));
  CHECK(services->overlaps(*parse_cidr("10.0.0.0/8")));
  CHECK_FALSE(services->overlaps(*parse_cidr("10.42.0.0/16")));
}

TEST_CASE("addresses, ports and modes") {
  CHECK(ok(check_ip("0.0.0.0")) == "0.0.0.0");
  CHECK(ok(check_ip("::")) == "::");
  CHECK(fails(check_ip("1.2.3")) == "\"1.2.3\" is not a valid IP address");
  CHECK(ok(check_port("1")) == "1");
  CHECK(ok(check_port("65535")) == "65535");
  for (const char* bad : {"0", "65536", "-1", "6443x", "", "99999999999"}) fails(check_port(bad));
  CHECK(ok(check_file_mode("600")) == "0600");
  CHECK(ok(check_file_mode("0644")) == "0644");
  CHECK(parse_file_mode("0644") == 0644);
  for (const char* bad : {"0800", "abc", "", "12345", "1644"}) fails(check_file_mode(bad));
}

TEST_CASE("URLs, names and endpoints") {
  CHECK(ok(check_https_url("https://192.0.2.1:6443")) == "https://192.0.2.1:6443");
  CHECK(ok(check_https_url("https://server.example")) == "https://server.example");
  CHECK(ok(check_https_url("https://[fd00::1]:6443/")) == "https://[fd00::1]:6443/");
  for (const char* bad : {"http://a:6443", "a:6443", "https://", "https://a:0", "https://a:", "https://[fd00::1",
                          "https://bad_host"}) {
    INFO(bad);
    fails(check_https_url(bad));
  }
  CHECK(ok(check_node_name("node-1.example")) == "node-1.example");
  for (const char* bad : {"Node1", "node_1", "-node", "", "a..b"}) fails(check_node_name(bad));
  CHECK(ok(check_san("*.Example.org")) == "*.example.org");
  CHECK(ok(check_san("192.0.2.1")) == "192.0.2.1");
  fails(check_san("has space"));
  CHECK(ok(check_endpoint("sqlite:///x/state.db")) == "sqlite:///x/state.db");
  for (const char* bad : {"state.db", "sqlite://", "://x"}) fails(check_endpoint(bad));
  CHECK(ok(check_durability("NORMAL")) == "normal");
  fails(check_durability("fast"));
  CHECK(ok(check_bool("Yes")) == "true");
  CHECK(ok(check_bool("0")) == "false");
  fails(check_bool("maybe"));
}

TEST_CASE("config text: keys are flag names") {
  auto file = parse_config_text("data-dir: /srv\ntls-san: [a, b]\ndebug: true\nnode-name: n1\n", "c.yaml");
  REQUIRE(file);
  CHECK(file->entries.at("data-dir").values == std::vector<std::string>{"/srv"});
  CHECK(file->entries.at("tls-san").values == std::vector<std::string>{"a", "b"});
  CHECK(file->entries.at("tls-san").line == 2);
  CHECK(file->entries.at("debug").values == std::vector<std::string>{"true"});

  CHECK(parse_config_text("", "c.yaml")->entries.empty());
  CHECK(parse_config_text("# only a comment\n", "c.yaml")->entries.empty());
  CHECK(parse_config_text("x: 1\n", "c.yaml").error().message == "c.yaml:1: unknown key \"x\"");
  CHECK(parse_config_text("config: /other.yaml\n", "c.yaml").error().message ==
        "c.yaml:1: config: cannot be set inside a config file");
  CHECK(parse_config_text("- a\n", "c.yaml").error().message == "c.yaml:1: expected a map of flag names to values");
  CHECK(parse_config_text("debug: [true]\n", "c.yaml").error().message == "c.yaml:1: debug: expected a single value");
  CHECK(parse_config_text("data-dir: /a\ndata-dir: /b\n", "c.yaml").error().message == "c.yaml:2: data-dir: set twice");
}

TEST_CASE("resolve: precedence and origins") {
  mk::test::TempDir dir;
  auto config = dir.write("c.yaml", "cluster-domain: file.local\nbind-address: 127.0.0.2\ntls-san: [f]\n");
  std::map<std::string, std::string> vars{{"MINIKUBE_CONFIG_FILE", config},
                                         {"MINIKUBE_CLUSTER_DOMAIN", "env.local"},
                                         {"MINIKUBE_BIND_ADDRESS", "127.0.0.4"}};
  EnvLookup env = [&](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  FlagValues flags{{"cluster-domain", {"flag.local"}}, {"node-name", {"n1"}}};
  auto s = resolve(kServer, flags, env);
  INFO((s ? "" : s.error().message));
  REQUIRE(s);
  CHECK(s->text("cluster-domain") == "flag.local");
  CHECK(s->at("cluster-domain").source == Source::flag);
  CHECK(s->text("bind-address") == "127.0.0.4");
  CHECK(s->at("bind-address").origin == "MINIKUBE_BIND_ADDRESS");
  CHECK(s->list("tls-san") == std::vector<std::string>{"f"});
  CHECK(s->at("tls-san").origin == config + ":3: tls-san");
  CHECK(s->text("service-cidr") == "10.43.0.0/16");
  CHECK(s->at("service-cidr").source == Source::preset);
  CHECK(s->config_file() == config);
  // Agent settings leave out the server's.
  auto a = resolve(kAgent, {{"node-name", {"n1"}}}, env);
  REQUIRE(a);
  CHECK_FALSE(a->has("cluster-domain"));
  CHECK(a->has("data-dir"));

  vars["MINIKUBE_BIND_ADDRESS"] = "nope";
  CHECK(resolve(kServer, flags, env).error().message == "MINIKUBE_BIND_ADDRESS: \"nope\" is not a valid IP address");
}

TEST_CASE("the agent's defaults match the server's shared ones") {
  mk::server::ServerConfig s;
  mk::agent::AgentConfig a;
  CHECK(s.data_dir == a.data_dir);
  CHECK(s.debug == a.debug);
  CHECK(s.flannel_backend == a.flannel_backend);
  CHECK(s.cgroup_root == a.cgroup_root);
}
