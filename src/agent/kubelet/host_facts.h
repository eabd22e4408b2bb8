#pragma once
// What the kubelet reports about its machine: capacity and the ten nodeInfo fields, read from
// /proc, /sys, /etc and uname once at start.

#include <cstdint>
#include <string>

namespace mk::agent::kubelet {

struct HostFacts {
  std::string hostname;
  std::string internal_ip;     // the address of the default route's interface, else 127.0.0.1
  int64_t cpus = 1;
  int64_t memory_bytes = 0;    // MemTotal
  int64_t ephemeral_storage_bytes = 0;  // of the data dir's filesystem
  std::string machine_id;      // /etc/machine-id
  std::string system_uuid;     // /sys/class/dmi/id/product_uuid when readable
  std::string boot_id;         // /proc/sys/kernel/random/boot_id
  std::string kernel_version;  // uname -r
  std::string os_image;        // PRETTY_NAME of /etc/os-release
  std::string architecture;    // Go's names: amd64, arm64, arm
};

HostFacts read_host_facts(const std::string& data_dir);

// uname's machine as Go names it (x86_64 -> amd64, aarch64 -> arm64, armv7l -> arm).
std::string go_arch(const std::string& machine);

// PRETTY_NAME from os-release text ("Linux" when absent).
std::string os_image_from(const std::string& os_release);

}  // namespace mk::agent::kubelet
