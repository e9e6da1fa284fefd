#include "http/body_source.h"

#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdio>

namespace sluice::http {

std::unique_ptr<BodySource> MemoryBody::of(std::string_view text) {
  BufChain c;
  c.append_copy(text);
  return std::make_unique<MemoryBody>(std::move(c));
}

PullResult MemoryBody::pull(BufChain& out, size_t max) {
  out.append(data_.split_front(max));
  return data_.empty() ? PullResult::kDone : PullResult::kMore;
}

FileBody::FileBody(int fd, uint64_t offset, uint64_t length, size_t chunk)
    : fd_(fd), offset_(offset), remaining_(length), length_(length), chunk_(chunk) {}

FileBody::~FileBody() {
  if (fd_ >= 0) ::close(fd_);
}

PullResult FileBody::pull(BufChain& out, size_t max) {
  while (max > 0 && remaining_ > 0) {
    size_t want = size_t(std::min<uint64_t>({remaining_, max, chunk_}));
    Slice s = Slice::allocate(want);
    ssize_t n = ::pread(fd_, s.writable_data(), want, off_t(offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return PullResult::kError;  // truncated under us: the length already went out
    s.trim_back(want - size_t(n));
    out.append(std::move(s));
    offset_ += uint64_t(n);
    remaining_ -= uint64_t(n);
    max -= size_t(n);
  }
  return remaining_ == 0 ? PullResult::kDone : PullResult::kMore;
}

PullResult ChunkedBody::pull(BufChain& out, size_t max) {
  if (finished_) return PullResult::kDone;
  BufChain data;
  // Room for the chunk-size line and CRLF around the data.
  size_t room = max > 32 ? max - 32 : 1;
  PullResult r = inner_->pull(data, room);
  if (r == PullResult::kError) return r;
  if (!data.empty()) {
    char line[24];
    int n = std::snprintf(line, sizeof line, "%zx\r\n", data.size());
    out.append_copy(std::string_view(line, size_t(n)));
    out.append(std::move(data));
    out.append(Slice::from_static("\r\n"));
  }
  if (r == PullResult::kDone) {
    out.append(Slice::from_static("0\r\n\r\n"));  // last-chunk, no trailers
    finished_ = true;
  }
  return r;
}

}  // namespace sluice::http
