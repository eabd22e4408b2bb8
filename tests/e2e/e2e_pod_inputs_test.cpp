// What a pod's containers see, end to end: a server, an agent running as root with its own
// data dir and a busybox image imported at start, and kubectl. Env from a ConfigMap, a Secret,
// the downward API and envFrom; configMap, secret, downwardAPI, projected and Memory emptyDir
// volumes; the default service-account token, accepted by the API server; a ConfigMap update
// reaching a running pod's file; a missing ConfigMap holding a container in
// CreateContainerConfigError; a PersistentVolumeClaim provisioned by local-path, written by one
// pod and read by another, and removed with its directory; a static pod and its mirror pod; an
// image pulled from a registry that asks for credentials, with the pod's imagePullSecrets.
// Container output is read from the CRI log files the runtime writes.

#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "e2e/harness.h"
#include "runtime/pod/runtime.h"
#include "runtime_image/test_support.h"

using namespace mk::e2e;

namespace {

const char kImage[] = "busybox.local/test:1";
const char kNode[] = "e2e-cfg";

std::string server_dir(const Server& server) { return std::filesystem::path(server.kubeconfig()).parent_path().string(); }

std::string join_token(const Server& server) {
  std::string t = read_file(server_dir(server) + "/data/server/token");
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

// An agent with its own data dir. Destroyed, it stops the agent, removes whatever pod is still
// there through the runtime, and unmounts what the kubelet mounted under the data dir.
struct Node {
  std::string data_dir;
  std::unique_ptr<Process> agent;
  ~Node() {
    agent.reset();
    mk::runtime::pod::RuntimeConfig config;
    config.data_dir = data_dir;
    mk::runtime::pod::Runtime runtime(config);
    if (auto pods = runtime.list()) {
      for (const auto& p : *pods) (void)runtime.remove_pod(p.uid);
    }
    std::vector<std::string> mounts;
    for (const auto& line : split_lines(read_file("/proc/self/mounts"))) {
      auto w = words(line);
      if (w.size() > 1 && w[1].rfind(data_dir + "/", 0) == 0) mounts.push_back(w[1]);
    }
    for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
    std::error_code ec;
    for (const auto& h : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
      std::string root = h.path().string() + "/minikube";
      for (const char* sub : {"/kubepods/besteffort", "/kubepods/burstable", "/kubepods", ""}) {
        ::rmdir((root + sub).c_str());
      }
    }
  }
};

std::string field(Server& server, const std::string& kind_name, const std::string& jsonpath) {
  RunResult r = server.kubectl({"get", kind_name, "-o", "jsonpath=" + jsonpath});
  return r.ok() ? r.out : "";
}

std::string logs(const Node& node, Server& server, const std::string& pod, const std::string& container) {
  std::string uid = field(server, "pod/" + pod, "{.metadata.uid}");
  if (uid.empty()) return "";
  auto text = mk::runtime::pod::read_cri_log(node.data_dir + "/agent/pods/" + uid + "/logs/" + container + ".log", false);
  return text ? *text : "";
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : split_lines(text))
    if (l == line) return true;
  return false;
}

const char kInputsPod[] = R"Y(apiVersion: v1
kind: Pod
metadata:
  name: inputs
  labels: {app: inputs}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox.local/test:1
    imagePullPolicy: Never
    resources:
      limits: {memory: 64Mi}
    command: ["sh", "-c"]
    args:
    - |
      echo "COLOR=$COLOR"; echo "PASS=$PASS"; echo "POD=$POD_NAME"; echo "NODE=$NODE"
      echo "MEM=$MEM"; echo "MSG=$MSG"; echo "CFG_size=$CFG_size"; echo "ARG=$(COLOR)"
      echo "file=$(cat /cfg/conf/file.txt)"
      echo "secret=$(cat /sec/password) mode=$(busybox stat -L -c %a /sec/password)"
      echo "labels=$(cat /info/labels)"; echo "name=$(cat /info/name)"
      echo "proj-color=$(cat /all/color) proj-pass=$(cat /all/password) proj-ns=$(cat /all/ns)"
      echo "sa-ns=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)"
      echo "ca=$(busybox head -1 /var/run/secrets/kubernetes.io/serviceaccount/ca.crt)"
      echo "token=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)"
      echo "mem-mount=$(busybox grep ' /scratch ' /proc/mounts | busybox cut -d' ' -f3)"
      echo written > /scratch/x && echo "scratch=$(cat /scratch/x)"
      echo ro=$(echo x 2>/dev/null > /cfg/new && echo no || echo yes)
    env:
    - name: COLOR
      valueFrom: {configMapKeyRef: {name: app-config, key: color}}
    - name: PASS
      valueFrom: {secretKeyRef: {name: app-secret, key: password}}
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: NODE
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
    - name: MEM
      valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}
    - name: MSG
      value: "$(COLOR)-$(POD_NAME)"
    envFrom:
    - prefix: CFG_
      configMapRef: {name: app-config}
    volumeMounts:
    - {name: cfg, mountPath: /cfg}
    - {name: sec, mountPath: /sec}
    - {name: info, mountPath: /info}
    - {name: all, mountPath: /all}
    - {name: scratch, mountPath: /scratch}
  volumes:
  - name: cfg
    configMap:
      name: app-config
      items: [{key: file.txt, path: conf/file.txt}]
  - name: sec
    secret: {secretName: app-secret, defaultMode: 0400}
  - name: info
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: name, fieldRef: {fieldPath: metadata.name}}
  - name: all
    projected:
      sources:
      - configMap: {name: app-config, items: [{key: color, path: color}]}
      - secret: {name: app-secret}
      - downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: metadata.namespace}}]}
  - name: scratch
    emptyDir: {medium: Memory, sizeLimit: 1Mi}
)Y";

