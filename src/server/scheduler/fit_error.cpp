#include "server/scheduler/fit_error.h"

#include <algorithm>
#include <map>

#include "server/scheduler/filters.h"

namespace mk::scheduler {

namespace {

// "<count> <reason>" entries sorted as strings, as upstream sorts them.
std::string histogram(const std::map<std::string, int>& counts) {
  std::vector<std::string> entries;
  for (const auto& [reason, n] : counts) entries.push_back(std::to_string(n) + " " + reason);
  std::sort(entries.begin(), entries.end());
  std::string out;
  for (const auto& e : entries) {
    if (!out.empty()) out += ", ";
    out += e;
  }
  return out;
}

}  // namespace

std::string fit_error_message(const std::vector<std::vector<std::string>>& reasons) {
  if (reasons.empty()) return "no nodes available to schedule pods";
  const std::string total = std::to_string(reasons.size());
  std::map<std::string, int> counts, preemption;
  for (const auto& node : reasons) {
    bool helps = false;
    for (const auto& r : node) {
      ++counts[r];
      helps = helps || preemption_might_help(r);
    }
    ++preemption[helps ? "No preemption victims found for incoming pod" : "Preemption is not helpful for scheduling"];
  }
  return "0/" + total + " nodes are available: " + histogram(counts) + ". preemption: 0/" + total +
         " nodes are available: " + histogram(preemption) + ".";
}

}  // namespace mk::scheduler
