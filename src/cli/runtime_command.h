#pragma once
// `minikube runtime run|ps|exec|logs|stop|rm`: the container runtime driven directly, without a
// server: runs a Pod manifest or a single container, and inspects what runs under --data-dir.

#include <memory>

namespace CLI {
class App;
}

namespace mk::cli {

class RuntimeCommand {
 public:
  RuntimeCommand();
  ~RuntimeCommand();
  // Adds `runtime` and its subcommands to the root command.
  void add_to(CLI::App& root);
  bool parsed() const;
  // Runs the selected subcommand; returns the process exit code.
  int run();

  struct Options;  // the parsed flags, defined in the .cpp

 private:
  std::unique_ptr<Options> options_;
};

}  // namespace mk::cli
