#pragma once
// The server process: control plane on top of the datastore.

namespace mk::server {

struct ServerConfig;

// Runs until SIGTERM or SIGINT, then shuts down. Returns the process exit code: 0 after a clean
// shutdown, 1 when the server could not start (the reason is logged in one line).
int run(const ServerConfig& config);

}  // namespace mk::server
