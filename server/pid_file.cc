#include "server/pid_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace sluice::server {

pid_t read_pid_file(const std::string& path, std::string* err) {
  std::ifstream in(path);
  if (!in) {
    *err = "cannot open pid file \"" + path + "\": " + strerror(errno) + " (is sluice running?)";
    return -1;
  }
  long pid = 0;
  if (!(in >> pid) || pid <= 1) {
    *err = "pid file \"" + path + "\" does not hold a valid pid";
    return -1;
  }
  return pid_t(pid);
}

bool ensure_parent_dir(const std::string& file_path, std::string* err) {
  std::error_code ec;
  auto dir = std::filesystem::path(file_path).parent_path();
  if (dir.empty()) return true;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *err = "cannot create directory \"" + dir.string() + "\": " + ec.message();
    return false;
  }
  return true;
}

bool write_pid_file(const std::string& path, std::string* err) {
  std::string ignored;
  pid_t old = read_pid_file(path, &ignored);
  if (old > 0 && old != getpid() && kill(old, 0) == 0) {
    *err = "already running: pid " + std::to_string(old) + " (from \"" + path + "\")";
    return false;
  }
  if (!ensure_parent_dir(path, err)) return false;
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *err = "cannot write pid file \"" + tmp + "\": " + strerror(errno);
    return false;
  }
  std::string text = std::to_string(getpid()) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    *err = "cannot write pid file \"" + path + "\": " + strerror(errno);
    return false;
  }
  return true;
}

void remove_pid_file(const std::string& path) {
  std::string ignored;
  if (read_pid_file(path, &ignored) == getpid()) ::unlink(path.c_str());
}

}  // namespace sluice::server
