#include "server/apiserver/watch_stream.h"

#include <nlohmann/json.hpp>

#include <random>

#include "api/json_path.h"
#include "common/log.h"
#include "server/apiserver/metrics.h"
#include "server/apiserver/table.h"

namespace mk::apiserver {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class WatchStream : public std::enable_shared_from_this<WatchStream> {
 public:
  WatchStream(WatchManager& mgr, const api::KindInfo& kind, Registry::Filter filter, WatchParams params,
              std::shared_ptr<http::ResponseWriter> w)
      : mgr_(mgr), kind_(kind), filter_(std::move(filter)), params_(std::move(params)), w_(std::move(w)) {}

  void attach(std::unique_ptr<store::Watcher> watcher) { watcher_ = std::move(watcher); }

  // Sends one event line; false once the client is gone.
  bool send(const std::string& type, json object) {
    if (params_.table && type != "BOOKMARK" && type != "ERROR") {
      json items = json::array({std::move(object)});
      object = to_table(kind_, items, json{{"resourceVersion", api::string_at(items[0], "metadata.resourceVersion")}},
                        IncludeObject::metadata, !columns_sent_);
      columns_sent_ = true;
    }
    json ev = {{"type", type}, {"object", std::move(object)}};
    return w_->write_chunk(ev.dump() + "\n");
  }

  void bookmark(bool initial_end = false) {
    json meta = {{"resourceVersion", std::to_string(last_rv_)}};
    if (initial_end) meta["annotations"] = {{"k8s.io/initial-events-end", "true"}};
    json obj = {{"kind", kind_.kind}, {"apiVersion", kind_.api_version()}, {"metadata", meta}};
    std::lock_guard lock(send_mu_);
    send("BOOKMARK", std::move(obj));
  }

  // Takes pending store events and writes them; runs on a worker thread, one at a time.
  void drain() {
    draining_.store(false);
    std::lock_guard lock(send_mu_);
    if (finished_) return;
    for (;;) {
      auto events = watcher_->take(256);
      if (events.empty()) break;
      for (auto& ev : events) {
        last_rv_ = ev.kv.mod_revision;
        std::string rv = std::to_string(ev.kv.mod_revision);
        bool had = false;
        json old;
        if (ev.prev) {
          old = json::parse(ev.prev->value, nullptr, false);
          had = old.is_object() && filter_(old);
        }
        bool ok = true;
        if (ev.type == store::Event::Type::del) {
          if (had) {
            old["metadata"]["resourceVersion"] = rv;
            stamp(old);
            ok = send("DELETED", std::move(old));
          }
        } else {
          json obj = json::parse(ev.kv.value, nullptr, false);
          if (!obj.is_object()) continue;
          obj["metadata"]["resourceVersion"] = rv;
          stamp(obj);
          bool has = filter_(obj);
          if (has && had) ok = send("MODIFIED", std::move(obj));
          else if (has) ok = send("ADDED", std::move(obj));
          else if (had) ok = send("DELETED", std::move(obj));
        }
        if (!ok) return finish_locked();
      }
    }
    if (auto why = watcher_->cancelled()) {
      // Dropped by the store (too slow, or closing): end the stream; the client resumes from
      // the last resourceVersion it saw.
      MK_LOG(debug) << "watch " << kind_.plural << " ended: " << why->message;
      finish_locked();
    }
  }

  void schedule_drain(ThreadPool& pool) {
    if (draining_.exchange(true)) return;
    auto self = shared_from_this();
    pool.post([self] { self->drain(); });
  }

  void finish() {
    std::lock_guard lock(send_mu_);
    finish_locked();
  }

  void arm(ThreadPool& pool) {
    std::weak_ptr<WatchStream> weak = shared_from_this();
    {
      std::lock_guard lock(send_mu_);
      if (finished_ || !watcher_) return;
      // The callback runs on the store's fan-out thread: it only schedules work.
      watcher_->set_notify([weak, &pool] {
        if (auto s = weak.lock()) s->schedule_drain(pool);
      });
    }
    schedule_drain(pool);
  }

  Clock::time_point deadline;
  Clock::time_point next_bookmark;
  bool bookmarks() const { return params_.allow_bookmarks; }
  store::Revision last_rv_ = 0;

 private:
  void stamp(json& obj) {
    obj["kind"] = kind_.kind;
    obj["apiVersion"] = kind_.api_version();
  }
  void finish_locked() {
    if (finished_) return;
    finished_ = true;
    w_->end_stream();
    watcher_.reset();
    mgr_.forget(this);
  }

