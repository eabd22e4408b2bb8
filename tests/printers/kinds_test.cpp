// One realistic object per kind and the full (wide) row the server prints for it.

#include <catch2/catch.hpp>

#include "printers_test_util.h"

using nlohmann::json;
using printers_test::ago;
using printers_test::column_names;
using printers_test::row;
using printers_test::wide_column_names;
using namespace std::chrono;

namespace {

// Created 3h30m ago: the Age cell reads "3h30m".
json meta(const std::string& name, json extra = json::object()) {
  json m = {{"name", name},
            {"namespace", "default"},
            {"uid", "0f6a"},
            {"creationTimestamp", ago(hours(3) + minutes(30) + seconds(20))}};
  m.update(extra);
  return m;
}

const std::string kAge = "3h30m";

json pod_template(json containers) { return {{"spec", {{"containers", containers}}}}; }

}  // namespace

TEST_CASE("pod") {
  json pod = {
      {"metadata", meta("web-7d4b9c8f5-x2k9p")},
      {"spec",
       {{"nodeName", "node1"},
        {"containers",
         {{{"name", "web"}, {"image", "nginx:1.27"}}, {{"name", "log"}, {"image", "fluent-bit"}}}},
        {"readinessGates",
         {{{"conditionType", "example.com/lb-ready"}}, {{"conditionType", "example.com/warm"}}}}}},
      {"status",
       {{"phase", "Running"},
        {"podIP", "10.42.0.9"},
        {"podIPs", {{{"ip", "10.42.0.9"}}, {{"ip", "fd00::9"}}}},
        {"conditions",
         {{{"type", "Ready"}, {"status", "True"}},
          {{"type", "example.com/lb-ready"}, {"status", "True"}},
          {{"type", "example.com/warm"}, {"status", "False"}}}},
        {"containerStatuses",
         {{{"name", "web"}, {"ready", true}, {"restartCount", 0}, {"state", {{"running", json::object()}}}},
          {{"name", "log"},
           {"ready", true},
           {"restartCount", 0},
           {"state", {{"running", json::object()}}}}}}}}};
  CHECK(column_names("", "Pod") == std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age",
                                                            "IP", "Node", "Nominated Node",
                                                            "Readiness Gates"});
  CHECK(wide_column_names("", "Pod") ==
        std::vector<std::string>{"IP", "Node", "Nominated Node", "Readiness Gates"});
  CHECK(row("", "Pod", pod) ==
        json{"web-7d4b9c8f5-x2k9p", "2/2", "Running", "0", kAge, "10.42.0.9", "node1", "<none>", "1/2"});

  SECTION("an unscheduled pod shows <none> for its placement") {
    json pending = {{"metadata", meta("web")},
                    {"spec", {{"containers", {{{"name", "web"}, {"image", "nginx"}}}}}},
                    {"status", {{"phase", "Pending"}, {"nominatedNodeName", "node2"}}}};
    CHECK(row("", "Pod", pending) ==
          json{"web", "0/1", "Pending", "0", kAge, "<none>", "<none>", "node2", "<none>"});
  }
  SECTION("podIPs alone give the IP") {
    pod["status"].erase("podIP");
    CHECK(row("", "Pod", pod)[5] == "10.42.0.9");
  }
}

