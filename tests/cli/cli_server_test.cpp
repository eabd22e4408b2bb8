// `minikube server` starts on its datastore, says it is ready, and stops cleanly on SIGTERM or
// SIGINT; a datastore it cannot open is one error line and exit code 1.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "cli/process.h"

using namespace std::chrono_literals;
using mk::test::Child;
using mk::test::lines;
using mk::test::read_file;
using mk::test::TempDir;

namespace {

std::vector<std::string> server_args(const TempDir& dir, const std::string& db) {
  return {"server",
          "--data-dir", dir.file("data"),
          "--datastore-endpoint", "sqlite://" + db,
          "--config", dir.write("config.yaml", ""),
          "--node-name", "test-node",
          "--bind-address", "127.0.0.1",
          "--https-listen-port", std::to_string(mk::test::free_port()),
          "--write-kubeconfig", dir.file("kubeconfig.yaml"),
          // The server's agent starts, but changes nothing in the host's network (pod network, service
          // proxy, NetworkPolicy and DNS off).
          "--flannel-backend", "none", "--disable-kube-proxy", "--disable-network-policy", "--disable-cluster-dns"};
}

// Starts the server, waits for its ready line, stops it with `sig` and checks a clean exit.
void start_and_stop(const TempDir& dir, const std::string& db, int sig) {
  const std::string log = dir.file("server.log");
  Child server(server_args(dir, db), {}, dir.file("server.out"), log);
  bool ready = mk::test::eventually(
      [&] { return read_file(log).find("server: ready") != std::string::npos || !server.running(); }, 30s);
  INFO("server log:\n" << read_file(log));
  REQUIRE(ready);
  REQUIRE(server.running());
  CHECK(read_file(log).find("revision") != std::string::npos);

  struct stat st {};
  REQUIRE(stat(dir.file("data/server/db").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  REQUIRE(stat(dir.file("data/server/tls").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(std::filesystem::exists(db));

  server.send(sig);
  REQUIRE(server.wait_for_exit(30s));
  INFO("server log after stop:\n" << read_file(log));
  CHECK(server.term_signal() == 0);
  CHECK(server.exit_code() == 0);
  CHECK(read_file(log).find("server: stopped") != std::string::npos);
}

}  // namespace

TEST_CASE("server starts on a SQLite datastore, is ready, and exits 0 on SIGTERM and SIGINT") {
  TempDir dir;
  const std::string db = dir.file("x.db");
  start_and_stop(dir, db, SIGTERM);
  // Again on the same database: it reopens what the first run left.
  start_and_stop(dir, db, SIGINT);
}

TEST_CASE("server with a datastore file that is not a database logs one error and exits 1") {
  TempDir dir;
  const std::string db = dir.write("broken.db", std::string(4096, 'x'));
  auto r = mk::test::run_minikube(server_args(dir, db), {}, 30s);
  INFO("stderr:\n" << r.err);
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 1);
  std::vector<std::string> errors;
  for (const auto& line : lines(r.err)) {
    if (line.find(" ERROR ") != std::string::npos) errors.push_back(line);
  }
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("broken.db") != std::string::npos);
}