  WatchManager& mgr_;
  const api::KindInfo& kind_;
  Registry::Filter filter_;
  WatchParams params_;
  std::shared_ptr<http::ResponseWriter> w_;
  std::unique_ptr<store::Watcher> watcher_;
  std::mutex send_mu_;
  std::atomic<bool> draining_{false};
  bool finished_ = false;
  bool columns_sent_ = false;
};

WatchManager::WatchManager(ApiContext& ctx, Registry& registry) : ctx_(ctx), registry_(registry) {
  timer_ = std::thread([this] { timer_loop(); });
}

WatchManager::~WatchManager() {
  close_all();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  timer_.join();
}

size_t WatchManager::open() const {
  std::lock_guard lock(mu_);
  return streams_.size();
}

void WatchManager::forget(WatchStream* s) {
  std::lock_guard lock(mu_);
  if (streams_.erase(s)) ctx_.open_watches--;
}

void WatchManager::close_all() {
  std::map<WatchStream*, std::shared_ptr<WatchStream>> all;
  {
    std::lock_guard lock(mu_);
    all = streams_;
  }
  for (auto& [p, s] : all) s->finish();
}

void WatchManager::timer_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(500));
    auto now = Clock::now();
    std::vector<std::shared_ptr<WatchStream>> expired, bookmark;
    for (auto& [p, s] : streams_) {
      if (now >= s->deadline) expired.push_back(s);
      else if (s->bookmarks() && now >= s->next_bookmark) bookmark.push_back(s);
    }
    lock.unlock();
    for (auto& s : bookmark) {
      s->next_bookmark = now + std::chrono::seconds(60);
      s->bookmark();
    }
    for (auto& s : expired) {
      if (s->bookmarks()) s->bookmark();
      s->finish();
    }
    lock.lock();
  }
}

void WatchManager::serve(const api::KindInfo& kind, const std::string& ns, const WatchParams& params,
                         std::shared_ptr<http::ResponseWriter> w) {
  auto respond_error = [&](const api::ApiError& e) {
    note_response_code(e.code);
    w->respond(e.code, {{"Content-Type", "application/json"}}, e.to_status().dump());
  };
  auto filter = registry_.make_filter(kind, ns, params.label_selector, params.field_selector);
  if (!filter) return respond_error(filter.error());

  int64_t from = 0;
  bool initial = params.resource_version.empty() || params.resource_version == "0";
  if (params.send_initial_events_set) initial = params.send_initial_events;
  if (!params.resource_version.empty()) {
    try {
      size_t used = 0;
      from = std::stoll(params.resource_version, &used);
      if (used != params.resource_version.size() || from < 0) throw std::invalid_argument("rv");
    } catch (...) {
      return respond_error(api::bad_request("resourceVersion: Invalid value: \"" + params.resource_version +
                                            "\": must be an integer"));
    }
  }
  if (params.send_initial_events_set && params.send_initial_events &&
      (params.resource_version_match != "NotOlderThan" || !params.allow_bookmarks)) {
    return respond_error(api::bad_request(
        "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate "
        "is enabled and resourceVersionMatch is NotOlderThan and allowWatchBookmarks is true"));
  }

  // The initial state, read at one revision; the watch then starts right after it.
  std::vector<json> initial_items;
  store::Revision start_rev = from;
  if (initial) {
    auto list = registry_.list(kind, ns, ListParams{params.label_selector, params.field_selector, 0, "", "", ""});
    if (!list) return respond_error(list.error());
    for (auto& item : (*list)["items"]) initial_items.push_back(std::move(item));
    start_rev = std::stoll((*list)["metadata"]["resourceVersion"].get<std::string>());
  }

  std::string pfx = ObjectStore::prefix(kind, ns);
  store::WatchRequest wr{pfx, store::prefix_end(pfx), start_rev + 1, true};
  auto watcher = ctx_.objects.kv().watch(wr);
  w->start_stream(200, {{"Content-Type", "application/json"}, {"Cache-Control", "no-cache, private"}});
  note_response_code(200);
  auto stream = std::make_shared<WatchStream>(*this, kind, *filter, params, w);
  stream->last_rv_ = start_rev;
  if (!watcher) {
    if (watcher.error().code == Errc::compacted) {
      api::ApiError e = api::gone("too old resource version: " + std::to_string(from) + " (" +
                                  std::to_string(ctx_.objects.kv().stats().compact_revision) + ")");
      stream->send("ERROR", e.to_status());
    } else {
      stream->send("ERROR", api::from_store_error(watcher.error()).to_status());
    }
    w->end_stream();
    return;
  }
  int64_t timeout = params.timeout_seconds;
  if (timeout <= 0) {
    // Like kube-apiserver: between 30 and 60 minutes, so reconnects spread out.
    static thread_local std::mt19937 rng{std::random_device{}()};
    timeout = 1800 + static_cast<int64_t>(rng() % 1800);
  }
  stream->deadline = Clock::now() + std::chrono::seconds(timeout);
  stream->next_bookmark = Clock::now() + std::chrono::seconds(60);
  for (auto& item : initial_items) {
    if (!stream->send("ADDED", std::move(item))) return;
  }
  if (params.send_initial_events_set && params.send_initial_events) stream->bookmark(true);
  stream->attach(std::move(*watcher));
  {
    std::lock_guard lock(mu_);
    streams_[stream.get()] = stream;
    ctx_.open_watches++;
  }
  std::weak_ptr<WatchStream> weak = stream;
  ThreadPool& pool = ctx_.workers;
  w->on_close([weak] {
    if (auto s = weak.lock()) s->finish();
  });
  // From here on, store events schedule drains.
  stream->arm(pool);
}

}  // namespace mk::apiserver