TEST_CASE("node") {
  json node = {
      {"metadata", meta("node1", {{"labels",
                                   {{"node-role.kubernetes.io/control-plane", ""},
                                    {"node-role.kubernetes.io/master", "true"},
                                    {"kubernetes.io/role", "etcd"},
                                    {"kubernetes.io/hostname", "node1"}}}})},
      {"spec", {{"unschedulable", true}}},
      {"status",
       {{"conditions",
         {{{"type", "MemoryPressure"}, {"status", "False"}}, {{"type", "Ready"}, {"status", "True"}}}},
        {"addresses",
         {{{"type", "Hostname"}, {"address", "node1"}},
          {{"type", "InternalIP"}, {"address", "192.168.1.10"}}}},
        {"nodeInfo",
         {{"kubeletVersion", "v1.32.0+mk"},
          {"osImage", "Debian GNU/Linux 12 (bookworm)"},
          {"kernelVersion", "6.1.0-28-amd64"},
          {"containerRuntimeVersion", "containerd://1.7.24"}}}}}};
  CHECK(row("", "Node", node) == json{"node1", "Ready,SchedulingDisabled", "control-plane,etcd,master", kAge,
                                      "v1.32.0+mk", "192.168.1.10", "<none>",
                                      "Debian GNU/Linux 12 (bookworm)", "6.1.0-28-amd64",
                                      "containerd://1.7.24"});
  SECTION("a node that stopped reporting, and one that never did") {
    json lost = {{"metadata", meta("node2")},
                 {"status", {{"conditions", {{{"type", "Ready"}, {"status", "Unknown"}}}}}}};
    CHECK(row("", "Node", lost) == json{"node2", "NotReady", "<none>", kAge, "", "<none>", "<none>",
                                        "<unknown>", "<unknown>", "<unknown>"});
    json fresh = {{"metadata", meta("node3")}};
    CHECK(row("", "Node", fresh)[1] == "Unknown");
  }
}

TEST_CASE("namespace, configmap, secret, serviceaccount") {
  CHECK(row("", "Namespace", {{"metadata", meta("kube-system")}, {"status", {{"phase", "Active"}}}}) ==
        json{"kube-system", "Active", kAge});
  CHECK(row("", "Namespace",
            {{"metadata", meta("old", {{"deletionTimestamp", ago(seconds(5))}})},
             {"status", {{"phase", "Terminating"}}}}) == json{"old", "Terminating", kAge});
  CHECK(row("", "ConfigMap",
            {{"metadata", meta("settings")},
             {"data", {{"a", "1"}, {"b", "2"}}},
             {"binaryData", {{"c", "AA=="}}}}) == json{"settings", 3, kAge});
  CHECK(row("", "Secret",
            {{"metadata", meta("tls")},
             {"type", "kubernetes.io/tls"},
             {"data", {{"tls.crt", "AA=="}, {"tls.key", "AA=="}}}}) ==
        json{"tls", "kubernetes.io/tls", 2, kAge});
  CHECK(row("", "ServiceAccount", {{"metadata", meta("default")}}) == json{"default", 0, kAge});
  CHECK(row("", "ServiceAccount",
            {{"metadata", meta("builder")}, {"secrets", {{{"name", "builder-token"}}}}}) ==
        json{"builder", 1, kAge});
}

TEST_CASE("service") {
  auto svc = [](json spec, json status = json::object()) {
    return json{{"metadata", meta("web")}, {"spec", spec}, {"status", status}};
  };
  CHECK(column_names("", "Service") ==
        std::vector<std::string>{"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"});
  CHECK(row("", "Service",
            svc({{"type", "ClusterIP"},
                 {"clusterIP", "10.43.0.10"},
                 {"clusterIPs", {"10.43.0.10"}},
                 {"ports", {{{"port", 53}, {"protocol", "UDP"}}, {{"port", 53}, {"protocol", "TCP"}}}},
                 {"selector", {{"k8s-app", "kube-dns"}, {"app", "dns"}}}})) ==
        json{"web", "ClusterIP", "10.43.0.10", "<none>", "53/UDP,53/TCP", kAge, "app=dns,k8s-app=kube-dns"});
  CHECK(row("", "Service",
            svc({{"type", "NodePort"},
                 {"clusterIP", "10.43.1.2"},
                 {"externalIPs", {"192.0.2.7"}},
                 {"ports", {{{"port", 80}, {"nodePort", 30080}, {"protocol", "TCP"}}}}})) ==
        json{"web", "NodePort", "10.43.1.2", "192.0.2.7", "80:30080/TCP", kAge, "<none>"});
  CHECK(row("", "Service",
            svc({{"type", "LoadBalancer"},
                 {"clusterIP", "10.43.1.3"},
                 {"ports", {{{"port", 443}, {"nodePort", 31443}, {"protocol", "TCP"}}}}})) ==
        json{"web", "LoadBalancer", "10.43.1.3", "<pending>", "443:31443/TCP", kAge, "<none>"});
  CHECK(row("", "Service",
            svc({{"type", "LoadBalancer"}, {"clusterIP", "10.43.1.3"}, {"externalIPs", {"192.0.2.9"}}},
                {{"loadBalancer",
                  {{"ingress", {{{"ip", "198.51.100.2"}}, {{"hostname", "lb.example.com"}}}}}}}))[3] ==
        "198.51.100.2,lb.example.com,192.0.2.9");
  CHECK(row("", "Service", svc({{"type", "ExternalName"}, {"externalName", "db.example.com"}})) ==
        json{"web", "ExternalName", "<none>", "db.example.com", "<none>", kAge, "<none>"});
  CHECK(row("", "Service",
            svc({{"type", "ClusterIP"}, {"clusterIP", "None"}, {"clusterIPs", {"None"}}}))[2] == "None");
}

