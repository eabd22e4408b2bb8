#include "cli/runtime_command.h"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "api/yaml_json.h"
#include "common/log.h"
#include "runtime/pod/image_rootfs.h"
#include "runtime/pod/runtime.h"
#include "runtime/shim/protocol.h"

namespace mk::cli {

struct RuntimeCommand::Options {
  CLI::App* root = nullptr;
  CLI::App *run = nullptr, *ps = nullptr, *exec = nullptr, *logs = nullptr, *stop = nullptr, *rm = nullptr;
  std::string data_dir = "/var/lib/minikube";
  std::string cgroup_root = "minikube";
  // run
  std::string file, image, rootfs, name, uid, memory, cpu, image_config;
  std::vector<std::string> layers, env, command;
  bool tty = false, stdin_open = false, detach = false;
  int64_t grace = -1;
  // ps, exec, logs, stop, rm
  std::vector<std::string> pods;
  std::string pod, container;
  bool json = false, follow = false, raw = false, exec_tty = false, debug = false;
};

namespace {

using Options = RuntimeCommand::Options;
using runtime::pod::PodSpec;

int fail(const std::string& message, int code = 1) {
  std::cerr << "minikube: " << message << "\n";
  return code;
}

std::string random_uid() {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  char buf[40];
  uint64_t a = gen(), b = gen();
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>(a >> 16) & 0xffff, static_cast<unsigned>(a) & 0xfff,
                (static_cast<unsigned>(b >> 48) & 0x3fff) | 0x8000,
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

Result<std::string> read_text(const std::string& path) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(path);
    if (!in) return make_error(Errc::not_found, "read " + path + ": cannot open");
    ss << in.rdbuf();
  }
  return ss.str();
}

// The pod to run: a manifest (-f), or one container from the flags.
Result<PodSpec> pod_from_options(const Options& o) {
  PodSpec spec;
  if (!o.file.empty()) {
    auto text = read_text(o.file);
    if (!text) return text.error();
    auto j = api::yaml_to_json(*text);
    if (!j) return j.error().wrap("read " + o.file);
    auto parsed = runtime::pod::pod_from_json(*j);
    if (!parsed) return parsed.error().wrap("read " + o.file);
    spec = std::move(*parsed);
  } else {
    runtime::pod::ContainerSpec c;
    c.name = o.name.empty() ? "main" : o.name;
    c.image = o.image;
    c.command = o.command;
    c.tty = o.tty;
    c.stdin_open = o.stdin_open;
    for (const auto& e : o.env) {
      size_t eq = e.find('=');
      c.env.emplace_back(e.substr(0, eq), eq == std::string::npos ? "" : e.substr(eq + 1));
    }
    if (!o.memory.empty()) {
      auto m = runtime::pod::parse_memory(o.memory);
      if (!m) return m.error().wrap("--memory");
      c.memory_limit = c.memory_request = *m;
    }
    if (!o.cpu.empty()) {
      auto m = runtime::pod::parse_cpu_milli(o.cpu);
      if (!m) return m.error().wrap("--cpu");
      c.cpu_limit_milli = c.cpu_request_milli = *m;
    }
    spec.name = o.name.empty() ? "run-" + random_uid().substr(0, 8) : o.name;
    spec.hostname = spec.name;
    spec.containers.push_back(std::move(c));
  }
  if (!o.uid.empty()) spec.uid = o.uid;
  if (spec.uid.empty()) spec.uid = random_uid();
  if (o.grace >= 0) spec.grace_seconds = o.grace;
  nlohmann::json image_config = nlohmann::json::object();
  if (!o.image_config.empty()) {
    auto text = read_text(o.image_config);
    if (!text) return text.error();
    nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded()) return make_error(Errc::invalid_argument, "read " + o.image_config + ": not JSON");
    // An OCI image config has the process settings under "config"; accept that object alone too.
    image_config = j.contains("config") ? j["config"] : j;
  }
  for (auto& c : spec.containers) {
    if (c.rootfs.empty() && c.layers.empty()) {
      c.rootfs = o.rootfs;
      c.layers = o.layers;
      c.image_config = image_config;
    }
    if (c.rootfs.empty() && c.layers.empty()) {
      if (c.image.empty()) {
        return make_error(Errc::invalid_argument, "container " + c.name + ": no image, --rootfs or --layer");
      }
      auto from_image = runtime::pod::image_rootfs(o.data_dir + "/agent/images", c.image);
      if (!from_image) return from_image.error().wrap("container " + c.name);
      c.layers = std::move(from_image->layers);
      c.image_config = std::move(from_image->config);
    }
    if (!c.rootfs.empty()) {
      char resolved[PATH_MAX];
      if (!::realpath(c.rootfs.c_str(), resolved)) return errno_error("resolve rootfs " + c.rootfs, errno);
      c.rootfs = resolved;
    }
  }
  return spec;
}

