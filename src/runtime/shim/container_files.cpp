#include "runtime/shim/container_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>

#include "runtime/shim/unique_fd.h"

namespace mk::runtime::shim {
namespace {

using nlohmann::json;

json process_to_json(const container::Process& p) {
  json rl = json::array();
  for (const auto& r : p.rlimits) rl.push_back({{"resource", r.resource}, {"soft", r.soft}, {"hard", r.hard}});
  json j = {{"args", p.args}, {"env", p.env}, {"cwd", p.cwd}, {"user", p.user},
            {"extra_groups", p.extra_groups}, {"cap_add", p.cap_add}, {"cap_drop", p.cap_drop},
            {"privileged", p.privileged}, {"no_new_privs", p.no_new_privs},
            {"seccomp", static_cast<int>(p.seccomp)}, {"seccomp_profile", p.seccomp_profile},
            {"rlimits", rl}};
  if (p.oom_score_adj) j["oom_score_adj"] = *p.oom_score_adj;
  return j;
}

container::Process process_from_json(const json& j) {
  container::Process p;
  p.args = j.value("args", std::vector<std::string>{});
  p.env = j.value("env", std::vector<std::string>{});
  p.cwd = j.value("cwd", "/");
  p.user = j.value("user", "0");
  p.extra_groups = j.value("extra_groups", std::vector<uint32_t>{});
  p.cap_add = j.value("cap_add", std::vector<std::string>{});
  p.cap_drop = j.value("cap_drop", std::vector<std::string>{});
  p.privileged = j.value("privileged", false);
  p.no_new_privs = j.value("no_new_privs", true);
  p.seccomp = static_cast<container::Seccomp>(j.value("seccomp", 1));
  p.seccomp_profile = j.value("seccomp_profile", "");
  for (const auto& r : j.value("rlimits", json::array())) {
    p.rlimits.push_back({r.value("resource", 0), r.value("soft", uint64_t{0}), r.value("hard", uint64_t{0})});
  }
  if (j.contains("oom_score_adj")) p.oom_score_adj = j["oom_score_adj"].get<int>();
  return p;
}

}  // namespace

std::string phase_name(Phase phase) {
  switch (phase) {
    case Phase::created: return "created";
    case Phase::running: return "running";
    case Phase::exited: return "exited";
  }
  return "unknown";
}

json to_json(const ContainerRecord& r) {
  const container::Config& c = r.config;
  json mounts = json::array();
  for (const auto& m : c.mounts) {
    mounts.push_back({{"source", m.source}, {"destination", m.destination}, {"type", m.type}, {"options", m.options}});
  }
  json namespaces = json::array();
  for (const auto& n : c.namespaces) namespaces.push_back({{"type", n.type}, {"path", n.path}});
  json config = {{"id", c.id}, {"layers", c.layers}, {"upper", c.upper}, {"work", c.work},
                 {"rootfs", c.rootfs}, {"read_only_rootfs", c.read_only_rootfs},
                 {"hostname", c.hostname}, {"namespaces", namespaces}, {"mounts", mounts},
                 {"masked_paths", c.masked_paths}, {"readonly_paths", c.readonly_paths},
                 {"cgroup_procs", c.cgroup_procs}, {"process", process_to_json(c.process)}};
  return {{"name", r.name}, {"config", config}, {"log_path", r.log_path},
          {"log_max_bytes", r.log_max_bytes}, {"log_max_files", r.log_max_files}, {"tty", r.tty},
          {"stdin", r.stdin_open}, {"stdin_once", r.stdin_once}, {"stop_signal", r.stop_signal}, {"cgroup", r.cgroup}};
}

Result<ContainerRecord> record_from_json(const json& j) {
  if (!j.is_object() || !j.contains("name") || !j.contains("config")) {
    return make_error(Errc::corrupt, "read container config: name or config missing");
  }
  try {
    ContainerRecord r;
    r.name = j.at("name").get<std::string>();
    r.log_path = j.value("log_path", "");
    r.log_max_bytes = j.value("log_max_bytes", r.log_max_bytes);
    r.log_max_files = j.value("log_max_files", r.log_max_files);
    r.tty = j.value("tty", false);
    r.stdin_open = j.value("stdin", false);
    r.stdin_once = j.value("stdin_once", false);
    r.stop_signal = j.value("stop_signal", 15);
    r.cgroup = j.value("cgroup", "");
    const json& c = j.at("config");
    container::Config& cfg = r.config;
    cfg.id = c.value("id", r.name);
    cfg.layers = c.value("layers", std::vector<std::string>{});
    cfg.upper = c.value("upper", "");
    cfg.work = c.value("work", "");
    cfg.rootfs = c.value("rootfs", "");
    cfg.read_only_rootfs = c.value("read_only_rootfs", false);
    cfg.hostname = c.value("hostname", "");
    for (const auto& n : c.value("namespaces", json::array())) {
      cfg.namespaces.push_back({n.value("type", 0), n.value("path", "")});
    }
    for (const auto& m : c.value("mounts", json::array())) {
      cfg.mounts.push_back({m.value("source", ""), m.value("destination", ""), m.value("type", ""),
                            m.value("options", std::vector<std::string>{})});
    }
    cfg.masked_paths = c.value("masked_paths", std::vector<std::string>{});
    cfg.readonly_paths = c.value("readonly_paths", std::vector<std::string>{});
    cfg.cgroup_procs = c.value("cgroup_procs", std::vector<std::string>{});
    cfg.process = process_from_json(c.value("process", json::object()));
    return r;
  } catch (const json::exception& e) {
    return make_error(Errc::corrupt, std::string("read container config: ") + e.what());
  }
}

json to_json(const ContainerState& s) {
  return {{"phase", phase_name(s.phase)}, {"pid", s.pid}, {"pid_start_time", s.pid_start_time},
          {"started_at", s.started_at_ns}, {"finished_at", s.finished_at_ns},
          {"exit_code", s.exit_code}, {"reason", s.reason}, {"message", s.message}};
}

ContainerState state_from_json(const json& j) {
  ContainerState s;
  if (!j.is_object()) return s;
  std::string phase = j.value("phase", "created");
  s.phase = phase == "running" ? Phase::running : phase == "exited" ? Phase::exited : Phase::created;
  s.pid = j.value("pid", 0);
  s.pid_start_time = j.value("pid_start_time", uint64_t{0});
  s.started_at_ns = j.value("started_at", int64_t{0});
  s.finished_at_ns = j.value("finished_at", int64_t{0});
  s.exit_code = j.value("exit_code", 0);
  s.reason = j.value("reason", "");
  s.message = j.value("message", "");
  return s;
}

Result<json> read_json_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return errno_error("open " + path, errno);
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read " + path, errno);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return make_error(Errc::corrupt, "parse " + path + ": not JSON");
  return j;
}

Status write_file_atomic(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return errno_error("create " + tmp, errno);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("write " + tmp, errno);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return errno_error("fsync " + tmp, errno);
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return errno_error("rename " + tmp, errno);
  return Status::ok();
}

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

uint64_t process_start_time(int pid) {
  if (pid <= 0) return 0;
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return 0;
  char buf[1024];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = '\0';
  // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
  std::string text(buf, static_cast<size_t>(n));
  size_t pos = text.rfind(')');
  if (pos == std::string::npos) return 0;
  int field = 2;
  const char* p = text.c_str() + pos + 1;
  while (*p && field < 22) {
    if (*p == ' ') ++field;
    ++p;
  }
  // A zombie still has its start time but is no longer running anything: treat as gone.
  size_t state_pos = pos + 2;
  if (state_pos < text.size() && (text[state_pos] == 'Z' || text[state_pos] == 'X')) return 0;
  return std::strtoull(p, nullptr, 10);
}

}  // namespace mk::runtime::shim
