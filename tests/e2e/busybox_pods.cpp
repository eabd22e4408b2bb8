#include "e2e/busybox_pods.h"

#include <catch2/catch.hpp>

#include <filesystem>

#include "runtime_image/test_support.h"

namespace mk::e2e {

void add_busybox_image(const std::string& data_dir) {
  std::string images = data_dir + "/agent/images";
  std::filesystem::create_directories(images);
  std::string layout = data_dir + "/layout";
  runtime::image::testing::build_busybox_layout(layout, kBusyboxImage, false);
  std::string out;
  REQUIRE(runtime::image::testing::run({"tar", "-C", layout, "-cf", images + "/busybox.tar", "."}, &out) == 0);
  std::filesystem::remove_all(layout);
}

std::string kubectl_get(Server& server, const std::vector<std::string>& what, const std::string& jsonpath) {
  std::vector<std::string> args = {"get"};
  args.insert(args.end(), what.begin(), what.end());
  args.insert(args.end(), {"-o", "jsonpath=" + jsonpath});
  RunResult r = server.kubectl(args);
  return r.ok() ? r.out : "";
}

std::string container_log(const std::string& data_dir, const std::string& uid, const std::string& container) {
  std::string out;
  for (const auto& line : split_lines(read_file(data_dir + "/agent/pods/" + uid + "/logs/" + container + ".log"))) {
    auto w = line.find(' ', line.find(' ', line.find(' ') + 1) + 1);
    if (w != std::string::npos) out += line.substr(w + 1) + "\n";
  }
  return out;
}

}  // namespace mk::e2e
