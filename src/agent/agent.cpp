#include "agent/agent.h"

#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <cerrno>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "agent/cluster_settings.h"
#include "agent/config.h"
#include "agent/dns/cluster_dns.h"
#include "agent/join.h"
#include "agent/kubelet/host_facts.h"
#include "agent/kubelet/image_policy.h"
#include "agent/kubelet/node_heartbeat.h"
#include "agent/kubelet/pod_dns.h"
#include "agent/kubelet/pod_worker.h"
#include "agent/kubelet/streaming/port_forward_endpoint.h"
#include "agent/kubelet_server/kubelet_server.h"
#include "agent/netpol/netpol.h"
#include "agent/proxy/proxier.h"
#include "agent/kubelet/static_pods.h"
#include "agent/kubelet/volume_refresher.h"
#include "agent/network/flannel.h"
#include "client/client.h"
#include "common/log.h"
#include "runtime/image/importer.h"
#include "runtime/image/platform.h"
#include "runtime/pod/runtime.h"
#include "version.h"

namespace mk::agent {
namespace {

Result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return errno_error("read token file " + path, errno);
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  // Files written by editors and `echo` end in a newline that is not part of the token.
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty()) return make_error(Errc::invalid_argument, "read token file " + path + ": file is empty");
  return token;
}

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  std::string name = buf;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

const char kDefaultRegistries[] = "/etc/minikube/registries.yaml";

}  // namespace

struct Agent::Impl {
  std::string node_name;
  Joined joined;
  std::unique_ptr<kubelet::NodeHeartbeat> heartbeat;
  std::unique_ptr<network::Flannel> network;  // outlives the runtime, whose hooks use it
  std::string network_error;                  // why there is no pod network
  std::unique_ptr<runtime::image::ContentStore> images;
  std::unique_ptr<runtime::pod::Runtime> runtime;
  std::unique_ptr<kubelet::PodWorker> pods;
  std::unique_ptr<proxy::ServiceProxy> services;
  std::unique_ptr<netpol::PolicyEnforcer> policies;
  std::unique_ptr<dns::ClusterDns> dns;
  std::unique_ptr<kubelet::KubeletServer> kubelet_server;
  std::unique_ptr<kubelet::VolumeRefresher> volumes;
  std::unique_ptr<kubelet::StaticPods> static_pods;
};

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Agent::~Agent() {
  if (impl_) impl_->kubelet_server.reset();
  // The proxy's and the policies' rules stay in place, like the pods: traffic keeps flowing
  // while the agent restarts, and the next start replaces them in one transaction.
  if (impl_ && impl_->services) impl_->services->stop();
  if (impl_ && impl_->policies) impl_->policies->stop();
  if (impl_ && impl_->static_pods) impl_->static_pods->stop();
  if (impl_ && impl_->pods) impl_->pods->stop();
  if (impl_ && impl_->volumes) impl_->volumes->stop();
  if (impl_ && impl_->heartbeat) impl_->heartbeat->stop();
  if (impl_) impl_->dns.reset();
  if (impl_ && impl_->network) impl_->network->stop();
}

const std::string& Agent::node_name() const { return impl_->node_name; }

Status check_config(const AgentConfig& config) {
  if (config.join_url.empty()) {
    return make_error(Errc::invalid_argument,
                      "--join (or --server, MINIKUBE_URL) is required: the https:// URL of a server to join");
  }
  if (config.token.empty() && config.token_file.empty()) {
    return make_error(Errc::invalid_argument, "a token is required to join: set --token, --token-file or MINIKUBE_TOKEN");
  }
  return Status::ok();
}

