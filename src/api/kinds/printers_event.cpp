// Event (core/v1) columns. kubectl's default view leads with Last Seen; the name is a wide column.
#include <nlohmann/json.hpp>

#include "api/kinds/printers_duration.h"
#include "api/kinds/printers_format.h"
#include "api/kinds/printers_kinds.h"

namespace mk::api::printers {
namespace {

// firstTimestamp, or eventTime for events written through events.k8s.io.
std::string first_seen(const nlohmann::json& ev, TimePoint at) {
  auto first = timestamp_at(ev, "firstTimestamp");
  if (!first) return time_since(timestamp_at(ev, "eventTime"), at);
  return time_since(first, at);
}

// The series' last observation, else lastTimestamp, else the first sighting.
nlohmann::json last_seen_cell(const nlohmann::json& ev) {
  const TimePoint at = now();
  if (is_set(ev, "series")) return time_since(timestamp_at(ev, "series.lastObservedTime"), at);
  auto last = timestamp_at(ev, "lastTimestamp");
  if (!last) return first_seen(ev, at);
  return time_since(last, at);
}

// "pod/web-1", or just the kind when the object has no name.
nlohmann::json object_cell(const nlohmann::json& ev) {
  const std::string kind = to_lower(text_at(ev, "involvedObject.kind"));
  const std::string name = text_at(ev, "involvedObject.name");
  return name.empty() ? kind : kind + "/" + name;
}

// "component, host", with the reporting controller and instance standing in for missing parts.
nlohmann::json source_cell(const nlohmann::json& ev) {
  const std::string component = text_or(ev, "source.component", text_at(ev, "reportingComponent"));
  const std::string instance = text_or(ev, "source.host", text_at(ev, "reportingInstance"));
  return instance.empty() ? component : component + ", " + instance;
}

// The series' count, else count; singleton events written without a count are one occurrence.
nlohmann::json count_cell(const nlohmann::json& ev) {
  if (is_set(ev, "series")) return int_at(ev, "series.count");
  const int64_t count = int_at(ev, "count");
  return count == 0 ? 1 : count;
}

}  // namespace

std::vector<PrinterColumn> event_columns() {
  auto text = [](std::string path) -> Cell {
    return [path = std::move(path)](const nlohmann::json& o) -> nlohmann::json { return text_at(o, path); };
  };
  PrinterColumn name = name_column();
  name.priority = 1;
  return {
      column("Last Seen", "string", "How long ago the event was last observed.", last_seen_cell),
      column("Type", "string", "Normal or Warning.", text("type")),
      column("Reason", "string", "A short machine-readable cause.", text("reason")),
      column("Object", "string", "The object the event is about.", object_cell),
      wide_column("Subobject", "string", "The part of the object concerned, such as a container.",
                  text("involvedObject.fieldPath")),
      wide_column("Source", "string", "The component that reported the event.", source_cell),
      column("Message", "string", "What happened, for people.",
             [](const nlohmann::json& o) -> nlohmann::json { return trim_space(text_at(o, "message")); }),
      wide_column("First Seen", "string", "How long ago the event was first observed.",
                  [](const nlohmann::json& o) -> nlohmann::json { return first_seen(o, now()); }),
      wide_column("Count", "string", "How many times the event occurred.", count_cell),
      std::move(name),
  };
}

}  // namespace mk::api::printers
