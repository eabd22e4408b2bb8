#pragma once
// Logging to stderr with a timestamp and a level:
//   2026-11-24T03:40:01.123Z INFO  store: opened /var/lib/minikube/server/db/state.db rev=12
// Use: MK_LOG(info) << "store: opened " << path;  Debug lines cost nothing unless --debug.

#include <sstream>
#include <string_view>

namespace mk::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(Level level);
Level level();
inline bool enabled(Level l) { return static_cast<int>(l) >= static_cast<int>(level()); }

// Writes one whole line atomically (a single write(2)), so lines from threads never interleave.
void write(Level level, std::string_view message);

class Line {
 public:
  explicit Line(Level level) : level_(level) {}
  ~Line() { write(level_, out_.str()); }
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;
  template <typename T>
  Line& operator<<(const T& v) {
    out_ << v;
    return *this;
  }

 private:
  Level level_;
  std::ostringstream out_;
};

}  // namespace mk::log

#define MK_LOG(lvl) \
  if (!::mk::log::enabled(::mk::log::Level::lvl)) {} else ::mk::log::Line(::mk::log::Level::lvl)
