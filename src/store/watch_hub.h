#pragma once
// Fan-out of committed events to watchers, independent of the backend. The backend publishes
// each committed batch in revision order; a dispatch thread copies matching events into each
// watcher's bounded queue, so writers never wait for watchers. A watcher that starts in the
// past is first fed from a ring of recent events or, further back, from the backend's history.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/kv.h"

namespace mk::store {

using EventPtr = std::shared_ptr<const Event>;

// Reads committed events with revisions in [from, to] for keys in [key, end), in revision
// order; Errc::compacted if `from` is no longer held.
using HistoryReader = std::function<Result<std::vector<Event>>(
    const std::string& key, const std::string& end, Revision from, Revision to)>;

// True when key lies in the range [start, end) as etcd defines it: an empty end means the key
// `start` alone, and a single NUL byte means every key from `start` on.
bool key_in_range(const std::string& key, const std::string& start, const std::string& end);

class WatchHub {
 public:
  struct Options {
    size_t watcher_buffer = 10'000;
    size_t ring_capacity = 8'192;
    // The store's revision when the hub starts: everything up to it is history, read from the
    // backend by watches that start in the past.
    Revision initial_revision = 0;
  };
  WatchHub(Options options, HistoryReader history);
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // `committed` is the store's last committed revision (the start of a watch "from now");
  // `compacted` its compact revision.
  Result<std::unique_ptr<Watcher>> watch(const WatchRequest& req, Revision committed,
                                         Revision compacted);

  // Hands over one committed batch, in revision order, after commit. Never blocks on watchers.
  void publish(std::vector<Event> events);

  // Cancels every watcher with this reason and stops dispatching.
  void close(const Error& reason);

  size_t watcher_count() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace mk::store
