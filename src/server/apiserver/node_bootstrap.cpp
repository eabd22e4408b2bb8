#include "server/apiserver/node_bootstrap.h"

#include "api/status.h"
#include "server/apiserver/server_impl.h"

namespace mk::apiserver {
namespace {

bool is_node_or_master(const User& user) {
  for (const auto& g : user.groups)
    if (g == "system:nodes" || g == "system:masters") return true;
  return false;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

}  // namespace

void serve_node_bootstrap(const ApiServerOptions& options, const http::Request& req, const User& user,
                          const std::shared_ptr<http::ResponseWriter>& w) {
  std::string what = req.path.substr(std::string(kNodeBootstrapPrefix).size());
  if (what != "serving-kubelet.crt" && what != "client-ca.crt") return respond_error(w, api::no_such_path());
  if (req.method != "GET") return respond_error(w, api::method_not_allowed("only GET is allowed"));
  if (!is_node_or_master(user))
    return respond_error(w, api::forbidden("User \"" + user.name + "\" cannot get node certificates"));
  const http::Headers text = {{"Content-Type", "text/plain; charset=utf-8"}};
  if (what == "client-ca.crt") {
    w->respond(200, text, options.client_ca_pem);
    return;
  }
  if (!options.issue_kubelet_serving_cert)
    return respond_error(w, api::service_unavailable("this server issues no kubelet certificates"));
  std::string node = req.header("Minikube-Node-Name");
  if (node.empty()) return respond_error(w, api::bad_request("header Minikube-Node-Name is required"));
  auto issued = options.issue_kubelet_serving_cert(node, split_commas(req.header("Minikube-Node-IP")));
  if (!issued) return respond_error(w, api::bad_request(issued.error().message));
  w->respond(200, text, issued->first + issued->second);
}

}  // namespace mk::apiserver
