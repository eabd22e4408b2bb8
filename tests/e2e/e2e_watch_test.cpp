// `kubectl get -w --output-watch-events`: the watch prints ADDED, MODIFIED and DELETED rows as a
// configmap is created, changed and deleted, and stops when killed.
#include <catch2/catch.hpp>

#include "e2e/harness.h"

using mk::e2e::contains;
using mk::e2e::poll_until;
using mk::e2e::RunResult;
using mk::e2e::Server;
using mk::e2e::split_lines;
using mk::e2e::table_cells;
using namespace std::chrono_literals;

namespace {

// The watch's rows for `name` as "EVENT NAME DATA" strings, in the order printed.
std::vector<std::string> events_for(const std::string& out, const std::string& name) {
  std::vector<std::string> rows;
  for (const auto& line : split_lines(out)) {
    auto cells = table_cells(line);
    if (cells.size() >= 3 && cells[1] == name) rows.push_back(cells[0] + " " + cells[1] + " " + cells[2]);
  }
  return rows;
}

}  // namespace

TEST_CASE("kubectl get configmaps -w --output-watch-events shows ADDED, MODIFIED and DELETED") {
  Server server;
  RunResult marker = server.kubectl({"create", "configmap", "already-there", "--from-literal=a=1"});
  INFO(marker);
  REQUIRE(marker.ok());

  auto watch = server.kubectl_background({"get", "configmaps", "-w", "--output-watch-events"});
  // The watch has listed the existing configmap before anything changes.
  bool listed = poll_until([&] { return !events_for(watch->out(), "already-there").empty() || !watch->running(); }, 30s);
  INFO("watch stdout:\n" << watch->out() << "\nwatch stderr:\n" << watch->err());
  REQUIRE(listed);
  REQUIRE(watch->running());
  auto header = table_cells(split_lines(watch->out()).at(0));
  CHECK(header == std::vector<std::string>{"EVENT", "NAME", "DATA", "AGE"});
  CHECK(events_for(watch->out(), "already-there") == std::vector<std::string>{"ADDED already-there 1"});

  RunResult c = server.kubectl({"create", "configmap", "watched", "--from-literal=a=1"});
  INFO(c);
  REQUIRE(c.ok());
  RunResult p = server.kubectl({"patch", "configmap", "watched", "-p", R"({"data":{"b":"2"}})"});
  INFO(p);
  REQUIRE(p.ok());
  RunResult d = server.kubectl({"delete", "configmap", "watched"});
  INFO(d);
  REQUIRE(d.ok());

  bool saw_delete = poll_until([&] { return contains(watch->out(), "DELETED") || !watch->running(); }, 30s);
  RunResult w = watch->stop();
  INFO(w);
  CHECK(saw_delete);
  CHECK(events_for(w.out, "watched") ==
        std::vector<std::string>{"ADDED watched 1", "MODIFIED watched 2", "DELETED watched 2"});
  // Nothing else happened to the first configmap.
  CHECK(events_for(w.out, "already-there") == std::vector<std::string>{"ADDED already-there 1"});
  CHECK(w.err.empty());
}

TEST_CASE("kubectl get pods -w in a namespace sees a pod created there") {
  Server server;
  RunResult ns = server.kubectl({"create", "namespace", "watching"});
  INFO(ns);
  REQUIRE(ns.ok());
  RunResult first = server.kubectl({"run", "first", "-n", "watching", "--image=busybox", "--restart=Never"});
  INFO(first);
  REQUIRE(first.ok());

  auto watch = server.kubectl_background({"get", "pods", "-n", "watching", "-w"});
  bool listed = poll_until([&] { return contains(watch->out(), "first") || !watch->running(); }, 30s);
  INFO("watch stdout:\n" << watch->out() << "\nwatch stderr:\n" << watch->err());
  REQUIRE(listed);
  REQUIRE(watch->running());
  CHECK(table_cells(split_lines(watch->out()).at(0)) ==
        std::vector<std::string>{"NAME", "READY", "STATUS", "RESTARTS", "AGE"});

  // A pod in another namespace does not show up (created first, so it would be printed before
  // "second" if the watch let it through).
  RunResult other = server.kubectl({"run", "elsewhere", "-n", "default", "--image=busybox", "--restart=Never"});
  INFO(other);
  REQUIRE(other.ok());
  RunResult second = server.kubectl({"run", "second", "-n", "watching", "--image=busybox", "--restart=Never"});
  INFO(second);
  REQUIRE(second.ok());

  bool saw = poll_until([&] { return contains(watch->out(), "second") || !watch->running(); }, 30s);
  RunResult w = watch->stop();
  INFO(w);
  CHECK(saw);
  bool found_row = false;
  for (const auto& line : split_lines(w.out)) {
    auto cells = table_cells(line);
    if (!cells.empty() && cells[0] == "second") {
      found_row = true;
      CHECK(cells.size() == 5);
      CHECK(cells[1] == "0/1");
      CHECK(cells[2] == "Pending");
    }
  }
  CHECK(found_row);
  CHECK_FALSE(contains(w.out, "elsewhere"));
}
