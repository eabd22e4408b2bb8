#pragma once
// Unpacking one image layer (tar, tar+gzip or tar+zstd; compression found from magic bytes)
// into its own directory in overlayfs form, so it can serve as an overlay lower dir:
//   `.wh.<name>`   -> a character device 0/0 named <name> (an overlay whiteout)
//   `.wh..wh..opq` -> the xattr trusted.overlay.opaque=y on its directory
// Entries are refused, and the whole layer with them, when their name is absolute or has a
// `..` component, when reaching them would pass through a symlink, when a hardlink points
// outside the layer, when a relative symlink climbs above the layer root, and for device nodes.
// Every file is created relative to a directory fd opened without following symlinks, so
// nothing is written outside the target.

#include <string>

#include "common/error.h"

namespace mk::runtime::image {

// The sha256 of the layer's uncompressed tar stream.
Result<std::string> layer_diff_id(const std::string& blob_path);

// Unpacks the layer into `target`, an empty directory (created when missing). On failure
// `target` is removed again.
Status unpack_layer_to(const std::string& blob_path, const std::string& target);

// Removes a directory tree without following symlinks; a missing path is fine.
Status remove_tree(const std::string& path);

}  // namespace mk::runtime::image
