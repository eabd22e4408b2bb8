#include "server/pki/random.h"

#include <openssl/rand.h>

#include <climits>

#include "server/pki/ossl.h"

namespace mk::pki {

Result<std::string> random_bytes(std::size_t nbytes) {
  if (nbytes > static_cast<std::size_t>(INT_MAX)) {
    return make_error(Errc::invalid_argument, "generate random bytes: count too large");
  }
  std::string out(nbytes, '\0');
  // RAND_bytes fails only when the DRBG cannot be seeded (no entropy source); never fall back
  // to a weaker generator for key material and secrets.
  if (nbytes > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(nbytes)) != 1) {
    return ossl::openssl_error(Errc::unavailable, "generate random bytes");
  }
  return out;
}

Result<std::string> random_hex(std::size_t nbytes) {
  auto bytes = random_bytes(nbytes);
  if (!bytes) return bytes.error();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(nbytes * 2);
  for (unsigned char c : *bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0x0f];
  }
  return out;
}

}  // namespace mk::pki
