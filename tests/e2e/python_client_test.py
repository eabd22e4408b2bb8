#!/usr/bin/env python3
"""The official Python client (Debian python3-kubernetes) against a fresh minikube server:
listing, ConfigMap create/read/patch/delete, label selectors, watching pods, strategic merge and
JSON patches of a Deployment, server-side apply with two managers, delete preconditions,
deletecollection with a selector, and dryRun=All.

Exits non-zero, with the failing assertion and the server log, when anything does not work.
"""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    from kubernetes import client, config, dynamic, watch
    from kubernetes.client.rest import ApiException
except ImportError as e:  # pragma: no cover - environment problem, reported clearly
    print("FAIL: cannot import the kubernetes Python client (%s) with %s; install python3-kubernetes"
          % (e, sys.executable), file=sys.stderr)
    sys.exit(1)

import minikube_e2e


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.server = minikube_e2e.Server()
        # load_kube_config writes the client certificate and key to temporary files: keep them
        # inside the server's directory, which is removed afterwards.
        self.saved_tempdir = tempfile.tempdir
        tmp = os.path.join(self.server.dir, "tmp")
        os.makedirs(tmp)
        tempfile.tempdir = tmp
        config.load_kube_config(config_file=self.server.kubeconfig)
        self.v1 = client.CoreV1Api()
        self.apps = client.AppsV1Api()

    def tearDown(self):
        for api in (self.v1, self.apps):
            api.api_client.rest_client.pool_manager.clear()
            api.api_client.close()
        tempfile.tempdir = self.saved_tempdir
        self.server.stop()

    def run(self, result=None):
        # Print the server log when this test failed.
        before = (len(result.failures) + len(result.errors)) if result is not None else 0
        out = super().run(result)
        res = result if result is not None else out
        if res is not None and len(res.failures) + len(res.errors) > before:
            log = getattr(getattr(self, "server", None), "log_text", "")
            sys.stderr.write("---- minikube server log (%s) ----\n%s---- end of server log ----\n"
                             % (self.id(), log))
        return out

    def test_list_pods_in_all_namespaces_is_empty(self):
        pods = self.v1.list_pod_for_all_namespaces()
        self.assertEqual(pods.items, [])
        self.assertTrue(pods.metadata.resource_version)
        namespaces = sorted(ns.metadata.name for ns in self.v1.list_namespace().items)
        self.assertIn("default", namespaces)
        self.assertIn("kube-system", namespaces)

    def test_configmap_create_read_patch_delete(self):
        body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-config", labels={"owner": "python"}),
                                  data={"greeting": "hello"})
        created = self.v1.create_namespaced_config_map("default", body)
        self.assertEqual(created.metadata.name, "py-config")
        self.assertEqual(created.kind, "ConfigMap")
        self.assertEqual(created.api_version, "v1")
        self.assertTrue(created.metadata.uid)
        self.assertTrue(created.metadata.resource_version)
        self.assertIsNotNone(created.metadata.creation_timestamp)

        read = self.v1.read_namespaced_config_map("py-config", "default")
        self.assertEqual(read.data, {"greeting": "hello"})
        self.assertEqual(read.metadata.uid, created.metadata.uid)

        # A dict body is sent as a strategic merge patch: keys merge.
        patched = self.v1.patch_namespaced_config_map("py-config", "default",
                                                      {"data": {"farewell": "bye"}})
        self.assertEqual(patched.data, {"greeting": "hello", "farewell": "bye"})
        self.assertNotEqual(patched.metadata.resource_version, created.metadata.resource_version)
        # A list body is sent as a JSON patch.
        patched = self.v1.patch_namespaced_config_map(
            "py-config", "default", [{"op": "remove", "path": "/data/greeting"}])
        self.assertEqual(patched.data, {"farewell": "bye"})
        self.assertEqual(self.v1.read_namespaced_config_map("py-config", "default").data, {"farewell": "bye"})

        self.v1.delete_namespaced_config_map("py-config", "default")
        with self.assertRaises(ApiException) as err:
            self.v1.read_namespaced_config_map("py-config", "default")
        self.assertEqual(err.exception.status, 404)

        # Creating a duplicate is a 409.
        self.v1.create_namespaced_config_map("default", body)
        with self.assertRaises(ApiException) as err:
            self.v1.create_namespaced_config_map("default", body)
        self.assertEqual(err.exception.status, 409)

    def test_list_with_label_selector(self):
        for name, labels in [("red-1", {"color": "red", "size": "s"}), ("red-2", {"color": "red", "size": "l"}),
                             ("blue-1", {"color": "blue"}), ("plain", None)]:
            self.v1.create_namespaced_config_map(
                "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels)))

        def names(selector):
            # Every namespace also holds the cluster's kube-root-ca.crt (unlabelled).
            return sorted(c.metadata.name for c in
                          self.v1.list_namespaced_config_map("default", label_selector=selector).items
                          if c.metadata.name != "kube-root-ca.crt")

        self.assertEqual(names("color=red"), ["red-1", "red-2"])
        self.assertEqual(names("color=red,size=l"), ["red-2"])
        self.assertEqual(names("color!=red"), ["blue-1", "plain"])
        self.assertEqual(names("color in (blue)"), ["blue-1"])
        self.assertEqual(names("!color"), ["plain"])
        self.assertEqual(names("color"), ["blue-1", "red-1", "red-2"])
        self.assertEqual(names("color=green"), [])

    def test_watch_sees_a_pod_being_created(self):
        def pod(name):
            return client.V1Pod(metadata=client.V1ObjectMeta(name=name, labels={"app": "watched"}),
                                spec=client.V1PodSpec(containers=[client.V1Container(name="main",
                                                                                     image="busybox")]))

        first = self.v1.create_namespaced_pod("default", pod("before"))
        self.assertEqual(first.status.phase, "Pending")

        seen = []
        created = False
        w = watch.Watch()
        # The watch lists "before" first (ADDED), which shows the stream is established; only then
        # is the second pod created. The server ends the stream after timeout_seconds at the latest.
        for event in w.stream(self.v1.list_namespaced_pod, "default", timeout_seconds=20):
            obj = event["object"]
            seen.append((event["type"], obj.metadata.name))
            if obj.metadata.name == "before" and not created:
                created = True
                self.v1.create_namespaced_pod("default", pod("after"))
            if obj.metadata.name == "after" and event["type"] == "ADDED":
                self.assertIsInstance(obj, client.V1Pod)
                self.assertEqual(obj.status.phase, "Pending")
                self.assertEqual(obj.spec.containers[0].name, "main")
                self.assertEqual(obj.spec.restart_policy, "Always")
                w.stop()
        self.assertIn(("ADDED", "before"), seen)
        self.assertIn(("ADDED", "after"), seen)
        self.assertEqual(seen.index(("ADDED", "before")), 0)

        pods = self.v1.list_namespaced_pod("default", label_selector="app=watched")
        self.assertEqual(sorted(p.metadata.name for p in pods.items), ["after", "before"])

    def deployment(self, name):
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                         "template": {"metadata": {"labels": {"app": name}},
                                      "spec": {"schedulerName": "e2e-nobody", "containers": [
                                          {"name": "main", "image": "busybox:1.36",
                                           "env": [{"name": "FIRST", "value": "1"}]},
                                          {"name": "side", "image": "busybox:1.36"}]}}}}

    def test_strategic_merge_patch_merges_containers_by_name(self):
        self.apps.create_namespaced_deployment("default", self.deployment("smp"))
        # A dict body is sent as application/strategic-merge-patch+json.
        patched = self.apps.patch_namespaced_deployment("smp", "default", {"spec": {"template": {"spec": {
            "containers": [{"name": "main", "image": "busybox:1.37",
                            "env": [{"name": "SECOND", "value": "2"}]}]}}}})
        containers = patched.spec.template.spec.containers
        self.assertEqual([c.name for c in containers], ["main", "side"])
        self.assertEqual(containers[0].image, "busybox:1.37")
        # env merges by name as well.
        self.assertEqual([(e.name, e.value) for e in containers[0].env], [("FIRST", "1"), ("SECOND", "2")])
        self.assertEqual(containers[1].image, "busybox:1.36")
        self.assertEqual(patched.metadata.generation, 2)

        # $patch: delete removes one container; the directive itself is not stored.
        patched = self.apps.patch_namespaced_deployment("smp", "default", {"spec": {"template": {"spec": {
            "containers": [{"name": "side", "$patch": "delete"}]}}}})
        self.assertEqual([c.name for c in patched.spec.template.spec.containers], ["main"])
        raw = self.apps.api_client.call_api(
            "/apis/apps/v1/namespaces/default/deployments/smp", "GET", response_type="object",
            auth_settings=["BearerToken"], _return_http_data_only=True)
        self.assertNotIn("$patch", str(raw))
        self.assertEqual(raw["spec"]["template"]["spec"]["containers"][0]["env"],
                         [{"name": "FIRST", "value": "1"}, {"name": "SECOND", "value": "2"}])

    def test_json_patch_of_a_deployment(self):
        self.apps.create_namespaced_deployment("default", self.deployment("jp"))
        # A list body is sent as application/json-patch+json.
        patched = self.apps.patch_namespaced_deployment("jp", "default", [
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "add", "path": "/metadata/labels", "value": {"patched": "json"}},
            {"op": "remove", "path": "/spec/template/spec/containers/1"},
            {"op": "add", "path": "/spec/template/spec/containers/0/env/-", "value": {"name": "B", "value": "b"}},
        ])
        self.assertEqual(patched.spec.replicas, 3)
        self.assertEqual(patched.metadata.labels, {"patched": "json"})
        self.assertEqual([c.name for c in patched.spec.template.spec.containers], ["main"])
        self.assertEqual([e.name for e in patched.spec.template.spec.containers[0].env], ["FIRST", "B"])

        # A failing test operation, or a path that does not exist, is 422 and changes nothing.
        for ops in ([{"op": "test", "path": "/spec/replicas", "value": 7},
                     {"op": "replace", "path": "/spec/replicas", "value": 9}],
                    [{"op": "remove", "path": "/spec/nosuchfield"}]):
            with self.assertRaises(ApiException) as err:
                self.apps.patch_namespaced_deployment("jp", "default", ops)
            self.assertEqual(err.exception.status, 422, err.exception.body)
        live = self.apps.read_namespaced_deployment("jp", "default")
        self.assertEqual(live.spec.replicas, 3)
        self.assertEqual(live.spec.template.spec.containers, patched.spec.template.spec.containers)
        self.assertEqual(live.metadata.generation, patched.metadata.generation)

    def test_server_side_apply_with_two_managers(self):
        dyn = dynamic.DynamicClient(self.v1.api_client)
        configmaps = dyn.resources.get(api_version="v1", kind="ConfigMap")

        def apply(manager, data, force=None):
            body = ('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":%s}'
                    % json.dumps(data))
            return dyn.server_side_apply(configmaps, body=body, name="ssa", namespace="default",
                                         field_manager=manager, force_conflicts=force)

        created = apply("py-a", {"a": "1", "shared": "same"})
        self.assertEqual(created.data.a, "1")
        # A second manager applying the same value for a field shares it without conflict.
        apply("py-b", {"shared": "same", "b": "2"})
        live = self.v1.read_namespaced_config_map("ssa", "default")
        self.assertEqual(live.data, {"a": "1", "shared": "same", "b": "2"})
        owners = self.field_owners(live)
        self.assertEqual(owners["py-a"], {"a", "shared"})
        self.assertEqual(owners["py-b"], {"b", "shared"})
        self.assertTrue(all(e.operation == "Apply" for e in live.metadata.managed_fields))

        # A different value for a field another manager owns is a 409 naming that manager.
        with self.assertRaises(ApiException) as err:
            apply("py-b", {"shared": "same", "b": "2", "a": "changed"})
        self.assertEqual(err.exception.status, 409)
        status = json.loads(err.exception.body)
        self.assertEqual(status["reason"], "Conflict")
        self.assertIn('conflict with "py-a"', status["message"])
        self.assertIn(".data.a", status["message"])
        self.assertEqual(self.v1.read_namespaced_config_map("ssa", "default").data["a"], "1")

        # Forcing takes the field over.
        apply("py-b", {"shared": "same", "b": "2", "a": "changed"}, force=True)
        live = self.v1.read_namespaced_config_map("ssa", "default")
        self.assertEqual(live.data["a"], "changed")
        owners = self.field_owners(live)
        self.assertEqual(owners["py-b"], {"a", "b", "shared"})
        self.assertEqual(owners.get("py-a"), {"shared"})

        # A manager that leaves out a field it alone owns removes it.
        apply("py-b", {"shared": "same", "a": "changed"})
        self.assertEqual(self.v1.read_namespaced_config_map("ssa", "default").data,
                         {"a": "changed", "shared": "same"})

    def field_owners(self, obj):
        owners = {}
        for entry in obj.metadata.managed_fields or []:
            fields = (entry.fields_v1 or {}).get("f:data", {})
            owners[entry.manager] = {k[2:] for k in fields if k.startswith("f:")}
        return owners

    def test_delete_preconditions(self):
        created = self.v1.create_namespaced_config_map(
            "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="guarded"), data={"k": "v"}))
        uid, rv = created.metadata.uid, created.metadata.resource_version

        with self.assertRaises(ApiException) as err:
            self.v1.delete_namespaced_config_map("guarded", "default", body=client.V1DeleteOptions(
                preconditions=client.V1Preconditions(uid="00000000-0000-0000-0000-000000000000")))
        self.assertEqual(err.exception.status, 409)
        self.assertIn("Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, "
                      "UID in object meta: %s" % uid, json.loads(err.exception.body)["message"])

        with self.assertRaises(ApiException) as err:
            self.v1.delete_namespaced_config_map("guarded", "default", body=client.V1DeleteOptions(
                preconditions=client.V1Preconditions(resource_version="1")))
        self.assertEqual(err.exception.status, 409)
        self.assertIn("Precondition failed: ResourceVersion in precondition: 1, "
                      "ResourceVersion in object meta: %s" % rv, json.loads(err.exception.body)["message"])
        self.assertEqual(self.v1.read_namespaced_config_map("guarded", "default").metadata.uid, uid)

        self.v1.delete_namespaced_config_map("guarded", "default", body=client.V1DeleteOptions(
            preconditions=client.V1Preconditions(uid=uid, resource_version=rv)))
        with self.assertRaises(ApiException) as err:
            self.v1.read_namespaced_config_map("guarded", "default")
        self.assertEqual(err.exception.status, 404)

    def test_delete_collection_with_a_label_selector(self):
        for name, labels in [("x1", {"x": "y"}), ("x2", {"x": "y"}), ("z1", {"x": "z"}), ("none", None)]:
            self.v1.create_namespaced_config_map(
                "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels)))

        def names():
            return sorted(c.metadata.name for c in self.v1.list_namespaced_config_map("default").items
                          if c.metadata.name != "kube-root-ca.crt")

        self.v1.delete_collection_namespaced_config_map("default", label_selector="x=y", dry_run="All")
        self.assertEqual(names(), ["none", "x1", "x2", "z1"])
        self.v1.delete_collection_namespaced_config_map("default", label_selector="x=y")
        self.assertEqual(names(), ["none", "z1"])

    def test_dry_run_all_persists_nothing(self):
        body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="dry"), data={"k": "v"})
        shown = self.v1.create_namespaced_config_map("default", body, dry_run="All")
        self.assertEqual(shown.metadata.name, "dry")
        self.assertIsNotNone(shown.metadata.creation_timestamp)
        with self.assertRaises(ApiException) as err:
            self.v1.read_namespaced_config_map("dry", "default")
        self.assertEqual(err.exception.status, 404)

        created = self.v1.create_namespaced_config_map("default", body)
        shown = self.v1.patch_namespaced_config_map("dry", "default", {"data": {"k": "changed"}}, dry_run="All")
        self.assertEqual(shown.data, {"k": "changed"})
        self.v1.delete_namespaced_config_map("dry", "default", dry_run="All")
        live = self.v1.read_namespaced_config_map("dry", "default")
        self.assertEqual(live.data, {"k": "v"})
        self.assertEqual(live.metadata.resource_version, created.metadata.resource_version)

        # An invalid dryRun value is refused as an invalid DeleteOptions.
        with self.assertRaises(ApiException) as err:
            self.v1.delete_namespaced_config_map("dry", "default", dry_run="Sometimes")
        self.assertEqual(err.exception.status, 422)
        self.assertEqual(json.loads(err.exception.body)["message"],
                         'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: "Sometimes": '
                         'supported values: "All"')
        self.assertEqual(self.v1.read_namespaced_config_map("dry", "default").data, {"k": "v"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
