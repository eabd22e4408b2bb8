// Pure-logic parts of the shim and the pod runtime: CRI log lines and rotation, the control
// protocol's framing and fd passing, the pod spec reader, QoS.

#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "runtime/pod/pod_spec.h"
#include "runtime/pod/runtime.h"
#include "runtime/shim/container_files.h"
#include "runtime/shim/cri_log.h"
#include "runtime/shim/protocol.h"

namespace fs = std::filesystem;
using namespace mk::runtime;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "mk-runtime-unit-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("CRI log lines carry a UTC nanosecond timestamp, the stream and F or P") {
  TempDir dir;
  std::string path = dir.path + "/c.log";
  shim::CriLog log(path, 1 << 20, 5);
  REQUIRE(log.open());
  log.write(shim::CriLog::out, "one\ntw");
  log.write(shim::CriLog::out, "o\nunfinished");
  log.write(shim::CriLog::err, "oops\n");
  log.finish(shim::CriLog::out);
  auto lines = lines_of(path);
  REQUIRE(lines.size() == 4);
  std::regex format(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [FP] .*$)");
  for (const auto& l : lines) CHECK(std::regex_match(l, format));
  CHECK(lines[0].substr(31) == "stdout F one");
  CHECK(lines[1].substr(31) == "stdout F two");
  CHECK(lines[2].substr(31) == "stderr F oops");
  CHECK(lines[3].substr(31) == "stdout P unfinished");
  CHECK(shim::CriLog::timestamp(1700000000123456789) == "2023-11-14T22:13:20.123456789Z");
}

TEST_CASE("CRI log splits over-long lines into partial chunks") {
  TempDir dir;
  std::string path = dir.path + "/c.log";
  shim::CriLog log(path, 1 << 20, 5);
  REQUIRE(log.open());
  log.write(shim::CriLog::out, std::string(shim::CriLog::kMaxLineBytes + 10, 'x') + "\n");
  auto lines = lines_of(path);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].substr(31, 9) == "stdout P ");
  CHECK(lines[0].size() == 40 + shim::CriLog::kMaxLineBytes);
  CHECK(lines[1].substr(31) == "stdout F " + std::string(10, 'x'));
  auto text = pod::read_cri_log(path, false);
  REQUIRE(text);
  CHECK(*text == std::string(shim::CriLog::kMaxLineBytes + 10, 'x') + "\n");
}

TEST_CASE("CRI log rotates by size and keeps max_files files") {
  TempDir dir;
  std::string path = dir.path + "/c.log";
  const uint64_t max = 1000;
  shim::CriLog log(path, max, 3);
  REQUIRE(log.open());
  for (int i = 0; i < 200; ++i) log.write(shim::CriLog::out, "line " + std::to_string(i) + "\n");
  CHECK(fs::exists(path));
  CHECK(fs::exists(path + ".1"));
  CHECK(fs::exists(path + ".2"));
  CHECK_FALSE(fs::exists(path + ".3"));
  for (const auto& p : {path, path + ".1", path + ".2"}) CHECK(fs::file_size(p) <= max);
  // The newest lines are in the current file, in order, the older ones in .1.
  auto current = lines_of(path);
  REQUIRE_FALSE(current.empty());
  CHECK(current.back().substr(31) == "stdout F line 199");
  auto previous = lines_of(path + ".1");
  auto first_current = std::stoi(current.front().substr(45));
  CHECK(std::stoi(previous.back().substr(45)) == first_current - 1);
}

TEST_CASE("shim protocol frames JSON and passes file descriptors") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  shim::UniqueFd a(sv[0]), b(sv[1]);
  int p[2];
  REQUIRE(::pipe(p) == 0);
  shim::UniqueFd pr(p[0]), pw(p[1]);
  REQUIRE(shim::send_message(a.get(), {{"op", "exec"}, {"args", {"echo", "hi"}}}, {pw.get()}));
  auto m = shim::receive_message(b.get());
  REQUIRE(m);
  CHECK(m->body["op"] == "exec");
  CHECK(m->body["args"][1] == "hi");
  REQUIRE(m->fds.size() == 1);
  REQUIRE(::write(m->fds[0].get(), "x", 1) == 1);
  char c = 0;
  REQUIRE(::read(pr.get(), &c, 1) == 1);
  CHECK(c == 'x');
  a.reset();
  auto closed = shim::receive_message(b.get());
  REQUIRE_FALSE(closed);
  CHECK(closed.error().code == mk::Errc::unavailable);
}

