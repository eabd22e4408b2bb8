#include "agent/agent.h"

#include <cctype>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

#include "agent/config.h"
#include "common/log.h"

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

}  // namespace

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

int run(const AgentConfig& config) {
  if (auto ok = check_config(config); !ok) {
    MK_LOG(error) << "agent: " << ok.error().message;
    return 2;
  }
  if (config.token.empty()) {
    auto token = read_token_file(config.token_file);
    if (!token) {
      MK_LOG(error) << "agent: " << token.error().message;
      return 1;
    }
  }
  MK_LOG(error) << "agent: the node components (kubelet, service proxy, pod network) are not available in this "
                   "build yet; cannot join "
                << config.join_url;
  return 1;
}

}  // namespace mk::agent
