#pragma once
// `minikube image ls|pull|import|rm|prune`: the node's image store under
// <data-dir>/agent/images, used directly without a server.

#include <memory>

namespace CLI {
class App;
}

namespace mk::cli {

class ImageCommand {
 public:
  ImageCommand();
  ~ImageCommand();
  // Adds `image` and its subcommands to the root command.
  void add_to(CLI::App& root);
  bool parsed() const;
  // Runs the selected subcommand; returns the process exit code (1 failure, 2 usage).
  int run();

  struct Options;  // the parsed flags, defined in the .cpp

 private:
  std::unique_ptr<Options> options_;
};

}  // namespace mk::cli
