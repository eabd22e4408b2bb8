#pragma once
// Per-kind behaviour beyond the schema: defaults upstream computes, validation rules,
// allocations. One strategy per kind, looked up by kind.

#include "server/apiserver/context.h"

namespace mk::apiserver {

// The strategy for a kind, or nullptr when the schema alone describes it.
const KindStrategy* strategy_for(const api::KindInfo& kind);

}  // namespace mk::apiserver
