"""Starts the built `minikube server` (MINIKUBE_BIN) for a Python end-to-end test.

The server runs on a free 127.0.0.1 port in a temporary directory that is removed afterwards; it
is stopped by PID (SIGTERM, then SIGKILL). Readiness is /readyz answering 200 over TLS verified
with the CA from the kubeconfig the server writes.
"""

import base64
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import yaml


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, ready_timeout=30.0):
        binary = os.environ.get("MINIKUBE_BIN")
        if not binary:
            raise RuntimeError("MINIKUBE_BIN is not set (run the tests with ctest)")
        self.dir = tempfile.mkdtemp(prefix="minikube-e2e-py.")
        self.port = free_port()
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.log_path = os.path.join(self.dir, "server.log")
        self.log_text = ""
        config = os.path.join(self.dir, "config.yaml")
        open(config, "w").close()
        os.makedirs(os.path.join(self.dir, "home"))
        argv = [binary, "server",
                "--config", config,
                "--data-dir", os.path.join(self.dir, "data"),
                "--node-name", "e2e-node",
                "--bind-address", "127.0.0.1",
                "--https-listen-port", str(self.port),
                "--write-kubeconfig", self.kubeconfig,
                "--disable-agent"]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": os.path.join(self.dir, "home")}
        self._log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=self._log, env=env)
        except Exception:
            self._log.close()
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        try:
            self._wait_ready(ready_timeout)
        except Exception:
            self.stop()
            raise

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        last = "the kubeconfig was not written"
        ca_path = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited with code %d\nserver log:\n%s"
                                   % (self.proc.returncode, self.read_log()))
            try:
                if ca_path is None:
                    with open(self.kubeconfig) as f:
                        kc = yaml.safe_load(f)
                    ca = base64.b64decode(kc["clusters"][0]["cluster"]["certificate-authority-data"])
                    ca_path = os.path.join(self.dir, "ca.crt")
                    with open(ca_path, "wb") as f:
                        f.write(ca)
                ctx = ssl.create_default_context(cafile=ca_path)
                conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx, timeout=5)
                try:
                    conn.request("GET", "/readyz")
                    resp = conn.getresponse()
                    body = resp.read()
                    if resp.status == 200:
                        return
                    last = "GET /readyz: %d %r" % (resp.status, body)
                finally:
                    conn.close()
            except (OSError, KeyError, TypeError, IndexError, yaml.YAMLError, ssl.SSLError) as e:
                last = "%s: %s" % (type(e).__name__, e)
            time.sleep(0.05)
        raise RuntimeError("the server was not ready within %.0fs (%s)\nserver log:\n%s"
                           % (timeout, last, self.read_log()))

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return self.log_text

    def stop(self):
        """Stops the server by PID, keeps its log in self.log_text, removes the directory."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self._log.close()
        self.log_text = self.read_log()
        shutil.rmtree(self.dir, ignore_errors=True)
