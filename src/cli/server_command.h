#pragma once
// `minikube server`: turns resolved settings into a ServerConfig and runs the server.

#include "common/error.h"
#include "server/config.h"

namespace mk::cli {

class Settings;

// Also checks what single values cannot: --cluster-dns inside --service-cidr, and the pod and
// service ranges apart.
Result<server::ServerConfig> to_server_config(const Settings& settings);

}  // namespace mk::cli
