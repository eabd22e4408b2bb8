#include "test_image.h"

#include <filesystem>

#include "busybox_rootfs.h"
#include "command.h"
#include "image_layout.h"

namespace mk::podbench {

namespace {
constexpr const char* kSkopeo = "/usr/bin/skopeo";
constexpr const char* kTar = "/usr/bin/tar";
constexpr auto kTimeout = std::chrono::minutes(2);
}  // namespace

Result<TestImage> build_test_image(const std::string& work) {
  TestImage image;
  std::string rootfs = work + "/image-rootfs";
  if (Status s = bench::make_busybox_rootfs(rootfs); !s) return s.error().wrap("busybox root");
  image.layout = work + "/image-layout";
  if (Status s = bench::write_image_layout(image.layout, rootfs, 0, kImage, work); !s) {
    return s.error().wrap("image layout");
  }
  std::error_code ec;
  std::filesystem::remove_all(rootfs, ec);
  image.oci_archive = work + "/image.oci.tar";
  auto copied = bench::run_checked(
      {kSkopeo, "copy", "--quiet", "oci:" + image.layout, "oci-archive:" + image.oci_archive + ":" + kImage},
      work + "/skopeo.log", kTimeout);
  if (!copied) return copied.error().wrap("oci-archive for podman");
  return image;
}

Status write_airgap_tarball(const TestImage& image, const std::string& images_dir, const std::string& work) {
  std::error_code ec;
  std::filesystem::create_directories(images_dir, ec);
  if (ec) return make_error(Errc::io, "create " + images_dir + ": " + ec.message());
  auto r = bench::run_checked({kTar, "-C", image.layout, "-cf", images_dir + "/pods-bench.tar", "."},
                              work + "/tar.log", kTimeout);
  if (!r) return r.error().wrap("airgap tarball");
  return Status::ok();
}

}  // namespace mk::podbench