TEST_CASE("endpoints and endpoint slices") {
  json ep = {{"metadata", meta("web")},
             {"subsets",
              {{{"addresses", {{{"ip", "10.42.0.9"}}, {{"ip", "10.42.0.10"}}}},
                {"ports", {{{"port", 80}}, {{"port", 443}}}}},
               {{"addresses", {{{"ip", "fd00::9"}}}}, {"ports", {{{"port", 8080}}}}}}}};
  CHECK(row("", "Endpoints", ep) ==
        json{"web", "10.42.0.9:80,10.42.0.10:80,10.42.0.9:443 + 2 more...", kAge});
  CHECK(row("", "Endpoints",
            {{"metadata", meta("headless")}, {"subsets", {{{"addresses", {{{"ip", "fd00::9"}}}}}}}}) ==
        json{"headless", "fd00::9", kAge});
  CHECK(row("", "Endpoints",
            {{"metadata", meta("v6")},
             {"subsets", {{{"addresses", {{{"ip", "fd00::9"}}}}, {"ports", {{{"port", 80}}}}}}}}) ==
        json{"v6", "[fd00::9]:80", kAge});
  CHECK(row("", "Endpoints", {{"metadata", meta("none")}}) == json{"none", "<none>", kAge});

  json slice = {{"metadata", meta("web-abc12")},
                {"addressType", "IPv4"},
                {"ports",
                 {{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}},
                  {{"name", "metrics"}},
                  json::object(),
                  {{"port", 9000}}}},
                {"endpoints", {{{"addresses", {"10.42.0.9"}}}, {{"addresses", {"10.42.0.10"}}}}}};
  CHECK(row("discovery.k8s.io", "EndpointSlice", slice) ==
        json{"web-abc12", "IPv4", "80,metrics,* + 1 more...", "10.42.0.9,10.42.0.10", kAge});
  CHECK(row("discovery.k8s.io", "EndpointSlice", {{"metadata", meta("empty")}, {"addressType", "IPv6"}}) ==
        json{"empty", "IPv6", "<unset>", "<unset>", kAge});
}

