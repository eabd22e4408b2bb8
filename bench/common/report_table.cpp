#include "report_table.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace mk::bench {

std::string render_markdown(const Report& report) {
  std::ostringstream out;
  for (const auto& line : report.preamble) out << line << "\n";
  if (!report.preamble.empty()) out << "\n";
  out << "| measurement | " << report.ours_header << " | " << report.other_header << " | ratio | target |\n";
  out << "|---|---:|---:|---:|---|\n";
  for (const auto& r : report.rows) {
    out << "| " << r.measurement << " | " << r.ours << " | " << r.etcd << " | " << r.ratio
        << " | " << r.target << " |\n";
  }
  if (!report.notes.empty()) out << "\n";
  for (const auto& n : report.notes) out << "- " << n << "\n";
  return out.str();
}

std::string format_count(double value) {
  auto n = static_cast<long long>(std::llround(value));
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string format_ms(double ms) {
  char buf[32];
  if (ms < 10) {
    std::snprintf(buf, sizeof(buf), "%.2f ms", ms);
  } else if (ms < 1000) {
    std::snprintf(buf, sizeof(buf), "%.1f ms", ms);
  } else {
    return format_count(ms) + " ms";
  }
  return buf;
}

std::string format_bytes(int64_t bytes) {
  char buf[32];
  double b = static_cast<double>(bytes);
  if (bytes < 1024) return std::to_string(bytes) + " B";
  if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.0f KiB", b / 1024);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", b / (1024 * 1024));
  }
  return buf;
}

std::string format_ratio(double ratio) {
  char buf[32];
  if (ratio < 1) {
    std::snprintf(buf, sizeof(buf), "%.2gx", ratio);
  } else {
    std::snprintf(buf, sizeof(buf), ratio < 10 ? "%.2fx" : "%.0fx", ratio);
  }
  return buf;
}

}  // namespace mk::bench
