#pragma once
// Runs the built minikube binary (MINIKUBE_BIN) the way a user would, with exactly the
// environment a test gives it, and captures what it prints.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace mk::test {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes a file inside the directory and returns its path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
std::vector<std::string> lines(const std::string& text);

struct Outcome {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
};

// A started minikube process. Its stdout and stderr go to files, so a test can watch the log
// while it runs. The destructor kills and reaps it if it is still running.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::vector<std::string>& env,
        const std::string& out_path, const std::string& err_path);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void send(int sig);
  // Waits for the process to exit; false if it is still running at the deadline.
  bool wait_for_exit(std::chrono::milliseconds timeout);
  int exit_code() const { return exit_code_; }
  int term_signal() const { return signal_; }

 private:
  void reap(int status);
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  int signal_ = 0;
};

// Runs minikube to completion (killing it at the timeout) with `env` as its whole environment
// besides PATH.
Outcome run_minikube(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Polls `condition` until it holds or the timeout passes.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout);

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

}  // namespace mk::test

#include <thread>

namespace mk::test {

template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace mk::test
