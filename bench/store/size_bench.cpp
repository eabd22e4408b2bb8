#include "size_bench.h"

#include <cstdio>
#include <memory>

#include "interrupt.h"
#include "payload.h"

namespace mk::bench {

Result<SizeRun> run_size(BenchTarget& target, const BenchPlan& plan, const std::string& prefix) {
  auto session = target.session();
  if (!session) return session.error();
  SizeRun run;
  run.keys = static_cast<int64_t>(plan.size_keys);
  KeyValues batch;
  size_t written = 0;
  for (size_t round = 0; written < plan.size_puts; ++round) {
    for (size_t k = 0; k < plan.size_keys && written < plan.size_puts; ++k) {
      char name[32];
      std::snprintf(name, sizeof(name), "k%06zu", k);
      char tag[32];
      std::snprintf(tag, sizeof(tag), "round=%06zu;", round);
      batch.emplace_back(prefix + name, make_value(tag, plan.size_value_bytes));
      ++written;
      if (batch.size() == plan.batch || k + 1 == plan.size_keys || written == plan.size_puts) {
        if (interrupted()) return make_error(Errc::cancelled, "interrupted");
        if (Status s = (*session)->put_batch(batch); !s) return s.error().wrap("load " + prefix);
        batch.clear();
      }
    }
  }
  run.puts = static_cast<int64_t>(written);
  size_t live_keys = std::min(plan.size_keys, plan.size_puts);
  run.live_bytes = static_cast<int64_t>(live_keys * (prefix.size() + 7 + plan.size_value_bytes));

  auto size = target.db_size();
  if (!size) return size.error();
  run.after_writes = *size;
  if (Status s = target.compact_all(); !s) return s.error().wrap("compact");
  size = target.db_size();
  if (!size) return size.error();
  run.after_compaction = *size;
  Status defrag = target.defragment();
  if (defrag) {
    size = target.db_size();
    if (!size) return size.error();
    run.after_defrag = *size;
  } else if (defrag.error().code != Errc::unsupported) {
    return defrag.error().wrap("defragment");
  }
  return run;
}

}  // namespace mk::bench
