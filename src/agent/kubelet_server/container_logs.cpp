#include "agent/kubelet_server/container_logs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <thread>

#include "api/status.h"
#include "common/unique_fd.h"

namespace mk::agent::kubelet {
namespace {

bool truthy(const std::string& v) { return v == "true" || v == "True" || v == "1"; }

Result<int64_t> integer(const std::string& name, const std::string& value) {
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0)
    return make_error(Errc::invalid_argument, name + ": invalid value \"" + value + "\": must be an integer");
  return static_cast<int64_t>(n);
}

int64_t now_unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Appends the formatted records of `lines` to `out`: timestamps at the start of each line when
// asked; `at_line_start` carries across calls (a partial record continues a line).
class Formatter {
 public:
  explicit Formatter(const LogOptions& o) : o_(o) {}
  // False once limitBytes is reached (what fits was appended).
  bool add(const CriLine& line, std::string& out) {
    if (o_.since_ns && line.time_ns < *o_.since_ns) return true;
    std::string text;
    if (o_.timestamps && at_line_start_) text = line.timestamp + " ";
    text += line.content;
    if (!line.partial) text += "\n";
    at_line_start_ = !line.partial;
    if (o_.limit_bytes) {
      int64_t left = *o_.limit_bytes - written_;
      if (left <= 0) return false;
      if (static_cast<int64_t>(text.size()) >= left) {
        out.append(text, 0, static_cast<size_t>(left));
        written_ += left;
        return false;
      }
    }
    written_ += static_cast<int64_t>(text.size());
    out += text;
    return true;
  }

 private:
  const LogOptions& o_;
  bool at_line_start_ = true;
  int64_t written_ = 0;
};

// Where the last `tail` lines start (a line is a run of partial records ended by a full one).
size_t tail_start(const std::vector<CriLine>& records, std::optional<int64_t> tail) {
  if (!tail) return 0;
  if (*tail <= 0) return records.size();
  size_t i = records.size();
  int64_t seen = 0;
  while (i > 0) {
    if (!records[i - 1].partial) {
      if (seen == *tail) break;
      ++seen;
    }
    --i;
  }
  return i;
}

// Splits `text` into whole lines (without '\n'), keeping an unfinished last line in `rest`.
std::vector<std::string> take_lines(std::string& rest) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = rest.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(rest.substr(start, nl - start));
  rest.erase(0, start);
  return lines;
}

