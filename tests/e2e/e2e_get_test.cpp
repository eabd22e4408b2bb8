// `kubectl create -f` of everyday manifests (with the default --validate=strict, which reads the
// server's OpenAPI), then what `kubectl get` (table, -o wide, -o json, -o yaml) and
// `kubectl describe` print for them.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "e2e/harness.h"

using mk::e2e::contains;
using mk::e2e::has_line_starting;
using mk::e2e::row_named;
using mk::e2e::RunResult;
using mk::e2e::Server;
using mk::e2e::split_lines;
using mk::e2e::table_cells;
using nlohmann::json;
using Cells = std::vector<std::string>;

namespace {

const char* kNamespace = R"(apiVersion: v1
kind: Namespace
metadata:
  name: shop
)";

const char* kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
)";

const char* kConfigMap = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: production
  retries: "3"
)";

const char* kService = R"(apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 80
)";

const char* kPod = R"(apiVersion: v1
kind: Pod
metadata:
  name: box
  namespace: shop
  labels:
    app: box
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "3600"]
)";

const std::regex kAge(R"(\d+[smhd].*)");
const std::regex kTimestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
const std::regex kUid(R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
const std::regex kServiceIp(R"(10\.43\.\d{1,3}\.\d{1,3})");

// Creates the namespace and the objects in it with `kubectl create -f`, one manifest each.
void create_shop(Server& server) {
  struct Step {
    const char* file;
    const char* manifest;
    const char* printed;
  };
  for (const Step& s : {Step{"ns.yaml", kNamespace, "namespace/shop created"},
                        Step{"deploy.yaml", kDeployment, "deployment.apps/web created"},
                        Step{"cm.yaml", kConfigMap, "configmap/settings created"},
                        Step{"svc.yaml", kService, "service/web created"},
                        Step{"pod.yaml", kPod, "pod/box created"}}) {
    RunResult r = server.kubectl({"create", "-f", server.write(s.file, s.manifest)});
    INFO(r);
    REQUIRE(r.ok());
    CHECK(r.out == std::string(s.printed) + "\n");
  }
}

}  // namespace

TEST_CASE("kubectl create -f creates a namespace, deployment, configmap, service and pod") {
  Server server;
  create_shop(server);

  auto names = server.kubectl({"get", "deployments,configmaps,services,pods", "-n", "shop", "-o", "name"});
  INFO(names);
  REQUIRE(names.ok());
  // The deployment's own pod may already be there too (its controllers run in the server), and
  // so may the namespace's kube-root-ca.crt.
  CHECK(std::regex_match(names.out, std::regex("deployment\\.apps/web\n(configmap/kube-root-ca\\.crt\n)?configmap/settings\n"
                                               "service/web\npod/box\n(pod/web-[a-z0-9]+-[a-z0-9]{5}\n)?")));

  auto ns = server.kubectl({"get", "namespace", "shop", "-o", "jsonpath={.status.phase}"});
  INFO(ns);
  CHECK(ns.out == "Active");

  // Creating the same manifest again is a conflict, and kubectl says so.
  auto again = server.kubectl({"create", "-f", server.write("cm-again.yaml", kConfigMap)});
  INFO(again);
  CHECK(again.exit_code == 1);
  CHECK(contains(again.err, "Error from server (AlreadyExists): error when creating"));
  CHECK(contains(again.err, "configmaps \"settings\" already exists"));
}