std::string ns_to_text(int64_t ns) {
  if (ns == 0) return "-";
  time_t secs = static_cast<time_t>(ns / 1000000000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

nlohmann::json status_json(const runtime::pod::PodStatus& p) {
  nlohmann::json containers = nlohmann::json::array();
  for (const auto& c : p.containers) {
    nlohmann::json j = runtime::shim::to_json(c.state);
    j["name"] = c.name;
    containers.push_back(j);
  }
  return {{"uid", p.uid}, {"name", p.name}, {"namespace", p.namespace_name}, {"shim_pid", p.shim_pid},
          {"containers", containers}};
}

// Prints new whole lines of a CRI log as they appear; `pos` is where the previous read stopped.
void print_new_log_lines(const std::string& path, std::streamoff& pos) {
  std::ifstream in(path);
  if (!in) return;
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < pos) pos = 0;  // rotated: start over on the new file
  in.seekg(pos);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // unfinished line: read it again next time
    pos = in.tellg();
    size_t a = line.find(' '), b = line.find(' ', a + 1), c = line.find(' ', b + 1);
    if (c == std::string::npos) continue;
    std::ostream& out = line.compare(a + 1, b - a - 1, "stderr") == 0 ? std::cerr : std::cout;
    out << line.substr(c + 1);
    if (line.compare(b + 1, c - b - 1, "F") == 0) out << "\n";
    out.flush();
  }
}

bool all_exited(const runtime::pod::PodStatus& p) {
  for (const auto& c : p.containers) {
    if (c.state.phase != runtime::shim::Phase::exited) return false;
  }
  return true;
}

