#include "modules/static/static_handler.h"

#include <sys/stat.h>

#include "http/conditional.h"
#include "http/mime.h"
#include "http/path.h"
#include "modules/static/autoindex.h"

namespace sluice::modules {

using http::Exchange;
using http::Method;
using http::Response;

StaticHandler::StaticHandler(const conf::LocationConfig& loc, std::string base, bool is_alias)
    : loc_(loc), base_(std::move(base)), is_alias_(is_alias) {}

// The path relative to base_. For alias, the location prefix is cut off; what is left is still
// resolved under the alias directory only (nginx would append it to the alias text).
std::string StaticHandler::relative_path(const std::string& path) const {
  std::string_view rel = path;
  if (is_alias_ && loc_.match == conf::MatchKind::kPrefix && rel.substr(0, loc_.path.size()) == loc_.path) {
    rel.remove_prefix(loc_.path.size());
  } else if (is_alias_ && loc_.match == conf::MatchKind::kExact) {
    rel = {};
  }
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  return std::string(rel);
}

void StaticHandler::handle(Exchange& ex) {
  // RFC 9110 15.5.6: 405 lists the allowed methods.
  if (ex.method() != Method::kGet && ex.method() != Method::kHead) {
    ex.respond_error(405, {{"Allow", "GET, HEAD"}});
    return;
  }
  std::string rel = relative_path(ex.path());
  OpenedFile f;
  OpenResult r = open_under(base_, rel, loc_.allow_symlinks, &f);
  if (r != OpenResult::kOk) {
    fail(ex, r);
    return;
  }
  if (S_ISDIR(f.st.st_mode)) {
    serve_directory(ex, f, rel);
  } else if (S_ISREG(f.st.st_mode)) {
    if (!ex.path().empty() && ex.path().back() == '/') {
      ex.respond_error(404);  // "file/" names a directory that is not there
      return;
    }
    serve_file(ex, f, ex.path());
  } else {
    ex.respond_error(404);  // devices, sockets, FIFOs are never served
  }
}

void StaticHandler::serve_directory(Exchange& ex, OpenedFile& dir, const std::string& rel) {
  const std::string& path = ex.path();
  if (path.back() != '/') {
    // RFC 9110 15.4.2: the directory lives at path + "/".
    std::string location = http::percent_encode_path(path + "/");
    if (!ex.request().parsed.query.empty() && !ex.is_error_page()) {
      location += '?';
      location += ex.request().parsed.query;
    }
    ex.respond_error(301, {{"Location", location}});
    return;
  }
  for (const std::string& index : loc_.index) {
    OpenedFile f;
    std::string index_rel = rel.empty() ? index : rel + (rel.back() == '/' ? "" : "/") + index;
    OpenResult r = open_under(base_, index_rel, loc_.allow_symlinks, &f);
    if (r == OpenResult::kOk && S_ISREG(f.st.st_mode)) {
      serve_file(ex, f, index);
      return;
    }
    if (r != OpenResult::kOk && r != OpenResult::kNotFound) {
      fail(ex, r);
      return;
    }
  }
  if (!loc_.autoindex) {
    ex.respond_error(403);  // nginx: directory index of "..." is forbidden
    return;
  }
  auto entries = read_directory(dir.fd);
  if (!entries) {
    ex.respond_error(403);
    return;
  }
  Response resp;
  resp.add("Content-Type", "text/html");
  resp.body = http::MemoryBody::of(render_autoindex(path, std::move(*entries)));
  ex.respond(std::move(resp));
}

void StaticHandler::serve_file(Exchange& ex, OpenedFile& file, std::string_view name) {
  int64_t mtime = int64_t(file.st.st_mtime);
  uint64_t size = uint64_t(file.st.st_size);
  std::string etag = http::make_etag(mtime, size);
  std::string last_modified = http::format_http_date(mtime);
  if (!ex.is_error_page()) {
    switch (http::evaluate_preconditions(ex.request(), ex.method(), etag, mtime)) {
      case http::Precondition::kProceed: break;
      case http::Precondition::kFailed: ex.respond_error(412); return;
      case http::Precondition::kNotModified: {
        // RFC 9110 15.4.5: 304 carries the validators and caching fields a 200 would.
        Response r;
        r.status = 304;
        r.add("Last-Modified", last_modified);
        r.add("ETag", etag);
        add_cache_headers(ex, r);
        ex.respond(std::move(r));
        return;
      }
    }
  }
  Response r;
  r.add("Content-Type", http::mime_type_for_path(name));
  r.add("Last-Modified", last_modified);
  r.add("ETag", etag);
  add_cache_headers(ex, r);
  r.body = std::make_unique<http::FileBody>(file.release(), 0, size);
  ex.respond(std::move(r));
}

void StaticHandler::add_cache_headers(Exchange& ex, Response& r) const {
  if (loc_.expires) {
    int64_t secs = loc_.expires->us / 1000000;
    r.add("Expires", http::format_http_date(ex.date().seconds() + secs));
    if (!loc_.cache_control) r.add("Cache-Control", "max-age=" + std::to_string(secs < 0 ? 0 : secs));
  }
  if (loc_.cache_control) r.add("Cache-Control", *loc_.cache_control);
}

void StaticHandler::fail(Exchange& ex, OpenResult r) {
  switch (r) {
    case OpenResult::kNotFound: ex.respond_error(404); return;
    case OpenResult::kForbidden: ex.respond_error(403); return;
    case OpenResult::kNameTooLong: ex.respond_error(414); return;
    default: ex.respond_error(500); return;
  }
}

std::unique_ptr<http::ContentHandler> StaticModule::make_handler(const http::LocationScope& scope,
                                                                 std::string* err) const {
  const conf::LocationConfig& loc = scope.location;
  if (!loc.root && !loc.alias) return nullptr;
  if (loc.root && loc.alias) {
    *err = "both root and alias";
    return nullptr;
  }
  std::string base = loc.root ? *loc.root : *loc.alias;
  if (!base.empty() && base[0] != '/' && !scope.config.base_dir.empty())
    base = scope.config.base_dir + "/" + base;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  if (base.empty()) {
    *err = "empty root";
    return nullptr;
  }
  return std::make_unique<StaticHandler>(loc, std::move(base), loc.alias.has_value());
}

}  // namespace sluice::modules
