// Pull from Debian's docker-registry on 127.0.0.1 (images pushed with skopeo), and airgap
// import of an OCI layout, oci-archive and docker-archive.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "runtime/image/content_store.h"
#include "runtime/image/importer.h"
#include "runtime/image/puller.h"
#include "test_support.h"

using namespace mk::runtime::image;
using namespace mk::runtime::image::testing;

namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// docker-registry serving from a temp dir on a free loopback port; stopped by PID.
class Registry {
 public:
  explicit Registry(const TempDir& dir) : port_(free_port()) {
    std::string cfg = dir / "registry.yml";
    write_file(cfg, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " + (dir / "registry") +
                        "\nhttp:\n  addr: 127.0.0.1:" + std::to_string(port_) + "\n");
    std::string log = dir / "registry.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execlp("docker-registry", "docker-registry", "serve", cfg.c_str(), nullptr);
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!port_open(port_) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling interval
    }
  }
  ~Registry() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  bool ready() const { return port_open(port_); }

 private:
  int port_;
  pid_t pid_ = -1;
};

bool have_tools() { return run({"which", "docker-registry", "skopeo"}) == 0; }

void skopeo_copy(const std::string& from, const std::string& to, bool all) {
  std::vector<std::string> argv = {"skopeo", "--insecure-policy", "copy", "-q", "--dest-tls-verify=false"};
  if (all) argv.push_back("--all");
  argv.push_back(from);
  argv.push_back(to);
  std::string out;
  int rc = run(argv, &out);
  INFO(out);
  REQUIRE(rc == 0);
}

void check_busybox_layer(const ContentStore& store, const ImageRecord& r) {
  REQUIRE(r.layers.size() == 1);
  struct stat st {}, want {};
  REQUIRE(::stat((store.layer_path(r.layers[0].diff_id) + "/bin/busybox").c_str(), &st) == 0);
  REQUIRE(::stat("/bin/busybox", &want) == 0);
  CHECK(st.st_size == want.st_size);
  CHECK((st.st_mode & 0777) == 0755);
}

}  // namespace

TEST_CASE("pull a multi-arch image from a registry on loopback", "[registry]") {
  if (!have_tools()) {
    WARN("skipped: docker-registry or skopeo is not installed");
    return;
  }
  TempDir dir;
  BuiltImage built = build_busybox_layout(dir / "layout", "multi", true);
  Registry registry(dir);
  REQUIRE(registry.ready());
  skopeo_copy("oci:" + (dir / "layout") + ":multi", "docker://" + registry.host() + "/tiny/busybox:1", true);

  auto store = ContentStore::open(dir / "images");
  REQUIRE(store);
  std::vector<std::string> progress;
  PullOptions options;
  options.platform = *parse_platform("linux/amd64");
  options.progress = [&](const std::string& d, int64_t done, int64_t total) {
    if (done == total) progress.push_back(d);
  };
  auto record = pull_image(**store, registry.host() + "/tiny/busybox:1", options);
  INFO((record ? "" : record.error().message));
  REQUIRE(record);
  CHECK(record->name == registry.host() + "/tiny/busybox:1");
  CHECK(record->platform == "linux/amd64");
  CHECK(record->index_digest == built.manifest_digest);
  CHECK(record->manifest_digest == built.platform_manifests[0]);
  CHECK(record->layers[0].diff_id == built.diff_ids[0]);
  check_busybox_layer(**store, *record);
  CHECK(progress.size() == 2);  // config and layer
  CHECK(list(dir / "images/tmp").empty());

  // The arm64 manifest of the same tag, through a registries.yaml mirror for docker.io.
  auto config = parse_registries("mirrors:\n  docker.io:\n    endpoint: [\"http://" + registry.host() + "\"]\n");
  REQUIRE(config);
  options.registries = *config;
  options.platform = *parse_platform("linux/arm64");
  auto arm = pull_image(**store, "tiny/busybox:1", options);
  INFO((arm ? "" : arm.error().message));
  REQUIRE(arm);
  CHECK(arm->name == "docker.io/tiny/busybox:1");
  CHECK(arm->platform == "linux/arm64");
  CHECK(arm->manifest_digest == built.platform_manifests[1]);
  CHECK(arm->layers[0].diff_id == record->layers[0].diff_id);  // the layer is shared

  SECTION("a platform the index does not have is refused") {
    options.platform = *parse_platform("linux/arm/v7");
    auto none = pull_image(**store, "tiny/busybox:1", options);
    REQUIRE_FALSE(none);
    CHECK(none.error().message.find("no image for platform linux/arm/v7") != std::string::npos);
  }
  SECTION("an unknown tag is not found") {
    auto missing = pull_image(**store, registry.host() + "/tiny/busybox:nope", options);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == mk::Errc::not_found);
  }
  SECTION("pinned by a wrong digest is refused") {
    auto wrong = pull_image(**store, registry.host() + "/tiny/busybox@" + built.platform_manifests[0], options);
    REQUIRE(wrong);  // the right digest works
    std::string bad = "sha256:" + std::string(64, '0');
    auto refused = pull_image(**store, registry.host() + "/tiny/busybox@" + bad, options);
    REQUIRE_FALSE(refused);
  }
}

