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

// Turns the streamed Line into void so MK_LOG is a single expression (safe inside if/else).
struct Voidify {
  void operator&(Line&) {}
  void operator&(Line&&) {}
};

}  // namespace mk::log

#define MK_LOG(lvl)                                   \
  !::mk::log::enabled(::mk::log::Level::lvl) ? (void)0 \
                                             : ::mk::log::Voidify() & ::mk::log::Line(::mk::log::Level::lvl)
