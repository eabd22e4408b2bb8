#!/usr/bin/env python3
"""The official Python client (Debian python3-kubernetes) against a fresh minikube server:
listing, ConfigMap create/read/patch/delete, label selectors, and watching pods.

Exits non-zero, with the failing assertion and the server log, when anything does not work.
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    from kubernetes import client, config, watch
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

    def tearDown(self):
        self.v1.api_client.rest_client.pool_manager.clear()
        self.v1.api_client.close()
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
            return sorted(c.metadata.name for c in
                          self.v1.list_namespaced_config_map("default", label_selector=selector).items)

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