TEST_CASE("event") {
  json ev = {
      {"metadata", meta("web.17f2a")},
      {"involvedObject",
       {{"kind", "Pod"}, {"name", "web"}, {"namespace", "default"}, {"fieldPath", "spec.containers{web}"}}},
      {"reason", "BackOff"},
      {"message", "Back-off restarting failed container\n"},
      {"type", "Warning"},
      {"source", {{"component", "kubelet"}, {"host", "node1"}}},
      {"firstTimestamp", ago(minutes(40) + seconds(30))},
      {"lastTimestamp", ago(minutes(2) + seconds(30))},
      {"count", 7}};
  const auto columns = mk::api::printer_columns("", "Event");
  CHECK(column_names("", "Event") == std::vector<std::string>{"Last Seen", "Type", "Reason", "Object",
                                                              "Subobject", "Source", "Message", "First Seen",
                                                              "Count", "Name"});
  CHECK(wide_column_names("", "Event") ==
        std::vector<std::string>{"Subobject", "Source", "First Seen", "Count", "Name"});
  CHECK(columns.back().format == "name");
  CHECK(row("", "Event", ev) == json{"2m30s", "Warning", "BackOff", "pod/web", "spec.containers{web}",
                                     "kubelet, node1", "Back-off restarting failed container", "40m", 7,
                                     "web.17f2a"});

  SECTION("events written through events.k8s.io") {
    json modern = {{"metadata", meta("web.18a")},
                   {"involvedObject", {{"kind", "Node"}, {"name", "node1"}}},
                   {"reason", "Starting"},
                   {"type", "Normal"},
                   {"eventTime", mk::api::format_micro_time(system_clock::now() - minutes(15) - seconds(30))},
                   {"reportingComponent", "kube-proxy"},
                   {"reportingInstance", "kube-proxy-node1"}};
    CHECK(row("", "Event", modern) == json{"15m", "Normal", "Starting", "node/node1", "",
                                           "kube-proxy, kube-proxy-node1", "", "15m", 1, "web.18a"});
    modern["series"] = {{"count", 4},
                        {"lastObservedTime", mk::api::format_micro_time(system_clock::now() - seconds(20))}};
    auto cells = row("", "Event", modern);
    CHECK(cells[0] == "20s");
    CHECK(cells[8] == 4);
  }
  SECTION("an event about a kind only") {
    json e = {{"metadata", meta("x")}, {"involvedObject", {{"kind", "ClusterRole"}}}};
    CHECK(row("", "Event", e) == json{"<unknown>", "", "", "clusterrole", "", "", "", "<unknown>", 1, "x"});
  }
}

TEST_CASE("resource quota") {
  json quota = {
      {"metadata", meta("compute")},
      {"status",
       {{"hard",
         {{"requests.cpu", "4"},
          {"requests.memory", "8Gi"},
          {"limits.cpu", "8"},
          {"pods", "10"},
          {"limits.memory", "16Gi"}}},
        {"used",
         {{"requests.cpu", "1500m"}, {"requests.memory", "2Gi"}, {"limits.cpu", "3"}, {"pods", "4"}}}}}};
  CHECK(column_names("", "ResourceQuota") == std::vector<std::string>{"Name", "Age", "Request", "Limit"});
  CHECK(row("", "ResourceQuota", quota) == json{"compute", kAge,
                                                "pods: 4/10, requests.cpu: 1500m/4, requests.memory: 2Gi/8Gi",
                                                "limits.cpu: 3/8, limits.memory: 0/16Gi"});
  CHECK(row("", "ResourceQuota", {{"metadata", meta("empty")}}) == json{"empty", kAge, "", ""});
}