// Follows the first container's log until every container has exited; returns its exit code.
int wait_for_pod(runtime::pod::Runtime& rt, const std::string& uid, const std::string& container) {
  std::streamoff pos = 0;
  std::string path = rt.log_path(uid, container);
  for (;;) {
    auto st = rt.status(uid);
    print_new_log_lines(path, pos);
    if (!st) return fail(st.error().message);
    if (all_exited(*st) || st->shim_pid == 0) {
      print_new_log_lines(path, pos);
      return st->containers.empty() ? 0 : st->containers.front().state.exit_code;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int cmd_run(Options& o, runtime::pod::Runtime& rt) {
  auto spec = pod_from_options(o);
  if (!spec) return fail(spec.error().message, 2);
  auto st = rt.run_pod(*spec);
  if (!st) return fail(st.error().message);
  if (o.detach) {
    std::cout << spec->uid << "\n";
    return 0;
  }
  return wait_for_pod(rt, spec->uid, spec->containers.front().name);
}

int cmd_ps(Options& o, runtime::pod::Runtime& rt) {
  auto pods = rt.list();
  if (!pods) return fail(pods.error().message);
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : *pods) out.push_back(status_json(p));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("%-36s  %-20s  %-16s  %-8s  %-6s  %-10s  %s\n", "POD UID", "POD", "CONTAINER", "STATE", "EXIT",
              "REASON", "STARTED");
  for (const auto& p : *pods) {
    for (const auto& c : p.containers) {
      const auto& s = c.state;
      std::string exit = s.phase == runtime::shim::Phase::exited ? std::to_string(s.exit_code) : "-";
      std::printf("%-36s  %-20s  %-16s  %-8s  %-6s  %-10s  %s\n", p.uid.c_str(), p.name.c_str(), c.name.c_str(),
                  runtime::shim::phase_name(s.phase).c_str(), exit.c_str(), s.reason.empty() ? "-" : s.reason.c_str(),
                  ns_to_text(s.started_at_ns).c_str());
    }
  }
  return 0;
}

Result<std::pair<std::string, std::string>> pod_and_container(Options& o, runtime::pod::Runtime& rt) {
  auto uid = rt.resolve(o.pod);
  if (!uid) return uid.error();
  std::string container = o.container;
  if (container.empty()) {
    auto st = rt.status(*uid);
    if (!st) return st.error();
    if (st->containers.empty()) return make_error(Errc::not_found, "pod " + *uid + ": no containers");
    container = st->containers.front().name;
  }
  return std::make_pair(*uid, container);
}

// Puts our terminal in raw mode while a remote terminal is attached, and restores it.
class RawTerminal {
 public:
  RawTerminal() {
    if (::isatty(0) && ::tcgetattr(0, &saved_) == 0) {
      termios raw = saved_;
      ::cfmakeraw(&raw);
      active_ = ::tcsetattr(0, TCSANOW, &raw) == 0;
    }
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(0, TCSANOW, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

bool copy_some(int from, int to) {
  char buf[8192];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n <= 0) return false;
  for (ssize_t done = 0; done < n;) {
    ssize_t w = ::write(to, buf + done, static_cast<size_t>(n - done));
    if (w <= 0) return false;
    done += w;
  }
  return true;
}

// Copies between our stdio and the pty until the shim reports the process's exit code.
int proxy_terminal(runtime::pod::Runtime::TtyExec& session) {
  winsize ws{};
  if (::ioctl(1, TIOCGWINSZ, &ws) == 0) ::ioctl(session.pty.get(), TIOCSWINSZ, &ws);
  RawTerminal raw;
  bool stdin_open = true, pty_open = true;
  while (pty_open) {
    pollfd fds[2] = {{session.pty.get(), POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    // EIO from the primary side: every process holding the terminal has gone.
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) pty_open = copy_some(session.pty.get(), 1);
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) stdin_open = copy_some(0, session.pty.get());
  }
  auto done = runtime::shim::receive_message(session.connection.get());
  if (!done) return fail(done.error().message);
  return done->body.value("exit_code", 1);
}

int cmd_exec(Options& o, runtime::pod::Runtime& rt) {
  auto target = pod_and_container(o, rt);
  if (!target) return fail(target.error().message);
  if (o.command.empty()) return fail("exec: a command is required after --", 2);
  runtime::pod::ExecRequest req;
  req.args = o.command;
  req.env = o.env;
  if (o.exec_tty) {
    auto session = rt.exec_tty(target->first, target->second, req);
    if (!session) return fail(session.error().message);
    return proxy_terminal(*session);
  }
  req.stdin_fd = 0;
  req.stdout_fd = 1;
  req.stderr_fd = 2;
  auto code = rt.exec(target->first, target->second, req);
  if (!code) return fail(code.error().message);
  return *code;
}

int cmd_logs(Options& o, runtime::pod::Runtime& rt) {
  auto target = pod_and_container(o, rt);
  if (!target) return fail(target.error().message);
  std::string path = rt.log_path(target->first, target->second);
  if (o.raw) {
    auto text = read_text(path);
    if (!text) return fail(text.error().message);
    std::cout << *text;
    return 0;
  }
  if (o.follow) {
    wait_for_pod(rt, target->first, target->second);
    return 0;
  }
  auto text = runtime::pod::read_cri_log(path, true);
  if (!text) return fail(text.error().message);
  std::cout << *text;
  return 0;
}

int for_each_pod(Options& o, runtime::pod::Runtime& rt, const std::function<Status(const std::string&)>& action) {
  int code = 0;
  for (const auto& pod : o.pods) {
    auto uid = rt.resolve(pod);
    Status s = uid ? action(*uid) : Status(uid.error());
    if (!s) {
      std::cerr << "minikube: " << s.error().message << "\n";
      code = 1;
    } else {
      std::cout << *uid << "\n";
    }
  }
  return code;
}

}  // namespace

RuntimeCommand::RuntimeCommand() : options_(std::make_unique<Options>()) {}
RuntimeCommand::~RuntimeCommand() = default;

void RuntimeCommand::add_to(CLI::App& root) {
  Options& o = *options_;
  o.root = root.add_subcommand("runtime", "Run and inspect pods with the built-in container runtime, without a server");
  o.root->require_subcommand(1);
  auto common = [&](CLI::App* app) {
    app->add_option("--data-dir", o.data_dir, "Where pods are kept (<data-dir>/agent/pods)")->capture_default_str();
    app->add_option("--cgroup-root", o.cgroup_root, "Cgroup under which the kubepods hierarchy is made")
        ->capture_default_str();
    app->add_flag("--debug", o.debug, "Log what the runtime does to stderr");
  };
  o.run = o.root->add_subcommand("run", "Run a Pod manifest (-f) or one container (--rootfs/--image -- CMD ARGS)");
  common(o.run);
  o.run->add_option("-f,--file", o.file, "Pod manifest, YAML or JSON ('-' for stdin)");
  o.run->add_option("--image", o.image, "Image of the container");
  o.run->add_option("--rootfs", o.rootfs, "Directory to use as the root filesystem, for containers without layers");
  o.run->add_option("--layer", o.layers, "Image layer directory, lowest first (repeatable)")->allow_extra_args(false);
  o.run->add_option("--image-config", o.image_config, "OCI image config JSON for --layer");
  o.run->add_option("--name", o.name, "Pod and container name");
  o.run->add_option("--uid", o.uid, "Pod uid (default: metadata.uid, else a random one)");
  o.run->add_option("-e,--env", o.env, "KEY=VALUE for the container's environment (repeatable)")
      ->allow_extra_args(false);
  o.run->add_option("--memory", o.memory, "Memory limit (e.g. 64Mi)");
  o.run->add_option("--cpu", o.cpu, "CPU limit (e.g. 500m)");
  o.run->add_option("--grace-period", o.grace, "Seconds between the stop signal and SIGKILL");
  o.run->add_flag("-t,--tty", o.tty, "Give the container a terminal");
  o.run->add_flag("-i,--stdin", o.stdin_open, "Keep the container's stdin open");
  o.run->add_flag("-d,--detach", o.detach, "Print the pod uid and return instead of following the first container");
  o.run->add_option("command", o.command, "Command and arguments (after --)");

  o.ps = o.root->add_subcommand("ps", "List pods and their containers");
  common(o.ps);
  o.ps->add_flag("--json", o.json, "Print JSON");

  o.exec = o.root->add_subcommand("exec", "Run a command in a running container");
  common(o.exec);
  o.exec->add_option("pod", o.pod, "Pod uid or name")->required();
  o.exec->add_option("-c,--container", o.container, "Container (default: the first)");
  o.exec->add_option("-e,--env", o.env, "KEY=VALUE added to the environment (repeatable)")->allow_extra_args(false);
  o.exec->add_flag("-t,--tty", o.exec_tty, "Run the command with a terminal");
  o.exec->add_option("command", o.command, "Command and arguments (after --)");

  o.logs = o.root->add_subcommand("logs", "Print a container's log");
  common(o.logs);
  o.logs->add_option("pod", o.pod, "Pod uid or name")->required();
  o.logs->add_option("-c,--container", o.container, "Container (default: the first)");
  o.logs->add_flag("-f,--follow", o.follow, "Follow until the pod's containers have exited");
  o.logs->add_flag("--raw", o.raw, "Print the current CRI log file as it is");

  o.stop = o.root->add_subcommand("stop", "Stop pods (stop signal, SIGKILL after the grace period)");
  common(o.stop);
  o.stop->add_option("pods", o.pods, "Pod uids or names")->required();
  o.stop->add_option("--grace-period", o.grace, "Seconds before SIGKILL (default: the pod's)");

  o.rm = o.root->add_subcommand("rm", "Stop and remove pods: namespaces, cgroups, state and logs");
  common(o.rm);
  o.rm->add_option("pods", o.pods, "Pod uids or names")->required();
}

bool RuntimeCommand::parsed() const { return options_->root && options_->root->parsed(); }

int RuntimeCommand::run() {
  Options& o = *options_;
  // A command-line tool: its output is the answer; the runtime's progress lines only on request.
  log::set_level(o.debug ? log::Level::debug : log::Level::warn);
  runtime::pod::RuntimeConfig config;
  char resolved[PATH_MAX];
  ::mkdir(o.data_dir.c_str(), 0700);
  if (::realpath(o.data_dir.c_str(), resolved)) o.data_dir = resolved;
  config.data_dir = o.data_dir;
  config.cgroup_root = o.cgroup_root;
  runtime::pod::Runtime rt(config);
  if (o.run->parsed()) return cmd_run(o, rt);
  if (o.ps->parsed()) return cmd_ps(o, rt);
  if (o.exec->parsed()) return cmd_exec(o, rt);
  if (o.logs->parsed()) return cmd_logs(o, rt);
  if (o.stop->parsed()) {
    std::optional<int64_t> grace;
    if (o.grace >= 0) grace = o.grace;
    return for_each_pod(o, rt, [&](const std::string& uid) { return rt.stop_pod(uid, grace); });
  }
  if (o.rm->parsed()) return for_each_pod(o, rt, [&](const std::string& uid) { return rt.remove_pod(uid); });
  return fail("runtime: a subcommand is required", 2);
}

}  // namespace mk::cli
