// `kubectl create <kind> ...` generators. kubectl 1.32 sends these bodies as protobuf
// (application/vnd.kubernetes.protobuf); each test checks what kubectl printed and what was stored.
#include <catch2/catch.hpp>

#include "e2e/harness.h"

using mk::e2e::RunResult;
using mk::e2e::Server;

namespace {

void created(Server& server, const std::vector<std::string>& args, const std::string& printed) {
  RunResult r = server.kubectl(args);
  INFO(r);
  CHECK(r.ok());
  CHECK(r.out == printed + "\n");
}

std::string stored(Server& server, const std::vector<std::string>& what, const std::string& expr) {
  std::vector<std::string> args = {"get"};
  args.insert(args.end(), what.begin(), what.end());
  args.push_back("-o");
  args.push_back("jsonpath=" + expr);
  RunResult r = server.kubectl(args);
  INFO(r);
  CHECK(r.ok());
  return r.out;
}

}  // namespace

TEST_CASE("kubectl create configmap, secret, namespace and serviceaccount") {
  Server server;
  created(server, {"create", "namespace", "team"}, "namespace/team created");
  CHECK(stored(server, {"namespace", "team"}, "{.status.phase}") == "Active");

  created(server, {"create", "configmap", "cfg", "-n", "team", "--from-literal=a=1", "--from-literal=b=two"},
          "configmap/cfg created");
  CHECK(stored(server, {"configmap", "cfg", "-n", "team"}, "{.data.a},{.data.b}") == "1,two");

  created(server, {"create", "secret", "generic", "pw", "-n", "team", "--from-literal=password=s3cret"},
          "secret/pw created");
  CHECK(stored(server, {"secret", "pw", "-n", "team"}, "{.type} {.data.password}") == "Opaque czNjcmV0");

  created(server, {"create", "secret", "docker-registry", "pull", "-n", "team", "--docker-server=reg.example",
                   "--docker-username=u", "--docker-password=p"},
          "secret/pull created");
  CHECK(stored(server, {"secret", "pull", "-n", "team"}, "{.type}") == "kubernetes.io/dockerconfigjson");

  created(server, {"create", "serviceaccount", "robot", "-n", "team"}, "serviceaccount/robot created");
  CHECK(stored(server, {"serviceaccount", "robot", "-n", "team"}, "{.metadata.namespace}") == "team");
}

TEST_CASE("kubectl create deployment, service clusterip, job and cronjob") {
  Server server;
  created(server, {"create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80"},
          "deployment.apps/web created");
  CHECK(stored(server, {"deployment", "web"},
               "{.spec.replicas} {.spec.selector.matchLabels.app} {.spec.template.metadata.labels.app} "
               "{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort} "
               "{.spec.strategy.type}") == "2 web web nginx:1.27 80 RollingUpdate");

  created(server, {"create", "service", "clusterip", "web", "--tcp=80:8080"}, "service/web created");
  std::string svc = stored(server, {"service", "web"},
                           "{.spec.type} {.spec.ports[0].port} {.spec.ports[0].targetPort} {.spec.selector.app}");
  CHECK(svc == "ClusterIP 80 8080 web");
  CHECK(stored(server, {"service", "web"}, "{.spec.clusterIP}").rfind("10.43.", 0) == 0);

  created(server, {"create", "job", "once", "--image=busybox", "--", "echo", "hi"}, "job.batch/once created");
  CHECK(stored(server, {"job", "once"},
               "{.spec.template.spec.containers[0].command} {.spec.template.spec.restartPolicy} {.spec.backoffLimit}") ==
        R"(["echo","hi"] Never 6)");

  created(server, {"create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"},
          "cronjob.batch/tick created");
  CHECK(stored(server, {"cronjob", "tick"},
               "{.spec.schedule}|{.spec.jobTemplate.spec.template.spec.containers[0].command}|"
               "{.spec.concurrencyPolicy}|{.spec.suspend}") == R"(*/5 * * * *|["date"]|Allow|false)");
}

TEST_CASE("kubectl create role, rolebinding, clusterrole and clusterrolebinding") {
  Server server;
  created(server, {"create", "role", "reader", "--verb=get,list", "--resource=pods,configmaps"},
          "role.rbac.authorization.k8s.io/reader created");
  CHECK(stored(server, {"role", "reader"}, "{.rules[*].resources} {.rules[0].verbs}") ==
        R"(["pods","configmaps"] ["get","list"])");

  created(server, {"create", "rolebinding", "read-it", "--role=reader", "--user=alice", "--serviceaccount=default:robot"},
          "rolebinding.rbac.authorization.k8s.io/read-it created");
  CHECK(stored(server, {"rolebinding", "read-it"},
               "{.roleRef.kind}/{.roleRef.name} {.subjects[0].kind}:{.subjects[0].name} "
               "{.subjects[1].kind}:{.subjects[1].namespace}/{.subjects[1].name}") ==
        "Role/reader User:alice ServiceAccount:default/robot");

  created(server, {"create", "clusterrole", "node-reader", "--verb=get", "--resource=nodes"},
          "clusterrole.rbac.authorization.k8s.io/node-reader created");
  CHECK(stored(server, {"clusterrole", "node-reader"}, "{.rules[0].resources} {.rules[0].verbs}") ==
        R"(["nodes"] ["get"])");

  created(server, {"create", "clusterrolebinding", "read-nodes", "--clusterrole=node-reader", "--group=ops"},
          "clusterrolebinding.rbac.authorization.k8s.io/read-nodes created");
  CHECK(stored(server, {"clusterrolebinding", "read-nodes"},
               "{.roleRef.kind}/{.roleRef.name} {.subjects[0].kind}:{.subjects[0].name}") ==
        "ClusterRole/node-reader Group:ops");
}

TEST_CASE("kubectl create quota, ingress, pdb and priorityclass") {
  Server server;
  created(server, {"create", "quota", "limits", "--hard=pods=10,requests.cpu=2"}, "resourcequota/limits created");
  CHECK(stored(server, {"resourcequota", "limits"}, "{.spec.hard.pods} {.spec.hard.requests\\.cpu}") == "10 2");

  created(server, {"create", "ingress", "front", "--rule=shop.example/api*=api:8080"},
          "ingress.networking.k8s.io/front created");
  CHECK(stored(server, {"ingress", "front"},
               "{.spec.rules[0].host} {.spec.rules[0].http.paths[0].path} {.spec.rules[0].http.paths[0].pathType} "
               "{.spec.rules[0].http.paths[0].backend.service.name}:"
               "{.spec.rules[0].http.paths[0].backend.service.port.number}") == "shop.example /api Prefix api:8080");

  created(server, {"create", "pdb", "keep-one", "--selector=app=web", "--min-available=1"},
          "poddisruptionbudget.policy/keep-one created");
  CHECK(stored(server, {"pdb", "keep-one"}, "{.spec.minAvailable} {.spec.selector.matchLabels.app}") == "1 web");

  created(server, {"create", "pdb", "keep-half", "--selector=app=web", "--max-unavailable=50%"},
          "poddisruptionbudget.policy/keep-half created");
  CHECK(stored(server, {"pdb", "keep-half"}, "{.spec.maxUnavailable}") == "50%");

  created(server, {"create", "priorityclass", "high", "--value=1000", "--description=important"},
          "priorityclass.scheduling.k8s.io/high created");
  CHECK(stored(server, {"priorityclass", "high"}, "{.value} {.description} {.preemptionPolicy}") ==
        "1000 important PreemptLowerPriority");
}