TEST_CASE("persistent volumes and claims") {
  json pv = {{"metadata", meta("pvc-3b1f", {{"namespace", ""}})},
             {"spec",
              {{"capacity", {{"storage", "10Gi"}}},
               {"accessModes", {"ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"}},
               {"persistentVolumeReclaimPolicy", "Delete"},
               {"storageClassName", "local-path"},
               {"volumeMode", "Filesystem"},
               {"claimRef", {{"namespace", "default"}, {"name", "data"}}}}},
             {"status", {{"phase", "Bound"}}}};
  CHECK(column_names("", "PersistentVolume") ==
        std::vector<std::string>{"Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim",
                                 "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"});
  CHECK(row("", "PersistentVolume", pv) == json{"pvc-3b1f", "10Gi", "RWO,RWX", "Delete", "Bound",
                                                "default/data", "local-path", "<unset>", "", kAge,
                                                "Filesystem"});
  json failed = {
      {"metadata", meta("old", {{"annotations", {{"volume.beta.kubernetes.io/storage-class", "slow"}}}})},
      {"spec",
       {{"storageClassName", "fast"},
        {"accessModes", {"ReadWriteOncePod", "ReadOnlyMany"}},
        {"volumeMode", "Block"},
        {"volumeAttributesClassName", "gold"}}},
      {"status", {{"phase", "Failed"}, {"reason", "ProvisioningFailed"}}}};
  CHECK(row("", "PersistentVolume", failed) == json{"old", "0", "ROX,RWOP", "Retain", "Failed", "", "slow",
                                                    "gold", "ProvisioningFailed", kAge, "Block"});

  json pvc = {
      {"metadata", meta("data")},
      {"spec",
       {{"accessModes", {"ReadWriteOnce"}},
        {"resources", {{"requests", {{"storage", "1Gi"}}}}},
        {"storageClassName", "local-path"},
        {"volumeName", "pvc-3b1f"},
        {"volumeMode", "Filesystem"}}},
      {"status",
       {{"phase", "Bound"}, {"accessModes", {"ReadWriteOnce"}}, {"capacity", {{"storage", "1024Mi"}}}}}};
  CHECK(column_names("", "PersistentVolumeClaim") ==
        std::vector<std::string>{"Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass",
                                 "VolumeAttributesClass", "Age", "VolumeMode"});
  CHECK(row("", "PersistentVolumeClaim", pvc) ==
        json{"data", "Bound", "pvc-3b1f", "1Gi", "RWO", "local-path", "<unset>", kAge, "Filesystem"});
  json pending = {{"metadata", meta("wait", {{"deletionTimestamp", ago(seconds(3))}})},
                  {"spec",
                   {{"accessModes", {"ReadWriteOnce"}},
                    {"resources", {{"requests", {{"storage", "1Gi"}}}}},
                    {"storageClassName", "local-path"}}},
                  {"status", {{"phase", "Pending"}}}};
  CHECK(row("", "PersistentVolumeClaim", pending) ==
        json{"wait", "Terminating", "", "", "", "local-path", "<unset>", kAge, "Filesystem"});
}

TEST_CASE("storage class") {
  json sc = {{"metadata", meta("local-path",
                               {{"namespace", ""},
                                {"annotations", {{"storageclass.kubernetes.io/is-default-class", "true"}}}})},
             {"provisioner", "rancher.io/local-path"},
             {"reclaimPolicy", "Delete"},
             {"volumeBindingMode", "WaitForFirstConsumer"}};
  CHECK(row("storage.k8s.io", "StorageClass", sc) ==
        json{"local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", false, kAge});
  json plain = {
      {"metadata", meta("fast")}, {"provisioner", "ebs.csi.aws.com"}, {"allowVolumeExpansion", true}};
  CHECK(row("storage.k8s.io", "StorageClass", plain) ==
        json{"fast", "ebs.csi.aws.com", "Delete", "Immediate", true, kAge});
}

