#pragma once
// The file operations the PKI needs: whole-file reads, and writes that are atomic and durable
// so a crash never leaves a half-written key or certificate behind.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::pki {

// The whole file. Errc::not_found if it does not exist; files over 1 MiB are Errc::too_large
// (nothing the PKI reads is that big, so such a file is the wrong file).
Result<std::string> read_file(const std::filesystem::path& path);

// Replaces path with data: writes a temporary file beside it with exactly `mode` (not narrowed
// by the umask), fsyncs it, renames it over path and fsyncs the directory.
Status write_file_atomic(const std::filesystem::path& path, std::string_view data, std::uint32_t mode);

// Creates path and missing parents; a directory this call creates gets `mode`.
Status ensure_dir(const std::filesystem::path& path, std::uint32_t mode);

}  // namespace mk::pki
