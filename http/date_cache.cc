#include "http/date_cache.h"

#include <cstdio>
#include <ctime>

namespace sluice::http {
namespace {

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kLongDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// A tiny cursor over the date text; every step checks bounds.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool lit(std::string_view w) {
    if (s.substr(i, w.size()) != w) return false;
    i += w.size();
    return true;
  }
  bool digits(size_t n, int* out) {
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i++] - '0');
    }
    *out = v;
    return true;
  }
  bool month(int* out) {
    for (int m = 0; m < 12; ++m) {
      if (lit(kMonths[m])) { *out = m; return true; }
    }
    return false;
  }
  bool day_name(const char* const* names) {
    for (int d = 0; d < 7; ++d) {
      if (lit(names[d])) return true;
    }
    return false;
  }
  bool time_of_day(std::tm* tm) {
    return digits(2, &tm->tm_hour) && lit(":") && digits(2, &tm->tm_min) && lit(":") &&
           digits(2, &tm->tm_sec);
  }
  bool done() const { return i == s.size(); }
};

std::optional<int64_t> to_unix(std::tm& tm) {
  if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  return int64_t(timegm(&tm));
}

// IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
std::optional<int64_t> parse_imf(std::string_view text) {
  Cursor c{text};
  std::tm tm{};
  int year = 0;
  if (!c.day_name(kDays) || !c.lit(", ") || !c.digits(2, &tm.tm_mday) || !c.lit(" ") ||
      !c.month(&tm.tm_mon) || !c.lit(" ") || !c.digits(4, &year) || !c.lit(" ") ||
      !c.time_of_day(&tm) || !c.lit(" GMT") || !c.done())
    return std::nullopt;
  tm.tm_year = year - 1900;
  return to_unix(tm);
}

// RFC 850: Sunday, 06-Nov-94 08:49:37 GMT (two-digit years: RFC 9110 5.6.7, 50-year rule
// simplified to 70..99 -> 19xx, else 20xx).
std::optional<int64_t> parse_rfc850(std::string_view text) {
  Cursor c{text};
  std::tm tm{};
  int year = 0;
  if (!c.day_name(kLongDays) || !c.lit(", ") || !c.digits(2, &tm.tm_mday) || !c.lit("-") ||
      !c.month(&tm.tm_mon) || !c.lit("-") || !c.digits(2, &year) || !c.lit(" ") ||
      !c.time_of_day(&tm) || !c.lit(" GMT") || !c.done())
    return std::nullopt;
  tm.tm_year = year < 70 ? year + 100 : year;
  return to_unix(tm);
}

// asctime: Sun Nov  6 08:49:37 1994
std::optional<int64_t> parse_asctime(std::string_view text) {
  Cursor c{text};
  std::tm tm{};
  int year = 0;
  if (!c.day_name(kDays) || !c.lit(" ") || !c.month(&tm.tm_mon) || !c.lit(" ")) return std::nullopt;
  if (c.lit(" ")) {
    if (!c.digits(1, &tm.tm_mday)) return std::nullopt;
  } else if (!c.digits(2, &tm.tm_mday)) {
    return std::nullopt;
  }
  if (!c.lit(" ") || !c.time_of_day(&tm) || !c.lit(" ") || !c.digits(4, &year) || !c.done())
    return std::nullopt;
  tm.tm_year = year - 1900;
  return to_unix(tm);
}

}  // namespace

namespace {

// The proleptic Gregorian date of a day count from 1970-01-01 (H. Hinnant's civil_from_days).
struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};
CivilDate civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;                                   // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                 // [0, 11]
  const int day = int(doy - (153 * mp + 2) / 5 + 1);
  const int month = int(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

char* put2(char* p, int v) {
  p[0] = char('0' + v / 10);
  p[1] = char('0' + v % 10);
  return p + 2;
}

char* put3(char* p, const char* s) {
  p[0] = s[0];
  p[1] = s[1];
  p[2] = s[2];
  return p + 3;
}

}  // namespace

// Formatted by hand: this runs for every file response (Last-Modified), where snprintf and
// gmtime_r cost more than the rest of the header.
std::string format_http_date(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400, secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  const CivilDate d = civil_from_days(days);
  if (d.year < 0 || d.year > 9999) {  // outside %04d's four digits: the general path
    time_t t = time_t(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
  }
  const int wday = int((days % 7 + 11) % 7);  // 1970-01-01 was a Thursday (4)
  const int year = int(d.year);
  char buf[29];  // "Sun, 06 Nov 1994 08:49:37 GMT"
  char* p = put3(buf, kDays[wday]);
  *p++ = ',';
  *p++ = ' ';
  p = put2(p, d.day);
  *p++ = ' ';
  p = put3(p, kMonths[d.month - 1]);
  *p++ = ' ';
  p = put2(p, year / 100);
  p = put2(p, year % 100);
  *p++ = ' ';
  p = put2(p, int(secs / 3600));
  *p++ = ':';
  p = put2(p, int(secs / 60 % 60));
  *p++ = ':';
  p = put2(p, int(secs % 60));
  p = put3(p, " GM");
  *p++ = 'T';
  return std::string(buf, size_t(p - buf));
}

std::optional<int64_t> parse_http_date(std::string_view text) {
  if (auto v = parse_imf(text)) return v;
  if (auto v = parse_rfc850(text)) return v;
  return parse_asctime(text);
}

std::string format_log_time(int64_t unix_seconds) {
  time_t t = time_t(unix_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  long off = tm.tm_gmtoff / 60;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02d/%s/%04d:%02d:%02d:%02d %c%02ld%02ld", tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, sign,
                off / 60, off % 60);
  return buf;
}

void DateCache::update(int64_t wall_seconds) {
  if (wall_seconds == seconds_) return;
  seconds_ = wall_seconds;
  http_date_ = format_http_date(wall_seconds);
  log_time_ = format_log_time(wall_seconds);
}

}  // namespace sluice::http