TEST_CASE("airgap import of an OCI layout, oci-archive and docker-archive", "[import]") {
  if (!have_tools()) {
    WARN("skipped: skopeo is not installed");
    return;
  }
  TempDir dir;
  BuiltImage built = build_busybox_layout(dir / "layout", "busybox", false);
  auto store = ContentStore::open(dir / "images");
  REQUIRE(store);
  Platform amd64 = *parse_platform("linux/amd64");

  auto layout = import_images(**store, dir / "layout", amd64);
  INFO((layout ? "" : layout.error().message));
  REQUIRE(layout);
  REQUIRE(layout->size() == 1);
  CHECK((*layout)[0].name == "docker.io/library/busybox:latest");
  CHECK((*layout)[0].manifest_digest == built.manifest_digest);
  check_busybox_layer(**store, (*layout)[0]);

  ::mkdir((dir / "airgap").c_str(), 0755);
  skopeo_copy("oci:" + (dir / "layout") + ":busybox", "oci-archive:" + (dir / "airgap/oci.tar") + ":tiny/oci:1", false);
  skopeo_copy("oci:" + (dir / "layout") + ":busybox", "docker-archive:" + (dir / "airgap/docker.tar") + ":tiny/docker:1", false);
  write_file(dir / "airgap/notes.txt", "not an image");

  auto oci = import_images(**store, dir / "airgap/oci.tar", amd64);
  INFO((oci ? "" : oci.error().message));
  REQUIRE(oci);
  REQUIRE(oci->size() == 1);
  CHECK((*oci)[0].name == "docker.io/tiny/oci:1");
  check_busybox_layer(**store, (*oci)[0]);

  auto docker = import_images(**store, dir / "airgap/docker.tar", amd64);
  INFO((docker ? "" : docker.error().message));
  REQUIRE(docker);
  REQUIRE(docker->size() == 1);
  CHECK((*docker)[0].name == "docker.io/tiny/docker:1");
  CHECK((*docker)[0].manifest_media_type == "application/vnd.docker.distribution.manifest.v2+json");
  CHECK((*docker)[0].layers[0].diff_id == built.diff_ids[0]);
  check_busybox_layer(**store, (*docker)[0]);
  CHECK(list(dir / "images/tmp").empty());

  // A directory of tarballs, as at agent start, into a fresh store.
  auto fresh = ContentStore::open(dir / "images2");
  REQUIRE(fresh);
  auto all = import_directory(**fresh, dir / "airgap", amd64);
  REQUIRE(all);
  CHECK(all->size() == 2);
  auto listed = (*fresh)->list_images();
  REQUIRE(listed);
  CHECK(listed->size() == 2);
}

TEST_CASE("an OCI layout with a corrupted blob is refused", "[import]") {
  TempDir dir;
  BuiltImage built = build_busybox_layout(dir / "layout", "busybox", false);
  // Truncate the layer blob: its digest no longer matches.
  std::string blob_dir = dir / "layout/blobs/sha256";
  for (const std::string& name : list(blob_dir)) {
    std::string path = blob_dir + "/" + name;
    std::string data = read_file(path);
    if (data.size() > 100000) write_file(path, data.substr(0, data.size() / 2));
  }
  auto store = ContentStore::open(dir / "images");
  REQUIRE(store);
  auto result = import_images(**store, dir / "layout", *parse_platform("linux/amd64"));
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("size is") != std::string::npos);
  CHECK(list(dir / "images/images").empty());
  CHECK(list(dir / "images/layers").empty());
  CHECK(list(dir / "images/tmp").empty());
  (void)built;
}
