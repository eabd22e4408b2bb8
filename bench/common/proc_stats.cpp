#include "proc_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mk::bench {

Result<ProcMemory> read_memory(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/status";
  std::ifstream in(path);
  if (!in) return errno_error("read " + path, errno);
  ProcMemory m;
  bool have_rss = false;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    int64_t value = 0;
    fields >> key >> value;
    // The kernel reports these in kB (KiB).
    if (key == "VmRSS:") {
      m.rss_bytes = value * 1024;
      have_rss = true;
    } else if (key == "VmHWM:") {
      m.peak_bytes = value * 1024;
    } else if (key == "Threads:") {
      m.threads = static_cast<int>(value);
    }
  }
  if (!have_rss) return make_error(Errc::not_found, path + ": no VmRSS (process gone?)");
  return m;
}

Result<double> read_cpu_seconds(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  std::ifstream in(path);
  if (!in) return errno_error("read " + path, errno);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return make_error(Errc::corrupt, path + ": unexpected format");
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt
  long long utime = 0, stime = 0;
  fields >> utime >> stime;
  if (!fields) return make_error(Errc::corrupt, path + ": unexpected format");
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

Result<int64_t> read_pss_bytes(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/smaps_rollup";
  std::ifstream in(path);
  if (!in) return errno_error("read " + path, errno);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    int64_t value = 0;
    fields >> key >> value;
    if (key == "Pss:") return value * 1024;
  }
  return make_error(Errc::not_found, path + ": no Pss");
}

std::vector<pid_t> find_processes(const std::string& exe_name, const std::string& needle) {
  namespace fs = std::filesystem;
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code link_ec;
    auto exe = fs::read_symlink(entry.path() / "exe", link_ec);
    if (link_ec || exe.filename() != exe_name) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(needle) == std::string::npos) continue;
    found.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return found;
}

}  // namespace mk::bench