TEST_CASE("kubectl get prints the upstream columns for pods, deployments, services and nodes") {
  Server server;
  create_shop(server);

  SECTION("pods") {
    // Only the bare pod: the deployment's pods are checked elsewhere.
    auto r = server.kubectl({"get", "pods", "-n", "shop", "-l", "app=box"});
    INFO(r);
    REQUIRE(r.ok());
    auto lines = split_lines(r.out);
    REQUIRE(lines.size() == 2);
    CHECK(table_cells(lines[0]) == Cells{"NAME", "READY", "STATUS", "RESTARTS", "AGE"});
    auto row = table_cells(lines[1]);
    REQUIRE(row.size() == 5);
    CHECK(row[0] == "box");
    CHECK(row[1] == "0/1");
    CHECK(row[2] == "Pending");
    CHECK(row[3] == "0");
    CHECK(std::regex_match(row[4], kAge));

    auto wide = server.kubectl({"get", "pods", "-n", "shop", "-l", "app=box", "-o", "wide"});
    INFO(wide);
    REQUIRE(wide.ok());
    lines = split_lines(wide.out);
    REQUIRE(lines.size() == 2);
    CHECK(table_cells(lines[0]) == Cells{"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                                         "NOMINATED NODE", "READINESS GATES"});
    row = table_cells(lines[1]);
    REQUIRE(row.size() == 9);
    CHECK(row[0] == "box");
    // Not scheduled (no node agent runs): no IP, no node.
    CHECK(Cells(row.begin() + 5, row.end()) == Cells{"<none>", "<none>", "<none>", "<none>"});

    // -A adds the NAMESPACE column; --show-labels adds LABELS.
    auto all = server.kubectl({"get", "po", "-A", "-l", "app=box", "--show-labels"});
    INFO(all);
    REQUIRE(all.ok());
    lines = split_lines(all.out);
    REQUIRE(lines.size() == 2);
    CHECK(table_cells(lines[0]) == Cells{"NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS"});
    CHECK(table_cells(lines[1]).front() == "shop");
    CHECK(table_cells(lines[1]).back() == "app=box");
  }

  SECTION("deployments") {
    auto r = server.kubectl({"get", "deployments", "-n", "shop"});
    INFO(r);
    REQUIRE(r.ok());
    auto lines = split_lines(r.out);
    REQUIRE(lines.size() == 2);
    CHECK(table_cells(lines[0]) == Cells{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"});
    auto row = table_cells(lines[1]);
    REQUIRE(row.size() == 5);
    CHECK(row[0] == "web");
    CHECK(std::regex_match(row[1], std::regex(R"(\d+/1)")));  // ready/desired, one replica by default
    CHECK(std::regex_match(row[2], std::regex(R"(\d+)")));
    CHECK(std::regex_match(row[3], std::regex(R"(\d+)")));
    CHECK(std::regex_match(row[4], kAge));

    auto wide = server.kubectl({"get", "deploy", "web", "-n", "shop", "-o", "wide"});
    INFO(wide);
    REQUIRE(wide.ok());
    lines = split_lines(wide.out);
    REQUIRE(lines.size() == 2);
    CHECK(table_cells(lines[0]) ==
          Cells{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"});
    row = table_cells(lines[1]);
    REQUIRE(row.size() == 8);
    CHECK(Cells(row.begin() + 5, row.end()) == Cells{"nginx", "nginx:1.27", "app=web"});
  }

  SECTION("services") {
    auto r = server.kubectl({"get", "services", "-n", "shop"});
    INFO(r);
    REQUIRE(r.ok());
    auto lines = split_lines(r.out);
    REQUIRE(lines.size() == 2);
    CHECK(table_cells(lines[0]) == Cells{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"});
    auto row = table_cells(lines[1]);
    REQUIRE(row.size() == 6);
    CHECK(row[0] == "web");
    CHECK(row[1] == "ClusterIP");
    CHECK(std::regex_match(row[2], kServiceIp));
    CHECK(row[3] == "<none>");
    CHECK(row[4] == "80/TCP");
    CHECK(std::regex_match(row[5], kAge));

    // The API server's own service in default.
    auto kube = server.kubectl({"get", "svc", "kubernetes", "-n", "default"});
    INFO(kube);
    REQUIRE(kube.ok());
    auto krow = table_cells(row_named(kube.out, "kubernetes"));
    REQUIRE(krow.size() == 6);
    CHECK(krow[1] == "ClusterIP");
    CHECK(krow[2] == "10.43.0.1");
    CHECK(krow[4] == "443/TCP");
  }

  SECTION("nodes") {
    // No node agent runs, so there are no nodes yet.
    auto empty = server.kubectl({"get", "nodes"});
    INFO(empty);
    REQUIRE(empty.ok());
    CHECK(empty.out.empty());
    CHECK(empty.err == "No resources found\n");

    auto created = server.kubectl(
        {"create", "-f", server.write("node.yaml", "apiVersion: v1\nkind: Node\nmetadata:\n  name: worker-1\n")});
    INFO(created);
    REQUIRE(created.ok());
    auto r = server.kubectl({"get", "nodes"});
    INFO(r);
    REQUIRE(r.ok());
    auto lines = split_lines(r.out);
    REQUIRE(lines.size() == 2);
    CHECK(table_cells(lines[0]) == Cells{"NAME", "STATUS", "ROLES", "AGE", "VERSION"});
    auto row = table_cells(lines[1]);
    REQUIRE(row.size() >= 4);
    CHECK(row[0] == "worker-1");
    CHECK(row[1] == "Unknown");  // no Ready condition reported
    CHECK(row[2] == "<none>");
  }
}

TEST_CASE("kubectl get -o json and -o yaml show the server-set metadata and defaults") {
  Server server;
  create_shop(server);

  SECTION("deployment as JSON") {
    auto r = server.kubectl({"get", "deployment", "web", "-n", "shop", "-o", "json"});
    INFO(r);
    REQUIRE(r.ok());
    json d = json::parse(r.out);
    CHECK(d["kind"] == "Deployment");
    CHECK(d["apiVersion"] == "apps/v1");
    const json& m = d["metadata"];
    CHECK(m["name"] == "web");
    CHECK(m["namespace"] == "shop");
    CHECK(std::regex_match(m.value("uid", ""), kUid));
    CHECK(std::regex_match(m.value("resourceVersion", ""), std::regex(R"([1-9]\d*)")));
    CHECK(std::regex_match(m.value("creationTimestamp", ""), kTimestamp));
    CHECK(m["generation"] == 1);
    const json& spec = d["spec"];
    CHECK(spec["replicas"] == 1);
    CHECK(spec["revisionHistoryLimit"] == 10);
    CHECK(spec["progressDeadlineSeconds"] == 600);
    CHECK(spec["strategy"]["type"] == "RollingUpdate");
    CHECK(spec["strategy"]["rollingUpdate"]["maxSurge"] == "25%");
    CHECK(spec["strategy"]["rollingUpdate"]["maxUnavailable"] == "25%");
    const json& pod = spec["template"]["spec"];
    CHECK(pod["restartPolicy"] == "Always");
    CHECK(pod["dnsPolicy"] == "ClusterFirst");
    CHECK(pod["terminationGracePeriodSeconds"] == 30);
    CHECK(pod["schedulerName"] == "default-scheduler");
    const json& c = pod["containers"][0];
    CHECK(c["imagePullPolicy"] == "IfNotPresent");  // tagged image
    CHECK(c["ports"][0]["protocol"] == "TCP");
    CHECK(c["terminationMessagePath"] == "/dev/termination-log");
    CHECK(c["terminationMessagePolicy"] == "File");
  }

  SECTION("pod as YAML") {
    auto r = server.kubectl({"get", "pod", "box", "-n", "shop", "-o", "yaml"});
    INFO(r);
    REQUIRE(r.ok());
    YAML::Node p = YAML::Load(r.out);
    CHECK(p["kind"].as<std::string>() == "Pod");
    CHECK(p["apiVersion"].as<std::string>() == "v1");
    CHECK(std::regex_match(p["metadata"]["uid"].as<std::string>(""), kUid));
    CHECK(std::regex_match(p["metadata"]["resourceVersion"].as<std::string>(""), std::regex(R"([1-9]\d*)")));
    CHECK(std::regex_match(p["metadata"]["creationTimestamp"].as<std::string>(""), kTimestamp));
    CHECK(p["spec"]["restartPolicy"].as<std::string>("") == "Always");
    CHECK(p["spec"]["dnsPolicy"].as<std::string>("") == "ClusterFirst");
    CHECK(p["spec"]["containers"][0]["imagePullPolicy"].as<std::string>("") == "Always");  // untagged image
    CHECK(p["status"]["phase"].as<std::string>("") == "Pending");
    CHECK(p["status"]["qosClass"].as<std::string>("") == "BestEffort");
  }

  SECTION("service as JSON") {
    auto r = server.kubectl({"get", "service", "web", "-n", "shop", "-o", "json"});
    INFO(r);
    REQUIRE(r.ok());
    json s = json::parse(r.out);
    CHECK(s["kind"] == "Service");
    CHECK(s["apiVersion"] == "v1");
    CHECK(std::regex_match(s["metadata"].value("uid", ""), kUid));
    const json& spec = s["spec"];
    CHECK(spec["type"] == "ClusterIP");
    std::string ip = spec.value("clusterIP", "");
    CHECK(std::regex_match(ip, kServiceIp));
    CHECK(spec["clusterIPs"] == json::array({ip}));
    CHECK(spec["ports"][0]["protocol"] == "TCP");
    CHECK(spec["ports"][0]["targetPort"] == 80);
    CHECK(spec["sessionAffinity"] == "None");
    CHECK(spec["ipFamilies"] == json::array({"IPv4"}));
    CHECK(spec["ipFamilyPolicy"] == "SingleStack");
    CHECK(spec["internalTrafficPolicy"] == "Cluster");
  }

  SECTION("configmap as YAML and a list as JSON") {
    auto r = server.kubectl({"get", "configmap", "settings", "-n", "shop", "-o", "yaml"});
    INFO(r);
    REQUIRE(r.ok());
    YAML::Node cm = YAML::Load(r.out);
    CHECK(cm["kind"].as<std::string>() == "ConfigMap");
    CHECK(cm["data"]["mode"].as<std::string>() == "production");
    CHECK(cm["data"]["retries"].as<std::string>() == "3");

    auto list = server.kubectl({"get", "configmaps", "-n", "shop", "-o", "json", "--field-selector", "metadata.name=settings"});
    INFO(list);
    REQUIRE(list.ok());
    json l = json::parse(list.out);
    CHECK(l["kind"] == "List");
    REQUIRE(l["items"].size() == 1);
    CHECK(l["items"][0]["kind"] == "ConfigMap");
    CHECK(l["items"][0]["apiVersion"] == "v1");
  }
}

TEST_CASE("kubectl describe shows a deployment, a namespace and a service") {
  Server server;
  create_shop(server);

  SECTION("deployment") {
    auto r = server.kubectl({"describe", "deployment", "web", "-n", "shop"});
    INFO(r);
    REQUIRE(r.ok());
    CHECK(has_line_starting(r.out, "Name: web"));
    CHECK(has_line_starting(r.out, "Namespace: shop"));
    CHECK(has_line_starting(r.out, "Labels: app=web"));
    CHECK(has_line_starting(r.out, "Selector: app=web"));
    CHECK(has_line_starting(r.out, "Replicas: 1 desired |"));
    CHECK(has_line_starting(r.out, "StrategyType: RollingUpdate"));
    CHECK(has_line_starting(r.out, "RollingUpdateStrategy: 25% max unavailable, 25% max surge"));
    CHECK(has_line_starting(r.out, "Image: nginx:1.27"));
    CHECK(has_line_starting(r.out, "Port: 80/TCP"));
    CHECK(has_line_starting(r.out, "CreationTimestamp:"));
  }

  SECTION("namespace") {
    auto r = server.kubectl({"describe", "namespace", "shop"});
    INFO(r);
    REQUIRE(r.ok());
    CHECK(has_line_starting(r.out, "Name: shop"));
    CHECK(has_line_starting(r.out, "Labels: kubernetes.io/metadata.name=shop"));
    CHECK(has_line_starting(r.out, "Status: Active"));
    CHECK(has_line_starting(r.out, "No resource quota."));
    CHECK(has_line_starting(r.out, "No LimitRange resource."));
  }

  SECTION("service") {
    auto r = server.kubectl({"describe", "service", "web", "-n", "shop"});
    INFO(r);
    REQUIRE(r.ok());
    CHECK(has_line_starting(r.out, "Name: web"));
    CHECK(has_line_starting(r.out, "Namespace: shop"));
    CHECK(has_line_starting(r.out, "Selector: app=web"));
    CHECK(has_line_starting(r.out, "Type: ClusterIP"));
    CHECK(has_line_starting(r.out, "IP: 10.43."));
    CHECK(has_line_starting(r.out, "Port: http 80/TCP"));
    CHECK(has_line_starting(r.out, "TargetPort: 80/TCP"));
    CHECK(has_line_starting(r.out, "Session Affinity: None"));
  }
}
