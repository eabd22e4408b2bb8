#pragma once
// Content digests that name a document version, so clients may cache a document for as long
// as the digest in its URL stays the same.

#include <string>
#include <string_view>

namespace mk::apiserver::openapi {

// SHA-512 of `data` as 128 upper-case hex digits.
std::string sha512_hex(std::string_view data);

}  // namespace mk::apiserver::openapi
