#include "core/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <algorithm>

namespace sluice {

const char* to_string(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kNotice: return "notice";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kCrit: return "crit";
  }
  return "?";
}

bool parse_log_level(std::string_view s, LogLevel* out) {
  for (int i = 0; i <= int(LogLevel::kCrit); ++i) {
    if (s == to_string(LogLevel(i))) {
      *out = LogLevel(i);
      return true;
    }
  }
  return false;
}

Logger::Logger(std::string path, LogLevel min_level, std::string tag)
    : path_(std::move(path)), min_(min_level), tag_(std::move(tag)) {
  int fd = open_path();
  if (fd >= 0) fd_ = fd;
}

Logger::~Logger() {
  if (fd_ > 2) ::close(fd_);
}

int Logger::open_path() const {
  if (path_.empty() || path_ == "stderr") return 2;
  return ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

bool Logger::reopen() {
  int fd = open_path();
  if (fd < 0) return false;
  if (fd_ > 2) ::close(fd_);
  fd_ = fd;
  return true;
}

void Logger::log(LogLevel l, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(l, fmt, ap);
  va_end(ap);
}

void Logger::vlog(LogLevel l, const char* fmt, va_list ap) {
  // nginx's error log shape: "2026/11/21 23:59:59 [error] 1234#w0: message"
  char line[2048];
  time_t t = time(nullptr);
  struct tm tm;
  localtime_r(&t, &tm);
  int n = int(strftime(line, sizeof line, "%Y/%m/%d %H:%M:%S ", &tm));
  n += snprintf(line + n, sizeof line - n, "[%s] %d#%s: ", to_string(l), int(getpid()), tag_.c_str());
  if (n < int(sizeof line)) {
    int m = vsnprintf(line + n, sizeof line - n, fmt, ap);
    n = m < 0 ? n : std::min<int>(n + m, sizeof line - 2);
  }
  line[n++] = '\n';
  // One write() per line: O_APPEND keeps lines from different workers whole.
  ssize_t w = ::write(fd_, line, size_t(n));
  (void)w;
}

}  // namespace sluice
