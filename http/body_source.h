// Response bodies are pulled, never pushed (h2o's generators): the session asks a BodySource for
// at most N bytes only when the connection has room for them, so a 50 MB file streams through a
// bounded window. Sources hand out Slices, so a cached file (or an mbuf-backed buffer) can be
// passed down to the transport without a copy.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "core/buf.h"

namespace sluice::http {

enum class PullResult {
  kMore,     // appended something (or nothing yet); call again when there is room
  kDone,     // the body is complete (this call may have appended the last bytes)
  kBlocked,  // nothing available now; the source calls the ready callback later (proxying)
  kError,    // the body cannot be completed: the connection must be closed
};

class BodySource {
 public:
  virtual ~BodySource() = default;
  // Appends at most `max` bytes to `out`.
  virtual PullResult pull(BufChain& out, size_t max) = 0;
  // Total length if known up front (Content-Length); unknown bodies go out chunked.
  virtual std::optional<uint64_t> length() const = 0;
  // For asynchronous sources: called when a kBlocked source has data again.
  void set_ready_callback(std::function<void()> cb) { ready_ = std::move(cb); }
  // A file-backed source can describe its remaining bytes as (fd, offset, length) so a kernel
  // transport could use sendfile(2) instead of pull(); -1 when not file-backed.
  virtual int file_fd() const { return -1; }

 protected:
  void notify_ready() { if (ready_) ready_(); }

 private:
  std::function<void()> ready_;
};

// A body held in memory (error pages, autoindex listings, small generated bodies).
class MemoryBody final : public BodySource {
 public:
  explicit MemoryBody(BufChain data) : data_(std::move(data)), length_(data_.size()) {}
  static std::unique_ptr<BodySource> of(std::string_view text);
  PullResult pull(BufChain& out, size_t max) override;
  std::optional<uint64_t> length() const override { return length_; }

 private:
  BufChain data_;
  uint64_t length_;
};

// A byte range of an open file, read with pread(2) into fresh chunks of at most `chunk` bytes.
// Owns the descriptor. A per-worker file cache will add a sibling source that hands out sub-slices
// of cached content instead (zero copy).
class FileBody final : public BodySource {
 public:
  static constexpr size_t kDefaultChunk = 64 * 1024;
  FileBody(int fd, uint64_t offset, uint64_t length, size_t chunk = kDefaultChunk);
  ~FileBody() override;
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;
  PullResult pull(BufChain& out, size_t max) override;
  std::optional<uint64_t> length() const override { return length_; }
  int file_fd() const override { return fd_; }

 private:
  int fd_;
  uint64_t offset_;
  uint64_t remaining_;
  uint64_t length_;
  size_t chunk_;
};

// Wraps a source of unknown length in chunked transfer coding (RFC 9112 7.1).
class ChunkedBody final : public BodySource {
 public:
  explicit ChunkedBody(std::unique_ptr<BodySource> inner) : inner_(std::move(inner)) {}
  PullResult pull(BufChain& out, size_t max) override;
  std::optional<uint64_t> length() const override { return std::nullopt; }

 private:
  std::unique_ptr<BodySource> inner_;
  bool finished_ = false;
};

}  // namespace sluice::http
