#pragma once
// The files the runtime and the shim share for one container, under
// <pod-dir>/containers/<name>/:
//   config.json  written by the runtime before it asks the shim to start the container
//   state.json   written by the shim (atomically: temporary file + rename) at start and exit
// Both are JSON so a human can read them and a newer minikube can re-adopt an older shim.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "common/error.h"
#include "runtime/container/container.h"

namespace mk::runtime::shim {

struct ContainerRecord {
  std::string name;
  container::Config config;   // stdio fds are the shim's business and not stored
  std::string log_path;       // CRI log file; rotated files get .1 .. .N
  uint64_t log_max_bytes = 10 * 1024 * 1024;
  int log_max_files = 5;
  bool tty = false;
  bool stdin_open = false;
  bool stdin_once = false;  // the first attach takes stdin; its close is the container's EOF
  int stop_signal = 15;
  std::string cgroup;         // path given to cgroup::Cgroup::open, for OOM counting and kills
};

enum class Phase { created, running, exited };

struct ContainerState {
  Phase phase = Phase::created;
  int pid = 0;
  uint64_t pid_start_time = 0;  // field 22 of /proc/<pid>/stat, against pid reuse
  int64_t started_at_ns = 0;
  int64_t finished_at_ns = 0;
  int exit_code = 0;
  std::string reason;   // Completed, Error, OOMKilled, StartError
  std::string message;
};

std::string phase_name(Phase phase);

nlohmann::json to_json(const ContainerRecord& record);
Result<ContainerRecord> record_from_json(const nlohmann::json& j);
nlohmann::json to_json(const ContainerState& state);
ContainerState state_from_json(const nlohmann::json& j);

// Whole-file helpers: JSON read, and atomic replace (temp file, fsync, rename).
Result<nlohmann::json> read_json_file(const std::string& path);
Status write_file_atomic(const std::string& path, const std::string& content);

// Nanoseconds since the epoch (CLOCK_REALTIME).
int64_t now_ns();
// Field 22 (starttime) of /proc/<pid>/stat; 0 when the process does not exist.
uint64_t process_start_time(int pid);

}  // namespace mk::runtime::shim
