#pragma once
// The kubelet's port-forward over SPDY/3.1, the protocol kubectl port-forward uses (directly on
// the upgraded connection, or tunnelled inside WebSocket binary messages). For every local
// connection kubectl opens two streams that share a "requestid" header: "streamtype: error"
// and "streamtype: data", each with "port". Once both are there, the pod's port is dialed and
// the data stream piped to it; a dial or copy error is written on the error stream; both
// streams are then closed. Any number of connections run at once on one session, and a failed
// one leaves the session up.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "agent/kubelet/streaming/pod_connection.h"
#include "agent/kubelet/streaming/spdy_session.h"
#include "agent/kubelet/streaming/transport.h"
#include "common/error.h"
#include "common/unique_fd.h"

namespace mk::agent::kubelet::streaming {

// Connects to a port of the target pod (see pod_dialer.h). Called on a connection's thread.
using PortDialer = std::function<Result<UniqueFd>(std::uint16_t port)>;

class SpdyPortForward : public std::enable_shared_from_this<SpdyPortForward> {
 public:
  // `pod` ("namespace/name") and `uid` name the pod in error messages.
  static std::shared_ptr<SpdyPortForward> create(std::shared_ptr<Transport> out, PortDialer dial, std::string pod,
                                                 std::string uid,
                                                 std::chrono::milliseconds stream_timeout = std::chrono::seconds(30));

  // The client's bytes (one reader thread). False after a protocol error: a GOAWAY was
  // written and the transport closed.
  bool feed(std::string_view bytes);
  // The transport is gone: every connection is aborted.
  void close();

  std::size_t active_connections() const;

 private:
  struct StreamInfo {
    bool is_error = false;
    std::uint16_t port = 0;
    std::string request_id;
  };
  struct Pair {
    std::uint32_t error_id = 0, data_id = 0;
    std::uint16_t port = 0;
    std::chrono::steady_clock::time_point created;
    std::shared_ptr<PodConnection> conn;
  };

  SpdyPortForward(std::shared_ptr<Transport> out, PortDialer dial, std::string pod, std::string uid,
                  std::chrono::milliseconds stream_timeout);
  bool on_stream(std::uint32_t id, const spdy::Headers& headers);
  void on_open(std::uint32_t id);
  void start_locked(const std::string& request_id, Pair& pair);
  void finish(const std::string& request_id, const PodConnection::End& end);
  void expire_locked();
  void send_error(std::uint32_t error_id, const std::string& message);
  std::shared_ptr<PodConnection> connection_of(std::uint32_t stream_id, bool data_only);

  std::shared_ptr<Transport> out_;
  PortDialer dial_;
  std::string pod_, uid_;
  std::chrono::milliseconds stream_timeout_;
  std::shared_ptr<InboundGate> gate_;
  std::unique_ptr<spdy::Session> session_;

  mutable std::mutex mu_;
  std::map<std::uint32_t, StreamInfo> pending_;  // accepted, not yet paired
  std::map<std::string, Pair> pairs_;            // by request id
  std::map<std::uint32_t, std::string> request_of_;  // stream id -> request id
  bool closed_ = false;
};

}  // namespace mk::agent::kubelet::streaming