Result<std::unique_ptr<Agent>> Agent::start(const AgentConfig& config) {
  if (auto ok = check_config(config); !ok) return ok.error();
  std::string token = config.token;
  if (token.empty()) {
    auto read = read_token_file(config.token_file);
    if (!read) return read.error();
    token = *read;
  }
  auto impl = std::make_unique<Impl>();
  impl->node_name = config.node_name.empty() ? host_name() : config.node_name;
  auto joined = join(config.join_url, token);
  if (!joined) return joined.error();
  impl->joined = std::move(*joined);

  api::ClusterSettings cluster = read_cluster_settings(*impl->joined.client);

  kubelet::HostFacts facts = kubelet::read_host_facts(config.data_dir);
  if (!config.node_ip.empty()) facts.internal_ip = config.node_ip;
  std::string host_ip = facts.internal_ip;

  const bool pod_network_wanted = config.flannel_backend != "none";
  auto backend = network::parse_backend(pod_network_wanted ? config.flannel_backend : "vxlan");
  if (!backend) return backend.error();

  // The pod runtime (pods are re-adopted below, once the node is registered). Its network hooks
  // reach the pod network, which is set up once the node has its podCIDR, through the Impl.
  runtime::pod::RuntimeConfig runtime_config;
  runtime_config.data_dir = config.data_dir;
  runtime_config.cgroup_root = config.cgroup_root;
  if (pod_network_wanted) {
    Impl* state = impl.get();
    runtime_config.network.attach = [state](const runtime::pod::PodSpec& spec,
                                            const std::string& netns) -> Result<std::vector<std::string>> {
      if (!state->network) return make_error(Errc::unavailable, "the pod network is not ready: " + state->network_error);
      std::vector<network::HostPort> ports;
      for (const auto& p : spec.port_mappings) ports.push_back({p.protocol, p.host_port, p.container_port, p.host_ip});
      auto address = state->network->network().attach(spec.uid, netns, ports);
      if (!address) return address.error();
      return std::vector<std::string>{address->ip};
    };
    runtime_config.network.detach = [state](const std::string& uid) {
      return state->network ? state->network->network().detach(uid) : Status::ok();
    };
  }
  impl->runtime = std::make_unique<runtime::pod::Runtime>(runtime_config);

  // The kubelet's HTTPS server, with a serving certificate the server signs for the node's
  // addresses; started before the node registers so that the port it reports is served.
  auto certs = fetch_kubelet_certs(impl->joined, impl->node_name, {host_ip});
  if (!certs) return certs.error().wrap("kubelet certificates");
  kubelet::KubeletServerOptions server_options;
  server_options.port = config.kubelet_port;
  server_options.cert_pem = certs->cert_pem;
  server_options.key_pem = certs->key_pem;
  server_options.client_ca_pem = certs->client_ca_pem;
  auto server = kubelet::KubeletServer::start(server_options, *impl->runtime);
  // Without it the node still runs its pods; only logs, exec, attach and port-forward fail.
  if (server) impl->kubelet_server = std::move(*server);
  else MK_LOG(error) << "agent: " << server.error().message << "; logs, exec, attach and port-forward will not work on this node";
  if (impl->kubelet_server) {
    impl->kubelet_server->set_port_forward_handler(
        [](const http::Request& req, std::shared_ptr<http::ResponseWriter> w, const kubelet::PodTarget& pod) {
          kubelet::streaming::serve_port_forward(req, std::move(w),
                                                 {pod.uid, pod.namespace_name, pod.name, pod.pod_dir});
        });
  }

  kubelet::NodeSettings settings;
  settings.name = impl->node_name;
  settings.kubelet_version = std::string(kKubernetesVersion) + "+minikube";
  settings.runtime_version = std::string("minikube://") + kVersion;
  settings.control_plane = config.control_plane;
  settings.kubelet_port = impl->kubelet_server ? impl->kubelet_server->port() : config.kubelet_port;
  impl->heartbeat = std::make_unique<kubelet::NodeHeartbeat>(*impl->joined.client, settings, std::move(facts));
  if (auto ok = impl->heartbeat->register_node(); !ok) return ok.error();
  impl->heartbeat->start();

  // Images: the store, then every tarball dropped next to it (airgap images).
  std::string images_dir = config.data_dir + "/agent/images";
  auto store = runtime::image::ContentStore::open(images_dir);
  if (!store) return store.error().wrap("open image store");
  impl->images = std::move(*store);
  auto imported = runtime::image::import_directory(*impl->images, images_dir, runtime::image::host_platform());
  if (!imported) return imported.error().wrap("import images from " + images_dir);
  for (const auto& record : *imported) MK_LOG(info) << "agent: imported image " << record.name;
  impl->heartbeat->set_images_source([store = impl->images.get()] {
    auto records = store->list_images();
    return kubelet::node_images(records ? std::move(*records) : std::vector<runtime::image::ImageRecord>{});
  });
  (void)impl->heartbeat->beat();  // the imported images show at once, not a heartbeat later

  // The pod network: the node's subnet once the server assigned it, then routes to the others.
  network::FlannelSettings net_settings;
  net_settings.node_name = impl->node_name;
  net_settings.state_dir = config.data_dir + "/agent/network";
  net_settings.node_ip = host_ip;
  net_settings.backend = *backend;
  // Without it the node still runs (and reports) its hostNetwork pods; the others fail to start
  // with the reason, as a kubelet whose network plugin is not ready.
  if (pod_network_wanted) {
    auto net = network::Flannel::open(*impl->joined.client, net_settings);
    if (net) {
      impl->network = std::move(*net);
    } else {
      impl->network_error = net.error().message;
      MK_LOG(error) << "agent: no pod network, pods other than hostNetwork ones cannot start: " << impl->network_error;
    }
  }

  // Pods: re-adopt what still runs, then follow the pods bound to this node.
  auto live = impl->runtime->recover();
  if (!live) return live.error().wrap("recover pods");
  if (!live->empty()) MK_LOG(info) << "agent: re-adopted " << live->size() << " running pod(s)";
  // Addresses of pods removed while the agent was away are freed.
  if (auto pods = impl->runtime->list(); pods && impl->network) {
    std::set<std::string> known;
    for (const auto& p : *pods) known.insert(p.uid);
    impl->network->network().forget_except(known);
  }
  if (impl->network) impl->network->start();

  std::string registries_path = config.private_registry;
  if (registries_path.empty() && ::access(kDefaultRegistries, R_OK) == 0) registries_path = kDefaultRegistries;
  kubelet::PodWorkerSettings pod_settings;
  pod_settings.node_name = impl->node_name;
  pod_settings.host_ip = host_ip;
  if (!registries_path.empty()) {
    auto registries = runtime::image::load_registries(registries_path);
    if (!registries) return registries.error().wrap("read " + registries_path);
    pod_settings.registries = std::move(*registries);
  }
  pod_settings.dns = kubelet::pod_dns_settings(cluster.cluster_dns, cluster.cluster_domain);

  // Cluster DNS before the pods, so they resolve from their first start. Without it (no
  // CAP_NET_ADMIN, the address taken) the node still runs pods.
  if (!config.disable_cluster_dns) {
    dns::ClusterDnsConfig dns_config;
    dns_config.node_name = impl->node_name;
    dns_config.data_dir = config.data_dir;
    dns_config.cluster_dns = cluster.cluster_dns;
    dns_config.cluster_domain = cluster.cluster_domain;
    auto started = dns::ClusterDns::start(*impl->joined.client, dns_config);
    if (!started) MK_LOG(warn) << "agent: cluster DNS not started: " << started.error().message;
    else impl->dns = std::move(*started);
  }
  impl->pods = std::make_unique<kubelet::PodWorker>(*impl->joined.client, *impl->runtime, *impl->images,
                                                    std::move(pod_settings));
  impl->pods->start();

  // Services and NetworkPolicies, in nftables tables named after the node.
  if (!config.disable_kube_proxy) {
    proxy::ProxyConfig proxy_config;
    proxy_config.node_name = impl->node_name;
    proxy_config.network = cluster;
    impl->services = std::make_unique<proxy::ServiceProxy>(*impl->joined.client, proxy_config);
    // As with the DNS: a node without nftables still runs its pods.
    if (auto ok = impl->services->start(); !ok) {
      MK_LOG(warn) << "agent: service proxy not started: " << ok.error().message;
      impl->services.reset();
    }
  }
  if (!config.disable_network_policy) {
    netpol::NetpolConfig policy_config;
    policy_config.node_name = impl->node_name;
    policy_config.cluster_dns = cluster.cluster_dns;
    impl->policies = std::make_unique<netpol::PolicyEnforcer>(*impl->joined.client, policy_config);
    if (auto ok = impl->policies->start(); !ok) {
      MK_LOG(warn) << "agent: NetworkPolicy enforcer not started: " << ok.error().message;
      impl->policies.reset();
    }
  }
  kubelet::VolumeRefresherSettings volume_settings;
  volume_settings.node_name = impl->node_name;
  volume_settings.data_dir = config.data_dir;
  impl->volumes = std::make_unique<kubelet::VolumeRefresher>(*impl->joined.client, *impl->runtime, volume_settings);
  impl->volumes->start();
  kubelet::StaticPodSettings static_settings;
  static_settings.node_name = impl->node_name;
  static_settings.manifest_dir = config.pod_manifests.empty() ? config.data_dir + "/agent/pod-manifests" : config.pod_manifests;
  impl->static_pods = std::make_unique<kubelet::StaticPods>(*impl->joined.client, static_settings);
  impl->static_pods->start();
  MK_LOG(info) << "agent: node " << impl->node_name << " joined " << config.join_url;
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

int run(const AgentConfig& config) {
  if (auto ok = check_config(config); !ok) {
    MK_LOG(error) << "agent: " << ok.error().message;
    return 2;
  }
  sigset_t set, previous;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, &previous);
  auto agent = Agent::start(config);
  if (!agent) {
    MK_LOG(error) << "agent: " << agent.error().message;
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return 1;
  }
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  MK_LOG(info) << "agent: signal " << sig << " received, stopping (pods keep running)";
  agent->reset();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return 0;
}

}  // namespace mk::agent
