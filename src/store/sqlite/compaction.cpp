// Compaction: drops history older than a revision, in small steps between write batches so
// writers never wait long, then hands freed pages back to the filesystem.
#include "common/log.h"
#include "store/sqlite/sqlite_store.h"

namespace mk::store::sqlite {
namespace {

// Revisions handled per step (one transaction each).
constexpr Revision kStep = 10'000;

// Databases up to this size are rebuilt by VACUUM after a compaction that freed a quarter of
// their pages (a few hundred milliseconds at most).
constexpr int64_t kVacuumMaxBytes = 64 << 20;

// Rows superseded by a write in [?1, ?2), and tombstones in [?1, ?2). A row superseded at the
// compact revision or later stays: it is the previous value of an event still watchable.
constexpr const char* kDropSuperseded =
    "DELETE FROM log WHERE revision IN (SELECT prev_revision FROM log "
    "WHERE revision >= ?1 AND revision < ?2 AND prev_revision != 0)";
constexpr const char* kDropTombstones =
    "DELETE FROM log WHERE revision >= ?1 AND revision < ?2 AND deleted = 1";
constexpr const char* kSetCompacted = "UPDATE meta SET value = ?1 WHERE name = 'compact_revision'";

}  // namespace

Status SqliteStore::compact(Revision revision) {
  WriteRequest req;
  req.kind = WriteRequest::Kind::compact;
  req.compact_to = revision;
  return submit(req);
}

Status SqliteStore::compact_step() {
  Revision from = compact_revision_.load();
  Revision to = std::min(compact_target_, from + kStep);
  if (auto s = writer_conn_->exec("BEGIN IMMEDIATE"); !s) return s.error().wrap("compact");
  auto step = [&]() -> Status {
    Statement* a = wstmt(kDropSuperseded);
    Statement* b = wstmt(kDropTombstones);
    Statement* c = wstmt(kSetCompacted);
    if (!a || !b || !c) return make_error(Errc::internal, "prepare compaction");
    if (auto s = a->bind(1, from).bind(2, to).run(); !s) return s;
    if (auto s = b->bind(1, from).bind(2, to).run(); !s) return s;
    if (auto s = c->bind(1, to).run(); !s) return s;
    return writer_conn_->exec("COMMIT");
  };
  if (auto s = step(); !s) {
    (void)writer_conn_->exec("ROLLBACK");
    return s.error().wrap("compact to " + std::to_string(to));
  }
  compact_revision_ = to;
  if (to >= compact_target_) finish_compaction();
  return Status::ok();
}

void SqliteStore::finish_compaction() {
  // Compaction leaves pages partly empty. A small database is rebuilt whole (VACUUM packs its
  // B-trees, so the file tracks the live data); a large one only hands its free pages back,
  // since rebuilding it would stall writers for too long.
  auto pages = writer_conn_->query_int("PRAGMA page_count");
  auto free_pages = writer_conn_->query_int("PRAGMA freelist_count");
  auto page_size = writer_conn_->query_int("PRAGMA page_size");
  bool small = pages && page_size && *pages * *page_size <= kVacuumMaxBytes;
  if (small && free_pages && pages && *free_pages * 4 >= *pages) {
    if (auto s = writer_conn_->exec("VACUUM"); !s) MK_LOG(warn) << "store: vacuum: " << s.error().message;
  } else if (auto s = writer_conn_->exec("PRAGMA incremental_vacuum"); !s) {
    MK_LOG(warn) << "store: incremental vacuum: " << s.error().message;
  }
  if (auto s = writer_conn_->exec("PRAGMA wal_checkpoint(TRUNCATE)"); !s) {
    MK_LOG(warn) << "store: checkpoint: " << s.error().message;
  }
  MK_LOG(debug) << "store: compacted to revision " << compact_revision_.load();
  Revision done = compact_revision_.load();
  std::erase_if(compact_waiters_, [done](WriteRequest* w) {
    if (w->compact_to > done) return false;
    w->done.set_value();
    return true;
  });
}

void SqliteStore::compaction_tick() {
  if (options_.compact_interval_ms <= 0) return;
  int64_t now = now_ms();
  if (now < next_compaction_tick_ms_) return;
  next_compaction_tick_ms_ = now + options_.compact_interval_ms;

  // Keep at least compact_min_retain revisions and compact_min_age_seconds of history: the
  // target is the older of "current - retain" and the revision seen min_age ago.
  Revision current = revision_.load();
  revision_samples_.emplace_back(now, current);
  int64_t age_ms = options_.compact_min_age_seconds * 1000;
  Revision aged = 0;
  while (!revision_samples_.empty() && revision_samples_.front().first <= now - age_ms) {
    aged = revision_samples_.front().second;
    if (revision_samples_.size() > 1 && revision_samples_[1].first <= now - age_ms) {
      revision_samples_.pop_front();
    } else {
      break;
    }
  }
  Revision target = std::min(current - options_.compact_min_retain, aged);
  if (target > compact_revision_.load() && target > compact_target_) {
    MK_LOG(debug) << "store: automatic compaction to revision " << target;
    compact_target_ = target;
  }
}

}  // namespace mk::store::sqlite
