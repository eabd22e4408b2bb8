#pragma once
// Connects to a TCP port on the loopback interface of a pod's network namespace, as the
// kubelet's port-forward does ("localhost:<port> inside the pod"). The socket is created by a
// short-lived thread that joins the namespace with setns(2): a socket stays in the namespace
// it was made in, so the caller's threads never change namespace.

#include <cstdint>
#include <string>

#include "common/error.h"
#include "common/unique_fd.h"

namespace mk::agent::kubelet::streaming {

// `netns_path`: a network namespace file (the pod sandbox's bind-mounted nsfs file); empty for
// the caller's own namespace (host-network pods). Tries 127.0.0.1, then ::1. The error reads
// like the kubelet's: "dial tcp4 127.0.0.1:8080: connect: connection refused".
Result<UniqueFd> dial_pod_port(const std::string& netns_path, std::uint16_t port);

}  // namespace mk::agent::kubelet::streaming
