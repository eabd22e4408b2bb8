// Job and CronJob columns.
#include <nlohmann/json.hpp>

#include "api/json_path.h"
#include "api/kinds/printers_duration.h"
#include "api/kinds/printers_format.h"
#include "api/kinds/printers_kinds.h"

namespace mk::api::printers {
namespace {

// The first condition of the type decides, as upstream looks no further.
bool has_condition(const nlohmann::json& job, std::string_view type) {
  for (const auto& c : array_at(job, "status.conditions")) {
    if (text_at(c, "type") == type) return text_at(c, "status") == "True";
  }
  return false;
}

// Finished states win over deletion, deletion over the transient states.
nlohmann::json job_status_cell(const nlohmann::json& job) {
  if (has_condition(job, "Complete")) return "Complete";
  if (has_condition(job, "Failed")) return "Failed";
  if (is_set(job, "metadata.deletionTimestamp")) return "Terminating";
  if (has_condition(job, "Suspended")) return "Suspended";
  if (has_condition(job, "FailureTarget")) return "FailureTarget";
  return "Running";
}

// "succeeded/completions"; without a completion count, "n/1", or "n/1 of p" for parallel work.
nlohmann::json completions_cell(const nlohmann::json& job) {
  const std::string succeeded = std::to_string(int_at(job, "status.succeeded"));
  if (is_set(job, "spec.completions"))
    return succeeded + "/" + std::to_string(int_at(job, "spec.completions"));
  const int64_t parallelism = int_at(job, "spec.parallelism");
  if (parallelism > 1) return succeeded + "/1 of " + std::to_string(parallelism);
  return succeeded + "/1";
}

// From start to completion, or to now while running; blank before the job starts.
nlohmann::json duration_cell(const nlohmann::json& job) {
  auto start = timestamp_at(job, "status.startTime");
  if (!start) return "";
  auto completion = timestamp_at(job, "status.completionTime");
  return human_duration(saturating_difference(completion ? *completion : now(), *start));
}

Cell template_containers(std::string path, bool images) {
  return [path = std::move(path), images](const nlohmann::json& o) -> nlohmann::json {
    auto cells = container_cells(array_at(o, path));
    return images ? cells.second : cells.first;
  };
}

Cell template_selector(std::string path) {
  return [path = std::move(path)](const nlohmann::json& o) -> nlohmann::json {
    const nlohmann::json* s = find_path(o, path);
    return format_label_selector(s != nullptr ? *s : nlohmann::json());
  };
}

nlohmann::json last_schedule_cell(const nlohmann::json& cj) {
  if (!is_set(cj, "status.lastScheduleTime")) return "<none>";
  return time_since(timestamp_at(cj, "status.lastScheduleTime"), now());
}

}  // namespace

std::vector<PrinterColumn> job_columns() {
  return {
      name_column(),
      column("Status", "string", "Where the job stands: Running, Complete, Failed, Suspended, ...",
             job_status_cell),
      column("Completions", "string", "Pods that succeeded out of those required.", completions_cell),
      column("Duration", "string", "How long the job ran, or has been running.", duration_cell),
      age_column(),
      wide_column("Containers", "string", "The names of the template's containers.",
                  template_containers("spec.template.spec.containers", false)),
      wide_column("Images", "string", "The images of the template's containers.",
                  template_containers("spec.template.spec.containers", true)),
      wide_column("Selector", "string", "The label query selecting the job's pods.",
                  template_selector("spec.selector")),
  };
}

std::vector<PrinterColumn> cron_job_columns() {
  return {
      name_column(),
      column("Schedule", "string", "The cron schedule.",
             [](const nlohmann::json& o) -> nlohmann::json { return text_at(o, "spec.schedule"); }),
      column("Timezone", "string", "The time zone the schedule is read in.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return is_set(o, "spec.timeZone") ? text_at(o, "spec.timeZone") : std::string("<none>");
             }),
      // Suspend decodes as false when absent.
      column("Suspend", "boolean", "Whether new runs are held back.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return bool_at(o, "spec.suspend") ? "true" : "false";
             }),
      column("Active", "integer", "Jobs of this cron job running now.",
             [](const nlohmann::json& o) -> nlohmann::json {
               return static_cast<int64_t>(array_at(o, "status.active").size());
             }),
      column("Last Schedule", "string", "How long ago a job was last scheduled.", last_schedule_cell),
      age_column(),
      wide_column("Containers", "string", "The names of the job template's containers.",
                  template_containers("spec.jobTemplate.spec.template.spec.containers", false)),
      wide_column("Images", "string", "The images of the job template's containers.",
                  template_containers("spec.jobTemplate.spec.template.spec.containers", true)),
      wide_column("Selector", "string", "The label query of the job template.",
                  template_selector("spec.jobTemplate.spec.selector")),
  };
}

}  // namespace mk::api::printers
