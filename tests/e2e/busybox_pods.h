#pragma once
// What the tests that run real pods on a server's own agent share: the busybox image dropped as
// an airgap tarball for the agent to import, a jsonpath read through kubectl, and a container's
// log read from its CRI file.

#include <string>
#include <vector>

#include "e2e/harness.h"

namespace mk::e2e {

inline constexpr char kBusyboxImage[] = "busybox.local/test:1";

// Writes kBusyboxImage (built from busybox-static) to <data-dir>/agent/images/busybox.tar;
// fits ServerOptions::prepare.
void add_busybox_image(const std::string& data_dir);

// `kubectl get <what...> -o jsonpath=<jsonpath>`; "" when kubectl fails.
std::string kubectl_get(Server& server, const std::vector<std::string>& what, const std::string& jsonpath);

// The content of a container's CRI log (the text after "<time> <stream> <tag> ").
std::string container_log(const std::string& data_dir, const std::string& uid, const std::string& container);

}  // namespace mk::e2e
