#!/usr/bin/env python3
"""Port-forward with the official Python client (Debian python3-kubernetes): an HTTP GET through
kubernetes.stream.portforward to a pod's port. Run by e2e_port_forward_test and
e2e_port_forward_clients_test as

    portforward_client.py <kubeconfig> <namespace> <pod> <port> [<port> ...]

For each port it sends "GET / HTTP/1.0" on that port's socket and reads until the connection
closes (a port whose forwarding failed has its socket closed by the client). Prints one JSON
object: {"<port>": {"response": ..., "error": ...}, ...}. PORTFORWARD_TRACE=1 in the environment
prints the WebSocket frames (the client turns websocket-client's trace off, so it is patched).
"""

import json
import os
import sys

from kubernetes import client, config
from kubernetes.stream import portforward


def main():
    if os.environ.get("PORTFORWARD_TRACE"):
        import websocket
        from kubernetes.stream import ws_client
        websocket.enableTrace(True)
        ws_client.enableTrace = lambda *args, **kwargs: None
    kubeconfig, namespace, pod = sys.argv[1:4]
    ports = [int(p) for p in sys.argv[4:]]
    config.load_kube_config(config_file=kubeconfig)
    api = client.CoreV1Api()
    pf = portforward(api.connect_get_namespaced_pod_portforward, pod, namespace,
                     ports=",".join(str(p) for p in ports))
    result = {}
    for port in ports:
        sock = pf.socket(port)
        sock.settimeout(20)
        data = b""
        try:
            sock.sendall(b"GET / HTTP/1.0\r\nHost: pod\r\n\r\n")
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (BrokenPipeError, ConnectionResetError):
            pass  # a port that failed: the client closed its socket, the error says why
        sock.close()
        result[str(port)] = {"response": data.decode(errors="replace"), "error": pf.error(port)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
