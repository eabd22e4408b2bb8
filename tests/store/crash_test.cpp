// Crash safety: a writer process is killed with SIGKILL at random moments; every write it had
// acknowledged must be in the database afterwards, and the file must pass integrity_check.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "crash_value.h"
#include "store_test_util.h"

extern char** environ;

using namespace mk::store;
using namespace mk::store::test;
using namespace std::chrono_literals;

namespace {

constexpr int kWriterThreads = 4;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

enum class ReadState { data, timeout, eof };

// The writer process; killed and reaped when the guard goes, if the test has not done so.
class Child {
 public:
  Child() = default;
  ~Child() {
    if (pid_ > 0) kill_and_wait();
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Starts the writer with its stdout on a pipe; returns an error text or "".
  std::string start(const std::string& db_path) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::string("pipe2: ") + std::strerror(errno);
    Fd read_end(fds[0]);
    Fd write_end(fds[1]);  // the parent's copy closes on return, so EOF follows the child's death
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    std::string exe = MK_STORE_CRASH_WRITER;
    std::string path = db_path;
    std::string threads = std::to_string(kWriterThreads);
    std::vector<char*> argv = {exe.data(), path.data(), threads.data(), nullptr};
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return "posix_spawn " + exe + ": " + std::strerror(rc);
    pid_ = pid;
    out_.reset(read_end.release());
    return "";
  }

  pid_t pid() const { return pid_; }

  // Waits up to `timeout` for output; appends complete lines to `lines`.
  ReadState read_some(std::vector<std::string>& lines, std::chrono::milliseconds timeout) {
    pollfd p{out_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n <= 0) return ReadState::timeout;
    char buf[65536];
    ssize_t got = ::read(out_.get(), buf, sizeof buf);
    if (got <= 0) return ReadState::eof;
    partial_.append(buf, static_cast<size_t>(got));
    size_t pos;
    while ((pos = partial_.find('\n')) != std::string::npos) {
      lines.push_back(partial_.substr(0, pos));
      partial_.erase(0, pos + 1);
    }
    return ReadState::data;
  }

  // SIGKILL and reap; returns the wait status.
  int kill_and_wait() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  // Whether the process ended on its own (then `status` is set).
  bool exited(int& status) {
    if (pid_ <= 0) return false;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  Fd out_;
  std::string partial_;
};

struct Ack {
  long pid = 0;
  int thread = 0;
  long seq = 0;
  Revision revision = 0;
};

// Result of PRAGMA integrity_check on a read-only connection, "ok" when the file is sound.
std::string integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  std::string result;
  if (rc != SQLITE_OK) {
    result = std::string("open: ") + sqlite3_errstr(rc);
  } else {
    sqlite3_stmt* stmt = nullptr;
    rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      result = std::string("prepare: ") + sqlite3_errmsg(db);
    } else {
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!result.empty()) result += "; ";
        result += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      }
      if (rc != SQLITE_DONE) result += std::string(" step: ") + sqlite3_errmsg(db);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return result;
}

}  // namespace

TEST_CASE("every acknowledged write survives SIGKILL of the writer at random moments",
          "[store][crash]") {
  TempDir dir;
  const std::string db_path = dir.file("state.db");
  const unsigned seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> kill_after_ms(20, 200);

  constexpr int kRounds = 25;
  Revision verified_revision = 0;  // the store's revision at the last check
  std::map<std::string, Ack> latest;  // key -> last acknowledged write, over all rounds
  size_t total_acks = 0;
  int rounds_with_acks = 0;

  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round);
    std::vector<Ack> acks;
    {
      Child child;
      const std::string err = child.start(db_path);
      INFO(err);
      REQUIRE(err.empty());
      const long pid = static_cast<long>(child.pid());
      std::vector<std::string> lines;
      // Most rounds kill mid-writing; every fifth kills during opening and recovery.
      const bool from_spawn = round % 5 == 4;
      auto kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(kill_after_ms(rng));
      bool ready = false;
      const auto ready_deadline = std::chrono::steady_clock::now() + 20s;
      int status = 0;
      while (true) {
        auto now = std::chrono::steady_clock::now();
        const bool timing = ready || from_spawn;
        if (timing && now >= kill_at) break;
        if (!timing) REQUIRE(now < ready_deadline);
        auto wait = timing ? std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - now)
                           : std::chrono::milliseconds(10);
        if (child.read_some(lines, std::max(wait, std::chrono::milliseconds(1))) ==
            ReadState::eof) {
          break;
        }
        if (!ready && !lines.empty() && lines.front() == "ready") {
          ready = true;
          if (!from_spawn) {
            kill_at = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(kill_after_ms(rng));
          }
        }
        if (child.exited(status)) FAIL("writer exited by itself, status " << status);
      }
      status = child.kill_and_wait();
      CHECK(WIFSIGNALED(status));
      // Lines already in the pipe were acknowledged before the kill.
      while (child.read_some(lines, 1000ms) == ReadState::data) {
      }
      for (const auto& line : lines) {
        if (line == "ready") continue;
        std::istringstream in(line);
        std::string word;
        Ack a;
        a.pid = pid;
        in >> word >> a.thread >> a.seq >> a.revision;
        INFO("line: " << line);
        REQUIRE(word == "ack");
        REQUIRE(!in.fail());
        acks.push_back(a);
      }
    }
    total_acks += acks.size();
    if (!acks.empty()) ++rounds_with_acks;

    if (file_size_or_zero(db_path) > 0) {
      CHECK(integrity_check(db_path) == "ok");
    }

    SqliteOptions opts;
    opts.path = db_path;
    opts.compact_interval_ms = 0;
    MK_OPEN_STORE(s, opts);
    for (const Ack& a : acks) {
      // Revisions are never reused: everything new is above what the last check saw.
      CHECK(a.revision > verified_revision);
      const std::string key = crash_key(a.thread, a.seq);
      auto it = latest.find(key);
      if (it == latest.end() || it->second.revision < a.revision) latest[key] = a;
    }
    // Each acknowledged write of this round, at its own revision.
    for (const Ack& a : acks) {
      const std::string key = crash_key(a.thread, a.seq);
      auto got = s->get(key, a.revision);
      INFO("ack " << a.thread << " " << a.seq << " at " << a.revision << " key " << key);
      MK_REQUIRE_OK(got);
      REQUIRE(got->has_value());
      CHECK((**got).mod_revision == a.revision);
      CHECK((**got).value == crash_value(a.pid, a.thread, a.seq));
    }
    // And the latest state: the last acknowledged write of each key, or a later unacknowledged
    // one that made it to disk before the kill.
    for (const auto& [key, a] : latest) {
      KeyValue kv = must_get(*s, key);
      INFO("key " << key << " last acknowledged at " << a.revision);
      CHECK(kv.mod_revision >= a.revision);
      if (kv.mod_revision == a.revision) CHECK(kv.value == crash_value(a.pid, a.thread, a.seq));
    }
    const Revision now = s->current_revision();
    for (const Ack& a : acks) CHECK(now >= a.revision);
    CHECK(now >= verified_revision);
    verified_revision = now;
  }
  INFO("acknowledged writes: " << total_acks << " in " << rounds_with_acks << " rounds");
  CHECK(total_acks >= 100);
  CHECK(rounds_with_acks >= kRounds / 2);
}
