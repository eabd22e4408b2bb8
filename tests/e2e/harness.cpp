#include "e2e/harness.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
// The listener interface (TestEventListenerBase, CATCH_REGISTER_LISTENER) lives behind this.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <httplib.h>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "agent/network/pod_network.h"
#include "runtime/pod/runtime.h"

namespace mk::e2e {

// ---------------------------------------------------------------------------------------------
// Failure tracking: the server log is printed when the test case that owns the server failed.

namespace {

std::atomic<bool> g_test_failed{false};

class FailureListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(Catch::TestCaseInfo const& info) override {
    g_test_failed = false;
    TestEventListenerBase::testCaseStarting(info);
  }
  bool assertionEnded(Catch::AssertionStats const& stats) override {
    if (!stats.assertionResult.isOk()) g_test_failed = true;
    return TestEventListenerBase::assertionEnded(stats);
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(FailureListener)

// ---------------------------------------------------------------------------------------------
// Files and text.

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/minikube-e2e.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + ": " + strerror(errno));
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  std::string p = file(name);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) throw std::runtime_error("write " + p);
  return p;
}

std::string TempDir::subdir(const std::string& prefix) {
  std::string p = file(prefix + "-" + std::to_string(next_++));
  std::filesystem::create_directories(p);
  return p;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

std::vector<std::string> table_cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' && i + 1 < line.size() && line[i + 1] == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      while (i < line.size() && line[i] == ' ') ++i;
      continue;
    }
    cur += line[i++];
  }
  while (!cur.empty() && cur.back() == ' ') cur.pop_back();
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string squeeze(const std::string& text) {
  std::string out;
  for (const auto& w : words(text)) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

bool has_line_starting(const std::string& text, const std::string& prefix) {
  const std::string p = squeeze(prefix);
  for (const auto& line : split_lines(text)) {
    if (squeeze(line).rfind(p, 0) == 0) return true;
  }
  return false;
}

std::string row_named(const std::string& table, const std::string& name) {
  for (const auto& line : split_lines(table)) {
    auto w = words(line);
    if (!w.empty() && w[0] == name) return line;
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Processes.

Process::Process(const std::vector<std::string>& argv_in, const std::vector<std::string>& env,
                 const std::string& stdin_path, const std::string& out_path, const std::string& err_path) {
  if (argv_in.empty()) throw std::runtime_error("Process: empty argv");
  std::vector<std::string> argv_s = argv_in, env_s = env;
  std::vector<char*> argv, envp;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int rc = posix_spawn(&pid_, argv_s[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("spawn " + argv_s[0] + ": " + strerror(rc));
  // Through syscall(): bookworm's <sys/pidfd.h> declares pidfd_open without C linkage for C++.
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd_ < 0) {
    int err = errno;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    exited_ = true;
    throw std::runtime_error(std::string("pidfd_open: ") + strerror(err));
  }
}

Process::~Process() {
  if (!exited_) stop(5s);
  if (pidfd_ >= 0) close(pidfd_);
}

void Process::reap(int status) {
  exited_ = true;
  if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) signal_ = WTERMSIG(status);
}

bool Process::running() {
  if (exited_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) reap(status);
  return !exited_;
}

bool Process::wait_for_exit(std::chrono::milliseconds timeout) {
  if (exited_) return true;
  // The pidfd becomes readable when the process exits.
  pollfd p{pidfd_, POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int n = poll(&p, 1, static_cast<int>(std::max<long>(0, left.count())));
    if (n > 0) break;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
  int status = 0;
  if (waitpid(pid_, &status, 0) == pid_) reap(status);
  return exited_;
}

bool Process::stop(std::chrono::milliseconds grace) {
  if (!running()) return true;
  kill(pid_, SIGTERM);
  if (wait_for_exit(grace)) return true;
  kill(pid_, SIGKILL);
  wait_for_exit(30s);
  return false;
}

std::ostream& operator<<(std::ostream& os, const RunResult& r) {
  os << "$ " << r.command << "\n";
  if (r.timed_out) os << "(timed out and was killed)\n";
  os << "exit code: " << r.exit_code << "\n";
  os << "stdout:\n" << r.out << (r.out.empty() || r.out.back() == '\n' ? "" : "\n");
  os << "stderr:\n" << r.err;
  return os;
}

namespace {

std::string join_command(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    bool quote = a.empty() || a.find_first_of(" \t'\"{}$*[]") != std::string::npos;
    s += quote ? "'" + a + "'" : a;
  }
  return s;
}

RunResult run_to_completion(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                            TempDir& io_parent, std::chrono::milliseconds timeout, const std::string& stdin_data) {
  std::string dir = io_parent.subdir("run");
  RunResult r;
  r.command = join_command(argv);
  std::string in_path = "/dev/null";
  if (!stdin_data.empty()) {
    in_path = dir + "/stdin";
    std::ofstream(in_path, std::ios::binary) << stdin_data;
  }
  {
    Process p(argv, env, in_path, dir + "/stdout", dir + "/stderr");
    if (!p.wait_for_exit(timeout)) {
      r.timed_out = true;
      p.stop(2s);
    }
    r.exit_code = r.timed_out ? -1 : p.exit_code();
  }
  r.out = read_file(dir + "/stdout");
  r.err = read_file(dir + "/stderr");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return r;
}

std::string base64_decode(const std::string& in) {
  std::string clean;
  for (char c : in) {
    if (!isspace(static_cast<unsigned char>(c))) clean += c;
  }
  std::string out(clean.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) throw std::runtime_error("invalid base64 in the kubeconfig");
  size_t pad = 0;
  for (size_t i = clean.size(); i > 0 && clean[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Background commands.

BackgroundCommand::BackgroundCommand(std::string command, const std::vector<std::string>& argv,
                                     const std::vector<std::string>& env, const std::string& dir)
    : command_(std::move(command)), out_path_(dir + "/stdout"), err_path_(dir + "/stderr") {
  process_ = std::make_unique<Process>(argv, env, "/dev/null", out_path_, err_path_);
}

RunResult BackgroundCommand::stop() {
  RunResult r;
  r.command = command_;
  process_->stop(10s);
  r.exit_code = process_->exit_code();
  r.out = out();
  r.err = err();
  return r;
}

// ---------------------------------------------------------------------------------------------
// The server.

std::string kubectl_binary() {
  const char* k = std::getenv("MINIKUBE_E2E_KUBECTL");
  return k && *k ? k : "/usr/bin/kubectl";
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  if (port < 0) throw std::runtime_error("find a free port: " + std::string(strerror(errno)));
  return port;
}

ClusterRanges per_run_ranges() {
  // Even N in [64, 242]: clear of k3s's default 10.42/10.43, which a real cluster may use.
  unsigned seed = static_cast<unsigned>(::getpid()) * 7919u + static_cast<unsigned>(std::time(nullptr));
  int n = 64 + 2 * static_cast<int>(seed % 90);
  std::string svc = "10." + std::to_string(n + 1) + ".";
  return {"10." + std::to_string(n) + ".0.0/16", svc + "0.0/16", svc + "0.10"};
}

void cleanup_node(const std::string& data_dir, const std::string& node_name, const std::string& cgroup_root) {
  mk::runtime::pod::RuntimeConfig config;
  config.data_dir = data_dir;
  config.cgroup_root = cgroup_root;
  mk::runtime::pod::Runtime runtime(config);
  if (auto pods = runtime.list()) {
    for (const auto& p : *pods) (void)runtime.remove_pod(p.uid);
  }
  (void)mk::agent::network::PodNetwork::remove(node_name);
  // rmdir refuses a cgroup that still has processes or children, so nothing in use is touched.
  std::error_code ec;
  for (const auto& h : std::filesystem::directory_iterator("/sys/fs/cgroup", ec)) {
    std::string root = h.path().string() + "/" + cgroup_root;
    for (const char* sub : {"/kubepods/besteffort", "/kubepods/burstable", "/kubepods", ""}) ::rmdir((root + sub).c_str());
  }
}

Server::Server(ServerOptions options) : options_(std::move(options)), ranges_(per_run_ranges()) {
  const char* bin = std::getenv("MINIKUBE_BIN");
  if (bin == nullptr || *bin == '\0') throw std::runtime_error("MINIKUBE_BIN is not set (run the tests with ctest)");
  static std::atomic<int> servers{0};
  std::string run_id = std::to_string(::getpid()) + "-" + std::to_string(servers++);
  if (options_.agent) {
    node_name_ = "e2e-" + run_id;
    cgroup_root_ = "minikube-e2e-" + run_id;
  }
  port_ = free_port();
  kubeconfig_ = dir_.file("kubeconfig");
  log_file_ = dir_.file("server.log");
  std::filesystem::create_directories(dir_.file("home"));
  std::filesystem::create_directories(data_dir());
  if (options_.prepare) options_.prepare(data_dir());
  std::vector<std::string> argv = {bin,
                                   "server",
                                   "--config", dir_.write("config.yaml", ""),
                                   "--data-dir", data_dir(),
                                   "--node-name", node_name_,
                                   "--bind-address", options_.bind_address,
                                   "--https-listen-port", std::to_string(port_),
                                   "--write-kubeconfig", kubeconfig_,
                                   "--cluster-cidr", ranges_.cluster_cidr};
  if (options_.agent) {
    for (const auto& a : {"--service-cidr", ranges_.service_cidr.c_str(), "--cluster-dns", ranges_.cluster_dns.c_str(),
                          "--cgroup-root", cgroup_root_.c_str()})
      argv.push_back(a);
  } else {
    argv.push_back("--disable-agent");
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + dir_.file("home")};
  process_ = std::make_unique<Process>(in_netns(argv), env, "/dev/null", dir_.file("server.out"), log_file_);

  // Ready when the kubeconfig is written and /readyz answers 200 over TLS verified with its CA.
  std::string last_error = "the kubeconfig was not written";
  bool exited = false;
  bool ready = poll_until(
      [&] {
        if (!process_->running()) {
          exited = true;
          return true;
        }
        if (ca_file_.empty()) {
          try {
            YAML::Node kc = YAML::LoadFile(kubeconfig_);
            const auto cluster = kc["clusters"][0]["cluster"];
            const auto user = kc["users"][0]["user"];
            std::string ca = base64_decode(cluster["certificate-authority-data"].as<std::string>());
            std::string cert = base64_decode(user["client-certificate-data"].as<std::string>());
            std::string key = base64_decode(user["client-key-data"].as<std::string>());
            if (cluster["server"].as<std::string>() != url()) {
              last_error = "the kubeconfig names server " + cluster["server"].as<std::string>() + ", not " + url();
              return false;
            }
            client_cert_file_ = dir_.write("client.crt", cert);
            client_key_file_ = dir_.write("client.key", key);
            ca_file_ = dir_.write("ca.crt", ca);
          } catch (const std::exception& e) {
            last_error = std::string("kubeconfig not usable yet: ") + e.what();
            return false;
          }
        }
        HttpResult r = https_get("/readyz");
        if (r.status == 200) return true;
        last_error = "GET /readyz: " + (r.status ? std::to_string(r.status) + " " + r.body : r.error);
        return false;
      },
      30s);
  if (exited || !ready) {
    std::string why = exited ? "the server exited with code " + std::to_string(process_->exit_code())
                             : "the server was not ready within 30s (" + last_error + ")";
    process_->stop(5s);
    if (options_.agent) cleanup_node(data_dir(), node_name_, cgroup_root_);
    throw std::runtime_error(why + "\nserver log:\n" + log());
  }
}

Server::~Server() {
  bool clean = process_->stop(10s);
  if (options_.agent) cleanup_node(data_dir(), node_name_, cgroup_root_);
  if (g_test_failed || std::uncaught_exceptions() > 0) {
    std::cerr << "---- minikube server log (" << log_file_ << ") ----\n"
              << log() << "---- end of server log" << (clean ? "" : " (server needed SIGKILL)") << " ----\n";
  }
}

std::string Server::log() const { return read_file(log_file_); }

std::vector<std::string> Server::kubectl_env() const {
  return {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir_.file("home"), "LANG=C.UTF-8"};
}

RunResult Server::kubectl(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                          const std::string& stdin_data) {
  std::vector<std::string> argv = {kubectl_binary(), "--kubeconfig", kubeconfig_, "--cache-dir", dir_.subdir("kcache")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv = in_netns(std::move(argv));
  return run_to_completion(argv, kubectl_env(), dir_, timeout, stdin_data);
}

RunResult Server::kubectl_with_env(const std::vector<std::string>& extra_env, const std::vector<std::string>& args,
                                   std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {kubectl_binary(), "--kubeconfig", kubeconfig_, "--cache-dir", dir_.subdir("kcache")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv = in_netns(std::move(argv));
  std::vector<std::string> env = kubectl_env();
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  return run_to_completion(argv, env, dir_, timeout, "");
}

RunResult Server::kubectl_raw(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {kubectl_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv = in_netns(std::move(argv));
  return run_to_completion(argv, kubectl_env(), dir_, timeout, "");
}

std::unique_ptr<BackgroundCommand> Server::kubectl_background(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kubectl_binary(), "--kubeconfig", kubeconfig_, "--cache-dir", dir_.subdir("kcache")};
  argv.insert(argv.end(), args.begin(), args.end());
  argv = in_netns(std::move(argv));
  return std::make_unique<BackgroundCommand>(join_command(argv), argv, kubectl_env(), dir_.subdir("bg"));
}

std::vector<std::string> Server::in_netns(std::vector<std::string> argv) const {
  if (options_.netns.empty()) return argv;
  std::vector<std::string> out = {"/usr/bin/nsenter", "--net=" + options_.netns, "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

HttpResult Server::https_get(const std::string& path, bool client_cert) const {
  if (!options_.netns.empty()) {
    // A thread that entered the namespace opens the connection there (setns moves one thread).
    HttpResult out;
    std::thread t([&] {
      int fd = ::open(options_.netns.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
        out.error = "enter " + options_.netns + ": " + std::strerror(errno);
      } else {
        out = https_get_here(path, client_cert);
      }
      if (fd >= 0) ::close(fd);
    });
    t.join();
    return out;
  }
  return https_get_here(path, client_cert);
}

HttpResult Server::https_get_here(const std::string& path, bool client_cert) const {
  HttpResult out;
  std::unique_ptr<httplib::SSLClient> cli;
  if (client_cert) {
    cli = std::make_unique<httplib::SSLClient>("127.0.0.1", port_, client_cert_file_, client_key_file_);
  } else {
    cli = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
  }
  cli->set_ca_cert_path(ca_file_.c_str());
  cli->enable_server_certificate_verification(true);
  cli->set_connection_timeout(5, 0);
  cli->set_read_timeout(10, 0);
  auto res = cli->Get(path.c_str(), httplib::Headers{{"Accept", "application/json"}});
  if (!res) {
    out.error = httplib::to_string(res.error());
    return out;
  }
  out.status = res->status;
  out.content_type = res->get_header_value("Content-Type");
  out.body = res->body;
  return out;
}

}  // namespace mk::e2e
