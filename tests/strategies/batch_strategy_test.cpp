// Jobs and CronJobs: stored defaults, the generated selector and labels, restart policies,
// the fixed template, and cron schedules.
#include "strategy_test_util.h"

using namespace mk::apiserver::test;

namespace {

json job(const std::string& name, const std::string& restart = "Never") {
  json spec = {{"template", {{"spec", {{"containers", {container("work", "perl:5.34")}}, {"restartPolicy", restart}}}}}};
  return json{{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"name", name}}}, {"spec", spec}};
}

json cronjob(const std::string& name, const std::string& schedule) {
  json job_spec = {{"template", {{"spec", {{"containers", {container("work")}}, {"restartPolicy", "OnFailure"}}}}}};
  return json{{"apiVersion", "batch/v1"},
              {"kind", "CronJob"},
              {"metadata", {{"name", name}}},
              {"spec", {{"schedule", schedule}, {"jobTemplate", {{"spec", job_spec}}}}}};
}

}  // namespace

TEST_CASE("a job is stored with defaults and a generated selector", "[job]") {
  Cluster c;
  json stored = c.must_create("Job", job("pi"));
  const json& spec = stored["spec"];
  std::string uid = stored["metadata"]["uid"];
  CHECK(spec["completions"] == 1);
  CHECK(spec["parallelism"] == 1);
  CHECK(spec["backoffLimit"] == 6);
  CHECK(spec["completionMode"] == "NonIndexed");
  CHECK(spec["suspend"] == false);
  CHECK(spec["manualSelector"] == false);
  CHECK(spec["podReplacementPolicy"] == "TerminatingOrFailed");
  CHECK(spec["selector"] == json{{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}});
  json labels = {{"batch.kubernetes.io/controller-uid", uid},
                 {"batch.kubernetes.io/job-name", "pi"},
                 {"controller-uid", uid},
                 {"job-name", "pi"}};
  CHECK(spec["template"]["metadata"]["labels"] == labels);
  CHECK(stored["metadata"]["labels"] == labels);
  CHECK(spec["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent");
}

TEST_CASE("job counts default as upstream's", "[job]") {
  Cluster c;
  json parallel = job("parallel");
  parallel["spec"]["parallelism"] = 3;
  json stored = c.must_create("Job", parallel);
  CHECK_FALSE(stored["spec"].contains("completions"));

  json indexed = job("indexed");
  indexed["spec"]["completionMode"] = "Indexed";
  indexed["spec"]["completions"] = 4;
  indexed["spec"]["backoffLimitPerIndex"] = 1;
  json stored2 = c.must_create("Job", indexed);
  CHECK(stored2["spec"]["backoffLimit"] == 2147483647);
}

TEST_CASE("a job's pods must not restart always", "[job]") {
  Cluster c;
  json j = job("pi");
  j["spec"]["template"]["spec"].erase("restartPolicy");
  auto r = c.create("Job", j);
  REQUIRE(!r);
  CHECK(r.error().message ==
        "Job.batch \"pi\" is invalid: spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"");
  REQUIRE(r.error().causes.size() == 1);
  CHECK(r.error().causes[0].reason == "FieldValueRequired");
}

TEST_CASE("a job's template and completions are fixed", "[job]") {
  Cluster c;
  json stored = c.must_create("Job", job("pi"));
  json changed = stored;
  changed["spec"]["template"]["spec"]["containers"][0]["image"] = "perl:5.40";
  auto r = c.update("Job", changed);
  REQUIRE(!r);
  INFO(dump_causes(r.error()));
  REQUIRE(r.error().causes.size() == 1);
  CHECK(r.error().causes[0].field == "spec.template");
  CHECK(r.error().causes[0].message.find("field is immutable") != std::string::npos);

  json more = stored;
  more["spec"]["completions"] = 3;
  auto r2 = c.update("Job", more);
  REQUIRE(!r2);
  CHECK(r2.error().message == "Job.batch \"pi\" is invalid: spec.completions: Invalid value: 3: field is immutable");

  // Suspending is allowed.
  json suspended = stored;
  suspended["spec"]["suspend"] = true;
  REQUIRE(c.update("Job", suspended));
}

TEST_CASE("a cron job is stored with defaults", "[cronjob]") {
  Cluster c;
  json stored = c.must_create("CronJob", cronjob("nightly", "0 3 * * *"));
  const json& spec = stored["spec"];
  CHECK(spec["concurrencyPolicy"] == "Allow");
  CHECK(spec["suspend"] == false);
  CHECK(spec["successfulJobsHistoryLimit"] == 3);
  CHECK(spec["failedJobsHistoryLimit"] == 1);
  CHECK(spec["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst");
  // Descriptors and names parse too.
  c.must_create("CronJob", cronjob("hourly", "@hourly"));
  c.must_create("CronJob", cronjob("weekdays", "*/15 9-17 * JAN-jun mon-fri"));
  c.must_create("CronJob", cronjob("every", "@every 1h30m"));
}

TEST_CASE("cron schedules are parsed as the controller parses them", "[cronjob]") {
  Cluster c;
  struct Case {
    std::string schedule, message;
  };
  std::vector<Case> cases = {
      {"* * *", "expected exactly 5 fields, found 3: [* * *]"},
      {"61 * * * *", "end of range (61) above maximum (59): 61"},
      {"0 0 0 * *", "beginning of range (0) below minimum (1): 0"},
      {"5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2"},
      {"*/0 * * * *", "step of range should be a positive number: */0"},
      {"x * * * *", "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"},
      {"@fortnightly", "unrecognized descriptor: @fortnightly"},
  };
  int n = 0;
  for (const auto& tc : cases) {
    INFO(tc.schedule);
    auto r = c.create("CronJob", cronjob("c" + std::to_string(n++), tc.schedule));
    REQUIRE(!r);
    CHECK(r.error().causes.size() == 1);
    CHECK(has_cause(r.error(), "FieldValueInvalid", "spec.schedule",
                    "spec.schedule: Invalid value: \"" + tc.schedule + "\": " + tc.message));
  }
  auto tz = c.create("CronJob", cronjob("tz", "CRON_TZ=UTC 0 3 * * *"));
  REQUIRE(!tz);
  CHECK(tz.error().message ==
        "CronJob.batch \"tz\" is invalid: spec.schedule: Invalid value: \"CRON_TZ=UTC 0 3 * * *\": cannot use TZ or CRON_TZ "
        "in schedule, use timeZone field instead");
}

TEST_CASE("a cron job's jobs restart on failure or never", "[cronjob]") {
  Cluster c;
  json cj = cronjob("nightly", "0 3 * * *");
  cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = "Always";
  auto r = c.create("CronJob", cj);
  REQUIRE(!r);
  CHECK(r.error().message ==
        "CronJob.batch \"nightly\" is invalid: spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid "
        "values: \"OnFailure\", \"Never\"");
}
