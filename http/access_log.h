// Access log in nginx's "combined" format:
//   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
//   "$http_referer" "$http_user_agent"
// Each worker opens its own O_APPEND descriptor per file and writes each line with one write(2),
// so lines from different workers never interleave and nothing is buffered across loop iterations.
// Variables are escaped as nginx does: '"', '\' and bytes outside 0x20..0x7E become "\xHH".
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::http {

struct AccessLogEntry {
  std::string_view remote_addr;
  std::string_view time_local;     // DateCache::log_time()
  std::string_view request_line;   // empty: "-"
  int status = 0;
  uint64_t body_bytes_sent = 0;
  std::string_view referer;        // empty: "-"
  std::string_view user_agent;     // empty: "-"
};

std::string format_combined(const AccessLogEntry& e);

class AccessLog {
 public:
  explicit AccessLog(std::string path);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  void write(const AccessLogEntry& e);
  // Re-opens the path (after rotation); false keeps the old descriptor.
  bool reopen();

 private:
  std::string path_;
  int fd_ = -1;
};

// The worker's open access logs by path, shared by the config snapshots that name them.
class AccessLogSet {
 public:
  // The log for `path`, opened on first use; nullptr and *err on failure.
  std::shared_ptr<AccessLog> get(const std::string& path, std::string* err);
  void reopen_all();

 private:
  std::map<std::string, std::weak_ptr<AccessLog>> logs_;
};

}  // namespace sluice::http