TEST_CASE("apps workloads") {
  json tmpl = pod_template(
      {{{"name", "web"}, {"image", "nginx:1.27"}}, {{"name", "sidecar"}, {"image", "envoy:1.31"}}});
  json deploy = {
      {"metadata", meta("web")},
      {"spec",
       {{"replicas", 3},
        {"selector",
         {{"matchLabels", {{"app", "web"}}},
          {"matchExpressions", {{{"key", "tier"}, {"operator", "In"}, {"values", {"prod", "canary"}}}}}}},
        {"template", tmpl}}},
      {"status", {{"replicas", 3}, {"readyReplicas", 2}, {"updatedReplicas", 3}, {"availableReplicas", 2}}}};
  CHECK(column_names("apps", "Deployment") == std::vector<std::string>{"Name", "Ready", "Up-to-date",
                                                                       "Available", "Age", "Containers",
                                                                       "Images", "Selector"});
  CHECK(row("apps", "Deployment", deploy) == json{"web", "2/3", 3, 2, kAge, "web,sidecar",
                                                  "nginx:1.27,envoy:1.31", "app=web,tier in (canary,prod)"});
  json fresh = {{"metadata", meta("new")}, {"spec", {{"template", tmpl}}}};
  CHECK(row("apps", "Deployment", fresh) ==
        json{"new", "0/1", 0, 0, kAge, "web,sidecar", "nginx:1.27,envoy:1.31", ""});

  json rs = {{"metadata", meta("web-7d4b9c8f5")},
             {"spec",
              {{"replicas", 3},
               {"selector", {{"matchLabels", {{"app", "web"}, {"pod-template-hash", "7d4b9c8f5"}}}}},
               {"template", tmpl}}},
             {"status", {{"replicas", 3}, {"readyReplicas", 3}}}};
  CHECK(row("apps", "ReplicaSet", rs) == json{"web-7d4b9c8f5", 3, 3, 3, kAge, "web,sidecar",
                                              "nginx:1.27,envoy:1.31",
                                              "app=web,pod-template-hash=7d4b9c8f5"});
  rs["spec"]["selector"] = json::object();
  CHECK(row("apps", "ReplicaSet", rs)[7] == "<none>");

  json ds_tmpl = tmpl;
  ds_tmpl["spec"]["nodeSelector"] = {{"kubernetes.io/os", "linux"}};
  json ds = {{"metadata", meta("svclb")},
             {"spec", {{"selector", {{"matchLabels", {{"app", "svclb"}}}}}, {"template", ds_tmpl}}},
             {"status",
              {{"desiredNumberScheduled", 2},
               {"currentNumberScheduled", 2},
               {"numberReady", 1},
               {"updatedNumberScheduled", 2},
               {"numberAvailable", 1}}}};
  CHECK(column_names("apps", "DaemonSet") ==
        std::vector<std::string>{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available",
                                 "Node Selector", "Age", "Containers", "Images", "Selector"});
  CHECK(row("apps", "DaemonSet", ds) == json{"svclb", 2, 2, 1, 2, 1, "kubernetes.io/os=linux", kAge,
                                             "web,sidecar", "nginx:1.27,envoy:1.31", "app=svclb"});

  json sts = {{"metadata", meta("db")},
              {"spec", {{"replicas", 3}, {"template", tmpl}}},
              {"status", {{"readyReplicas", 1}}}};
  CHECK(column_names("apps", "StatefulSet") ==
        std::vector<std::string>{"Name", "Ready", "Age", "Containers", "Images"});
  CHECK(row("apps", "StatefulSet", sts) == json{"db", "1/3", kAge, "web,sidecar", "nginx:1.27,envoy:1.31"});

  json rev = {
      {"metadata",
       meta(
           "db-5c9f7b8d4",
           {{"ownerReferences",
             {{{"apiVersion", "apps/v1"}, {"kind", "StatefulSet"}, {"name", "db"}, {"controller", true}}}}})},
      {"revision", 4}};
  CHECK(row("apps", "ControllerRevision", rev) == json{"db-5c9f7b8d4", "statefulset.apps/db", 4, kAge});
  CHECK(row("apps", "ControllerRevision", {{"metadata", meta("orphan")}, {"revision", 1}}) ==
        json{"orphan", "<none>", 1, kAge});
}

