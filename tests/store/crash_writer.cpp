// store_crash_writer DB_PATH THREADS: writes to the store from several threads until killed,
// printing one line per acknowledged write ("ack THREAD SEQ REVISION") after the store returned.
// store_crash_test kills it at random moments and checks every acknowledged write survived.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "crash_value.h"
#include "store/kv.h"

namespace {

using mk::store::Revision;

// One write(2) per line: lines from threads never interleave and reach the pipe at once.
void emit(const std::string& line) {
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(STDOUT_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) std::_Exit(4);
    off += static_cast<size_t>(n);
  }
}

[[noreturn]] void die(const std::string& what, const mk::Error& e) {
  std::fprintf(stderr, "store_crash_writer: %s: %s\n", what.c_str(), e.message.c_str());
  std::_Exit(3);
}

void ack(int thread, long seq, Revision rev) {
  emit("ack " + std::to_string(thread) + " " + std::to_string(seq) + " " + std::to_string(rev) +
       "\n");
}

void write_loop(mk::store::Store& store, int thread) {
  using mk::store::TxnOp;
  const long pid = static_cast<long>(::getpid());
  std::map<std::string, Revision> mod;  // this thread's keys and their last acknowledged revision
  auto put_op = [&](long seq) {
    TxnOp op;
    op.type = TxnOp::Type::put;
    op.key = mk::store::test::crash_key(thread, seq);
    op.value = mk::store::test::crash_value(pid, thread, seq);
    return op;
  };
  for (long seq = 0;;) {
    if (seq % 4 == 3) {
      // Two writes in one transaction: revisions R-1 and R.
      auto r = store.txn({}, {put_op(seq), put_op(seq + 1)}, {});
      if (!r || !r->succeeded) die("txn", r ? mk::Error{mk::Errc::internal, "failed"} : r.error());
      mod[mk::store::test::crash_key(thread, seq)] = r->revision - 1;
      mod[mk::store::test::crash_key(thread, seq + 1)] = r->revision;
      ack(thread, seq, r->revision - 1);
      ack(thread, seq + 1, r->revision);
      seq += 2;
      continue;
    }
    const std::string key = mk::store::test::crash_key(thread, seq);
    Revision rev = 0;
    auto it = mod.find(key);
    if (it != mod.end()) {
      auto r = store.update(key, mk::store::test::crash_value(pid, thread, seq), it->second);
      if (!r) die("update " + key, r.error());
      rev = r->revision;
    } else {
      auto r = store.txn({}, {put_op(seq)}, {});
      if (!r || !r->succeeded) die("put " + key, r ? mk::Error{mk::Errc::internal, "failed"} : r.error());
      rev = r->revision;
    }
    mod[key] = rev;
    ack(thread, seq, rev);
    ++seq;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_crash_writer DB_PATH THREADS\n");
    return 2;
  }
  mk::store::SqliteOptions opts;
  opts.path = argv[1];
  opts.durability = mk::store::Durability::full;
  opts.compact_interval_ms = 0;  // keep all history: the checker reads every acknowledged revision
  auto store = mk::store::open_sqlite(opts);
  if (!store) die("open", store.error());
  emit("ready\n");

  const int threads = std::atoi(argv[2]);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&store, t] { write_loop(*store.value(), t); });
  }
  for (auto& w : workers) w.join();
  return 0;
}
