#include "http/response_writer.h"

#include <utility>

#include "http/connection_port.h"

namespace mk::http {

ResponseWriter::ResponseWriter(std::weak_ptr<detail::ConnectionPort> port, std::uint64_t exchange)
    : port_(std::move(port)), exchange_(exchange) {}

ResponseWriter::~ResponseWriter() {
  if (auto port = port_.lock()) port->release(exchange_);
}

bool ResponseWriter::respond(int status, Headers headers, std::string body) {
  auto port = port_.lock();
  return port && port->respond(exchange_, status, std::move(headers), std::move(body));
}

bool ResponseWriter::start_stream(int status, Headers headers) {
  auto port = port_.lock();
  return port && port->start_stream(exchange_, status, std::move(headers));
}

bool ResponseWriter::write_chunk(std::string data) {
  auto port = port_.lock();
  return port && port->write_chunk(exchange_, std::move(data));
}

void ResponseWriter::end_stream() {
  if (auto port = port_.lock()) port->end_stream(exchange_);
}

void ResponseWriter::on_close(std::function<void()> callback) {
  if (auto port = port_.lock()) {
    port->on_close(exchange_, std::move(callback));
  } else if (callback) {
    callback();
  }
}

bool ResponseWriter::closed() const {
  auto port = port_.lock();
  return !port || port->exchange_closed(exchange_);
}

std::size_t ResponseWriter::pending_bytes() const {
  auto port = port_.lock();
  return port ? port->pending_bytes() : 0;
}

bool ResponseWriter::upgrade(int status, Headers headers, UpgradeCallback on_upgraded) {
  auto port = port_.lock();
  return port && port->upgrade(exchange_, status, std::move(headers), std::move(on_upgraded));
}

}  // namespace mk::http