const char kWatcherPod[] = R"Y(apiVersion: v1
kind: Pod
metadata: {name: watcher}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox.local/test:1
    imagePullPolicy: Never
    command: ["sh", "-c", "while true; do echo \"color=$(cat /cfg/color)\"; sleep 0.2; done"]
    volumeMounts: [{name: cfg, mountPath: /cfg}]
  volumes:
  - name: cfg
    configMap: {name: app-config}
)Y";

const char kBrokenPod[] = R"Y(apiVersion: v1
kind: Pod
metadata: {name: broken}
spec:
  containers:
  - name: main
    image: busybox.local/test:1
    imagePullPolicy: Never
    command: ["sh", "-c", "echo never"]
    env:
    - name: X
      valueFrom: {configMapKeyRef: {name: absent, key: k}}
)Y";

const char kClaim[] = R"Y(apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 10Mi}}
)Y";

std::string claim_pod(const std::string& name, const std::string& script) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
         "}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: main\n    image: busybox.local/test:1\n"
         "    imagePullPolicy: Never\n    command: [\"sh\", \"-c\", \"" + script +
         "\"]\n    volumeMounts: [{name: data, mountPath: /data}]\n  volumes:\n  - name: data\n"
         "    persistentVolumeClaim: {claimName: data}\n";
}

const char kStaticPod[] = R"Y(apiVersion: v1
kind: Pod
metadata:
  name: static-web
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox.local/test:1
    imagePullPolicy: Never
    command: ["sh", "-c", "echo static; sleep 3600"]
)Y";

}  // namespace

