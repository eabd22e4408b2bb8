// A container from an image in the content store: imported with `minikube image import`, run
// with `minikube runtime run --image`, its layers stacked by overlayfs.

#include <catch2/catch.hpp>

#include "runtime_image/test_support.h"
#include "test_support.h"

using namespace mk::runtime;
using namespace mk::runtime::test;

TEST_CASE("`runtime run --image` runs a container from an imported image") {
  if (!is_root()) {
    WARN("skipped: the pod runtime tests need root (namespaces, mounts, cgroups)");
    return;
  }
  Sandbox sb;
  std::string layout = sb.dir() + "/layout";
  image::testing::build_busybox_layout(layout, "busybox", false);
  auto imported = run_cli({"image", "import", "--data-dir=" + sb.data_dir(), layout});
  INFO(imported.err);
  REQUIRE(imported.code == 0);

  std::vector<std::string> args = {"runtime", "run"};
  for (const auto& f : sb.cli_flags()) args.push_back(f);
  for (const char* a : {"--image", "busybox", "--name", "fromimage", "--", "sh", "-c",
                        "echo written > /written; cat /written; exit 5"}) {
    args.push_back(a);
  }
  auto r = run_cli(args);
  INFO(r.err);
  CHECK(r.code == 5);
  CHECK(r.out == "written\n");

  // The write went to the container's upper dir, never into the shared layer.
  pod::Runtime rt(sb.config());
  auto uid = rt.resolve("fromimage");
  REQUIRE(uid);
  CHECK(read_file(rt.pod_dir(*uid) + "/containers/fromimage/upper/written") == "written\n");
}
