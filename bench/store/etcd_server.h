#pragma once
// A single-member etcd started for the benchmark: loopback-only ports chosen free, data in a
// directory under `parent` that is removed with the server. Stopped by PID on destruction.

#include <memory>
#include <optional>
#include <string>

#include "child_process.h"
#include "common/error.h"
#include "temp_dir.h"

namespace mk::bench {

class EtcdServer {
 public:
  static constexpr const char* kBinary = "/usr/bin/etcd";

  // Starts etcd and waits (bounded) until /health answers.
  static Result<std::unique_ptr<EtcdServer>> start(const std::string& parent);

  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;
  ~EtcdServer();

  const std::string& host() const { return host_; }
  int client_port() const { return client_port_; }

 private:
  EtcdServer(TempDir dir, ChildProcess process, int client_port)
      : dir_(std::move(dir)), process_(std::move(process)), client_port_(client_port) {}

  // Declared first so it is destroyed last: the directory outlives the process.
  TempDir dir_;
  ChildProcess process_;
  std::string host_ = "127.0.0.1";
  int client_port_ = 0;
};

}  // namespace mk::bench
