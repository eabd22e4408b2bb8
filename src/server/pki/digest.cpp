#include "server/pki/digest.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "common/log.h"

namespace mk::pki {

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // With the default provider this only fails when memory runs out, which the rest of the
  // program treats as fatal too; a Result here would burden every caller for nothing.
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    MK_LOG(error) << "pki: SHA-256 digest failed";
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0x0f];
  }
  return out;
}

}  // namespace mk::pki
