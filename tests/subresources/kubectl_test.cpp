// The built server driven by the real kubectl 1.32: scale, create token, auth whoami and
// auth can-i (protobuf bodies), a service-account token as a bearer token, and the pod
// subresources through raw requests.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "cli/process.h"
#include "command.h"

using namespace std::chrono_literals;
using mk::test::Child;
using mk::test::read_file;
using mk::test::TempDir;
using nlohmann::json;

namespace {

const char* kKubectl = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";

class Server {
 public:
  Server() : port_(mk::test::free_port()) {
    std::vector<std::string> args = {"server",
                                     "--data-dir", dir_.file("data"),
                                     "--datastore-endpoint", "sqlite://" + dir_.file("state.db"),
                                     "--config", dir_.write("config.yaml", ""),
                                     "--node-name", "test-node",
                                     "--bind-address", "127.0.0.1",
                                     "--https-listen-port", std::to_string(port_),
                                     "--write-kubeconfig", dir_.file("kubeconfig.yaml")};
    child_ = std::make_unique<Child>(args, std::vector<std::string>{}, dir_.file("server.out"), dir_.file("server.log"));
    bool ready = mk::test::eventually(
        [&] { return log().find("server: ready") != std::string::npos || !child_->running(); }, 60s);
    INFO("server log:\n" << log());
    REQUIRE(ready);
    REQUIRE(child_->running());
    std::filesystem::create_directories(dir_.file("io"));
    std::filesystem::create_directories(dir_.file("home"));
    // A kubeconfig without the admin's client certificate, for bearer tokens alone.
    dir_.write("token-kubeconfig.yaml", "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:" +
                                            std::to_string(port_) + "\n    certificate-authority: " +
                                            dir_.file("data/server/tls/server-ca.crt") +
                                            "\ncontexts:\n- name: c\n  context: {cluster: c, user: u, namespace: default}\n"
                                            "current-context: c\nusers:\n- name: u\n  user: {}\n");
  }
  ~Server() {
    child_->send(SIGTERM);
    if (!child_->wait_for_exit(30s)) child_->send(SIGKILL);
  }

  std::string log() const { return read_file(dir_.file("server.log")); }

  // kubectl as the admin, or with only `token` when one is given.
  mk::test::CommandResult kubectl(std::vector<std::string> args, const std::string& token = "") {
    std::vector<std::string> full = {"--kubeconfig", dir_.file(token.empty() ? "kubeconfig.yaml" : "token-kubeconfig.yaml"),
                                     "--cache-dir", dir_.file("cache"), "--request-timeout", "20s"};
    if (!token.empty()) full.push_back("--token=" + token);
    full.insert(full.end(), args.begin(), args.end());
    return mk::test::run_command(kKubectl, full, {"HOME=" + dir_.file("home"), "PATH=/usr/bin:/bin"}, dir_.file("io"), 60s);
  }

  std::string write(const std::string& name, const std::string& content) { return dir_.write(name, content); }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Child> child_;
};

// Requires a kubectl run to have succeeded, showing its output otherwise. Evaluates its
// argument once.
#define KUBECTL_OK(run)                                                     \
  do {                                                                      \
    const mk::test::CommandResult& kubectl_result = (run);                  \
    INFO("stdout: " << kubectl_result.out << "\nstderr: " << kubectl_result.err); \
    REQUIRE(kubectl_result.exit_code == 0);                                 \
  } while (0)

}  // namespace

