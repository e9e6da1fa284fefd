#include "proxy/health_check.h"

#include "proxy/conn_pool.h"
#include "proxy/response_parser.h"

namespace sluice::proxy {
namespace {
constexpr size_t kMaxHead = 16 * 1024;
}

// One server's probe: idle until its timer fires, then one check on a fresh connection.
class HealthChecker::Probe final : public transport::ConnectionHandler {
 public:
  Probe(HealthChecker& owner, Peer& peer) : owner_(owner), peer_(peer), parser_(kMaxHead), timer_([this](Instant) { tick(); }) {}
  ~Probe() override { drop_connection(); }

  void schedule(Duration after) { owner_.loop_.arm(timer_, after); }

  void on_connected(transport::Connection& c) override {
    std::string host = owner_.conf_.host.empty() ? peer_.address.to_string() : owner_.conf_.host;
    out_.append_copy("GET " + owner_.conf_.path + " HTTP/1.1\r\nHost: " + host +
                     "\r\nUser-Agent: sluice-health-check\r\nConnection: close\r\n\r\n");
    c.write(out_);
  }
  void on_writable(transport::Connection& c) override { c.write(out_); }
  void on_readable(transport::Connection& c) override {
    BufChain in, body;
    c.read(in, kMaxHead);
    if (parser_.parse(in, body) == ResponseParser::Status::kError) return finish(false, parser_.error());
    if (parser_.head_done()) {
      int s = parser_.status();
      return finish(s >= 200 && s < 400, s >= 200 && s < 400 ? "" : "status not 2xx or 3xx");
    }
    if (c.read_eof()) finish(false, "closed before a response");
  }
  void on_closed(transport::Connection&, transport::CloseReason r) override {
    finish(false, transport::to_string(r));
  }

 private:
  void tick() {
    if (conn_) return finish(false, "timed out");
    parser_.reset(false);
    out_.clear();
    std::string err;
    ++owner_.counters_.checks;
    conn_ = owner_.transport_.connect(peer_.address, *this, &err);
    if (!conn_) return finish(false, err.c_str());
    owner_.loop_.arm(timer_, owner_.conf_.timeout);
  }
  void finish(bool ok, const char* why) {
    drop_connection();
    owner_.record(peer_, ok, why);
    schedule(owner_.conf_.interval);
  }
  void drop_connection() {
    if (!conn_) return;
    conn_->set_handler(&ignore_events());
    conn_->abort();
    owner_.loop_.defer_delete(std::move(conn_));
  }

  HealthChecker& owner_;
  Peer& peer_;
  ResponseParser parser_;
  Timer timer_;
  std::unique_ptr<transport::Connection> conn_;
  BufChain out_;
};

HealthChecker::HealthChecker(EventLoop& loop, transport::Transport& transport, Logger& log,
                             const conf::HealthCheckConfig& conf, std::vector<Peer>& peers, std::string upstream_name)
    : loop_(loop), transport_(transport), log_(log), conf_(conf), name_(std::move(upstream_name)) {
  // Spread the first round over the interval so the servers are not all probed at once.
  for (size_t i = 0; i < peers.size(); ++i) {
    probes_.push_back(std::make_unique<Probe>(*this, peers[i]));
    probes_.back()->schedule(conf_.interval * int64_t(i) / int64_t(peers.size()));
  }
}

HealthChecker::~HealthChecker() = default;

void HealthChecker::record(Peer& peer, bool ok, const char* why) {
  if (!ok) ++counters_.failures;
  peer.check_ok = ok ? peer.check_ok + 1 : 0;
  peer.check_failed = ok ? 0 : peer.check_failed + 1;
  if (!peer.check_down && peer.check_failed >= conf_.fall) {
    peer.check_down = true;
    ++counters_.went_down;
    SLUICE_LOG(log_, LogLevel::kWarn, "upstream \"%s\" server %s is down: health check failed %u times (%s)",
               name_.c_str(), peer.address.to_string().c_str(), peer.check_failed, why);
  } else if (peer.check_down && peer.check_ok >= conf_.rise) {
    peer.check_down = false;
    peer.fails = 0;
    ++counters_.came_up;
    SLUICE_LOG(log_, LogLevel::kNotice, "upstream \"%s\" server %s is up: health check passed %u times",
               name_.c_str(), peer.address.to_string().c_str(), peer.check_ok);
  }
}

}  // namespace sluice::proxy
