#pragma once
// What the measurements need from a datastore, so one measurement drives both our SQLite store
// and etcd. A session is one client's worth of operations (one thread at a time); a target hands
// out sessions and watch groups and answers questions about its database file.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace mk::bench {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

class StoreSession {
 public:
  virtual ~StoreSession() = default;
  // Creates the key if absent (compare mod_revision == 0) and returns its new mod revision.
  virtual Result<int64_t> create(const std::string& key, const std::string& value) = 0;
  // Compare-and-swap on mod_revision; returns the new mod revision.
  virtual Result<int64_t> update(const std::string& key, const std::string& value,
                                 int64_t expected_mod_revision) = 0;
  // Unconditional puts of distinct keys in one transaction (for loading data).
  virtual Status put_batch(const KeyValues& kvs) = 0;
  // Reads every key under the prefix with its value; returns how many came back.
  virtual Result<int64_t> range_prefix(const std::string& prefix) = 0;
};

// Called on a consumer thread for every event a watcher receives: the watcher's index and the
// event's value.
using EventSink = std::function<void(size_t watcher, std::string_view value)>;

// Watchers on one prefix. Destroying the group stops its consumer threads and its watchers.
class WatchGroup {
 public:
  virtual ~WatchGroup() = default;
  // The first error a watcher reported (cancelled, stream closed), if any.
  virtual Status health() const = 0;
};

class BenchTarget {
 public:
  virtual ~BenchTarget() = default;
  // One line for the report: version and settings.
  virtual std::string describe() = 0;
  virtual Result<std::unique_ptr<StoreSession>> session() = 0;
  // Opens `watchers` watches on the prefix, drained by `consumer_threads` threads calling sink.
  // Returns once every watch is established.
  virtual Result<std::unique_ptr<WatchGroup>> watch_prefix(const std::string& prefix,
                                                           size_t watchers,
                                                           size_t consumer_threads,
                                                           EventSink sink) = 0;
  // Compacts all history up to the current revision (etcd: physical compaction).
  virtual Status compact_all() = 0;
  // Returns the database's size in bytes as the backend reports it.
  virtual Result<int64_t> db_size() = 0;
  // Gives free space back to the file system where that is a separate step (etcd's defrag).
  // Errc::unsupported where compaction already does it.
  virtual Status defragment() = 0;
};

}  // namespace mk::bench
