#include "runtime/pod/runtime.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "common/log.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/container/container.h"
#include "runtime/pod/sandbox.h"
#include "runtime/pod/shim_client.h"

namespace mk::runtime::pod {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

Status make_dir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return make_error(Errc::io, "create " + path + ": " + ec.message());
  return Status::ok();
}

Result<PodSpec> load_spec(const std::string& dir) {
  auto j = shim::read_json_file(dir + "/pod.json");
  if (!j) return j.error();
  return spec_from_json(*j);
}

int64_t node_memory() {
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long size = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && size > 0 ? int64_t{pages} * size : 0;
}

// containerd's WithProcessArgs, mirroring Docker (runtime reference §4.6).
std::vector<std::string> process_args(const ContainerSpec& c) {
  auto image_list = [&](const char* key) {
    std::vector<std::string> out;
    if (c.image_config.contains(key) && c.image_config[key].is_array()) {
      for (const auto& v : c.image_config[key]) out.push_back(v.get<std::string>());
    }
    if (out.size() == 1 && out[0].empty()) out.clear();
    return out;
  };
  if (!c.command.empty()) {
    std::vector<std::string> out = c.command;
    out.insert(out.end(), c.args.begin(), c.args.end());
    return out;
  }
  std::vector<std::string> out = image_list("Entrypoint");
  std::vector<std::string> rest = c.args.empty() ? image_list("Cmd") : c.args;
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

std::vector<std::string> process_env(const ContainerSpec& c, const std::string& hostname) {
  std::vector<std::pair<std::string, std::string>> env;
  auto set = [&](const std::string& key, const std::string& value) {
    for (auto& [k, v] : env) {
      if (k == key) {
        v = value;
        return;
      }
    }
    env.emplace_back(key, value);
  };
  if (c.image_config.contains("Env") && c.image_config["Env"].is_array()) {
    for (const auto& e : c.image_config["Env"]) {
      std::string s = e.get<std::string>();
      size_t eq = s.find('=');
      set(s.substr(0, eq), eq == std::string::npos ? "" : s.substr(eq + 1));
    }
  }
  bool has_path = false;
  for (const auto& [k, v] : env) has_path |= k == "PATH";
  if (!has_path) set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  set("HOSTNAME", hostname);
  for (const auto& [k, v] : c.env) set(k, v);
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::string image_string(const ContainerSpec& c, const char* key) {
  return c.image_config.contains(key) && c.image_config[key].is_string() ? c.image_config[key].get<std::string>() : "";
}

// Waits until the cgroup has no process left (after a kill), so it can be removed.
void wait_empty(const cgroup::Cgroup& cg, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!cg.pids().empty() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace

Runtime::Runtime(RuntimeConfig config) : config_(std::move(config)) {
  if (config_.shim_path.empty()) config_.shim_path = default_shim_path();
}

std::string Runtime::pods_dir() const { return config_.data_dir + "/agent/pods"; }
std::string Runtime::pod_dir(const std::string& uid) const { return pods_dir() + "/" + uid; }

std::string Runtime::pod_cgroup(const PodSpec& spec) const {
  std::string qos;
  switch (qos_class(spec)) {
    case QosClass::guaranteed: qos = ""; break;
    case QosClass::burstable: qos = "/burstable"; break;
    case QosClass::best_effort: qos = "/besteffort"; break;
  }
  return config_.cgroup_root + "/kubepods" + qos + "/pod" + spec.uid;
}

std::string Runtime::log_path(const std::string& uid, const std::string& container) const {
  return pod_dir(uid) + "/logs/" + container + ".log";
}

std::string Runtime::previous_log_path(const std::string& uid, const std::string& container) const {
  return pod_dir(uid) + "/logs/" + container + ".previous.log";
}

std::string Runtime::netns_path(const std::string& uid) const {
  std::string dir = pod_dir(uid);
  auto spec = load_spec(dir);
  if (!spec) return "";
  return sandbox_paths(dir, *spec).net;
}

Result<std::vector<std::string>> Runtime::recover() {
  std::vector<std::string> live;
  std::error_code ec;
  if (!std::filesystem::exists(pods_dir(), ec)) return live;
  for (const auto& entry : std::filesystem::directory_iterator(pods_dir(), ec)) {
    std::string uid = entry.path().filename();
    std::string dir = entry.path();
    int pid = live_shim_pid(dir);
    if (pid > 0 && call_shim(dir, {{"op", "status"}})) {
      MK_LOG(info) << "runtime: re-adopted pod " << uid << " (shim pid " << pid << ")";
      live.push_back(uid);
      continue;
    }
    // The shim is gone (host reboot, or killed): what it ran is gone with it.
    for (const auto& c : std::filesystem::directory_iterator(dir + "/containers", ec)) {
      std::string state_path = c.path().string() + "/state.json";
      auto j = shim::read_json_file(state_path);
      if (!j) continue;
      shim::ContainerState state = shim::state_from_json(*j);
      if (state.phase != shim::Phase::running) continue;
      state.phase = shim::Phase::exited;
      state.exit_code = 255;
      state.reason = "Unknown";
      state.message = "the pod's shim is no longer running";
      state.finished_at_ns = shim::now_ns();
      (void)shim::write_file_atomic(state_path, shim::to_json(state).dump() + "\n");
    }
    MK_LOG(info) << "runtime: pod " << uid << " has no running shim";
  }
  return live;
}

Result<PodStatus> Runtime::run_pod(const PodSpec& spec, bool start_containers) {
  if (auto s = validate(spec); !s) return s.error();
  std::string dir = pod_dir(spec.uid);
  if (::access(dir.c_str(), F_OK) == 0) {
    int pid = live_shim_pid(dir);
    return make_error(Errc::already_exists, "run pod " + spec.uid + ": it exists already" +
                                                (pid ? " (shim pid " + std::to_string(pid) + ")" : ""));
  }
  if (auto s = make_dir(pods_dir()); !s) return s.error();
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) return make_error(Errc::already_exists, "run pod " + spec.uid + ": it exists already");
    return errno_error("create " + dir, errno);
  }
  for (const char* sub : {"/containers", "/logs"}) {
    if (auto s = make_dir(dir + sub); !s) return s.error();
  }
  if (auto s = shim::write_file_atomic(dir + "/pod.json", to_json(spec).dump(2) + "\n"); !s) return s.error();
  auto sandbox = create_sandbox(dir, spec);
  if (!sandbox) return sandbox.error().wrap("run pod " + spec.uid);
  if (!sandbox->net.empty() && config_.network.attach) {
    auto ips = config_.network.attach(spec, sandbox->net);
    if (!ips) return ips.error().wrap("run pod " + spec.uid);
    if (auto s = shim::write_file_atomic(dir + "/network.json", json{{"ips", *ips}}.dump() + "\n"); !s) return s.error();
  }
  auto layout = cgroup::detect();
  if (!layout) return layout.error().wrap("run pod " + spec.uid);
  if (auto cg = cgroup::Cgroup::create(*layout, pod_cgroup(spec)); !cg) return cg.error().wrap("run pod " + spec.uid);
  if (auto s = launch_shim(config_.shim_path, dir); !s) return s.error();
  if (start_containers) {
    for (const auto& c : spec.containers) {
      if (auto s = start_container(dir, spec, c); !s) return s.error().wrap("run pod " + spec.uid);
    }
  }
  return status(spec.uid);
}

// The container's volumeMounts as bind mounts: host paths as they are, emptyDirs as
// directories under <pod>/volumes/ that all containers of the pod share; subPath picks (and
// creates, as the kubelet does) a directory inside the volume.
static Status add_volume_mounts(const std::string& dir, const PodSpec& spec, const ContainerSpec& c,
                                std::vector<container::Mount>& mounts) {
  for (const auto& m : c.volume_mounts) {
    const VolumeSpec* volume = nullptr;
    for (const auto& v : spec.volumes)
      if (v.name == m.name) volume = &v;
    if (!volume) return make_error(Errc::invalid_argument, "volume \"" + m.name + "\" is not defined");
    std::string source;
    if (!volume->host_path.empty()) {
      source = volume->host_path;
    } else if (volume->empty_dir) {
      source = dir + "/volumes/" + volume->name;
    } else {
      return make_error(Errc::unsupported, "volume \"" + m.name + "\": " +
                                               (volume->unsupported.empty() ? "no type" : volume->unsupported) +
                                               " volumes are not provided by the runtime");
    }
    if (!m.sub_path.empty()) source += "/" + m.sub_path;
    if (volume->empty_dir || !m.sub_path.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(source, ec);
      if (ec) return make_error(Errc::io, "create volume directory " + source + ": " + ec.message());
    }
    std::vector<std::string> options = {"rbind"};
    if (m.read_only) options.push_back("ro");
    mounts.push_back({source, m.mount_path, "bind", options});
  }
  return Status::ok();
}

Status Runtime::start_container(const std::string& dir, const PodSpec& spec, const ContainerSpec& c) {
  std::string cdir = dir + "/containers/" + c.name;
  if (auto s = make_dir(cdir); !s) return s;
  auto layout = cgroup::detect();
  if (!layout) return layout.error();
  std::string cg_path = pod_cgroup(spec) + "/" + c.name;
  auto cg = cgroup::Cgroup::create(*layout, cg_path);
  if (!cg) return cg.error();
  cgroup::Resources res;
  if (c.cpu_request_milli) res.cpu_shares = std::max<uint64_t>(2, static_cast<uint64_t>(*c.cpu_request_milli) * 1024 / 1000);
  if (c.cpu_limit_milli) res.cpu_quota_us = std::max<int64_t>(1000, *c.cpu_limit_milli * 100000 / 1000);
  res.memory_limit = c.memory_limit;
  if (auto s = cg->apply(res); !s) return s;

  SandboxPaths sandbox = sandbox_paths(dir, spec);
  shim::ContainerRecord record;
  record.name = c.name;
  record.log_path = log_path(spec.uid, c.name);
  record.log_max_bytes = config_.log_max_bytes;
  record.log_max_files = config_.log_max_files;
  record.tty = c.tty;
  record.stdin_open = c.stdin_open;
  record.stdin_once = c.stdin_once;
  record.cgroup = cg_path;
  container::Config& config = record.config;
  config.id = spec.name + "_" + c.name;
  if (!c.layers.empty()) {
    config.layers = c.layers;
    config.upper = cdir + "/upper";
    config.work = cdir + "/work";
    config.rootfs = cdir + "/rootfs";
    for (const auto& d : {config.upper, config.work, config.rootfs}) {
      if (auto s = make_dir(d); !s) return s;
    }
  } else {
    config.rootfs = c.rootfs;
  }
  config.read_only_rootfs = c.read_only_rootfs;
  if (!spec.host_pid) config.namespaces.push_back({CLONE_NEWPID, ""});
  if (!sandbox.net.empty()) config.namespaces.push_back({CLONE_NEWNET, sandbox.net});
  if (!sandbox.uts.empty()) config.namespaces.push_back({CLONE_NEWUTS, sandbox.uts});
  if (!sandbox.ipc.empty()) config.namespaces.push_back({CLONE_NEWIPC, sandbox.ipc});
  // The CRI plugin gives containers their own cgroup namespace only on cgroup v2.
  if (layout->mode == cgroup::Mode::v2 && !c.privileged) config.namespaces.push_back({CLONE_NEWCGROUP, ""});
  std::vector<std::string> options;
  if (c.read_only_rootfs) options.push_back("ro");
  config.mounts.push_back({sandbox.hostname_file, "/etc/hostname", "bind", options});
  config.mounts.push_back({sandbox.hosts_file, "/etc/hosts", "bind", options});
  config.mounts.push_back({sandbox.resolv_conf, "/etc/resolv.conf", "bind", options});
  if (auto s = add_volume_mounts(dir, spec, c, config.mounts); !s) return s;
  config.cgroup_procs = cg->procs_files();

  container::Process& p = config.process;
  p.args = process_args(c);
  if (p.args.empty()) return make_error(Errc::invalid_argument, "container " + c.name + ": no command specified");
  p.env = process_env(c, spec.hostname);
  p.cwd = !c.working_dir.empty() ? c.working_dir : !image_string(c, "WorkingDir").empty() ? image_string(c, "WorkingDir") : "/";
  if (c.run_as_user) {
    p.user = std::to_string(*c.run_as_user) + (c.run_as_group ? ":" + std::to_string(*c.run_as_group) : "");
  } else if (!image_string(c, "User").empty()) {
    p.user = image_string(c, "User");
  }
  p.privileged = c.privileged;
  p.cap_add = c.cap_add;
  p.cap_drop = c.cap_drop;
  p.seccomp = c.privileged ? container::Seccomp::unconfined : container::Seccomp::runtime_default;
  p.oom_score_adj = oom_score_adj(qos_class(spec), c, node_memory());

  if (auto s = shim::write_file_atomic(cdir + "/config.json", shim::to_json(record).dump(2) + "\n"); !s) return s;
  auto reply = call_shim(dir, {{"op", "start"}, {"container", c.name}});
  if (!reply) return reply.error();
  MK_LOG(info) << "runtime: started container " << c.name << " of pod " << spec.uid << " as pid "
               << reply->body.value("pid", 0);
  return Status::ok();
}

// Keeps a finished run as the previous one before the container starts again (see runtime.h).
static Status archive_previous_run(const std::string& dir, const std::string& name, const std::string& log,
                                   const std::string& previous_log) {
  std::string cdir = dir + "/containers/" + name;
  auto last = shim::read_json_file(cdir + "/state.json");
  if (!last) return Status::ok();  // never ran
  shim::ContainerState state = shim::state_from_json(*last);
  if (state.phase == shim::Phase::created) return Status::ok();
  json restarts = json::object();
  if (auto r = shim::read_json_file(cdir + "/restarts.json")) restarts = *r;
  // Archived already (minikube stopped between this and the start): count it once.
  if (restarts.contains("previous") &&
      shim::state_from_json(restarts["previous"]).started_at_ns == state.started_at_ns) {
    return Status::ok();
  }
  restarts["restart_count"] = restarts.value("restart_count", 0) + 1;
  restarts["previous"] = *last;
  std::error_code ec;
  for (int i = 0; i <= 9; ++i) {
    std::string suffix = i == 0 ? "" : "." + std::to_string(i);
    std::filesystem::remove(previous_log + suffix, ec);
    if (::access((log + suffix).c_str(), F_OK) == 0) std::filesystem::rename(log + suffix, previous_log + suffix, ec);
  }
  // A new container gets a new writable layer.
  for (const char* sub : {"/upper", "/work"}) {
    if (std::filesystem::exists(cdir + sub, ec)) {
      std::filesystem::remove_all(cdir + sub, ec);
      if (ec) return make_error(Errc::io, "clear " + cdir + sub + ": " + ec.message());
    }
  }
  return shim::write_file_atomic(cdir + "/restarts.json", restarts.dump() + "\n");
}

Status Runtime::start_container(const std::string& uid, const std::string& name) {
  std::string dir = pod_dir(uid);
  std::string what = "start container " + name + " of pod " + uid;
  auto spec = load_spec(dir);
  if (!spec) return spec.error().wrap(what);
  const ContainerSpec* c = find_container(*spec, name);
  if (!c) return make_error(Errc::not_found, what + ": no such container");
  if (live_shim_pid(dir) <= 0) return make_error(Errc::unavailable, what + ": the pod's shim is not running");
  if (auto current = status(uid)) {
    for (const auto& cs : current->containers) {
      if (cs.name == name && cs.state.phase == shim::Phase::running) {
        return make_error(Errc::already_exists, what + ": it is running");
      }
    }
  }
  if (auto s = archive_previous_run(dir, name, log_path(uid, name), previous_log_path(uid, name)); !s) {
    return s.error().wrap(what);
  }
  // A fresh cgroup, so that the OOM kill counter tells about this run only.
  if (auto layout = cgroup::detect()) {
    if (auto cg = cgroup::Cgroup::open(*layout, pod_cgroup(*spec) + "/" + name)) {
      (void)cg->kill_all();
      wait_empty(*cg, std::chrono::seconds(5));
      (void)cg->remove();
    }
  }
  if (auto s = start_container(dir, *spec, *c); !s) return s.error().wrap(what);
  return Status::ok();
}

Status Runtime::stop_container(const std::string& uid, const std::string& name, int64_t grace_seconds) {
  std::string dir = pod_dir(uid);
  if (live_shim_pid(dir) <= 0) return Status::ok();  // nothing of the pod runs
  auto current = status(uid);
  if (!current) return current.error();
  bool running = false;
  for (const auto& cs : current->containers) running |= cs.name == name && cs.state.phase == shim::Phase::running;
  if (!running) return Status::ok();
  auto reply = call_shim(dir, {{"op", "stop"}, {"container", name}, {"grace_seconds", grace_seconds}});
  if (!reply) return reply.error().wrap("stop container " + name + " of pod " + uid);
  return Status::ok();
}

Status Runtime::restart_container(const std::string& uid, const std::string& name, int64_t grace_seconds) {
  if (auto s = stop_container(uid, name, grace_seconds); !s) return s;
  return start_container(uid, name);
}

Status Runtime::stop_pod(const std::string& uid, std::optional<int64_t> grace_seconds) {
  std::string dir = pod_dir(uid);
  auto spec = load_spec(dir);
  if (!spec) return spec.error().wrap("stop pod " + uid);
  int64_t grace = grace_seconds.value_or(spec->grace_seconds);
  if (live_shim_pid(dir) > 0) {
    // Every container gets its stop signal at once; the replies come as they exit.
    std::vector<shim::UniqueFd> waiting;
    for (const ContainerSpec* c : all_containers(*spec)) {
      auto sock = connect_shim(dir);
      if (!sock) break;
      if (shim::send_message(sock->get(), {{"op", "stop"}, {"container", c->name}, {"grace_seconds", grace}})) {
        waiting.push_back(std::move(*sock));
      }
    }
    for (auto& sock : waiting) (void)shim::receive_message(sock.get());
  }
  // Whatever is left in the pod's cgroup (processes that escaped their container's) goes too.
  if (auto layout = cgroup::detect()) {
    if (auto cg = cgroup::Cgroup::open(*layout, pod_cgroup(*spec))) {
      (void)cg->kill_all();
      wait_empty(*cg, std::chrono::seconds(5));
    }
  }
  if (live_shim_pid(dir) > 0) {
    (void)call_shim(dir, {{"op", "shutdown"}});
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (live_shim_pid(dir) > 0 && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (int pid = live_shim_pid(dir); pid > 0) {
      return make_error(Errc::unavailable, "stop pod " + uid + ": shim pid " + std::to_string(pid) + " did not exit");
    }
  }
  MK_LOG(info) << "runtime: stopped pod " << uid;
  return Status::ok();
}

Status Runtime::remove_pod(const std::string& uid) {
  std::string dir = pod_dir(uid);
  if (::access(dir.c_str(), F_OK) != 0) return make_error(Errc::not_found, "remove pod " + uid + ": no such pod");
  auto spec = load_spec(dir);
  if (spec) {
    if (auto s = stop_pod(uid); !s) return s;
  }
  if (config_.network.detach) {
    if (auto s = config_.network.detach(uid); !s) return s.error().wrap("remove pod " + uid);
  }
  if (auto s = destroy_sandbox(dir); !s) return s.error().wrap("remove pod " + uid);
  if (spec) {
    auto layout = cgroup::detect();
    if (!layout) return layout.error().wrap("remove pod " + uid);
    for (const ContainerSpec* c : all_containers(*spec)) {
      if (auto cg = cgroup::Cgroup::open(*layout, pod_cgroup(*spec) + "/" + c->name)) {
        if (auto s = cg->remove(); !s) return s.error().wrap("remove pod " + uid);
      }
    }
    if (auto cg = cgroup::Cgroup::open(*layout, pod_cgroup(*spec))) {
      if (auto s = cg->remove(); !s) return s.error().wrap("remove pod " + uid);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) return make_error(Errc::io, "remove " + dir + ": " + ec.message());
  MK_LOG(info) << "runtime: removed pod " << uid;
  return Status::ok();
}

Result<PodStatus> Runtime::status(const std::string& uid) const {
  std::string dir = pod_dir(uid);
  auto spec = load_spec(dir);
  if (!spec) {
    if (spec.error().code == Errc::io && ::access(dir.c_str(), F_OK) != 0) {
      return make_error(Errc::not_found, "pod " + uid + ": no such pod");
    }
    return spec.error();
  }
  PodStatus out{uid, spec->name, spec->namespace_name, live_shim_pid(dir), {}, {}};
  if (auto net = shim::read_json_file(dir + "/network.json"); net && net->contains("ips") && (*net)["ips"].is_array()) {
    for (const auto& ip : (*net)["ips"]) {
      if (ip.is_string()) out.ips.push_back(ip.get<std::string>());
    }
  }
  json live;
  if (out.shim_pid > 0) {
    if (auto reply = call_shim(dir, {{"op", "status"}})) live = reply->body.value("containers", json::object());
  }
  for (const ContainerSpec* cp : all_containers(*spec)) {
    const ContainerSpec& c = *cp;
    ContainerStatus cs;
    cs.name = c.name;
    cs.init = out.containers.size() < spec->init_containers.size();  // init containers come first
    if (auto r = shim::read_json_file(dir + "/containers/" + c.name + "/restarts.json")) {
      cs.restart_count = r->value("restart_count", 0);
      if (r->contains("previous")) cs.last_state = shim::state_from_json((*r)["previous"]);
    }
    if (live.is_object() && live.contains(c.name)) {
      cs.state = shim::state_from_json(live[c.name]);
    } else if (auto j = shim::read_json_file(dir + "/containers/" + c.name + "/state.json")) {
      cs.state = shim::state_from_json(*j);
      if (cs.state.phase == shim::Phase::running && out.shim_pid == 0) {
        cs.state.phase = shim::Phase::exited;
        cs.state.exit_code = 255;
        cs.state.reason = "Unknown";
      }
    }
    out.containers.push_back(std::move(cs));
  }
  return out;
}

Result<std::vector<PodStatus>> Runtime::list() const {
  std::vector<PodStatus> out;
  std::error_code ec;
  if (!std::filesystem::exists(pods_dir(), ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(pods_dir(), ec)) {
    auto s = status(entry.path().filename());
    if (s) out.push_back(std::move(*s));
  }
  return out;
}

Result<std::string> Runtime::resolve(const std::string& uid_or_name) const {
  if (::access(pod_dir(uid_or_name).c_str(), F_OK) == 0 && uid_or_name.find('/') == std::string::npos) {
    return uid_or_name;
  }
  auto pods = list();
  if (!pods) return pods.error();
  std::string found;
  for (const auto& p : *pods) {
    if (p.name != uid_or_name) continue;
    if (!found.empty()) {
      return make_error(Errc::conflict, "pod \"" + uid_or_name + "\": several pods have that name; give the uid");
    }
    found = p.uid;
  }
  if (found.empty()) return make_error(Errc::not_found, "pod \"" + uid_or_name + "\": no such pod");
  return found;
}

Result<int> Runtime::exec(const std::string& uid, const std::string& container, const ExecRequest& request) {
  std::string dir = pod_dir(uid);
  auto sock = connect_shim(dir);
  if (!sock) return sock.error().wrap("exec in " + uid + "/" + container);
  json body = {{"op", "exec"}, {"container", container}, {"args", request.args}, {"env", request.env}, {"tty", false}};
  // The shim dup2()s these into the process; -1 becomes /dev/null on its side.
  std::vector<int> fds;
  int null_fd = -1;
  for (int fd : {request.stdin_fd, request.stdout_fd, request.stderr_fd}) {
    if (fd < 0) {
      if (null_fd < 0) null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
      fd = null_fd;
    }
    fds.push_back(fd);
  }
  auto sent = shim::send_message(sock->get(), body, fds);
  if (null_fd >= 0) ::close(null_fd);
  if (!sent) return sent.error();
  auto reply = shim::receive_message(sock->get());
  if (!reply) return reply.error();
  if (!reply->body.value("ok", false)) return make_error(Errc::internal, reply->body.value("error", "exec failed"));
  if (request.timeout_ms > 0) {
    pollfd pfd{sock->get(), POLLIN, 0};
    int n;
    do {
      n = ::poll(&pfd, 1, static_cast<int>(request.timeout_ms));
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
      // The process is the shim's child and not reaped yet (its exit code would be waiting on
      // this socket), so its pid still names it.
      if (int pid = reply->body.value("pid", 0); pid > 0) ::kill(pid, SIGKILL);
      return make_error(Errc::cancelled, "exec in " + uid + "/" + container + ": timed out after " +
                                             std::to_string(request.timeout_ms) + "ms");
    }
  }
  auto done = shim::receive_message(sock->get());
  if (!done) return done.error().wrap("exec in " + uid + "/" + container + ": wait for exit");
  return done->body.value("exit_code", -1);
}

Result<Runtime::TtyExec> Runtime::exec_tty(const std::string& uid, const std::string& container,
                                           const ExecRequest& request) {
  auto sock = connect_shim(pod_dir(uid));
  if (!sock) return sock.error().wrap("exec in " + uid + "/" + container);
  json body = {{"op", "exec"}, {"container", container}, {"args", request.args}, {"env", request.env}, {"tty", true}};
  if (auto s = shim::send_message(sock->get(), body); !s) return s.error();
  auto reply = shim::receive_message(sock->get());
  if (!reply) return reply.error();
  if (!reply->body.value("ok", false)) return make_error(Errc::internal, reply->body.value("error", "exec failed"));
  if (reply->fds.size() != 1) return make_error(Errc::internal, "exec in " + uid + "/" + container + ": no terminal");
  return TtyExec{std::move(reply->fds[0]), std::move(*sock)};
}

Result<Runtime::Attached> Runtime::attach(const std::string& uid, const std::string& container) {
  auto sock = connect_shim(pod_dir(uid));
  if (!sock) return sock.error().wrap("attach to " + uid + "/" + container);
  if (auto s = shim::send_message(sock->get(), {{"op", "attach"}, {"container", container}}); !s) return s.error();
  auto reply = shim::receive_message(sock->get());
  if (!reply) return reply.error();
  if (!reply->body.value("ok", false)) return make_error(Errc::unavailable, reply->body.value("error", "attach failed"));
  Attached out;
  out.output = std::move(*sock);
  if (!reply->fds.empty()) out.stdin_fd = std::move(reply->fds[0]);
  return out;
}

Result<std::string> read_cri_log(const std::string& path, bool include_rotated) {
  std::vector<std::string> files;
  if (include_rotated) {
    for (int i = 9; i >= 1; --i) {
      std::string rotated = path + "." + std::to_string(i);
      if (::access(rotated.c_str(), F_OK) == 0) files.push_back(rotated);
    }
  }
  files.push_back(path);
  std::string out;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) {
      if (file == path) return make_error(Errc::not_found, "read log " + path + ": no such file");
      continue;
    }
    std::string line;
    while (std::getline(in, line)) {
      // <timestamp> <stream> <tag> <content>
      size_t a = line.find(' ');
      size_t b = a == std::string::npos ? a : line.find(' ', a + 1);
      size_t c = b == std::string::npos ? b : line.find(' ', b + 1);
      if (c == std::string::npos) continue;
      out += line.substr(c + 1);
      if (line.compare(b + 1, c - b - 1, "F") == 0) out += "\n";
    }
  }
  return out;
}

}  // namespace mk::runtime::pod
