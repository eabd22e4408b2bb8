#pragma once
// The envelope around every Kubernetes protobuf body: the magic "k8s\0" and a runtime.Unknown
// message naming the object's apiVersion and kind and carrying its encoded bytes.

#include <string>
#include <string_view>

#include "common/error.h"

namespace mk::api::proto {

struct Envelope {
  std::string api_version;
  std::string kind;
  std::string_view raw;  // points into the body given to parse_envelope
  std::string content_encoding;
  std::string content_type;
};

// Checks the magic and reads runtime.Unknown {typeMeta{apiVersion=1, kind=2}=1, raw=2,
// contentEncoding=3, contentType=4}. apiVersion, kind and raw must be present; a content
// encoding (compression) is refused. Errors are Errc::invalid_argument.
Result<Envelope> parse_envelope(std::string_view body);

}  // namespace mk::api::proto
