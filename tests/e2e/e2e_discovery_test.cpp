// Discovery and authentication as kubectl sees them: `kubectl version`, `kubectl api-resources`,
// and requests that carry no (or wrong) credentials.
#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "e2e/harness.h"

using mk::e2e::contains;
using mk::e2e::row_named;
using mk::e2e::Server;
using mk::e2e::split_lines;
using mk::e2e::table_cells;
using mk::e2e::words;
using nlohmann::json;

TEST_CASE("kubectl version reports a 1.32 server") {
  Server server;
  auto r = server.kubectl({"version", "-o", "json"});
  INFO(r);
  REQUIRE(r.ok());
  json v = json::parse(r.out);
  CHECK(v["serverVersion"]["major"] == "1");
  CHECK(v["serverVersion"]["minor"] == "32");
  CHECK(v["serverVersion"]["gitVersion"].get<std::string>().rfind("v1.32.", 0) == 0);
}

TEST_CASE("kubectl api-resources lists pods, deployments and nodes with short names and scope") {
  Server server;
  auto r = server.kubectl({"api-resources"});
  INFO(r);
  REQUIRE(r.ok());
  auto lines = split_lines(r.out);
  REQUIRE(lines.size() > 10);
  CHECK(table_cells(lines[0]) == std::vector<std::string>{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"});

  CHECK(words(row_named(r.out, "pods")) == std::vector<std::string>{"pods", "po", "v1", "true", "Pod"});
  CHECK(words(row_named(r.out, "deployments")) ==
        std::vector<std::string>{"deployments", "deploy", "apps/v1", "true", "Deployment"});
  CHECK(words(row_named(r.out, "services")) == std::vector<std::string>{"services", "svc", "v1", "true", "Service"});
  CHECK(words(row_named(r.out, "configmaps")) ==
        std::vector<std::string>{"configmaps", "cm", "v1", "true", "ConfigMap"});
  CHECK(words(row_named(r.out, "nodes")) == std::vector<std::string>{"nodes", "no", "v1", "false", "Node"});
  CHECK(words(row_named(r.out, "namespaces")) ==
        std::vector<std::string>{"namespaces", "ns", "v1", "false", "Namespace"});
  // Subresources are not listed.
  for (const auto& line : lines) CHECK_FALSE(contains(words(line).empty() ? "" : words(line)[0], "/"));

  // Short names resolve: `kubectl get po` and `get deploy` work.
  auto po = server.kubectl({"get", "po"});
  INFO(po);
  CHECK(po.ok());
  CHECK(contains(po.err, "No resources found in default namespace."));
  auto deploy = server.kubectl({"get", "deploy", "-A"});
  INFO(deploy);
  CHECK(deploy.ok());

  // --namespaced=false lists only cluster-scoped resources.
  auto cluster = server.kubectl({"api-resources", "--namespaced=false", "-o", "name"});
  INFO(cluster);
  REQUIRE(cluster.ok());
  auto names = split_lines(cluster.out);
  CHECK(std::find(names.begin(), names.end(), "nodes") != names.end());
  CHECK(std::find(names.begin(), names.end(), "namespaces") != names.end());
  CHECK(std::find(names.begin(), names.end(), "pods") == names.end());
}

TEST_CASE("a request without credentials is answered 401 Unauthorized") {
  Server server;
  auto anonymous = server.https_get("/api/v1/namespaces/default/pods");
  INFO("status " << anonymous.status << " body " << anonymous.body << " error " << anonymous.error);
  REQUIRE(anonymous.status == 401);
  CHECK(contains(anonymous.content_type, "application/json"));
  json status = json::parse(anonymous.body);
  CHECK(status["kind"] == "Status");
  CHECK(status["apiVersion"] == "v1");
  CHECK(status["status"] == "Failure");
  CHECK(status["reason"] == "Unauthorized");
  CHECK(status["code"] == 401);

  // Discovery needs credentials too.
  CHECK(server.https_get("/api").status == 401);
  CHECK(server.https_get("/apis/apps/v1").status == 401);

  // The same request with the admin client certificate from the kubeconfig succeeds.
  auto admin = server.https_get("/api/v1/namespaces/default/pods", true);
  INFO("admin status " << admin.status << " body " << admin.body << " error " << admin.error);
  CHECK(admin.status == 200);
  CHECK(json::parse(admin.body)["kind"] == "PodList");
}

TEST_CASE("kubectl with an unknown bearer token is told to log in") {
  Server server;
  auto r = server.kubectl_raw({"--server", server.url(), "--certificate-authority", server.ca_file(), "--token",
                               "not-a-valid-token", "--cache-dir", server.new_dir("kcache"), "get", "pods"});
  INFO(r);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "error: You must be logged in to the server"));
  CHECK(r.out.empty());
}