TEST_CASE("jobs and cron jobs") {
  json tmpl = pod_template({{{"name", "pi"}, {"image", "perl:5.34"}}});
  json job = {{"metadata", meta("pi")},
              {"spec",
               {{"completions", 1},
                {"parallelism", 1},
                {"selector", {{"matchLabels", {{"batch.kubernetes.io/controller-uid", "0f6a"}}}}},
                {"template", tmpl}}},
              {"status",
               {{"succeeded", 1},
                {"startTime", ago(minutes(10))},
                {"completionTime", ago(minutes(9) + seconds(15))},
                {"conditions",
                 {{{"type", "SuccessCriteriaMet"}, {"status", "True"}},
                  {{"type", "Complete"}, {"status", "True"}}}}}}};
  CHECK(column_names("batch", "Job") == std::vector<std::string>{"Name", "Status", "Completions", "Duration",
                                                                 "Age", "Containers", "Images", "Selector"});
  CHECK(row("batch", "Job", job) == json{"pi", "Complete", "1/1", "45s", kAge, "pi", "perl:5.34",
                                         "batch.kubernetes.io/controller-uid=0f6a"});

  json running = {
      {"metadata", meta("work")},
      {"spec", {{"parallelism", 3}, {"template", tmpl}}},
      {"status", {{"succeeded", 2}, {"active", 3}, {"startTime", ago(minutes(20) + seconds(30))}}}};
  CHECK(row("batch", "Job", running) ==
        json{"work", "Running", "2/1 of 3", "20m", kAge, "pi", "perl:5.34", "<none>"});

  struct StatusCase {
    json conditions;
    bool deleting;
    std::string expected;
  };
  const std::vector<StatusCase> statuses = {
      {{{{"type", "Failed"}, {"status", "True"}}}, false, "Failed"},
      {{{{"type", "FailureTarget"}, {"status", "True"}}, {{"type", "Failed"}, {"status", "True"}}},
       true,
       "Failed"},
      {{{{"type", "Suspended"}, {"status", "True"}}}, true, "Terminating"},
      {{{{"type", "Suspended"}, {"status", "True"}}}, false, "Suspended"},
      {{{{"type", "Suspended"}, {"status", "False"}}}, false, "Running"},
      {{{{"type", "FailureTarget"}, {"status", "True"}}}, false, "FailureTarget"},
      {json::array(), false, "Running"},
  };
  for (const auto& s : statuses) {
    CAPTURE(s.conditions.dump(), s.deleting);
    json j = {
        {"metadata", meta("j")}, {"spec", {{"completions", 2}}}, {"status", {{"conditions", s.conditions}}}};
    if (s.deleting) j["metadata"]["deletionTimestamp"] = ago(seconds(1));
    auto cells = row("batch", "Job", j);
    CHECK(cells[1] == s.expected);
    CHECK(cells[2] == "0/2");
    CHECK(cells[3] == "");
  }

  json cj = {
      {"metadata", meta("backup")},
      {"spec",
       {{"schedule", "*/5 * * * *"},
        {"timeZone", "Etc/UTC"},
        {"suspend", false},
        {"jobTemplate", {{"spec", {{"template", tmpl}}}}}}},
      {"status",
       {{"active", {{{"name", "backup-28950"}}}}, {"lastScheduleTime", ago(minutes(3) + seconds(40))}}}};
  CHECK(column_names("batch", "CronJob") ==
        std::vector<std::string>{"Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age",
                                 "Containers", "Images", "Selector"});
  auto cells = row("batch", "CronJob", cj);
  CHECK(cells[0] == "backup");
  CHECK(cells[1] == "*/5 * * * *");
  CHECK(cells[2] == "Etc/UTC");
  CHECK(cells[3] == "false");
  CHECK(cells[4] == 1);
  CHECK((cells[5] == "3m40s" || cells[5] == "3m41s"));
  CHECK(json(std::vector<json>(cells.begin() + 6, cells.end())) == json{kAge, "pi", "perl:5.34", "<none>"});
  json never = {{"metadata", meta("nightly")}, {"spec", {{"schedule", "@daily"}, {"suspend", true}}}};
  CHECK(row("batch", "CronJob", never) ==
        json{"nightly", "@daily", "<none>", "true", 0, "<none>", kAge, "", "", "<none>"});
}

TEST_CASE("lease") {
  CHECK(row("coordination.k8s.io", "Lease",
            {{"metadata", meta("node1")}, {"spec", {{"holderIdentity", "node1"}}}}) ==
        json{"node1", "node1", kAge});
  CHECK(row("coordination.k8s.io", "Lease", {{"metadata", meta("free")}, {"spec", json::object()}}) ==
        json{"free", "", kAge});
}

TEST_CASE("role bindings") {
  json rb = {
      {"metadata", meta("admins")},
      {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "admin"}}},
      {"subjects",
       {{{"kind", "User"}, {"name", "alice"}},
        {{"kind", "User"}, {"name", "bob"}},
        {{"kind", "Group"}, {"name", "ops"}},
        {{"kind", "ServiceAccount"}, {"namespace", "ci"}, {"name", "deployer"}}}}};
  CHECK(column_names("rbac.authorization.k8s.io", "RoleBinding") ==
        std::vector<std::string>{"Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"});
  CHECK(row("rbac.authorization.k8s.io", "RoleBinding", rb) ==
        json{"admins", "ClusterRole/admin", kAge, "alice, bob", "ops", "ci/deployer"});
  CHECK(row("rbac.authorization.k8s.io", "ClusterRoleBinding",
            {{"metadata", meta("view")}, {"roleRef", {{"kind", "ClusterRole"}, {"name", "view"}}}}) ==
        json{"view", "ClusterRole/view", kAge, "", "", ""});
}

