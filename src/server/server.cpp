#include "server/server.h"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <string>

#include "common/log.h"
#include "server/config.h"
#include "server/cluster_settings.h"
#include "server/apiserver/api_server.h"
#include "server/apiserver/context.h"
#include "server/controllers/controller_manager.h"
#include "server/pki/kubeconfig.h"
#include "server/pki/cert_renewer.h"
#include "server/pki/server_pki.h"
#include "server/scheduler/scheduler.h"
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

Result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return errno_error("read token file " + path, errno);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) return make_error(Errc::invalid_argument, "token file " + path + " is empty");
  return token;
}

// The address the `kubernetes` service's endpoints point at: the bind address when it is a
// specific one, else loopback until the node's own address is known.
std::string advertise_address(const ServerConfig& config) {
  if (config.bind_address != "0.0.0.0" && config.bind_address != "::") return config.bind_address;
  return "127.0.0.1";
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

  pki::PkiOptions pki_options;
  pki_options.data_dir = config.data_dir;
  pki_options.extra_sans = config.tls_sans;
  pki_options.service_cidr = config.service_cidr;
  pki_options.cluster_domain = config.cluster_domain;
  pki_options.token = config.token;
  if (pki_options.token.empty() && !config.token_file.empty()) {
    auto text = read_token_file(config.token_file);
    if (!text) {
      MK_LOG(error) << "server: " << text.error().message;
      return 1;
    }
    pki_options.token = *text;
  }
  auto pki = pki::ensure_server_pki(pki_options);
  if (!pki) {
    MK_LOG(error) << "server: certificates: " << pki.error().message;
    return 1;
  }

  apiserver::ApiServerOptions api_options;
  api_options.bind_address = config.bind_address;
  api_options.port = config.https_listen_port;
  api_options.cert_pem = pki->serving.cert_pem;
  api_options.key_pem = pki->serving.key_pem;
  api_options.client_ca_pem = pki->client_ca.cert_pem;
  api_options.server_ca_pem = pki->server_ca.cert_pem;
  api_options.service_cidr = config.service_cidr;
  api_options.cluster_dns = config.cluster_dns;
  api_options.advertise_address = advertise_address(config) + ":" + std::to_string(config.https_listen_port);
  api_options.node_token = pki->token.password;
  api_options.service_account_key_pem = pki->service_key_pem;
  api_options.kubelet_client_cert_pem = pki->kubelet_client.cert_pem;
  api_options.kubelet_client_key_pem = pki->kubelet_client.key_pem;
  api_options.kubelet_ca_pem = pki->server_ca.cert_pem;
  // Kubelet serving certificates live as long as the server's own leaves; an agent asks again
  // at every start.
  api_options.issue_kubelet_serving_cert = [ca = *pki, validity = pki_options.leaf_validity](
                                               const std::string& node, const std::vector<std::string>& addresses)
      -> Result<std::pair<std::string, std::string>> {
    auto pair = pki::issue_kubelet_serving_cert(ca, node, addresses, validity);
    if (!pair) return pair.error();
    return std::make_pair(pair->cert_pem, pair->key_pem);
  };
  auto api = apiserver::ApiServer::start(*kv, api_options);
  if (!api) {
    MK_LOG(error) << "server: " << api.error().message;
    return 1;
  }

  std::string url = "https://127.0.0.1:" + std::to_string((*api)->port());
  if (!config.write_kubeconfig.empty()) {
    auto written = pki::write_kubeconfig(config.write_kubeconfig, config.write_kubeconfig_mode, url,
                                         pki->server_ca.cert_pem, pki->admin.cert_pem, pki->admin.key_pem);
    if (!written) MK_LOG(warn) << "server: kubeconfig not written: " << written.error().message;
    else MK_LOG(info) << "server: wrote kubeconfig " << config.write_kubeconfig;
  }

  // Leaves are re-issued 90 days before they expire; a server running that long picks them up
  // without a restart.
  auto renewer = std::make_unique<pki::CertRenewer>(pki_options, *pki, std::chrono::hours(12), [&](const pki::ServerPki& fresh) {
    if (auto ok = (*api)->reload_tls(fresh.serving.cert_pem, fresh.serving.key_pem, fresh.client_ca.cert_pem); !ok)
      MK_LOG(error) << "server: " << ok.error().message;
    if (!config.write_kubeconfig.empty()) {
      auto written = pki::write_kubeconfig(config.write_kubeconfig, config.write_kubeconfig_mode, url,
                                           fresh.server_ca.cert_pem, fresh.admin.cert_pem, fresh.admin.key_pem);
      if (!written) MK_LOG(warn) << "server: kubeconfig not rewritten: " << written.error().message;
    }
  });

  // The nodes' network settings and the kube-dns Service, before any agent joins.
  {
    auto bootstrap_client = (*api)->in_process_client(apiserver::User{"system:apiserver", {"system:masters"}});
    if (auto ok = publish_cluster_settings(*bootstrap_client, config); !ok) {
      MK_LOG(error) << "server: " << ok.error().message;
      return 1;
    }
  }

  auto controller_client = (*api)->in_process_client(apiserver::User{"system:kube-controller-manager", {}});
  controllers::ControllerManager manager(*controller_client);
  controllers::ControllerOptions controller_options;
  controller_options.cluster_cidr = config.cluster_cidr;
  controller_options.root_ca_pem = pki->server_ca.cert_pem;
  controller_options.data_dir = config.data_dir;
  controllers::add_default_controllers(manager, controller_options);
  if (!manager.start(30'000)) {
    MK_LOG(error) << "server: controllers failed to start";
    return 1;
  }
  auto scheduler_client = (*api)->in_process_client(apiserver::User{"system:kube-scheduler", {}});
  auto scheduler = scheduler::make_scheduler(*scheduler_client);
  if (!scheduler->start(30'000)) {
    MK_LOG(error) << "server: scheduler failed to start";
    return 1;
  }

  MK_LOG(info) << "server: ready: node " << config.node_name << ", datastore "
               << (endpoint.empty() ? "(default)" : endpoint) << " at revision " << kv->current_revision()
               << ", API at " << url;

  if (config.on_ready) config.on_ready(url, pki->token.to_string());

  int sig = stop.wait();
  MK_LOG(info) << "server: " << signal_name(sig) << " received, shutting down";
  if (config.on_stopping) config.on_stopping();
  scheduler->stop();
  manager.stop();
  renewer.reset();
  (*api)->shutdown(5'000);
  api->reset();
  kv.reset();
  MK_LOG(info) << "server: stopped";
  return 0;
}

}  // namespace mk::server
