#include "etcd_target.h"

#include "etcd_watch_group.h"

namespace mk::bench {
namespace {

class EtcdSession : public StoreSession {
 public:
  EtcdSession(const std::string& host, int port) : client_(host, port) {}

  Result<int64_t> create(const std::string& key, const std::string& value) override {
    return client_.create(key, value);
  }
  Result<int64_t> update(const std::string& key, const std::string& value,
                         int64_t expected_mod_revision) override {
    return client_.update(key, value, expected_mod_revision);
  }
  Status put_batch(const KeyValues& kvs) override { return client_.put_batch(kvs); }
  Result<int64_t> range_prefix(const std::string& prefix) override {
    return client_.range_prefix(prefix);
  }

 private:
  EtcdClient client_;
};

}  // namespace

Result<std::unique_ptr<EtcdTarget>> EtcdTarget::start(const std::string& parent) {
  auto server = EtcdServer::start(parent);
  if (!server) return server.error();
  return std::unique_ptr<EtcdTarget>(new EtcdTarget(std::move(*server)));
}

EtcdTarget::EtcdTarget(std::unique_ptr<EtcdServer> server)
    : server_(std::move(server)), admin_(server_->host(), server_->client_port()) {}

std::string EtcdTarget::describe() {
  auto version = admin_.version();
  return "etcd " + (version ? *version : std::string("(version unknown)")) +
         ", single member, default settings, JSON gateway over HTTP/1.1";
}

Result<std::unique_ptr<StoreSession>> EtcdTarget::session() {
  return std::unique_ptr<StoreSession>(
      std::make_unique<EtcdSession>(server_->host(), server_->client_port()));
}

Result<std::unique_ptr<WatchGroup>> EtcdTarget::watch_prefix(const std::string& prefix,
                                                             size_t watchers,
                                                             size_t consumer_threads,
                                                             EventSink sink) {
  auto group = EtcdWatchGroup::open(server_->host(), server_->client_port(), prefix, watchers,
                                    consumer_threads, std::move(sink));
  if (!group) return group.error();
  return std::unique_ptr<WatchGroup>(std::move(*group));
}

Status EtcdTarget::compact_all() {
  auto revision = admin_.current_revision();
  if (!revision) return revision.error();
  return admin_.compact(*revision, true);
}

Result<int64_t> EtcdTarget::db_size() { return admin_.db_size(); }

Status EtcdTarget::defragment() { return admin_.defragment(); }

}  // namespace mk::bench
