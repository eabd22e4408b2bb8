// The Ready, Status and Restarts cells of `kubectl get pods`, case by case through the
// container states that decide them.

#include <catch2/catch.hpp>

#include "printers_test_util.h"

using nlohmann::json;
using printers_test::ago;
using namespace std::chrono;

namespace {

json running(bool ready, int restarts = 0) {
  return {{"name", "app"},
          {"ready", ready},
          {"restartCount", restarts},
          {"state", {{"running", {{"startedAt", ago(hours(1))}}}}}};
}

json waiting(const std::string& reason, int restarts = 0) {
  return {{"name", "app"},
          {"ready", false},
          {"restartCount", restarts},
          {"state", {{"waiting", {{"reason", reason}}}}}};
}

json terminated(json details, int restarts = 0) {
  return {
      {"name", "app"}, {"ready", false}, {"restartCount", restarts}, {"state", {{"terminated", details}}}};
}

json with_last_termination(json status, const std::string& finished_at) {
  status["lastState"] = {
      {"terminated", {{"exitCode", 137}, {"reason", "OOMKilled"}, {"finishedAt", finished_at}}}};
  return status;
}

// A pod with one app container per status given (all named after the status's name).
json pod(const std::string& phase, json statuses = json::array(), json extra_status = json::object()) {
  json containers = json::array();
  for (const auto& s : statuses) containers.push_back({{"name", s.value("name", "app")}, {"image", "nginx"}});
  if (containers.empty()) containers.push_back({{"name", "app"}, {"image", "nginx"}});
  json p = {{"metadata", {{"name", "web"}, {"namespace", "default"}, {"creationTimestamp", ago(hours(2))}}},
            {"spec", {{"containers", containers}}},
            {"status", {{"phase", phase}}}};
  if (!statuses.empty()) p["status"]["containerStatuses"] = statuses;
  p["status"].update(extra_status);
  return p;
}

// Two init containers before one app container.
json initializing_pod(json init_statuses, json extra_status = json::object()) {
  json p = pod("Pending", json::array({waiting("PodInitializing")}), extra_status);
  p["spec"]["initContainers"] = {{{"name", "init-a"}, {"image", "busybox"}},
                                 {{"name", "init-b"}, {"image", "busybox"}}};
  p["status"]["initContainerStatuses"] = init_statuses;
  return p;
}

json named(json status, const std::string& name) {
  status["name"] = name;
  return status;
}

struct Case {
  std::string what;
  json pod;
  std::string ready;
  std::string status;
  std::string restarts;
};

}  // namespace