TEST_CASE("ingress, ingress class, network policy") {
  json ing = {
      {"metadata", meta("web")},
      {"spec",
       {{"ingressClassName", "traefik"},
        {"tls", {{{"hosts", {"a.example.com"}}}}},
        {"rules",
         {{{"host", "a.example.com"}},
          {{"host", "b.example.com"}},
          json::object(),
          {{"host", "c.example.com"}},
          {{"host", "d.example.com"}}}}}},
      {"status", {{"loadBalancer", {{"ingress", {{{"ip", "192.168.1.10"}}, {{"ip", "192.168.1.9"}}}}}}}}};
  CHECK(row("networking.k8s.io", "Ingress", ing) ==
        json{"web", "traefik", "a.example.com,b.example.com,c.example.com + 2 more...",
             "192.168.1.10,192.168.1.9", "80, 443", kAge});
  CHECK(row("networking.k8s.io", "Ingress",
            {{"metadata", meta("catch-all")}, {"spec", {{"defaultBackend", json::object()}}}}) ==
        json{"catch-all", "<none>", "*", "", "80", kAge});

  json ic = {{"metadata", meta("traefik")},
             {"spec",
              {{"controller", "traefik.io/ingress-controller"},
               {"parameters",
                {{"apiGroup", "k8s.example.com"}, {"kind", "IngressParameters"}, {"name", "external"}}}}}};
  CHECK(row("networking.k8s.io", "IngressClass", ic) ==
        json{"traefik", "traefik.io/ingress-controller", "IngressParameters.k8s.example.com/external", kAge});
  CHECK(row("networking.k8s.io", "IngressClass",
            {{"metadata", meta("nginx")}, {"spec", {{"controller", "k8s.io/ingress-nginx"}}}}) ==
        json{"nginx", "k8s.io/ingress-nginx", "<none>", kAge});

  CHECK(row("networking.k8s.io", "NetworkPolicy",
            {{"metadata", meta("db")}, {"spec", {{"podSelector", {{"matchLabels", {{"role", "db"}}}}}}}}) ==
        json{"db", "role=db", kAge});
  CHECK(row("networking.k8s.io", "NetworkPolicy",
            {{"metadata", meta("deny-all")}, {"spec", {{"podSelector", json::object()}}}}) ==
        json{"deny-all", "<none>", kAge});
}

TEST_CASE("pod disruption budget and priority class") {
  CHECK(row("policy", "PodDisruptionBudget",
            {{"metadata", meta("web")},
             {"spec", {{"minAvailable", 2}}},
             {"status", {{"disruptionsAllowed", 1}}}}) == json{"web", "2", "N/A", 1, kAge});
  CHECK(row("policy", "PodDisruptionBudget",
            {{"metadata", meta("db")}, {"spec", {{"maxUnavailable", "25%"}}}}) ==
        json{"db", "N/A", "25%", 0, kAge});

  CHECK(column_names("scheduling.k8s.io", "PriorityClass") ==
        std::vector<std::string>{"Name", "Value", "Global-Default", "Age", "PreemptionPolicy"});
  CHECK(row("scheduling.k8s.io", "PriorityClass",
            {{"metadata", meta("system-node-critical")},
             {"value", 2000001000},
             {"preemptionPolicy", "PreemptLowerPriority"}}) ==
        json{"system-node-critical", 2000001000, false, kAge, "PreemptLowerPriority"});
  CHECK(row("scheduling.k8s.io", "PriorityClass",
            {{"metadata", meta("batch")},
             {"value", 100},
             {"globalDefault", true},
             {"preemptionPolicy", "Never"}}) == json{"batch", 100, true, kAge, "Never"});
}
