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
#include <vector>

#include "core/buf.h"

namespace sluice::http {

enum class PullResult {
  kMore,     // appended something (or nothing yet); call again when there is room
  kDone,     // the body is complete (this call may have appended the last bytes)
  kBlocked,  // nothing available now; the source calls the ready callback later (proxying)
  kError,    // the body cannot be completed: the connection must be closed
};

// Bytes of an open regular file: what a transport's send_file() can take instead of pull().
struct FileRegion {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;
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
  // A file-backed source describes the bytes it would produce next as a file region, so a kernel
  // transport can sendfile(2) them instead of pull(); nullopt when the next bytes are not a file's.
  virtual std::optional<FileRegion> file_region() const { return std::nullopt; }
  // The first `n` bytes of file_region() went out without pull().
  virtual void skip_file_bytes(uint64_t n) { (void)n; }

 protected:
  void notify_ready() { if (ready_) ready_(); }

 private:
  std::function<void()> ready_;
};

// A body held in memory (error pages, autoindex listings, cached file content).
class MemoryBody final : public BodySource {
 public:
  explicit MemoryBody(BufChain data) : data_(std::move(data)), length_(data_.size()) {}
  static std::unique_ptr<BodySource> of(std::string_view text);
  static std::unique_ptr<BodySource> of(Slice s);
  PullResult pull(BufChain& out, size_t max) override;
  std::optional<uint64_t> length() const override { return length_; }

 private:
  BufChain data_;
  uint64_t length_;
};

// An open descriptor shared by the bodies that read it (the parts of a multipart response).
class OpenFile {
 public:
  explicit OpenFile(int fd) : fd_(fd) {}
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// A byte range of an open file, read with pread(2) into fresh chunks of at most `chunk` bytes, or
// sent by the transport straight from the file (file_region()).
class FileBody final : public BodySource {
 public:
  static constexpr size_t kDefaultChunk = 64 * 1024;
  FileBody(std::shared_ptr<const OpenFile> file, uint64_t offset, uint64_t length,
           size_t chunk = kDefaultChunk);
  // Takes ownership of `fd`.
  FileBody(int fd, uint64_t offset, uint64_t length, size_t chunk = kDefaultChunk);
  PullResult pull(BufChain& out, size_t max) override;
  std::optional<uint64_t> length() const override { return length_; }
  std::optional<FileRegion> file_region() const override;
  void skip_file_bytes(uint64_t n) override;

 private:
  std::shared_ptr<const OpenFile> file_;
  uint64_t offset_;
  uint64_t remaining_;
  uint64_t length_;
  size_t chunk_;
};

// Several sources one after another (the parts of multipart/byteranges). A pull stops at a part
// boundary when the next part is a file region, so the transport may sendfile it.
class ConcatBody final : public BodySource {
 public:
  explicit ConcatBody(std::vector<std::unique_ptr<BodySource>> parts);
  PullResult pull(BufChain& out, size_t max) override;
  std::optional<uint64_t> length() const override { return length_; }
  std::optional<FileRegion> file_region() const override;
  void skip_file_bytes(uint64_t n) override;

 private:
  std::vector<std::unique_ptr<BodySource>> parts_;
  size_t current_ = 0;
  std::optional<uint64_t> length_;
};

// Wraps a source of unknown length in chunked transfer coding (RFC 9112 7.1).
class ChunkedBody final : public BodySource {
 public:
  explicit ChunkedBody(std::unique_ptr<BodySource> inner) : inner_(std::move(inner)) {
    inner_->set_ready_callback([this] { notify_ready(); });  // an asynchronous inner source
  }
  PullResult pull(BufChain& out, size_t max) override;
  std::optional<uint64_t> length() const override { return std::nullopt; }

 private:
  std::unique_ptr<BodySource> inner_;
  bool finished_ = false;
};

}  // namespace sluice::http