TEST_CASE("pod ready, status and restarts cells") {
  const json deleting = {{"deletionTimestamp", ago(seconds(10))}};
  const json ready_condition = {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}};
  const json initialized = {{"conditions", {{{"type", "Initialized"}, {"status", "True"}}}}};

  std::vector<Case> cases = {
      {"pending, nothing reported yet", pod("Pending"), "0/1", "Pending", "0"},
      {"creating the container", pod("Pending", {waiting("ContainerCreating")}), "0/1", "ContainerCreating",
       "0"},
      {"pulling fails", pod("Pending", {waiting("ImagePullBackOff")}), "0/1", "ImagePullBackOff", "0"},
      {"running and ready", pod("Running", {running(true)}, ready_condition), "1/1", "Running", "0"},
      {"running, not ready yet", pod("Running", {running(false)}), "0/1", "Running", "0"},
      {"crash loop with the last crash 30m ago",
       pod("Running",
           {with_last_termination(waiting("CrashLoopBackOff", 5), ago(minutes(30) + seconds(30)))}),
       "0/1", "CrashLoopBackOff", "5 (30m ago)"},
      {"restarts without a known time print the count only", pod("Running", {running(true, 2)}), "1/1",
       "Running", "2"},
      {"recovered from an OOM kill",
       pod("Running", {with_last_termination(running(true, 1), ago(hours(5) + minutes(10) + seconds(30)))}),
       "1/1", "Running", "1 (5h10m ago)"},
      {"completed", pod("Succeeded", {terminated({{"exitCode", 0}, {"reason", "Completed"}})}), "0/1",
       "Completed", "0"},
      {"failed with a reason", pod("Failed", {terminated({{"exitCode", 1}, {"reason", "Error"}})}), "0/1",
       "Error", "0"},
      {"OOM killed", pod("Running", {terminated({{"exitCode", 137}, {"reason", "OOMKilled"}}, 1)}), "0/1",
       "OOMKilled", "1"},
      {"exit code without a reason", pod("Failed", {terminated({{"exitCode", 3}})}), "0/1", "ExitCode:3",
       "0"},
      {"signal without a reason", pod("Failed", {terminated({{"exitCode", 0}, {"signal", 9}})}), "0/1",
       "Signal:9", "0"},
      {"one of two containers completed, the pod is ready",
       pod("Running",
           {named(terminated({{"exitCode", 0}, {"reason", "Completed"}}), "job"),
            named(running(true), "app")},
           ready_condition),
       "1/2", "Running", "0"},
      {"one of two containers completed, the pod is not ready",
       pod("Running", {named(terminated({{"exitCode", 0}, {"reason", "Completed"}}), "job"),
                       named(running(true), "app")}),
       "1/2", "NotReady", "0"},
      {"the first container's waiting reason wins",
       pod("Running", {named(waiting("CrashLoopBackOff"), "a"), named(waiting("ErrImagePull"), "b")}), "0/2",
       "CrashLoopBackOff", "0"},
      {"first init container running",
       initializing_pod({named(running(false), "init-a"), named(waiting("PodInitializing"), "init-b")}),
       "0/1", "Init:0/2", "0"},
      {"second init container running",
       initializing_pod({named(terminated({{"exitCode", 0}, {"reason", "Completed"}}), "init-a"),
                         named(running(false), "init-b")}),
       "0/1", "Init:1/2", "0"},
      {"init container cannot pull its image",
       initializing_pod(
           {named(waiting("ImagePullBackOff"), "init-a"), named(waiting("PodInitializing"), "init-b")}),
       "0/1", "Init:ImagePullBackOff", "0"},
      {"init container crash-looping",
       initializing_pod(
           {named(with_last_termination(waiting("CrashLoopBackOff", 3), ago(minutes(45) + seconds(30))),
                  "init-a"),
            named(waiting("PodInitializing"), "init-b")}),
       "0/1", "Init:CrashLoopBackOff", "3 (45m ago)"},
      {"init container failed with a reason",
       initializing_pod({named(terminated({{"exitCode", 1}, {"reason", "Error"}}), "init-a")}), "0/1",
       "Init:Error", "0"},
      {"init container failed without a reason",
       initializing_pod({named(terminated({{"exitCode", 2}}), "init-a")}), "0/1", "Init:ExitCode:2", "0"},
      {"init container killed by a signal",
       initializing_pod({named(terminated({{"exitCode", 2}, {"signal", 15}}), "init-a")}), "0/1",
       "Init:Signal:15", "0"},
      {"terminating while running", pod("Running", {running(true)}), "1/1", "Terminating", "0"},
      {"terminating after success keeps the final reason",
       pod("Succeeded", {terminated({{"exitCode", 0}, {"reason", "Completed"}})}), "0/1", "Completed", "0"},
      {"node lost", pod("Running", {running(true)}, {{"reason", "NodeLost"}}), "1/1", "NodeLost", "0"},
      {"node lost and deleted", pod("Running", {running(true)}, {{"reason", "NodeLost"}}), "1/1", "Unknown",
       "0"},
      {"evicted", pod("Failed", json::array(), {{"reason", "Evicted"}}), "0/1", "Evicted", "0"},
      {"held by scheduling gates",
       pod("Pending", json::array(),
           {{"conditions",
             {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "SchedulingGated"}}}}}),
       "0/1", "SchedulingGated", "0"},
  };
  // Mark the deletions.
  for (auto& c : cases) {
    if (c.what.find("terminating") == 0 || c.what == "node lost and deleted")
      c.pod["metadata"].update(deleting);
  }

  for (const auto& c : cases) {
    CAPTURE(c.what);
    const json cells = printers_test::row("", "Pod", c.pod);
    CHECK(cells[1] == c.ready);
    CHECK(cells[2] == c.status);
    CHECK(cells[3] == c.restarts);
  }

  SECTION("a sidecar counts among the containers and its restarts carry over") {
    json p = pod("Running", {running(true)}, ready_condition);
    p["status"]["conditions"].push_back(initialized["conditions"][0]);
    p["spec"]["initContainers"] = {
        {{"name", "setup"}, {"image", "busybox"}},
        {{"name", "proxy"}, {"image", "envoy"}, {"restartPolicy", "Always"}},
    };
    json proxy =
        with_last_termination(named(running(true, 2), "proxy"), ago(hours(2) + minutes(30) + seconds(30)));
    proxy["started"] = true;
    json setup = named(terminated({{"exitCode", 0}, {"reason", "Completed"}}, 4), "setup");
    p["status"]["initContainerStatuses"] = {setup, proxy};
    const json cells = printers_test::row("", "Pod", p);
    CHECK(cells[1] == "2/2");
    CHECK(cells[2] == "Running");
    // The finished init container's restarts no longer count once the pod has initialized.
    CHECK(cells[3] == "2 (150m ago)");
  }
}
