// minikube-shim: the per-pod supervisor. Started by the runtime as
//   minikube-shim <pod-dir> <ready-fd>
// it detaches (see daemon.h), serves <pod-dir>/shim.sock, and writes "ok\n" (or "error: ...\n")
// to <ready-fd> once the socket accepts requests. Kept free of iostreams and the minikube
// libraries so that one of these per pod costs about a megabyte.

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "runtime/shim/daemon.h"
#include "runtime/shim/supervisor.h"

namespace {

void report(int fd, const std::string& text) {
  if (fd < 0) return;
  (void)!::write(fd, text.data(), text.size());
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || argv[1][0] != '/') {
    static const char usage[] = "usage: minikube-shim <absolute pod dir> <ready fd>\n";
    (void)!::write(2, usage, sizeof usage - 1);
    return 2;
  }
  std::string pod_dir = argv[1];
  int ready = std::atoi(argv[2]);
  std::string log_path = pod_dir + "/shim.log";
  if (auto s = mk::runtime::shim::daemonize(log_path.c_str()); !s) {
    report(ready, "error: " + s.error().message + "\n");
    return 1;
  }
  mk::runtime::shim::Supervisor supervisor(pod_dir);
  if (auto s = supervisor.init(); !s) {
    report(ready, "error: " + s.error().message + "\n");
    return 1;
  }
  report(ready, "ok\n");
  return supervisor.run();
}
