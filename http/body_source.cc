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

std::unique_ptr<BodySource> MemoryBody::of(Slice s) {
  BufChain c;
  c.append(std::move(s));
  return std::make_unique<MemoryBody>(std::move(c));
}

PullResult MemoryBody::pull(BufChain& out, size_t max) {
  out.append(data_.split_front(max));
  return data_.empty() ? PullResult::kDone : PullResult::kMore;
}

OpenFile::~OpenFile() {
  if (fd_ >= 0) ::close(fd_);
}

FileBody::FileBody(std::shared_ptr<const OpenFile> file, uint64_t offset, uint64_t length, size_t chunk)
    : file_(std::move(file)), offset_(offset), remaining_(length), length_(length), chunk_(chunk) {}

FileBody::FileBody(int fd, uint64_t offset, uint64_t length, size_t chunk)
    : FileBody(std::make_shared<const OpenFile>(fd), offset, length, chunk) {}

PullResult FileBody::pull(BufChain& out, size_t max) {
  while (max > 0 && remaining_ > 0) {
    size_t want = size_t(std::min<uint64_t>({remaining_, max, chunk_}));
    Slice s = Slice::allocate(want);
    ssize_t n = ::pread(file_->fd(), s.writable_data(), want, off_t(offset_));
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

std::optional<FileRegion> FileBody::file_region() const {
  return FileRegion{file_->fd(), offset_, remaining_};
}

void FileBody::skip_file_bytes(uint64_t n) {
  n = std::min(n, remaining_);
  offset_ += n;
  remaining_ -= n;
}

ConcatBody::ConcatBody(std::vector<std::unique_ptr<BodySource>> parts) : parts_(std::move(parts)) {
  uint64_t total = 0;
  for (const auto& p : parts_) {
    auto l = p->length();
    if (!l) return;  // one unknown part makes the whole unknown
    total += *l;
  }
  length_ = total;
}

PullResult ConcatBody::pull(BufChain& out, size_t max) {
  while (current_ < parts_.size()) {
    size_t before = out.size();
    PullResult r = parts_[current_]->pull(out, max);
    max -= std::min(max, out.size() - before);
    if (r == PullResult::kError || r == PullResult::kBlocked) return r;
    if (r == PullResult::kMore) return PullResult::kMore;
    ++current_;
    if (max == 0 || (current_ < parts_.size() && parts_[current_]->file_region())) break;
  }
  return current_ == parts_.size() ? PullResult::kDone : PullResult::kMore;
}

std::optional<FileRegion> ConcatBody::file_region() const {
  if (current_ == parts_.size()) return std::nullopt;
  return parts_[current_]->file_region();
}

void ConcatBody::skip_file_bytes(uint64_t n) {
  if (current_ < parts_.size()) parts_[current_]->skip_file_bytes(n);
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
