// Pod columns. The status logic lives in printers_pod_status.cpp.
#include <nlohmann/json.hpp>

#include "api/kinds/printers_duration.h"
#include "api/kinds/printers_format.h"
#include "api/kinds/printers_kinds.h"
#include "api/kinds/printers_pod_status.h"

namespace mk::api::printers {
namespace {

nlohmann::json ready_cell(const nlohmann::json& pod) {
  auto s = summarize_pod(pod);
  return std::to_string(s.ready) + "/" + std::to_string(s.total);
}

nlohmann::json status_cell(const nlohmann::json& pod) { return summarize_pod(pod).reason; }

// "0", or "3 (5m ago)" when the last restart's time is known.
nlohmann::json restarts_cell(const nlohmann::json& pod) {
  auto s = summarize_pod(pod);
  if (s.restarts == 0 || !s.last_restart) return std::to_string(s.restarts);
  return std::to_string(s.restarts) + " (" + time_since(s.last_restart, now()) + " ago)";
}

// The first pod IP. status.podIP wins over podIPs, as upstream's conversion treats it as the
// authoritative value when the two disagree.
nlohmann::json ip_cell(const nlohmann::json& pod) {
  std::string ip = text_at(pod, "status.podIP");
  if (ip.empty()) {
    const auto& ips = array_at(pod, "status.podIPs");
    if (!ips.empty()) ip = text_at(ips[0], "ip");
  }
  return ip.empty() ? "<none>" : ip;
}

// "<true gates>/<gates>", counting each gate's first matching condition.
nlohmann::json readiness_gates_cell(const nlohmann::json& pod) {
  const auto& gates = array_at(pod, "spec.readinessGates");
  if (gates.empty()) return "<none>";
  int64_t true_count = 0;
  for (const auto& gate : gates) {
    const std::string type = text_at(gate, "conditionType");
    for (const auto& c : array_at(pod, "status.conditions")) {
      if (text_at(c, "type") != type) continue;
      if (text_at(c, "status") == "True") ++true_count;
      break;
    }
  }
  return std::to_string(true_count) + "/" + std::to_string(gates.size());
}

}  // namespace

std::vector<PrinterColumn> pod_columns() {
  return {
      name_column(),
      column("Ready", "string", "Containers ready to serve traffic, out of all containers.", ready_cell),
      column("Status", "string", "A one-word summary of the pod's containers.", status_cell),
      column("Restarts", "string", "Container restarts in total, and how long ago the last one happened.",
             restarts_cell),
      age_column(),
      wide_column("IP", "string", "The pod's IP address.", ip_cell),
      wide_column(
          "Node", "string", "The node the pod is bound to.",
          [](const nlohmann::json& o) -> nlohmann::json { return text_or(o, "spec.nodeName", "<none>"); }),
      wide_column("Nominated Node", "string", "The node the scheduler reserved for the pod by preemption.",
                  [](const nlohmann::json& o) -> nlohmann::json {
                    return text_or(o, "status.nominatedNodeName", "<none>");
                  }),
      wide_column("Readiness Gates", "string", "Extra readiness conditions met, out of those declared.",
                  readiness_gates_cell),
  };
}

}  // namespace mk::api::printers
