#include "server/pki/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include "common/log.h"
#include "server/pki/base64.h"
#include "server/pki/file_util.h"

namespace mk::pki {

std::string render_kubeconfig(std::string_view server_url, std::string_view ca_pem, std::string_view client_cert_pem,
                              std::string_view client_key_pem, std::string_view cluster_name, std::string_view user) {
  const std::string cluster(cluster_name);
  const std::string user_name(user);
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Config";

  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "certificate-authority-data" << YAML::Value << base64_encode(ca_pem);
  out << YAML::Key << "server" << YAML::Value << std::string(server_url);
  out << YAML::EndMap;
  out << YAML::Key << "name" << YAML::Value << cluster;
  out << YAML::EndMap << YAML::EndSeq;

  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << cluster;
  out << YAML::Key << "user" << YAML::Value << user_name;
  out << YAML::EndMap;
  out << YAML::Key << "name" << YAML::Value << cluster;
  out << YAML::EndMap << YAML::EndSeq;

  out << YAML::Key << "current-context" << YAML::Value << cluster;
  out << YAML::Key << "preferences" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::EndMap;

  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << user_name;
  out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "client-certificate-data" << YAML::Value << base64_encode(client_cert_pem);
  out << YAML::Key << "client-key-data" << YAML::Value << base64_encode(client_key_pem);
  out << YAML::EndMap;
  out << YAML::EndMap << YAML::EndSeq;

  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

Status write_kubeconfig(const std::filesystem::path& path, std::uint32_t mode, std::string_view server_url,
                        std::string_view ca_pem, std::string_view client_cert_pem, std::string_view client_key_pem,
                        std::string_view cluster_name, std::string_view user) {
  if (path.has_parent_path()) {
    if (auto st = ensure_dir(path.parent_path(), 0755); !st) return st.error().wrap("write kubeconfig");
  }
  std::string text = render_kubeconfig(server_url, ca_pem, client_cert_pem, client_key_pem, cluster_name, user);
  if (auto st = write_file_atomic(path, text, mode); !st) return st.error().wrap("write kubeconfig");
  MK_LOG(info) << "pki: wrote kubeconfig " << path.string();
  return Status::ok();
}

}  // namespace mk::pki