TEST_CASE("kubectl scale, auth and tokens against the built server") {
  if (access(kKubectl, X_OK) != 0) {
    WARN("skipped: " << kKubectl << " is not installed");
    return;
  }
  Server server;

  SECTION("kubectl scale PATCHes deployments/scale and the parent follows") {
    KUBECTL_OK(server.kubectl({"create", "deployment", "web", "--image=nginx", "--replicas=1"}));
    auto scaled = server.kubectl({"scale", "deploy/web", "--replicas=3"});
    KUBECTL_OK(scaled);
    CHECK(scaled.out == "deployment.apps/web scaled\n");
    auto replicas = server.kubectl({"get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.metadata.generation}"});
    KUBECTL_OK(replicas);
    CHECK(replicas.out == "3 2");
    auto scale = server.kubectl({"get", "--raw", "/apis/apps/v1/namespaces/default/deployments/web/scale"});
    KUBECTL_OK(scale);
    json s = json::parse(scale.out);
    CHECK(s["kind"] == "Scale");
    CHECK(s["spec"]["replicas"] == 3);
    CHECK(s["status"]["selector"] == "app=web");
  }

  SECTION("auth whoami and can-i for the admin") {
    auto who = server.kubectl({"auth", "whoami"});
    KUBECTL_OK(who);
    CHECK(who.out.find("system:admin") != std::string::npos);
    CHECK(who.out.find("system:masters") != std::string::npos);
    auto can = server.kubectl({"auth", "can-i", "create", "deployments"});
    KUBECTL_OK(can);
    CHECK(can.out == "yes\n");
    auto list = server.kubectl({"auth", "can-i", "--list"});
    KUBECTL_OK(list);
    CHECK(list.out.find("*.*") != std::string::npos);
  }

  SECTION("a service-account token authenticates, and is then authorized like the account") {
    KUBECTL_OK(server.kubectl({"create", "serviceaccount", "robot"}));
    auto created = server.kubectl({"create", "token", "robot"});
    KUBECTL_OK(created);
    std::string token = created.out.substr(0, created.out.find('\n'));
    REQUIRE(std::count(token.begin(), token.end(), '.') == 2);

    auto pods = server.kubectl({"get", "pods"}, token);
    INFO("stdout: " << pods.out << "\nstderr: " << pods.err);
    CHECK(pods.exit_code == 1);
    CHECK(pods.err.find("Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:default:robot\" "
                        "cannot list resource \"pods\" in API group \"\" in the namespace \"default\"") != std::string::npos);

    auto who = server.kubectl({"auth", "whoami", "-o", "json"}, token);
    KUBECTL_OK(who);
    json review = json::parse(who.out);
    CHECK(review["status"]["userInfo"]["username"] == "system:serviceaccount:default:robot");
    CHECK(review["status"]["userInfo"]["groups"] ==
          json{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"});

    auto can = server.kubectl({"auth", "can-i", "create", "deployments"}, token);
    CHECK(can.out == "no\n");
    CHECK(can.exit_code == 1);

    // A token that is not this server's: 401, not 403.
    std::string forged = token.substr(0, token.rfind('.') + 1) + "AAAA";
    auto rejected = server.kubectl({"get", "pods"}, forged);
    CHECK(rejected.exit_code == 1);
    CHECK(rejected.err.find("Unauthorized") != std::string::npos);

    // Deleting the account revokes its tokens.
    KUBECTL_OK(server.kubectl({"delete", "serviceaccount", "robot"}));
    auto revoked = server.kubectl({"get", "pods"}, token);
    CHECK(revoked.exit_code == 1);
    CHECK(revoked.err.find("Unauthorized") != std::string::npos);
  }

  SECTION("binding, eviction and the pod streams through raw requests") {
    // A scheduler name nobody serves, so the binding below is the only one.
    KUBECTL_OK(server.kubectl({"run", "p", "--image=nginx", "--overrides={\"spec\":{\"schedulerName\":\"manual\"}}"}));
    std::string binding = server.write("binding.json",
                                       R"({"apiVersion":"v1","kind":"Binding","metadata":{"name":"p"},"target":{"kind":"Node","name":"n1"}})");
    KUBECTL_OK(server.kubectl({"create", "--raw", "/api/v1/namespaces/default/pods/p/binding", "-f", binding}));
    auto node = server.kubectl({"get", "pod", "p", "-o", "jsonpath={.spec.nodeName}"});
    KUBECTL_OK(node);
    CHECK(node.out == "n1");
    auto again = server.kubectl({"create", "--raw", "/api/v1/namespaces/default/pods/p/binding", "-f", binding});
    CHECK(again.exit_code == 1);
    CHECK(again.err.find("is already assigned to node \"n1\"") != std::string::npos);

    auto logs = server.kubectl({"logs", "p"});
    CHECK(logs.exit_code == 1);
    // Bound, but no kubelet has started it: upstream's message.
    CHECK(logs.err.find("container \"p\" in pod \"p\" is waiting to start: ContainerCreating") != std::string::npos);

    KUBECTL_OK(server.kubectl({"create", "pdb", "p", "--selector=run=p", "--min-available=1"}));
    std::string eviction = server.write(
        "eviction.json", R"({"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p"},"deleteOptions":{"gracePeriodSeconds":0}})");
    // A pod that has not started is not a disruption: the budget does not hold it.
    KUBECTL_OK(server.kubectl({"create", "--raw", "/api/v1/namespaces/default/pods/p/eviction", "-f", eviction}));
    auto gone = server.kubectl({"get", "pod", "p"});
    CHECK(gone.exit_code == 1);
    CHECK(gone.err.find("NotFound") != std::string::npos);
  }
}
