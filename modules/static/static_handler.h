// The static file module (nginx's ngx_http_static_module + index + autoindex): serves GET and HEAD
// for locations with `root` or `alias`.
//
// - root:  the file is root + path;  alias: alias + (path minus the location prefix). Either way
//   the file is opened under that directory only (safe_open.h), never outside it.
// - A directory asked for without a trailing slash -> 301 to path + "/" (relative Location).
// - A directory -> the first existing `index` file; none -> autoindex listing if enabled, else 403.
// - Content-Type (http/mime.h), Content-Length, Last-Modified, ETag "<mtime hex>-<size hex>",
//   preconditions (304/412, RFC 9110 13.2.2), Cache-Control/Expires from the location.
// - Other methods -> 405 with "Allow: GET, HEAD".
// Range, gzip_static and try_files are not implemented yet.
#pragma once
#include <memory>
#include <string>

#include "http/handler.h"
#include "modules/static/safe_open.h"

namespace sluice::modules {

class StaticHandler final : public http::ContentHandler {
 public:
  // `base` is the resolved root or alias directory.
  StaticHandler(const conf::LocationConfig& loc, std::string base, bool is_alias);
  void handle(http::Exchange& ex) override;

 private:
  std::string relative_path(const std::string& path) const;
  void serve_directory(http::Exchange& ex, OpenedFile& dir, const std::string& rel);
  void serve_file(http::Exchange& ex, OpenedFile& file, std::string_view name);
  void add_cache_headers(http::Exchange& ex, http::Response& r) const;
  void fail(http::Exchange& ex, OpenResult r);

  const conf::LocationConfig& loc_;
  std::string base_;
  bool is_alias_;
};

class StaticModule final : public http::Module {
 public:
  std::string_view name() const override { return "static"; }
  std::unique_ptr<http::ContentHandler> make_handler(const http::LocationScope& scope,
                                                     std::string* err) const override;
};

}  // namespace sluice::modules
