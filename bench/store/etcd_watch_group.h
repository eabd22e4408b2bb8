#pragma once
// Many etcd watches on one prefix, one HTTP connection each (POST /v3/watch, streamed answer),
// read by a few threads with epoll so the client side stays cheap even with 1,000 streams.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_target.h"
#include "chunked_line_reader.h"

namespace mk::bench {

class EtcdWatchGroup : public WatchGroup {
 public:
  static Result<std::unique_ptr<EtcdWatchGroup>> open(const std::string& host, int port,
                                                      const std::string& prefix, size_t watchers,
                                                      size_t threads, EventSink sink);
  ~EtcdWatchGroup() override;
  Status health() const override;

 private:
  struct Stream {
    int fd = -1;
    size_t index = 0;
    bool created = false;
    ChunkedLineReader reader;
  };

  explicit EtcdWatchGroup(EventSink sink) : sink_(std::move(sink)) {}
  Status connect_stream(const std::string& host, int port, const std::string& request,
                        size_t index);
  void run_loop(int epoll_fd);
  void read_stream(int epoll_fd, Stream& stream);
  Status on_line(Stream& stream, std::string_view line);
  void record_error(const Error& error);

  EventSink sink_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::vector<int> epoll_fds_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> created_{0};
  mutable std::mutex error_mu_;
  std::optional<Error> error_;
};

}  // namespace mk::bench
