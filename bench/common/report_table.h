#pragma once
// The printed result: a Markdown table plus notes, and the number formats it uses.

#include <cstdint>
#include <string>
#include <vector>

namespace mk::bench {

struct ReportRow {
  std::string measurement;
  std::string ours;
  std::string etcd;
  std::string ratio;
  std::string target;
};

struct Report {
  std::vector<std::string> preamble;  // lines above the table
  std::vector<ReportRow> rows;
  std::vector<std::string> notes;  // bullet points below it
  // Headers of the two figure columns (the store benchmark's by default).
  std::string ours_header = "minikube (SQLite)";
  std::string other_header = "etcd 3.4";
};

std::string render_markdown(const Report& report);

std::string format_count(double value);       // 12,345
std::string format_ms(double ms);             // 0.42 ms, 12.3 ms, 1,234 ms
std::string format_bytes(int64_t bytes);      // 812 KiB, 12.3 MiB
std::string format_ratio(double ratio);       // 5.20x, 14x, 0.41x, 0.0037x

}  // namespace mk::bench
