#include "http/wire_format.h"

#include <cstdio>

namespace mk::http::detail {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ':') return false;
  }
  return true;
}

bool valid_value(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

bool status_has_body(int status) { return status >= 200 && status != 204 && status != 304; }

bool asks_close(const Headers& headers) {
  for (const auto& [name, value] : headers) {
    if (iequals(name, "Connection") && iequals(value, "close")) return true;
  }
  return false;
}

std::string format_head(int status, const Headers& headers, Framing framing, std::size_t content_length,
                        ConnectionHeader connection) {
  std::string out;
  out.reserve(128);
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
  bool keep_connection = connection == ConnectionHeader::upgrade;
  bool has_connection = false;
  for (const auto& [name, value] : headers) {
    if (!valid_name(name) || !valid_value(value)) continue;
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) continue;
    if (iequals(name, "Connection")) {
      if (!keep_connection) continue;
      has_connection = true;
    }
    append_header(out, name, value);
  }
  switch (framing) {
    case Framing::content_length: append_header(out, "Content-Length", std::to_string(content_length)); break;
    case Framing::chunked: append_header(out, "Transfer-Encoding", "chunked"); break;
    case Framing::until_close:
    case Framing::none: break;
  }
  switch (connection) {
    case ConnectionHeader::none: break;
    case ConnectionHeader::keep_alive: append_header(out, "Connection", "keep-alive"); break;
    case ConnectionHeader::close: append_header(out, "Connection", "close"); break;
    case ConnectionHeader::upgrade:
      if (!has_connection) append_header(out, "Connection", "Upgrade");
      break;
  }
  out += "\r\n";
  return out;
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) return;
  char size[24];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out.append(size, static_cast<std::size_t>(n));
  out += data;
  out += "\r\n";
}

}  // namespace mk::http::detail
