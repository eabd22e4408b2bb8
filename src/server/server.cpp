#include "server/server.h"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <memory>
#include <string>

#include "common/log.h"
#include "server/config.h"
#include "store/kv.h"

namespace mk::server {
namespace {

// Blocks SIGTERM and SIGINT for the life of the object so they can be taken with sigwait().
// Created before any thread starts, so every thread inherits the mask and none of them is
// killed by the default action.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  }
  ~StopSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  int wait() {
    int sig = 0;
    while (sigwait(&set_, &sig) != 0) {
    }
    return sig;
  }

 private:
  sigset_t set_;
  sigset_t previous_;
};

// mkdir -p, then make sure the leaf has `mode` (it may have existed with another).
Status make_dir(const std::string& path, mode_t mode) {
  for (size_t slash = path.find('/', 1); ; slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), slash == std::string::npos ? mode : 0755) != 0 && errno != EEXIST) {
      return errno_error("create directory " + prefix, errno);
    }
    if (slash == std::string::npos) break;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_error("stat " + path, errno);
  if (!S_ISDIR(st.st_mode)) return make_error(Errc::already_exists, "create directory " + path + ": not a directory");
  if ((st.st_mode & 07777) != mode && ::chmod(path.c_str(), mode) != 0) {
    return errno_error("chmod " + path, errno);
  }
  return Status::ok();
}

// <data-dir>/server/      0700: nothing in it is for other users
//            server/db/   the SQLite database (state.db, -wal, -shm)
//            server/tls/  the cluster CA and serving certificates
Status make_layout(const std::string& data_dir) {
  for (const char* sub : {"/server", "/server/db", "/server/tls"}) {
    if (auto ok = make_dir(data_dir + sub, 0700); !ok) return ok;
  }
  return Status::ok();
}

const char* signal_name(int sig) { return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "signal"; }

}  // namespace

int run(const ServerConfig& config) {
  if (!config.join_url.empty()) {
    MK_LOG(error) << "server: joining an existing cluster as a server (--join " << config.join_url
                  << ") is not supported yet";
    return 1;
  }
  StopSignals stop;
  if (auto ok = make_layout(config.data_dir); !ok) {
    MK_LOG(error) << "server: " << ok.error().message;
    return 1;
  }
  const std::string endpoint = config.datastore_endpoint;
  auto opened = store::open_endpoint(endpoint, config.data_dir + "/server", config.datastore_durability);
  if (!opened) {
    MK_LOG(error) << "server: cannot open the datastore: " << opened.error().message;
    return 1;
  }
  std::unique_ptr<store::Store> kv = std::move(opened.value());
  MK_LOG(info) << "server: ready: node " << config.node_name << ", datastore "
               << (endpoint.empty() ? "(default)" : endpoint) << " at revision " << kv->current_revision();

  int sig = stop.wait();
  MK_LOG(info) << "server: " << signal_name(sig) << " received, shutting down";
  kv.reset();
  MK_LOG(info) << "server: stopped";
  return 0;
}

}  // namespace mk::server
