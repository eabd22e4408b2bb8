"""The Python client (python3-kubernetes) against a pod: its log, and exec over WebSocket
(v4.channel.k8s.io) through kubernetes.stream.stream, with the exit code from the error
channel. Prints what it saw, one fact a line; exits non-zero on a failure.

usage: streams_client.py KUBECONFIG POD
"""

import sys

from kubernetes import client, config
from kubernetes.stream import stream


def main():
    kubeconfig, pod = sys.argv[1], sys.argv[2]
    config.load_kube_config(config_file=kubeconfig)
    api = client.CoreV1Api()
    text = api.read_namespaced_pod_log(pod, "default")
    for line in text.splitlines():
        print("log: " + line)
    out = stream(api.connect_get_namespaced_pod_exec, pod, "default",
                 command=["echo", "hi-from-python"], stderr=True, stdin=False, stdout=True, tty=False)
    print("exec: " + out.strip())
    ws = stream(api.connect_get_namespaced_pod_exec, pod, "default",
                command=["sh", "-c", "exit 3"], stderr=True, stdin=False, stdout=True, tty=False,
                _preload_content=False)
    ws.run_forever(timeout=30)
    print("exit: %s" % ws.returncode)
    ws.close()
    # With a terminal: the command's stdin is one.
    out = stream(api.connect_get_namespaced_pod_exec, pod, "default",
                 command=["sh", "-c", "[ -t 0 ] && echo is-a-tty"], stderr=False, stdin=True, stdout=True,
                 tty=True)
    print("tty: " + out.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
