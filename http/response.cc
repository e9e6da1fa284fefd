#include "http/response.h"

#include <charconv>

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
void put(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}
}  // namespace

Slice serialize_response_head(int status, const HeaderList& headers, const ResponseMeta& meta) {
  std::string out;
  out.reserve(256);
  out += "HTTP/1.1 ";
  char num[24];
  auto [p, ec] = std::to_chars(num, num + sizeof num, status);
  out.append(num, p);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
  put(out, "Server", meta.server);
  put(out, "Date", meta.date);
  for (const auto& [n, v] : headers) put(out, n, v);
  if (meta.chunked) {
    put(out, "Transfer-Encoding", "chunked");
  } else if (meta.content_length) {
    auto [q, ec2] = std::to_chars(num, num + sizeof num, *meta.content_length);
    put(out, "Content-Length", std::string_view(num, size_t(q - num)));
  }
  if (!meta.upgrade) put(out, "Connection", meta.keep_alive ? "keep-alive" : "close");
  out += "\r\n";
  return Slice::copy_of(out);
}

}  // namespace sluice::http
