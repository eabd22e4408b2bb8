#include "image_runs.h"

#include <filesystem>

#include "command.h"
#include "common/log.h"
#include "image_layout.h"
#include "registry_server.h"

namespace mk::rtbench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSkopeo = "/usr/bin/skopeo";
constexpr const char* kRegistry = "/usr/bin/docker-registry";

// One CLI image command into a fresh data dir, removed afterwards.
Series time_image_command(const Options& options, const Plan& plan, const std::string& work, const std::string& sub,
                          const std::string& arg) {
  size_t n = 0;
  return run_series(plan, plan.image_runs, [&]() -> Result<int64_t> {
    std::string data = work + "/" + sub + "-data-" + std::to_string(n++);
    auto r = bench::run_checked({options.minikube, "image", sub, "--data-dir", data, arg}, work + "/image-" + sub + ".log",
                         plan.command_timeout);
    std::error_code ec;
    fs::remove_all(data, ec);
    if (!r) return r.error();
    return r->elapsed_ns;
  });
}

}  // namespace

void run_image_measurements(const Options& options, const Plan& plan, const std::string& work,
                            const std::string& rootfs, Results& results) {
  MK_LOG(info) << "bench: building the " << plan.image_mib << " MiB image";
  std::string layout = work + "/big-layout";
  if (Status s = bench::write_image_layout(layout, rootfs, plan.image_mib, "big", work); !s) {
    results.image_error = s.error().wrap("build image");
    return;
  }
  std::string archive = work + "/big.tar";
  auto copied = bench::run_checked({kSkopeo, "copy", "--quiet", "oci:" + layout + ":big", "oci-archive:" + archive + ":big:1"},
                            work + "/skopeo.log", plan.command_timeout);
  if (!copied) {
    results.image_error = copied.error().wrap("make oci-archive");
    return;
  }
  std::error_code ec;
  results.image_bytes = static_cast<size_t>(fs::file_size(archive, ec));

  MK_LOG(info) << "bench: image import";
  results.image_import = time_image_command(options, plan, work, "import", archive);
  fs::remove(archive, ec);

  MK_LOG(info) << "bench: image pull";
  auto registry = RegistryServer::start(kRegistry, work);
  if (!registry) {
    results.image_error = registry.error().wrap("start registry");
    return;
  }
  std::string reference = (*registry)->address() + "/big:1";
  auto pushed = bench::run_checked({kSkopeo, "copy", "--quiet", "--dest-tls-verify=false", "oci:" + layout + ":big",
                             "docker://" + reference},
                            work + "/skopeo-push.log", plan.command_timeout);
  if (!pushed) {
    results.image_error = pushed.error().wrap("push to the registry");
    return;
  }
  results.image_pull = time_image_command(options, plan, work, "pull", reference);
}

}  // namespace mk::rtbench
