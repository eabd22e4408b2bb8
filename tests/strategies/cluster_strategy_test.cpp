// Nodes, volumes and claims, leases, RBAC, priority and storage classes, and events.
#include "strategy_test_util.h"

using namespace mk::apiserver::test;

TEST_CASE("nodes: pod CIDRs mirrored and checked, taints checked", "[node]") {
  Cluster c;
  json stored = c.must_create("Node", {{"metadata", {{"name", "n1"}}}, {"spec", {{"podCIDR", "10.42.0.0/24"}}},
                                       {"status", {{"capacity", {{"cpu", "4"}}}}}});
  CHECK(stored["spec"]["podCIDRs"] == json::array({"10.42.0.0/24"}));
  // A node keeps the status its kubelet registered.
  CHECK(stored["status"]["capacity"]["cpu"] == "4");

  auto r = c.create("Node", {{"metadata", {{"name", "n2"}}},
                             {"spec", {{"podCIDR", "10.42.0.0/33"}, {"taints", {{{"key", "dedicated"}, {"effect", "NoSchedule"}},
                                                                                 {{"key", "dedicated"}, {"effect", "NoSchedule"}}}}}}});
  REQUIRE(!r);
  INFO(dump_causes(r.error()));
  CHECK(has_cause(r.error(), "FieldValueInvalid", "spec.podCIDRs[0]",
                  "spec.podCIDRs[0]: Invalid value: \"10.42.0.0/33\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
  CHECK(has_cause(r.error(), "FieldValueDuplicate", "metadata.taints[1]",
                  "metadata.taints[1]: Duplicate value: core.Taint{Key:\"dedicated\", Value:\"\", Effect:\"NoSchedule\", "
                  "TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair"));

  json changed = stored;
  changed["spec"]["podCIDR"] = "10.42.1.0/24";
  changed["spec"]["podCIDRs"] = json::array({"10.42.1.0/24"});
  auto r2 = c.update("Node", changed);
  REQUIRE(!r2);
  CHECK(r2.error().message ==
        "Node \"n1\" is invalid: spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" to valid");
}

TEST_CASE("persistent volumes need access modes, a capacity and a source", "[pv]") {
  Cluster c;
  json stored = c.must_create("PersistentVolume",
                              {{"metadata", {{"name", "pv1"}}},
                               {"spec", {{"accessModes", {"ReadWriteOnce"}}, {"capacity", {{"storage", "1Gi"}}}, {"hostPath", {{"path", "/data"}}}}}});
  CHECK(stored["spec"]["persistentVolumeReclaimPolicy"] == "Retain");
  CHECK(stored["spec"]["volumeMode"] == "Filesystem");
  CHECK(stored["status"]["phase"] == "Pending");

  auto r = c.create("PersistentVolume", {{"metadata", {{"name", "pv2"}}}, {"spec", json::object()}});
  REQUIRE(!r);
  CHECK(r.error().message ==
        "PersistentVolume \"pv2\" is invalid: [spec.accessModes: Required value, spec.capacity: Required value, "
        "spec.capacity: Unsupported value: core.ResourceList(nil): supported values: \"storage\", spec: Required value: must "
        "specify a volume type]");
}

TEST_CASE("claims need a storage request and keep their spec", "[pvc]") {
  Cluster c;
  auto r = c.create("PersistentVolumeClaim", {{"metadata", {{"name", "data"}}}, {"spec", {{"accessModes", {"ReadWriteOnce"}}}}});
  REQUIRE(!r);
  CHECK(r.error().message == "PersistentVolumeClaim \"data\" is invalid: spec.resources[storage]: Required value");

  auto r0 = c.create("PersistentVolumeClaim", {{"metadata", {{"name", "none"}}}, {"spec", {{"resources", {{"requests", {{"storage", "1Gi"}}}}}}}});
  REQUIRE(!r0);
  CHECK(r0.error().message == "PersistentVolumeClaim \"none\" is invalid: spec.accessModes: Required value: at least 1 access mode is required");

  json stored = c.must_create("PersistentVolumeClaim", {{"metadata", {{"name", "data"}}},
                                                        {"spec", {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}});
  CHECK(stored["status"] == json{{"phase", "Pending"}});
  CHECK(stored["spec"]["volumeMode"] == "Filesystem");

  json modes = stored;
  modes["spec"]["accessModes"] = {"ReadWriteMany"};
  auto r2 = c.update("PersistentVolumeClaim", modes);
  REQUIRE(!r2);
  CHECK(r2.error().message ==
        "PersistentVolumeClaim \"data\" is invalid: spec: Forbidden: spec is immutable after creation except "
        "resources.requests and volumeAttributesClassName for bound claims");

  // A bound claim may grow; binding sets volumeName once.
  json bound = stored;
  bound["status"] = {{"phase", "Bound"}, {"capacity", {{"storage", "1Gi"}}}};
  REQUIRE(c.update("PersistentVolumeClaim", bound, "default", "status"));
  auto current = c.update("PersistentVolumeClaim", [&] {
    json b = stored;
    b["spec"]["volumeName"] = "pv1";
    b["metadata"].erase("resourceVersion");
    return b;
  }());
  REQUIRE(current);
  json grown = *current;
  grown["spec"]["resources"]["requests"]["storage"] = "2Gi";
  auto r3 = c.update("PersistentVolumeClaim", grown);
  INFO((r3 ? std::string() : dump_causes(r3.error())));
  REQUIRE(r3);
  CHECK((*r3)["spec"]["resources"]["requests"]["storage"] == "2Gi");
}

TEST_CASE("leases, priority classes and storage classes", "[lease][priorityclass][storageclass]") {
  Cluster c;
  auto lease = c.create("Lease", {{"metadata", {{"name", "leader"}}}, {"spec", {{"leaseDurationSeconds", 0}}}});
  REQUIRE(!lease);
  CHECK(lease.error().message ==
        "Lease.coordination.k8s.io \"leader\" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0");

  auto pc = c.create("PriorityClass", {{"metadata", {{"name", "huge"}}}, {"value", 2000000000}});
  REQUIRE(!pc);
  CHECK(pc.error().message ==
        "PriorityClass.scheduling.k8s.io \"huge\" is invalid: value: Forbidden: maximum allowed value of a user defined "
        "priority is 1000000000");
  auto sys = c.create("PriorityClass", {{"metadata", {{"name", "system-mine"}}}, {"value", 10}});
  REQUIRE(!sys);
  CHECK(sys.error().message ==
        "PriorityClass.scheduling.k8s.io \"system-mine\" is invalid: metadata.name: Forbidden: priority class names with "
        "'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class");
  json gold = c.must_create("PriorityClass", {{"metadata", {{"name", "gold"}}}, {"value", 1000}});
  CHECK(gold["preemptionPolicy"] == "PreemptLowerPriority");
  gold["value"] = 2000;
  auto changed = c.update("PriorityClass", gold);
  REQUIRE(!changed);
  CHECK(changed.error().message == "PriorityClass.scheduling.k8s.io \"gold\" is invalid: value: Forbidden: may not be changed in an update.");

  auto sc = c.create("StorageClass", {{"metadata", {{"name", "fast"}}}, {"provisioner", ""}});
  REQUIRE(!sc);
  CHECK(sc.error().message == "StorageClass.storage.k8s.io \"fast\" is invalid: provisioner: Required value");
  json local = c.must_create("StorageClass", {{"metadata", {{"name", "local-path"}}}, {"provisioner", "rancher.io/local-path"}});
  CHECK(local["reclaimPolicy"] == "Delete");
  CHECK(local["volumeBindingMode"] == "Immediate");
  local["parameters"] = {{"a", "b"}};
  auto sc2 = c.update("StorageClass", local);
  REQUIRE(!sc2);
  CHECK(sc2.error().message == "StorageClass.storage.k8s.io \"local-path\" is invalid: parameters: Forbidden: updates to parameters are forbidden.");
}

TEST_CASE("RBAC rules need verbs and bindings keep their role", "[rbac]") {
  Cluster c;
  auto role = c.create("Role", {{"metadata", {{"name", "reader"}}},
                                {"rules", {{{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", json::array()}}}}});
  REQUIRE(!role);
  CHECK(role.error().message ==
        "Role.rbac.authorization.k8s.io \"reader\" is invalid: rules[0].verbs: Required value: verbs must contain at least one value");

  json binding = c.must_create("RoleBinding", {{"metadata", {{"name", "read"}}},
                                               {"roleRef", {{"kind", "Role"}, {"name", "reader"}}},
                                               {"subjects", {{{"kind", "User"}, {"name", "jane"}}}}});
  CHECK(binding["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io");
  CHECK(binding["subjects"][0]["apiGroup"] == "rbac.authorization.k8s.io");
  binding["roleRef"]["name"] = "admin";
  auto r = c.update("RoleBinding", binding);
  REQUIRE(!r);
  CHECK(r.error().message ==
        "RoleBinding.rbac.authorization.k8s.io \"read\" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"
        "\"rbac.authorization.k8s.io\", Kind:\"Role\", Name:\"admin\"}: cannot change roleRef");

  auto crb = c.create("ClusterRoleBinding", {{"metadata", {{"name", "ops"}}},
                                             {"roleRef", {{"kind", "Role"}, {"name", "reader"}}},
                                             {"subjects", {{{"kind", "ServiceAccount"}, {"name", "bot"}}}}});
  REQUIRE(!crb);
  CHECK(crb.error().message ==
        "ClusterRoleBinding.rbac.authorization.k8s.io \"ops\" is invalid: [roleRef.kind: Unsupported value: \"Role\": "
        "supported values: \"ClusterRole\", subjects[0].namespace: Required value]");
}

TEST_CASE("events name their object in their own namespace", "[event]") {
  Cluster c;
  json ev = {{"metadata", {{"name", "web.1"}}},
             {"involvedObject", {{"kind", "Pod"}, {"name", "web"}, {"namespace", "default"}}},
             {"reason", "Scheduled"},
             {"message", "placed"}};
  json stored = c.must_create("Event", ev);
  CHECK(stored["reportingComponent"] == "");
  CHECK(stored["source"] == json::object());
  ev["metadata"]["name"] = "web.2";
  ev["involvedObject"]["namespace"] = "other";
  auto r = c.create("Event", ev);
  REQUIRE(!r);
  CHECK(r.error().message == "Event \"web.2\" is invalid: involvedObject.namespace: Invalid value: \"other\": does not match event.namespace");
}
