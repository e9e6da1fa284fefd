// The kernel transport's zero-copy path for file content: sendfile(2) straight from the page
// cache into the socket, used by HTTP for large files that are not in the per-worker file cache.
#include <sys/sendfile.h>

#include <cerrno>

#include "transport/kernel/kernel_connection.h"
#include "transport/kernel/socket_ops.h"

namespace sluice::transport::kernel {

// Bytes already queued go first: with a non-empty queue nothing is sent and on_writable() is owed
// (the queue drains on EPOLLOUT). A short sendfile() means the socket buffer is full, so EPOLLOUT
// follows; 0 from sendfile() with bytes asked for means the file ended early, which nothing can
// repair once the length went out: the connection ends with EIO.
size_t ConnState::send_file(int in_fd, uint64_t offset, size_t len) {
  if (phase_ != Phase::kOpen || shut_requested_ || len == 0) return 0;
  if (!queue_.empty()) {
    want_writable_ = true;
    return 0;
  }
  size_t total = 0;
  while (total < len) {
    off_t off = off_t(offset + total);
    ssize_t n = ::sendfile(fd_, in_fd, &off, len - total);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      finish(errno);
      return total;
    }
    if (n == 0) {
      finish(EIO);
      return total;
    }
    total += size_t(n);
    r_.counters().bytes_out += size_t(n);
  }
  if (total < len) want_writable_ = true;
  return total;
}

size_t KernelConnection::send_file(int fd, uint64_t offset, size_t len) {
  return s_ ? s_->send_file(fd, offset, len) : 0;
}

}  // namespace sluice::transport::kernel
