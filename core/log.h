// Error log with levels. Each worker owns its Logger and its own O_APPEND descriptor on the file,
// so nothing is shared on the data path; reopen() re-opens the path (SIGUSR1, log rotation).
#pragma once
#include <cstdarg>
#include <string>
#include <string_view>

namespace sluice {

enum class LogLevel { kDebug = 0, kInfo = 1, kNotice = 2, kWarn = 3, kError = 4, kCrit = 5 };
const char* to_string(LogLevel l);
// "debug", "info", "notice", "warn", "error", "crit"; false if unknown.
bool parse_log_level(std::string_view s, LogLevel* out);

class Logger {
 public:
  // An empty path or "stderr" logs to standard error.
  Logger(std::string path, LogLevel min_level, std::string tag);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool enabled(LogLevel l) const { return l >= min_; }
  void log(LogLevel l, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  void vlog(LogLevel l, const char* fmt, va_list ap);
  // Re-opens the file at the same path; false (and keeps the old one) on failure.
  bool reopen();
  void set_level(LogLevel l) { min_ = l; }
  const std::string& path() const { return path_; }

 private:
  int open_path() const;
  std::string path_;
  LogLevel min_;
  std::string tag_;
  int fd_ = 2;
};

}  // namespace sluice

#define SLUICE_LOG(logger, level, ...)                              \
  do {                                                              \
    if ((logger).enabled(level)) (logger).log(level, __VA_ARGS__);  \
  } while (0)