TEST_CASE("pods see env, volumes, tokens, claims and static pods as the kubelet gives them", "[root]") {
  if (::geteuid() != 0) {
    WARN("skipped: the pod inputs test runs pods and needs root (namespaces, mounts, cgroups)");
    return;
  }
  Server server;
  Node node;
  node.data_dir = server.new_dir("agent-data");
  std::string images = node.data_dir + "/agent/images";
  std::filesystem::create_directories(images);
  {
    std::string layout = server.new_dir("layout");
    mk::runtime::image::testing::build_busybox_layout(layout, kImage, false);
    std::string out;
    REQUIRE(mk::runtime::image::testing::run({"tar", "-C", layout, "-cf", images + "/busybox.tar", "."}, &out) == 0);
  }
  std::string manifests = node.data_dir + "/agent/pod-manifests";
  std::filesystem::create_directories(manifests);
  std::string agent_log = node.data_dir + "/../agent.log";
  node.agent = std::make_unique<Process>(
      std::vector<std::string>{std::getenv("MINIKUBE_BIN"), "agent", "--join", server.url(), "--token", join_token(server),
                               "--node-name", kNode, "--data-dir", node.data_dir, "--kubelet-port",
                               std::to_string(free_port()), "--disable-kube-proxy",
                               "--disable-network-policy", "--disable-cluster-dns", "--flannel-backend", "none"},
      std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, "/dev/null", node.data_dir + "/../agent.out",
      agent_log);
  REQUIRE(poll_until([&] { return contains(read_file(agent_log), "joined"); }, 30s));
  INFO(read_file(agent_log));
  REQUIRE(poll_until(
      [&] {
        return field(server, std::string("node/") + kNode, R"({.status.conditions[?(@.type=="Ready")].status})") == "True";
      },
      30s));

  RunResult cm = server.kubectl({"create", "configmap", "app-config", "--from-literal=color=blue",
                                 "--from-literal=size=L", "--from-literal=file.txt=hello from a file"});
  REQUIRE(cm.ok());
  RunResult secret = server.kubectl({"create", "secret", "generic", "app-secret", "--from-literal=password=s3cr3t"});
  REQUIRE(secret.ok());

  {  // env and volumes
    RunResult created = server.kubectl({"apply", "-f", server.write("inputs.yaml", kInputsPod)});
    INFO(created);
    REQUIRE(created.ok());
    // The admission's default service-account volume.
    CHECK(contains(field(server, "pod/inputs", "{.spec.volumes[*].name}"), "kube-api-access-"));
    REQUIRE(poll_until([&] { return field(server, "pod/inputs", "{.status.phase}") == "Succeeded"; }, 60s));
    std::string out = logs(node, server, "inputs", "main");
    INFO(out);
    CHECK(has_line(out, "COLOR=blue"));
    CHECK(has_line(out, "PASS=s3cr3t"));
    CHECK(has_line(out, "POD=inputs"));
    CHECK(has_line(out, std::string("NODE=") + kNode));
    CHECK(has_line(out, "MEM=64"));
    CHECK(has_line(out, "MSG=blue-inputs"));
    CHECK(has_line(out, "CFG_size=L"));
    CHECK(has_line(out, "ARG=blue"));  // $(COLOR) in args, expanded by the kubelet
    CHECK(has_line(out, "file=hello from a file"));
    CHECK(has_line(out, "secret=s3cr3t mode=400"));
    CHECK(has_line(out, "labels=app=\"inputs\""));
    CHECK(has_line(out, "name=inputs"));
    CHECK(has_line(out, "proj-color=blue proj-pass=s3cr3t proj-ns=default"));
    CHECK(has_line(out, "sa-ns=default"));
    CHECK(has_line(out, "ca=-----BEGIN CERTIFICATE-----"));
    CHECK(has_line(out, "mem-mount=tmpfs"));
    CHECK(has_line(out, "scratch=written"));
    CHECK(has_line(out, "ro=yes"));

    // The token is the pod's service account's, and the API server accepts it.
    std::string token;
    for (const auto& l : split_lines(out))
      if (l.rfind("token=", 0) == 0) token = l.substr(6);
    REQUIRE(token.size() > 20);
    std::string cache = server.new_dir("kubectl-cache");
    RunResult whoami = server.kubectl_raw({"--server", server.url(), "--certificate-authority", server.ca_file(), "--token",
                                           token, "--cache-dir", cache, "auth", "whoami", "-o",
                                           "jsonpath={.status.userInfo.username}"});
    INFO(whoami);
    CHECK(whoami.out == "system:serviceaccount:default:default");
  }

  {  // a pod in a namespace made a moment before it gets its token volume without a back-off
    REQUIRE(server.kubectl({"create", "namespace", "fresh"}).ok());
    RunResult run = server.kubectl({"run", "quick", "-n", "fresh", "--image", kImage, "--image-pull-policy", "Never",
                                    "--restart", "Never", "--command", "--", "sh", "-c",
                                    "cat /var/run/secrets/kubernetes.io/serviceaccount/namespace"});
    INFO(run);
    REQUIRE(run.ok());
    CHECK(poll_until(
        [&] { return server.kubectl({"get", "pod", "quick", "-n", "fresh", "-o", "jsonpath={.status.phase}"}).out == "Succeeded"; },
        8s));
  }

  {  // a ConfigMap update reaches a running pod's file
    RunResult created = server.kubectl({"apply", "-f", server.write("watcher.yaml", kWatcherPod)});
    REQUIRE(created.ok());
    REQUIRE(poll_until([&] { return has_line(logs(node, server, "watcher", "main"), "color=blue"); }, 60s));
    RunResult patched = server.kubectl({"patch", "configmap", "app-config", "--type=merge", "-p", R"({"data":{"color":"green"}})"});
    REQUIRE(patched.ok());
    auto start = std::chrono::steady_clock::now();
    CHECK(poll_until([&] { return has_line(logs(node, server, "watcher", "main"), "color=green"); }, 30s));
    WARN("ConfigMap update seen by the container after "
         << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()
         << " ms");
  }

  {  // a missing ConfigMap is a CreateContainerConfigError
    RunResult created = server.kubectl({"apply", "-f", server.write("broken.yaml", kBrokenPod)});
    REQUIRE(created.ok());
    CHECK(poll_until(
        [&] {
          return field(server, "pod/broken", "{.status.containerStatuses[0].state.waiting.reason}") ==
                 "CreateContainerConfigError";
        },
        30s));
    CHECK(field(server, "pod/broken", "{.status.containerStatuses[0].state.waiting.message}") ==
          "configmap \"absent\" not found");
    CHECK(field(server, "pod/broken", "{.status.phase}") == "Pending");
  }

  {  // a claim provisioned by local-path keeps data from one pod to the next
    CHECK(field(server, "storageclass/local-path", "{.provisioner}") == "rancher.io/local-path");
    CHECK(field(server, "storageclass/local-path", "{.volumeBindingMode}") == "WaitForFirstConsumer");
    REQUIRE(server.kubectl({"apply", "-f", server.write("claim.yaml", kClaim)}).ok());
    // Waits for its first consumer.
    CHECK(poll_until([&] { return field(server, "pvc/data", "{.spec.storageClassName}") == "local-path"; }, 10s));
    CHECK(field(server, "pvc/data", "{.status.phase}") == "Pending");
    REQUIRE(server.kubectl({"apply", "-f", server.write("writer.yaml", claim_pod("writer", "echo persisted > /data/f"))}).ok());
    CHECK(poll_until([&] { return field(server, "pvc/data", "{.status.phase}") == "Bound"; }, 30s));
    CHECK(field(server, "pvc/data", "{.metadata.annotations.volume\\.kubernetes\\.io/selected-node}") == kNode);
    std::string pv = field(server, "pvc/data", "{.spec.volumeName}");
    REQUIRE_FALSE(pv.empty());
    CHECK(field(server, "pv/" + pv, "{.status.phase}") == "Bound");
    CHECK(field(server, "pv/" + pv, "{.spec.persistentVolumeReclaimPolicy}") == "Delete");
    std::string path = field(server, "pv/" + pv, "{.spec.hostPath.path}");
    CHECK(path.rfind(node.data_dir + "/storage/" + pv + "_default_data", 0) == 0);
    REQUIRE(poll_until([&] { return field(server, "pod/writer", "{.status.phase}") == "Succeeded"; }, 60s));
    CHECK(read_file(path + "/f") == "persisted\n");

    REQUIRE(server.kubectl({"apply", "-f", server.write("reader.yaml", claim_pod("reader", "cat /data/f"))}).ok());
    REQUIRE(poll_until([&] { return field(server, "pod/reader", "{.status.phase}") == "Succeeded"; }, 60s));
    CHECK(has_line(logs(node, server, "reader", "main"), "persisted"));

    // Deleting the claim deletes the volume, and the node removes its directory.
    REQUIRE(server.kubectl({"delete", "pod", "writer", "reader", "--wait=true"}, 60s).ok());
    REQUIRE(server.kubectl({"delete", "pvc", "data", "--wait=true"}, 60s).ok());
    CHECK(poll_until([&] { return server.kubectl({"get", "pv", pv}).exit_code == 1; }, 30s));
    CHECK(poll_until([&] { return !std::filesystem::exists(path); }, 30s));
  }

  {  // a static pod runs with a mirror pod, and goes with its file
    std::ofstream(manifests + "/static-web.yaml") << kStaticPod;
    std::string mirror = std::string("pod/static-web-") + kNode;
    REQUIRE(poll_until([&] { return field(server, mirror, "{.status.phase}") == "Running"; }, 60s));
    std::string mirror_uid = field(server, mirror, "{.metadata.uid}");
    CHECK_FALSE(field(server, mirror, "{.metadata.annotations.kubernetes\\.io/config\\.mirror}").empty());
    CHECK(field(server, mirror, "{.metadata.annotations.kubernetes\\.io/config\\.source}") == "file");
    CHECK(field(server, mirror, "{.metadata.ownerReferences[0].kind}") == "Node");
    CHECK(field(server, mirror, "{.metadata.ownerReferences[0].name}") == kNode);
    CHECK(field(server, mirror, "{.spec.nodeName}") == kNode);
    CHECK(poll_until([&] { return has_line(logs(node, server, "static-web-" + std::string(kNode), "main"), "static"); }, 10s));
    CHECK(field(server, mirror, "{.metadata.uid}") == mirror_uid);  // made once, not again and again
    std::filesystem::remove(manifests + "/static-web.yaml");
    bool gone = poll_until([&] { return server.kubectl({"get", mirror}).exit_code == 1; }, 60s);
    if (!gone) FAIL_CHECK("the mirror pod stayed; agent log:\n" << read_file(agent_log));
  }

  {  // imagePullSecrets: a registry that asks for credentials
    std::string out;
    bool tools = mk::runtime::image::testing::run({"which", "docker-registry", "skopeo", "python3"}, &out) == 0;
    std::string hash;
    if (tools) {
      // bcrypt, as the registry's htpasswd wants it (libcrypt makes it).
      tools = mk::runtime::image::testing::run(
                  {"python3", "-W", "ignore", "-c",
                   "import crypt; print(crypt.crypt('pw-e2e', crypt.mksalt(crypt.METHOD_BLOWFISH)), end='')"},
                  &hash) == 0 && hash.rfind("$2", 0) == 0;
    }
    if (!tools) {
      WARN("imagePullSecrets part skipped: docker-registry, skopeo or python3 with bcrypt is missing");
    } else {
      int port = free_port();
      std::string dir = server.new_dir("registry");
      std::ofstream(dir + "/htpasswd") << "puller:" << hash << "\n";
      std::string cfg = dir + "/config.yml";
      std::ofstream(cfg) << "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " << dir
                         << "/data\nhttp:\n  addr: 127.0.0.1:" << port << "\nauth:\n  htpasswd:\n    realm: e2e\n    path: "
                         << dir << "/htpasswd\n";
      std::string registry_bin = split_lines(out).empty() ? "docker-registry" : split_lines(out)[0];
      Process registry({registry_bin, "serve", cfg}, {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, "/dev/null",
                       dir + "/registry.out", dir + "/registry.err");
      std::string host = "127.0.0.1:" + std::to_string(port);
      std::string layout = server.new_dir("private-layout");
      mk::runtime::image::testing::build_busybox_layout(layout, "private:1", false);
      bool pushed = poll_until(
          [&] {
            std::string o;
            return mk::runtime::image::testing::run({"skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false",
                                                     "--dest-creds", "puller:pw-e2e", "oci:" + layout + ":private:1",
                                                     "docker://" + host + "/private/busybox:1"},
                                                    &o) == 0;
          },
          20s);
      REQUIRE(pushed);
      std::string image = host + "/private/busybox:1";
      auto pod_yaml = [&](const std::string& name, bool with_secret) {
        return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
               "}\nspec:\n  restartPolicy: Never\n" + (with_secret ? "  imagePullSecrets: [{name: regcred}]\n" : "") +
               "  containers:\n  - name: main\n    image: " + image +
               "\n    imagePullPolicy: Always\n    command: [\"sh\", \"-c\", \"echo pulled with credentials\"]\n";
      };
      REQUIRE(server.kubectl({"apply", "-f", server.write("anon.yaml", pod_yaml("anonymous", false))}).ok());
      CHECK(poll_until(
          [&] {
            std::string r = field(server, "pod/anonymous", "{.status.containerStatuses[0].state.waiting.reason}");
            return r == "ErrImagePull" || r == "ImagePullBackOff";
          },
          30s));
      RunResult secret_made = server.kubectl({"create", "secret", "docker-registry", "regcred", "--docker-server=" + host,
                                              "--docker-username=puller", "--docker-password=pw-e2e"});
      INFO(secret_made);
      REQUIRE(secret_made.ok());
      REQUIRE(server.kubectl({"apply", "-f", server.write("private.yaml", pod_yaml("private", true))}).ok());
      CHECK(poll_until([&] { return field(server, "pod/private", "{.status.phase}") == "Succeeded"; }, 60s));
      CHECK(has_line(logs(node, server, "private", "main"), "pulled with credentials"));
      (void)server.kubectl({"delete", "pod", "anonymous", "private", "--grace-period", "1", "--wait=true"}, 60s);
    }
  }

  (void)server.kubectl({"delete", "pods", "--all", "--grace-period", "1", "--wait=true"}, 60s);
  CHECK(node.agent->stop());
}
