#include "oci_bundle.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "command.h"

namespace mk::rtbench {

Status write_oci_bundle(const std::string& runc, const std::string& bundle, const std::string& rootfs,
                        const std::vector<std::string>& args, const std::string& log_path) {
  std::error_code ec;
  std::filesystem::create_directories(bundle, ec);
  if (ec) return make_error(Errc::io, "create " + bundle + ": " + ec.message());
  auto spec = bench::run_checked({runc, "spec", "--bundle", bundle}, log_path, std::chrono::seconds(30));
  if (!spec) return spec.error();

  std::string path = bundle + "/config.json";
  nlohmann::json config;
  {
    std::ifstream in(path);
    config = nlohmann::json::parse(in, nullptr, false);
  }
  if (config.is_discarded() || !config.is_object()) return make_error(Errc::corrupt, "read " + path + ": not JSON");
  config["root"] = {{"path", rootfs}, {"readonly", false}};
  config["process"]["terminal"] = false;
  config["process"]["args"] = args;
  config["process"]["env"] = {"PATH=/bin"};
  config["hostname"] = "box";
  config["linux"]["namespaces"] = nlohmann::json::array(
      {{{"type", "pid"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}, {{"type", "network"}}});
  std::ofstream out(path, std::ios::trunc);
  out << config.dump(2);
  if (!out) return make_error(Errc::io, "write " + path);
  return Status::ok();
}

}  // namespace mk::rtbench
