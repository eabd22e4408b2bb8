#include "cli/image_command.h"

#include <CLI/CLI.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/image/content_store.h"
#include "runtime/image/importer.h"
#include "runtime/image/platform.h"
#include "runtime/image/puller.h"
#include "runtime/image/reference.h"
#include "runtime/image/registry_config.h"

namespace mk::cli {

namespace img = mk::runtime::image;

struct ImageCommand::Options {
  CLI::App* image = nullptr;
  CLI::App *ls = nullptr, *pull = nullptr, *import = nullptr, *rm = nullptr, *prune = nullptr;
  std::string data_dir = "/var/lib/minikube";
  std::string private_registry = "/etc/minikube/registries.yaml";
  std::string platform;
  bool quiet = false;
  std::vector<std::string> args;
};

namespace {

int fail(const std::string& message) {
  std::string line = message;
  for (auto& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << "minikube image: " << line << "\n";
  return 1;
}

std::string human_size(int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  std::ostringstream out;
  out << std::setprecision(v < 10 && u > 0 ? 2 : 3) << v << units[u];
  return out.str();
}

// A one-line progress bar on a terminal, redrawn in place.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() {
    if (drawn_) std::cerr << "\n";
  }
  void update(const std::string& digest, int64_t done, int64_t total) {
    if (!enabled_ || total <= 0) return;
    int percent = static_cast<int>(done * 100 / total);
    if (digest == digest_ && percent == percent_) return;
    digest_ = digest;
    percent_ = percent;
    int filled = percent * 30 / 100;
    std::cerr << "\r" << digest.substr(7, 12) << " [" << std::string(static_cast<size_t>(filled), '=')
              << std::string(static_cast<size_t>(30 - filled), ' ') << "] " << std::setw(3) << percent << "% "
              << human_size(done) << "/" << human_size(total) << "   " << std::flush;
    drawn_ = true;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::string digest_;
  int percent_ = -1;
};

}  // namespace

ImageCommand::ImageCommand() : options_(std::make_unique<Options>()) {}
ImageCommand::~ImageCommand() = default;

void ImageCommand::add_to(CLI::App& root) {
  Options& o = *options_;
  o.image = root.add_subcommand("image", "Manage the node's images (list, pull, import, remove, prune)");
  o.image->require_subcommand(1);
  o.image->allow_extras(false);  // the root allows extras to word its own errors; not here
  auto common = [&o](CLI::App* sub) {
    sub->add_option("--data-dir", o.data_dir, "Data directory; images live under <data-dir>/agent/images")
        ->capture_default_str();
    sub->add_option("--private-registry", o.private_registry, "Registry mirrors and credentials (k3s registries.yaml)")
        ->capture_default_str();
  };
  o.ls = o.image->add_subcommand("ls", "List images");
  o.ls->add_flag("-q,--quiet", o.quiet, "Print image names only");
  o.pull = o.image->add_subcommand("pull", "Pull images from a registry");
  o.pull->add_option("--platform", o.platform, "Platform to pull, e.g. linux/arm64 (default: this host's)");
  o.pull->add_option("image", o.args, "Image references")->required();
  o.import = o.image->add_subcommand("import", "Import OCI layouts, oci-archive or docker-archive tarballs, or a directory of tarballs");
  o.import->add_option("--platform", o.platform, "Platform to import from multi-platform images (default: this host's)");
  o.import->add_option("path", o.args, "Tarballs or directories")->required();
  o.rm = o.image->add_subcommand("rm", "Remove images (their content goes when no other image uses it)");
  o.rm->add_option("image", o.args, "Image references")->required();
  o.prune = o.image->add_subcommand("prune", "Delete content that no image references");
  for (CLI::App* sub : {o.ls, o.pull, o.import, o.rm, o.prune}) {
    common(sub);
    sub->allow_extras(false);
  }
}

bool ImageCommand::parsed() const { return options_->image && options_->image->parsed(); }

int ImageCommand::run() {
  Options& o = *options_;
  img::Platform platform = img::host_platform();
  if (!o.platform.empty()) {
    auto p = img::parse_platform(o.platform);
    if (!p) {
      std::cerr << "minikube image: " << p.error().message << "\n";
      return 2;
    }
    platform = *p;
  }
  auto store = img::ContentStore::open(o.data_dir + "/agent/images");
  if (!store) return fail(store.error().message);

  if (o.ls->parsed()) {
    auto images = (*store)->list_images();
    if (!images) return fail(images.error().message);
    if (o.quiet) {
      for (const auto& r : *images) std::cout << r.name << "\n";
      return 0;
    }
    std::cout << std::left << std::setw(50) << "IMAGE" << std::setw(15) << "IMAGE ID" << std::setw(16) << "PLATFORM"
              << "SIZE\n";
    for (const auto& r : *images) {
      std::cout << std::setw(50) << r.name << std::setw(15) << r.config_digest.substr(7, 13) << std::setw(16)
                << r.platform << human_size(r.size) << "\n";
    }
    return 0;
  }
  if (o.pull->parsed()) {
    auto registries = img::load_registries(o.private_registry);
    if (!registries) return fail(registries.error().message);
    for (const std::string& ref : o.args) {
      ProgressBar bar(::isatty(STDERR_FILENO) == 1);
      img::PullOptions options;
      options.platform = platform;
      options.registries = *registries;
      options.progress = [&bar](const std::string& d, int64_t done, int64_t total) { bar.update(d, done, total); };
      auto record = img::pull_image(**store, ref, options);
      if (!record) return fail(record.error().message);
      std::cout << record->name << " " << record->manifest_digest << "\n";
    }
    return 0;
  }
  if (o.import->parsed()) {
    for (const std::string& path : o.args) {
      struct stat st {};
      bool directory_of_tarballs = ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
                                   ::access((path + "/index.json").c_str(), F_OK) != 0;
      auto records = directory_of_tarballs ? img::import_directory(**store, path, platform)
                                           : img::import_images(**store, path, platform);
      if (!records) return fail(records.error().message);
      for (const auto& r : *records) std::cout << r.name << " " << r.manifest_digest << "\n";
    }
    return 0;
  }
  if (o.rm->parsed()) {
    for (const std::string& name : o.args) {
      // Accept the short forms people type ("busybox" for docker.io/library/busybox:latest).
      std::string full = name;
      if ((*store)->get_image(name).error().code == Errc::not_found) {
        if (auto ref = img::parse_reference(name); ref) full = ref->name();
      }
      if (auto ok = (*store)->remove_image(full); !ok) return fail(ok.error().message);
      std::cout << "Deleted " << full << "\n";
    }
    auto swept = (*store)->sweep();
    if (!swept) return fail(swept.error().message);
    return 0;
  }
  if (o.prune->parsed()) {
    auto swept = (*store)->sweep();
    if (!swept) return fail(swept.error().message);
    std::cout << "Removed " << swept->blobs_removed << " blobs and " << swept->layers_removed << " layers, freed "
              << human_size(swept->bytes_freed) << "\n";
    return 0;
  }
  std::cerr << "minikube image: a subcommand is required: ls, pull, import, rm or prune\n";
  return 2;
}

}  // namespace mk::cli
