#include "http/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace sluice::http {
namespace {

void append_escaped(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  if (v.empty()) {
    out += '-';
    return;
  }
  for (unsigned char c : v) {
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += char(c);
    }
  }
}

void append_number(std::string& out, uint64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, p);
}

int open_log(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

}  // namespace

std::string format_combined(const AccessLogEntry& e) {
  std::string out;
  out.reserve(160 + e.request_line.size() + e.user_agent.size());
  append_escaped(out, e.remote_addr);
  out += " - - [";
  out += e.time_local;
  out += "] \"";
  append_escaped(out, e.request_line);
  out += "\" ";
  append_number(out, uint64_t(e.status));
  out += ' ';
  append_number(out, e.body_bytes_sent);
  out += " \"";
  append_escaped(out, e.referer);
  out += "\" \"";
  append_escaped(out, e.user_agent);
  out += "\"\n";
  return out;
}

AccessLog::AccessLog(std::string path) : path_(std::move(path)), fd_(open_log(path_)) {}

AccessLog::~AccessLog() {
  if (fd_ >= 0) ::close(fd_);
}

void AccessLog::write(const AccessLogEntry& e) {
  if (fd_ < 0) return;
  std::string line = format_combined(e);
  ssize_t n;
  do {
    n = ::write(fd_, line.data(), line.size());  // one write: O_APPEND keeps the line whole
  } while (n < 0 && errno == EINTR);
}

bool AccessLog::reopen() {
  int fd = open_log(path_);
  if (fd < 0) return false;
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  return true;
}

std::shared_ptr<AccessLog> AccessLogSet::get(const std::string& path, std::string* err) {
  auto it = logs_.find(path);
  if (it != logs_.end()) {
    if (auto live = it->second.lock()) return live;
  }
  auto log = std::make_shared<AccessLog>(path);
  if (!log->ok()) {
    *err = "cannot open access log \"" + path + "\": " + std::strerror(errno);
    return nullptr;
  }
  logs_[path] = log;
  return log;
}

void AccessLogSet::reopen_all() {
  for (auto it = logs_.begin(); it != logs_.end();) {
    if (auto live = it->second.lock()) {
      live->reopen();
      ++it;
    } else {
      it = logs_.erase(it);
    }
  }
}

}  // namespace sluice::http
