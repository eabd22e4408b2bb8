#pragma once
// What the Endpoints and EndpointSlice controllers both compute for a Service with a
// selector: its pods that have an IP, whether each is ready, and the service ports each pod
// serves (targetPort by number, or by container port name).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mk::client {
class Informer;
class WorkQueue;
}

namespace mk::controllers {

struct EndpointPort {
  std::string name;
  int64_t port = 0;
  std::string protocol = "TCP";
  std::string app_protocol;
  bool operator==(const EndpointPort&) const = default;
};

struct PodEndpoint {
  std::string ip;
  std::string node_name;
  std::string pod_name, pod_namespace, pod_uid;
  bool ready = false;
  bool terminating = false;
  std::vector<EndpointPort> ports;
};

// The service ports `pod` serves: a named targetPort missing from its containers drops that port.
std::vector<EndpointPort> resolve_ports(const nlohmann::json& service, const nlohmann::json& pod);

// Every pod in the service's namespace its selector matches and that has status.podIP; sorted
// by IP. Empty when the service has no selector.
std::vector<PodEndpoint> service_endpoints(const nlohmann::json& service, const client::Informer& pods);

// True when the service's endpoints are managed by controllers (it has a selector).
bool has_selector(const nlohmann::json& service);

// Services in `ns` whose selector matches `labels`.
std::vector<std::string> services_selecting(const client::Informer& services, const std::string& ns,
                                            const nlohmann::json& labels);

// Queues "<ns>/<name>" of every service whose selector matches `pod` now, or matched it
// before the change (`old`): what both controllers do when a pod changes.
void queue_services_of_pod(const client::Informer& services, client::WorkQueue& queue, const nlohmann::json& pod,
                           const nlohmann::json* old);

}  // namespace mk::controllers
