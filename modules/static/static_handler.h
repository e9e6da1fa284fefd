// The static file module (nginx's ngx_http_static_module + index + autoindex + try_files +
// gzip_static + open_file_cache): serves GET and HEAD for locations with `root` or `alias`.
//
// - root:  the file is root + path;  alias: alias + (path minus the location prefix). Either way
//   the file is opened under that directory only (safe_open.h), never outside it.
// - try_files: each element but the last names a file ("$uri", "/x$uri.html") or, ending in '/',
//   a directory ("$uri/"); the first that exists is served. The last element is a URI to redirect
//   to internally (its query is dropped) or "=CODE".
// - A directory asked for without a trailing slash -> 301 to path + "/" (relative Location).
// - A directory -> the first existing `index` file; none -> autoindex listing if enabled, else 403.
// - gzip_static: FILE.gz, when it exists and Accept-Encoding allows gzip, is sent instead of FILE.
// - Validators, preconditions, ranges and caching fields: file_response.h.
// - Regular files up to file_cache.max_file_size come from the per-worker FileCache
//   (file_cache.h); larger ones are streamed from the open file (sendfile on kernel sockets).
// - Other methods -> 405 with "Allow: GET, HEAD".
#pragma once
#include <memory>
#include <string>

#include "http/ext_buffer.h"
#include "http/handler.h"
#include "modules/static/file_cache.h"
#include "modules/static/file_response.h"
#include "modules/static/safe_open.h"

namespace sluice::modules {

class StaticHandler final : public http::ContentHandler {
 public:
  // `base` is the resolved root or alias directory; `cache` is the worker's (outlives handlers).
  StaticHandler(const conf::LocationConfig& loc, std::string base, bool is_alias, FileCache& cache);
  void handle(http::Exchange& ex) override;

 private:
  enum class Kind { kFile, kDirectory, kSpecial };

  std::string relative_path(const std::string& path) const;
  std::string cache_key(const std::string& rel) const;
  // Resolves `rel`: a regular file as `rep` (from the cache when it is fresh), a directory open
  // in `dir`, or something else (kSpecial: devices, sockets, FIFOs).
  OpenResult open_rel(const std::string& rel, Instant now, Kind* kind, FileRep* rep, OpenedFile* dir);
  void serve_path(http::Exchange& ex, const std::string& path);
  void serve_try_files(http::Exchange& ex);
  bool exists(http::Exchange& ex, const std::string& path);
  bool try_gzip(http::Exchange& ex, const std::string& rel, std::string_view name);
  void serve_directory(http::Exchange& ex, OpenedFile& dir, const std::string& path,
                       const std::string& rel);
  void respond(http::Exchange& ex, const FileRep& rep, std::string_view name);
  void fail(http::Exchange& ex, OpenResult r);

  const conf::LocationConfig& loc_;
  std::string base_;
  bool is_alias_;
  FileCache& cache_;
  uint64_t responses_ = 0;  // seeds multipart boundaries
};

// One per worker (modules are built per worker): it owns the worker's file cache, which lives
// across reloads; each config snapshot applies its [file_cache] limits when handlers are built.
class StaticModule final : public http::Module {
 public:
  explicit StaticModule(http::BufferAllocator& alloc = http::heap_allocator());
  std::string_view name() const override { return "static"; }
  std::unique_ptr<http::ContentHandler> make_handler(const http::LocationScope& scope,
                                                     std::string* err) const override;
  FileCache& cache() const { return *cache_; }

 private:
  std::unique_ptr<FileCache> cache_;
};

}  // namespace sluice::modules