Result<std::string> read_all(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read log", errno);
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

bool container_running(const runtime::pod::Runtime& runtime, const std::string& uid, const std::string& name) {
  auto status = runtime.status(uid);
  if (!status || status->shim_pid == 0) return false;
  for (const auto& c : status->containers)
    if (c.name == name) return c.state.phase == runtime::shim::Phase::running;
  return false;
}

ino_t inode_of_path(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

void run_logs(runtime::pod::Runtime runtime, PodTarget pod, LogOptions options,
              std::shared_ptr<http::ResponseWriter> w, StreamTasks& tasks) {
  std::string path = options.previous ? runtime.previous_log_path(pod.uid, options.container)
                                      : runtime.log_path(pod.uid, options.container);
  if (options.previous && ::access(path.c_str(), F_OK) != 0) {
    api::ApiError e = api::bad_request("previous terminated container \"" + options.container + "\" in pod \"" +
                                       pod.name + "\" not found");
    w->respond(e.code, {{"Content-Type", "application/json"}}, e.to_status().dump());
    return;
  }
  // Rotated files first, oldest first: <path>.N ... <path>.1, then the file being written.
  std::vector<std::string> lines;
  for (int i = 9; i >= 1; --i) {
    UniqueFd fd(::open((path + "." + std::to_string(i)).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) continue;
    auto text = read_all(fd.get());
    if (!text) continue;
    for (auto& l : take_lines(*text)) lines.push_back(std::move(l));
  }
  UniqueFd current(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  std::string rest;
  if (current) {
    auto text = read_all(current.get());
    if (text) rest = std::move(*text);
    for (auto& l : take_lines(rest)) lines.push_back(std::move(l));
  }
  if (!w->start_stream(200, {{"Content-Type", "text/plain"}, {"Cache-Control", "no-cache, private"}})) return;

  // Everything there is now, tailLines applied to whole records.
  std::vector<CriLine> records;
  for (const auto& l : lines)
    if (auto r = parse_cri_line(l)) records.push_back(std::move(*r));
  size_t first = tail_start(records, options.tail_lines);
  Formatter fmt(options);
  std::string out;
  bool more = true;
  for (size_t i = first; i < records.size() && more; ++i) more = fmt.add(records[i], out);
  if (!out.empty() && !w->write_chunk(std::move(out))) return;
  if (!more || !options.follow || options.previous) return w->end_stream();

  // Follow: new lines as they are written, across rotations, until the container is no longer
  // running (and everything it wrote is out) or the client is gone.
  ino_t inode = 0;
  if (current) {
    struct stat st {};
    if (::fstat(current.get(), &st) == 0) inode = st.st_ino;
  }
  int quiet_rounds_after_exit = 0;
  while (!tasks.stopping() && !w->closed()) {
    bool running = container_running(runtime, pod.uid, options.container);
    std::string fresh;
    if (current) {
      auto text = read_all(current.get());
      if (text) fresh = std::move(*text);
    }
    ino_t now_inode = inode_of_path(path);
    if (now_inode != 0 && now_inode != inode) {
      // Rotated (or replaced): what is left of the old file was read above; go on with the new.
      current = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      inode = now_inode;
      if (current) {
        auto text = read_all(current.get());
        if (text) fresh += *text;
      }
    }
    rest += fresh;
    std::string chunk;
    for (const auto& l : take_lines(rest)) {
      if (auto r = parse_cri_line(l); r && more) more = fmt.add(*r, chunk);
    }
    if (!chunk.empty() && !w->write_chunk(std::move(chunk))) return;
    if (!more) break;
    if (!running && fresh.empty()) {
      // The shim may still be writing the last output of an exited container: a few quiet
      // rounds before the stream ends.
      if (++quiet_rounds_after_exit >= 3) break;
    } else if (running) {
      quiet_rounds_after_exit = 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  w->end_stream();
}

}  // namespace

std::optional<int64_t> parse_rfc3339(const std::string& text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
      text[13] != ':' || text[16] != ':')
    return std::nullopt;
  auto num = [&](size_t at, size_t len) -> int {
    int v = 0;
    for (size_t i = at; i < at + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0)
    return std::nullopt;
  size_t i = 19;
  int64_t frac_ns = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (digits < 9) {
        frac_ns = frac_ns * 10 + (text[i] - '0');
        ++digits;
      }
      ++i;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) frac_ns *= 10;
  }
  int64_t offset = 0;
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
    ++i;
  } else if (i + 6 == text.size() && (text[i] == '+' || text[i] == '-') && text[i + 3] == ':') {
    int h = num(i + 1, 2), m = num(i + 4, 2);
    if (h < 0 || m < 0) return std::nullopt;
    offset = (h * 3600 + m * 60) * (text[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset;
  return secs * 1'000'000'000 + frac_ns;
}

std::optional<CriLine> parse_cri_line(const std::string& line) {
  size_t a = line.find(' ');
  size_t b = a == std::string::npos ? a : line.find(' ', a + 1);
  if (b == std::string::npos) return std::nullopt;
  size_t c = line.find(' ', b + 1);
  std::string tag = line.substr(b + 1, c == std::string::npos ? std::string::npos : c - b - 1);
  if (tag != "F" && tag != "P") return std::nullopt;
  CriLine out;
  out.timestamp = line.substr(0, a);
  auto t = parse_rfc3339(out.timestamp);
  if (!t) return std::nullopt;
  out.time_ns = *t;
  out.partial = tag == "P";
  out.content = c == std::string::npos ? "" : line.substr(c + 1);
  return out;
}

Result<LogOptions> parse_log_options(const std::vector<std::pair<std::string, std::string>>& query, int64_t now_ns) {
  LogOptions o;
  if (now_ns == 0) now_ns = now_unix_ns();
  for (const auto& [k, v] : query) {
    if (k == "follow") o.follow = truthy(v);
    else if (k == "previous") o.previous = truthy(v);
    else if (k == "timestamps") o.timestamps = truthy(v);
    else if (k == "tailLines") {
      auto n = integer(k, v);
      if (!n) return n.error();
      if (*n < 0) return make_error(Errc::invalid_argument, "tailLines: must be greater than or equal to 0");
      o.tail_lines = *n;
    } else if (k == "limitBytes") {
      auto n = integer(k, v);
      if (!n) return n.error();
      if (*n < 1) return make_error(Errc::invalid_argument, "limitBytes: must be greater than 0");
      o.limit_bytes = *n;
    } else if (k == "sinceSeconds") {
      auto n = integer(k, v);
      if (!n) return n.error();
      if (*n < 1) return make_error(Errc::invalid_argument, "sinceSeconds: must be greater than 0");
      o.since_ns = now_ns - *n * 1'000'000'000;
    } else if (k == "sinceTime") {
      auto t = parse_rfc3339(v);
      if (!t) return make_error(Errc::invalid_argument, "sinceTime: invalid value \"" + v + "\": not RFC 3339");
      o.since_ns = *t;
    }
  }
  return o;
}

std::string render_logs(const std::vector<std::string>& cri_lines, const LogOptions& options) {
  std::vector<CriLine> records;
  for (const auto& l : cri_lines)
    if (auto r = parse_cri_line(l)) records.push_back(std::move(*r));
  size_t first = tail_start(records, options.tail_lines);
  Formatter fmt(options);
  std::string out;
  for (size_t i = first; i < records.size(); ++i)
    if (!fmt.add(records[i], out)) break;
  return out;
}

void serve_container_logs(const runtime::pod::Runtime& runtime, const PodTarget& pod, const LogOptions& options,
                          std::shared_ptr<http::ResponseWriter> writer, StreamTasks& tasks) {
  runtime::pod::Runtime copy = runtime;
  bool started = tasks.spawn([copy, pod, options, writer, &tasks] { run_logs(copy, pod, options, writer, tasks); });
  if (!started) {
    api::ApiError e = api::service_unavailable("the kubelet is shutting down");
    writer->respond(e.code, {{"Content-Type", "application/json"}}, e.to_status().dump());
  }
}

}  // namespace mk::agent::kubelet
