#include "tests/linkemu/spec.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace sluice::linkemu {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses a leading decimal number; `rest` receives the unit suffix.
std::optional<double> number(std::string_view s, std::string_view& rest) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || !std::isfinite(v) || v < 0) return std::nullopt;
  rest = s.substr(static_cast<size_t>(ptr - s.data()));
  return v;
}

// "2%" -> 0.02, "0.02" -> 0.02; a bare number above 1 is refused as ambiguous.
std::optional<double> probability(std::string_view s) {
  std::string_view unit;
  auto v = number(s, unit);
  if (!v) return std::nullopt;
  if (unit == "%") return *v <= 100 ? std::optional(*v / 100) : std::nullopt;
  if (unit.empty() && *v <= 1) return *v;
  return std::nullopt;
}

std::optional<Duration> duration(std::string_view s) {
  std::string_view unit;
  auto v = number(s, unit);
  if (!v) return std::nullopt;
  double us = 0;
  if (unit == "us") us = *v;
  else if (unit == "ms") us = *v * 1e3;
  else if (unit == "s") us = *v * 1e6;
  else return std::nullopt;
  return Duration::micros(std::llround(us));
}

std::optional<uint64_t> rate(std::string_view s) {
  std::string_view unit;
  auto v = number(s, unit);
  if (!v) return std::nullopt;
  double mult = 0;
  if (unit == "bit") mult = 1;
  else if (unit == "kbit") mult = 1e3;
  else if (unit == "mbit") mult = 1e6;
  else if (unit == "gbit") mult = 1e9;
  else return std::nullopt;
  const double bps = *v * mult;
  if (bps < 1 || bps > 1e12) return std::nullopt;
  return static_cast<uint64_t>(std::llround(bps));
}

std::optional<GilbertElliott> gilbert_elliott(std::string_view s) {
  auto parts = split(s, ':');
  if (parts.size() < 2 || parts.size() > 4) return std::nullopt;
  double v[4] = {0, 1, 1, 0};
  for (size_t i = 0; i < parts.size(); ++i) {
    auto p = probability(parts[i]);
    if (!p) return std::nullopt;
    v[i] = *p;
  }
  return GilbertElliott{v[0], v[1], v[2], v[3]};
}

std::string set_loss(std::string_view value, LinkSpec& spec) {
  if (value.starts_with("ge:")) {
    auto ge = gilbert_elliott(value.substr(3));
    if (!ge) return "loss=ge:p:r[:h[:k]] wants 2 to 4 probabilities";
    spec.ge = *ge;
    spec.loss = 0;
    return {};
  }
  auto p = probability(value);
  if (!p) return "loss wants a percentage (2%) or a fraction (0.02)";
  spec.loss = *p;
  spec.ge.reset();
  return {};
}

std::string set_queue(std::string_view value, LinkSpec& spec) {
  if (auto d = duration(value)) {
    if (d->us <= 0) return "queue time must be positive";
    spec.queue_time = *d;
    return {};
  }
  std::string_view unit;
  auto n = number(value, unit);
  if (!n || !unit.empty() || *n < 1 || *n > 1e6 || *n != std::floor(*n))
    return "queue wants a frame count (100) or a backlog time (50ms)";
  spec.queue_frames = static_cast<uint32_t>(*n);
  spec.queue_time = {};
  return {};
}

template <typename T>
std::string assign(std::optional<T> v, T& field, const char* what) {
  if (!v) return what;
  field = *v;
  return {};
}

std::string apply_key(std::string_view key, std::string_view value, LinkSpec& spec) {
  if (key == "loss") return set_loss(value, spec);
  if (key == "delay") return assign(duration(value), spec.delay, "delay wants a time (50ms)");
  if (key == "jitter") return assign(duration(value), spec.jitter, "jitter wants a time (10ms)");
  if (key == "dup") return assign(probability(value), spec.dup, "dup wants a percentage (1%)");
  if (key == "reorder") return assign(probability(value), spec.reorder, "reorder wants a percentage (5%)");
  if (key == "reorder_delay")
    return assign(duration(value), spec.reorder_delay, "reorder_delay wants a time (10ms)");
  if (key == "rate") return assign(rate(value), spec.rate_bps, "rate wants bit/kbit/mbit/gbit (20mbit)");
  if (key == "queue") return set_queue(value, spec);
  if (key == "dist" && (value == "uniform" || value == "normal")) {
    spec.dist = value == "normal" ? JitterDist::normal : JitterDist::uniform;
    return {};
  }
  if (key == "order" && (value == "keep" || value == "jitter")) {
    spec.keep_order = value == "keep";
    return {};
  }
  if (key == "reorder_mode" && (value == "early" || value == "late")) {
    spec.reorder_mode = value == "late" ? ReorderMode::late : ReorderMode::early;
    return {};
  }
  if (key == "dist" || key == "order" || key == "reorder_mode") return "bad value for " + std::string(key);
  return "unknown key '" + std::string(key) + "'";
}

}  // namespace

std::string apply_spec(std::string_view text, LinkSpec& spec) {
  for (std::string_view item : split(text, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return "expected key=value, got '" + std::string(item) + "'";
    const std::string_view key = trim(item.substr(0, eq));
    const std::string_view value = trim(item.substr(eq + 1));
    if (std::string err = apply_key(key, value, spec); !err.empty())
      return err + " (in '" + std::string(item) + "')";
  }
  return {};
}

std::string describe(const LinkSpec& s) {
  char buf[320];
  if (s.ge) {
    std::snprintf(buf, sizeof buf, "loss=ge:%g:%g:%g:%g", s.ge->p, s.ge->r, s.ge->loss_bad, s.ge->loss_good);
  } else {
    std::snprintf(buf, sizeof buf, "loss=%g%%", s.loss * 100);
  }
  std::string out = buf;
  std::snprintf(buf, sizeof buf,
                ",delay=%lldus,jitter=%lldus,dist=%s,order=%s,reorder=%g%%,reorder_mode=%s,dup=%g%%",
                static_cast<long long>(s.delay.us), static_cast<long long>(s.jitter.us),
                s.dist == JitterDist::normal ? "normal" : "uniform", s.keep_order ? "keep" : "jitter",
                s.reorder * 100, s.reorder_mode == ReorderMode::late ? "late" : "early", s.dup * 100);
  out += buf;
  if (s.rate_bps > 0) {
    std::snprintf(buf, sizeof buf, ",rate=%llubit,queue=", static_cast<unsigned long long>(s.rate_bps));
    out += buf;
    out += s.queue_time.us > 0 ? std::to_string(s.queue_time.us) + "us" : std::to_string(s.queue_frames);
  }
  return out;
}

}  // namespace sluice::linkemu
