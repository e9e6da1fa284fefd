#include "http/accept_encoding.h"

#include <algorithm>

#include "http/request.h"

namespace sluice::http {
namespace {

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
int parse_qvalue(std::string_view q) {
  if (q.empty() || (q[0] != '0' && q[0] != '1')) return -1;
  int whole = q[0] - '0';
  if (q.size() == 1) return whole * 1000;
  if (q[1] != '.' || q.size() > 5) return -1;
  int frac = 0, scale = 100;
  for (char c : q.substr(2)) {
    if (c < '0' || c > '9') return -1;
    frac += (c - '0') * scale;
    scale /= 10;
  }
  if (whole == 1 && frac != 0) return -1;
  return whole * 1000 + frac;
}

// The weight of one member "coding *( OWS ';' OWS param )": 1000 without q, -1 when invalid.
int member_weight(std::string_view params) {
  int weight = 1000;
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') weight = parse_qvalue(trim(p.substr(2)));
  }
  return weight;
}

}  // namespace

bool accepts_coding(std::string_view field, std::string_view coding) {
  int named = -1, star = -1;
  bool gzip = iequals(coding, "gzip");
  while (!field.empty()) {
    size_t comma = field.find(',');
    std::string_view member = field.substr(0, comma);
    field = comma == std::string_view::npos ? std::string_view() : field.substr(comma + 1);
    size_t semi = member.find(';');
    std::string_view name = trim(member.substr(0, semi));
    if (name.empty()) continue;
    int w = member_weight(semi == std::string_view::npos ? std::string_view() : member.substr(semi + 1));
    if (w < 0) continue;
    if (iequals(name, coding) || (gzip && iequals(name, "x-gzip"))) {
      named = std::max(named, w);
    } else if (name == "*") {
      star = std::max(star, w);
    }
  }
  if (named >= 0) return named > 0;
  return star > 0;
}

}  // namespace sluice::http
