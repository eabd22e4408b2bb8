#pragma once
// Cryptographically secure random bytes, from OpenSSL's DRBG.

#include <cstddef>
#include <string>

#include "common/error.h"

namespace mk::pki {

// nbytes random bytes.
Result<std::string> random_bytes(std::size_t nbytes);

// nbytes random bytes as 2*nbytes lowercase hex characters (random_hex(16): a 128-bit secret).
Result<std::string> random_hex(std::size_t nbytes);

}  // namespace mk::pki
