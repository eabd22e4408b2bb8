#pragma once
// A pod's sandbox without a long-lived process: its net, IPC and UTS namespaces are held by
// bind mounts of their nsfs files onto <pod-dir>/ns/{net,ipc,uts} (a short-lived child unshares
// them; the parent binds /proc/<child>/ns/*). <pod-dir>/ns is itself a private bind mount so the
// binds do not propagate to other mount namespaces. The pod's hostname, hosts and resolv.conf
// files are written beside it for containers to bind-mount.

#include <string>

#include "common/error.h"
#include "runtime/pod/pod_spec.h"

namespace mk::runtime::pod {

struct SandboxPaths {
  std::string net, ipc, uts;  // empty when the pod uses the host's namespace of that type
  std::string hostname_file, hosts_file, resolv_conf;
};

SandboxPaths sandbox_paths(const std::string& pod_dir, const PodSpec& spec);

// Creates the namespaces (loopback up in the new net namespace, hostname set in the new UTS
// namespace) and the files. On failure, what was made is undone.
Result<SandboxPaths> create_sandbox(const std::string& pod_dir, const PodSpec& spec);

// Unmounts and removes the namespace files and the ns directory; missing ones are fine.
Status destroy_sandbox(const std::string& pod_dir);

}  // namespace mk::runtime::pod
