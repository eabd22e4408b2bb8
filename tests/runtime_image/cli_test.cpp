// `minikube image ...` end to end: import, ls, rm, prune, and the exit codes.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "test_support.h"

using namespace mk::runtime::image::testing;

TEST_CASE("minikube image import, ls, rm and prune", "[cli]") {
  const char* bin = std::getenv("MINIKUBE_BIN");
  REQUIRE(bin != nullptr);
  TempDir dir;
  build_busybox_layout(dir / "layout", "busybox", false);
  const std::string data = "--data-dir=" + (dir / "data");
  const std::string registries = "--private-registry=" + (dir / "none.yaml");
  std::string out;

  REQUIRE(run({bin, "image", "import", data, dir / "layout"}, &out) == 0);
  CHECK(out.find("docker.io/library/busybox:latest sha256:") != std::string::npos);
  REQUIRE(run({bin, "image", "ls", "-q", data}, &out) == 0);
  CHECK(out == "docker.io/library/busybox:latest\n");
  REQUIRE(run({bin, "image", "ls", data}, &out) == 0);
  CHECK(out.find("linux/amd64") != std::string::npos);

  REQUIRE(run({bin, "image", "rm", data, "busybox"}, &out) == 0);
  CHECK(out == "Deleted docker.io/library/busybox:latest\n");
  CHECK(list(dir / "data/agent/images/layers").empty());
  REQUIRE(run({bin, "image", "prune", data}, &out) == 0);
  CHECK(out.find("Removed 0 blobs") != std::string::npos);

  CHECK(run({bin, "image", "rm", data, "busybox"}, &out) == 1);
  CHECK(out == "minikube image: image docker.io/library/busybox:latest: not found\n");
  CHECK(run({bin, "image", "pull", data, registries, "NOT A REFERENCE"}, &out) == 1);
  CHECK(run({bin, "image", "ls", "--bogus", data}, &out) == 2);
  CHECK(run({bin, "image", "pull", "--platform=a/b/c/d", data, "busybox"}, &out) == 2);
}
