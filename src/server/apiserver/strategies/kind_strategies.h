#pragma once
// The strategies of individual kinds, one file each.

#include "server/apiserver/context.h"

namespace mk::apiserver {

KindStrategy namespace_strategy();
KindStrategy pod_strategy();
KindStrategy service_strategy();

}  // namespace mk::apiserver
