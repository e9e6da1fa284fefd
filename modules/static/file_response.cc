#include "modules/static/file_response.h"

#include <functional>
#include <string>

#include "http/conditional.h"
#include "http/date_cache.h"
#include "http/mime.h"
#include "http/multipart.h"
#include "http/range.h"

namespace sluice::modules {

using http::Exchange;
using http::Method;
using http::Response;

namespace {

// What every answer about this representation carries (200, 206 and 304 alike): the file
// cache's copies (plain files), else formatted here (own_*).
struct Validators {
  explicit Validators(const FileRep& rep) {
    if (!rep.gzip && !rep.cached_etag.empty() && !rep.cached_last_modified.empty()) {
      etag = rep.cached_etag;
      last_modified = rep.cached_last_modified;
      return;
    }
    own_etag = http::make_etag(rep.mtime, rep.size, rep.gzip ? "gz" : "");
    own_last_modified = http::format_http_date(rep.mtime);
    etag = own_etag;
    last_modified = own_last_modified;
  }
  Validators(const Validators&) = delete;
  Validators& operator=(const Validators&) = delete;

  std::string_view etag;
  std::string_view last_modified;

 private:
  std::string own_etag, own_last_modified;
};

void add_validators(const Exchange& ex, const conf::LocationConfig& loc, const Validators& v,
                    Response& r) {
  r.add("Last-Modified", v.last_modified);
  r.add("ETag", v.etag);
  // RFC 9110 12.5.5: the choice depended on Accept-Encoding, for both variants.
  if (loc.gzip_static) r.add("Vary", "Accept-Encoding");
  add_cache_headers(ex, loc, r);
}

bool ranges_apply(const Exchange& ex, const conf::LocationConfig& loc) {
  // RFC 9110 14.2: GET is the only method range handling is defined for.
  return ex.method() == Method::kGet && !ex.is_error_page() && loc.max_ranges > 0 &&
         ex.request().has_header("Range");
}

// RFC 9110 13.1.5: without If-Range the range applies; with it, only if the validator matches.
bool if_range_allows(const Exchange& ex, const Validators& v, int64_t mtime) {
  const http::Request& req = ex.request();
  if (!req.has_header("If-Range")) return true;
  return http::if_range_holds(req.header("If-Range"), v.etag, mtime);
}

void respond_partial(Exchange& ex, const FileRep& rep, std::string_view type,
                     const std::vector<http::ByteRange>& ranges, Response r, uint64_t seed) {
  r.status = 206;
  if (ranges.size() == 1) {
    // RFC 9110 14.4, 15.3.7.1: one range is one part, never multipart.
    r.headers.insert(r.headers.begin(), {"Content-Type", std::string(type)});
    r.add("Content-Range", http::content_range(ranges[0], rep.size));
    r.body = rep.body(ranges[0].first, ranges[0].length());
  } else {
    http::MultipartBody mp = http::make_byteranges(
        ranges, rep.size, type, http::make_boundary(seed),
        [&rep](uint64_t off, uint64_t len) { return rep.body(off, len); });
    r.headers.insert(r.headers.begin(), {"Content-Type", mp.content_type});
    r.body = std::move(mp.body);
  }
  ex.respond(std::move(r));
}

}  // namespace

std::unique_ptr<http::BodySource> FileRep::body(uint64_t offset, uint64_t length) const {
  if (file) return std::make_unique<http::FileBody>(file, offset, length);
  return http::MemoryBody::of(cached.sub(size_t(offset), size_t(length)));
}

void add_cache_headers(const Exchange& ex, const conf::LocationConfig& loc, Response& r) {
  if (loc.expires) {
    int64_t secs = loc.expires->us / 1000000;
    r.add("Expires", http::format_http_date(ex.date().seconds() + secs));
    if (!loc.cache_control) r.add("Cache-Control", "max-age=" + std::to_string(secs < 0 ? 0 : secs));
  }
  if (loc.cache_control) r.add("Cache-Control", *loc.cache_control);
}

void respond_with_file(Exchange& ex, const FileRep& rep, std::string_view name,
                       const conf::LocationConfig& loc, uint64_t boundary_seed) {
  const Validators v(rep);
  if (!ex.is_error_page()) {
    // RFC 9110 13.2.2 steps 1-4.
    switch (http::evaluate_preconditions(ex.request(), ex.method(), v.etag, rep.mtime)) {
      case http::Precondition::kProceed: break;
      case http::Precondition::kFailed: ex.respond_error(412); return;
      case http::Precondition::kNotModified: {
        Response r;  // RFC 9110 15.4.5: the fields a 200 would carry, no content
        r.status = 304;
        add_validators(ex, loc, v, r);
        ex.respond(std::move(r));
        return;
      }
    }
  }
  std::string_view type = http::mime_type_for_path(name);
  Response r;
  r.headers.reserve(8);  // the fields below and Content-Type, without regrowing
  if (rep.gzip) r.add("Content-Encoding", "gzip");
  add_validators(ex, loc, v, r);
  if (loc.max_ranges > 0 && !ex.is_error_page()) r.add("Accept-Ranges", "bytes");
  // RFC 9110 13.2.2 step 5: Range (with If-Range) once the preconditions passed.
  if (ranges_apply(ex, loc) && if_range_allows(ex, v, rep.mtime)) {
    http::RangePolicy policy;
    policy.max_ranges = loc.max_ranges;
    http::RangePlan plan = http::plan_ranges(ex.request().header("Range"), rep.size, policy);
    if (plan.outcome == http::RangeOutcome::kUnsatisfiable) {
      ex.respond_error(416, {{"Content-Range", http::unsatisfied_range(rep.size)}});
      return;
    }
    if (plan.outcome == http::RangeOutcome::kPartial) {
      respond_partial(ex, rep, type, plan.ranges, std::move(r),
                      boundary_seed ^ std::hash<std::string_view>{}(v.etag));
      return;
    }
  }
  r.headers.insert(r.headers.begin(), {"Content-Type", std::string(type)});
  r.body = rep.body(0, rep.size);
  ex.respond(std::move(r));
}

}  // namespace sluice::modules
