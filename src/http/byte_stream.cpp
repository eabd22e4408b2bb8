#include "http/byte_stream.h"

#include <utility>

#include "http/connection_port.h"

namespace mk::http {

ByteStream::ByteStream(std::weak_ptr<detail::ConnectionPort> port) : port_(std::move(port)) {}

ByteStream::~ByteStream() {
  if (auto port = port_.lock()) port->stream_close();
}

void ByteStream::start(DataCallback on_data, std::function<void()> on_close) {
  if (auto port = port_.lock()) {
    port->stream_start(std::move(on_data), std::move(on_close));
  } else if (on_close) {
    on_close();
  }
}

bool ByteStream::write(std::string data) {
  auto port = port_.lock();
  return port && port->stream_write(std::move(data));
}

void ByteStream::close() {
  if (auto port = port_.lock()) port->stream_close();
}

void ByteStream::pause_reading(bool paused) {
  if (auto port = port_.lock()) port->stream_pause(paused);
}

std::size_t ByteStream::pending_bytes() const {
  auto port = port_.lock();
  return port ? port->pending_bytes() : 0;
}

bool ByteStream::closed() const {
  auto port = port_.lock();
  return !port || port->stream_closed();
}

}  // namespace mk::http
