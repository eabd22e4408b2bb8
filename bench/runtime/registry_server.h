#pragma once
// Debian's docker-registry (distribution) on a free 127.0.0.1 port with a temporary storage
// root, stopped by its PID when the object goes away.

#include <memory>
#include <string>

#include "child_process.h"
#include "common/error.h"

namespace mk::rtbench {

class RegistryServer {
 public:
  // Writes <work>/registry.yml, starts `program serve` on it and waits until the port accepts.
  static Result<std::unique_ptr<RegistryServer>> start(const std::string& program, const std::string& work);

  // "127.0.0.1:PORT"
  const std::string& address() const { return address_; }

 private:
  RegistryServer(bench::ChildProcess process, std::string address)
      : process_(std::move(process)), address_(std::move(address)) {}

  bench::ChildProcess process_;
  std::string address_;
};

}  // namespace mk::rtbench
