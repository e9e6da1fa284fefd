#include "http/response.h"

#include <charconv>
#include <cstring>

#include "http/request.h"

namespace sluice::http {

std::string_view Response::find(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

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
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Not Allowed";
    case 408: return "Request Time-out";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Requested Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Temporarily Unavailable";
    case 504: return "Gateway Time-out";
    case 505: return "HTTP Version Not Supported";
  }
  if (status < 200) return "Informational";
  if (status < 300) return "Success";
  if (status < 400) return "Redirection";
  if (status < 500) return "Client Error";
  return "Server Error";
}

std::string error_page_html(int status, std::string_view server_token) {
  std::string title = std::to_string(status);
  title += ' ';
  title += reason_phrase(status);
  std::string out;
  out.reserve(200);
  out += "<html>\r\n<head><title>";
  out += title;
  out += "</title></head>\r\n<body>\r\n<center><h1>";
  out += title;
  out += "</h1></center>\r\n<hr><center>";
  out += server_token;
  out += "</center>\r\n</body>\r\n</html>\r\n";
  return out;
}

Response make_error_response(int status, std::string_view server_token) {
  Response r;
  r.status = status;
  if (status_has_no_body(status)) return r;
  r.add("Content-Type", "text/html");
  r.body = MemoryBody::of(error_page_html(status, server_token));
  return r;
}

namespace {

// The head is measured first, then written once into its slice: no intermediate string.
class HeadWriter {
 public:
  void text(std::string_view s) {
    if (out_) std::memcpy(out_ + len_, s.data(), s.size());
    len_ += s.size();
  }
  void field(std::string_view name, std::string_view value) {
    text(name);
    text(": ");
    text(value);
    text("\r\n");
  }
  size_t length() const { return len_; }
  void start_writing(uint8_t* out) {
    out_ = out;
    len_ = 0;
  }

 private:
  uint8_t* out_ = nullptr;  // null while measuring
  size_t len_ = 0;
};

}  // namespace

Slice serialize_response_head(int status, const HeaderList& headers, const ResponseMeta& meta) {
  char num[24];
  auto [p, ec] = std::to_chars(num, num + sizeof num, status);
  const std::string_view status_text(num, size_t(p - num));
  char len_buf[24];
  std::string_view length_text;
  if (!meta.chunked && meta.content_length) {
    auto [q, ec2] = std::to_chars(len_buf, len_buf + sizeof len_buf, *meta.content_length);
    length_text = std::string_view(len_buf, size_t(q - len_buf));
  }
  auto write = [&](HeadWriter& w) {
    w.text("HTTP/1.1 ");
    w.text(status_text);
    w.text(" ");
    w.text(reason_phrase(status));
    w.text("\r\n");
    w.field("Server", meta.server);
    w.field("Date", meta.date);
    for (const auto& [n, v] : headers) w.field(n, v);
    if (meta.chunked) {
      w.field("Transfer-Encoding", "chunked");
    } else if (meta.content_length) {
      w.field("Content-Length", length_text);
    }
    if (!meta.upgrade) w.field("Connection", meta.keep_alive ? "keep-alive" : "close");
    w.text("\r\n");
  };
  HeadWriter w;
  write(w);
  Slice out = Slice::allocate(w.length());
  w.start_writing(out.writable_data());
  write(w);
  return out;
}

}  // namespace sluice::http