TEST_CASE("container record and state survive a round trip through JSON") {
  shim::ContainerRecord r;
  r.name = "web";
  r.log_path = "/x/web.log";
  r.tty = true;
  r.config.rootfs = "/r";
  r.config.namespaces.push_back({0x40000000, "/p/ns/net"});
  r.config.mounts.push_back({"/p/hosts", "/etc/hosts", "bind", {"ro"}});
  r.config.process.args = {"sh", "-c", "true"};
  r.config.process.oom_score_adj = -997;
  auto back = shim::record_from_json(shim::to_json(r));
  REQUIRE(back);
  CHECK(back->name == "web");
  CHECK(back->tty);
  CHECK(back->config.namespaces.at(0).path == "/p/ns/net");
  CHECK(back->config.mounts.at(0).options == std::vector<std::string>{"ro"});
  CHECK(back->config.process.args == r.config.process.args);
  CHECK(back->config.process.oom_score_adj == -997);
  CHECK_FALSE(shim::record_from_json(nlohmann::json::object()));

  shim::ContainerState s;
  s.phase = shim::Phase::exited;
  s.exit_code = 137;
  s.reason = "OOMKilled";
  auto s2 = shim::state_from_json(shim::to_json(s));
  CHECK(s2.phase == shim::Phase::exited);
  CHECK(s2.exit_code == 137);
  CHECK(s2.reason == "OOMKilled");
}

TEST_CASE("process start time tells a live process from a reused pid") {
  CHECK(shim::process_start_time(::getpid()) > 0);
  CHECK(shim::process_start_time(0) == 0);
  CHECK(shim::process_start_time(1 << 30) == 0);
}

TEST_CASE("pod spec is read from a Pod object") {
  auto pod = nlohmann::json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "prod", "uid": "1234"},
    "spec": {"hostNetwork": true, "terminationGracePeriodSeconds": 5,
      "dnsConfig": {"nameservers": ["10.0.0.10"], "searches": ["svc.local"], "options": [{"name": "ndots", "value": "5"}]},
      "containers": [{"name": "app", "image": "busybox", "command": ["sh"], "args": ["-c", "true"],
        "env": [{"name": "A", "value": "1"}], "tty": true,
        "resources": {"limits": {"memory": "64Mi", "cpu": "500m"}}}]}})");
  auto spec = pod::pod_from_json(pod);
  REQUIRE(spec);
  CHECK(spec->uid == "1234");
  CHECK(spec->namespace_name == "prod");
  CHECK(spec->host_network);
  CHECK(spec->grace_seconds == 5);
  CHECK(spec->dns_options == std::vector<std::string>{"ndots:5"});
  REQUIRE(spec->containers.size() == 1);
  const auto& c = spec->containers[0];
  CHECK(c.memory_limit == 64 * 1024 * 1024);
  CHECK(c.memory_request == 64 * 1024 * 1024);
  CHECK(c.cpu_limit_milli == 500);
  CHECK(c.tty);
  CHECK(pod::qos_class(*spec) == pod::QosClass::guaranteed);
  auto round = pod::spec_from_json(pod::to_json(*spec));
  REQUIRE(round);
  CHECK(round->containers.at(0).env == c.env);
  CHECK(round->containers.at(0).memory_limit == c.memory_limit);

  CHECK_FALSE(pod::pod_from_json(nlohmann::json::parse(R"({"kind": "Service"})")));
}

TEST_CASE("quantities, QoS and oom_score_adj follow Kubernetes") {
  CHECK(*pod::parse_memory("1Gi") == 1073741824);
  CHECK(*pod::parse_memory("100M") == 100000000);
  CHECK(*pod::parse_memory("512") == 512);
  CHECK_FALSE(pod::parse_memory("12X"));
  CHECK_FALSE(pod::parse_memory("."));
  CHECK(*pod::parse_cpu_milli("250m") == 250);
  CHECK(*pod::parse_cpu_milli("2") == 2000);
  CHECK(*pod::parse_cpu_milli("0.5") == 500);

  pod::PodSpec spec;
  spec.containers.resize(1);
  CHECK(pod::qos_class(spec) == pod::QosClass::best_effort);
  CHECK(pod::oom_score_adj(pod::QosClass::best_effort, spec.containers[0], 1 << 30) == 1000);
  spec.containers[0].memory_request = int64_t{1} << 29;
  CHECK(pod::qos_class(spec) == pod::QosClass::burstable);
  CHECK(pod::oom_score_adj(pod::QosClass::burstable, spec.containers[0], int64_t{1} << 30) == 500);
  spec.containers[0].memory_request = int64_t{1} << 30;
  CHECK(pod::oom_score_adj(pod::QosClass::burstable, spec.containers[0], int64_t{1} << 30) == 3);
}

TEST_CASE("pod validation names what is wrong") {
  pod::PodSpec spec;
  spec.uid = "u1";
  spec.name = "p";
  CHECK_FALSE(pod::validate(spec));
  spec.containers.push_back({});
  spec.containers[0].name = "Bad_Name";
  spec.containers[0].rootfs = "/";
  auto bad = pod::validate(spec);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("Bad_Name") != std::string::npos);
  spec.containers[0].name = "good";
  CHECK(pod::validate(spec));
  spec.containers.push_back(spec.containers[0]);
  CHECK_FALSE(pod::validate(spec));
  spec.containers.pop_back();
  spec.uid = "../x";
  CHECK_FALSE(pod::validate(spec));
}
