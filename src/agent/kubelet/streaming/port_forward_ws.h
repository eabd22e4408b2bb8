#pragma once
// The kubelet's port-forward over WebSocket channels (the Python client's protocol,
// subprotocol "v4.channel.k8s.io" or none): the ports come from the query (?ports=80,443) and
// are dialed as soon as the socket is open. Port i uses channel 2i for data (both ways) and
// 2i+1 for errors (to the client); each message is one channel byte followed by data. The
// first message on every channel, sent by this side, is the channel byte and the port as two
// little-endian bytes. When every port's connection has ended, the WebSocket is closed.
//
// The transport's write() must send one binary message per call.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "agent/kubelet/streaming/pod_connection.h"
#include "agent/kubelet/streaming/port_forward_spdy.h"
#include "agent/kubelet/streaming/transport.h"
#include "common/error.h"

namespace mk::agent::kubelet::streaming {

// "80,443" (also repeated parameters joined with commas) -> ports; each must be 1..65535.
Result<std::vector<std::uint16_t>> parse_port_list(std::string_view ports);

class WebSocketPortForward : public std::enable_shared_from_this<WebSocketPortForward> {
 public:
  static std::shared_ptr<WebSocketPortForward> start(std::shared_ptr<Transport> messages,
                                                     std::vector<std::uint16_t> ports, PortDialer dial,
                                                     std::string pod, std::string uid);

  // One binary message from the client.
  void on_message(std::string_view payload);
  // The WebSocket is gone: every connection is aborted.
  void close();

 private:
  WebSocketPortForward(std::shared_ptr<Transport> messages, std::vector<std::uint16_t> ports, std::string pod,
                       std::string uid);
  void ended(std::size_t index, const PodConnection::End& end);

  std::shared_ptr<Transport> out_;
  std::vector<std::uint16_t> ports_;
  std::string pod_, uid_;
  std::shared_ptr<InboundGate> gate_;

  std::mutex mu_;
  std::vector<std::shared_ptr<PodConnection>> conns_;
  std::size_t running_ = 0;
  bool closed_ = false;
};

}  // namespace mk::agent::kubelet::streaming
