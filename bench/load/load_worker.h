// One load-generating worker: a fixed set of connection slots over one Transport (a userspace
// stack instance or an epoll), driven by the worker's own loop. Each slot carries one request at a
// time: in keep-alive mode it reuses its connection, in close mode it opens one per request.
//
// Closed loop (no --rate): a slot sends its next request as soon as the previous one finished.
// Open loop (--rate): each slot has a fixed schedule (rate / connections per slot), and latency is
// measured from the time a request was due, not the time it went out, so a server that stalls
// is charged for every request it delayed (coordinated omission, corrected as wrk2 does).
//
// The hot path allocates nothing itself: the request is one static slice, responses are parsed
// as they are read, retired connections wait in a reserved vector until the end of the loop pass.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/load/options.h"
#include "bench/load/response_parser.h"
#include "bench/load/stats.h"
#include "core/loop.h"
#include "transport/transport.h"

namespace sluice::bench {

// What one worker does, in its own clock's time.
struct WorkerPlan {
  transport::Address target;
  ConnMode mode = ConnMode::kKeepAlive;
  unsigned connections = 1;
  double rate = 0;                 // this worker's requests/s; 0: closed loop
  uint64_t max_requests = 0;       // this worker's share; 0: no limit
  Duration timeout = Duration::seconds(5);
  Instant start{};                 // first requests go out
  Instant record_from{};           // warm-up ends
  Instant end{};                   // no request starts after this; the run stops
};

class LoadWorker;

class Slot final : public transport::ConnectionHandler {
  friend class LoadWorker;

 public:
  Slot(LoadWorker& w, uint32_t index) : w_(w), index_(index) {}
  uint32_t index() const { return index_; }
  // Starts the next request, due at `due` (connecting first if the slot has no connection).
  void begin(Instant now, Instant due);
  // Gives up on a request or handshake past its deadline.
  void check_timeout(Instant now);
  // The run is over: closes the connection, whatever it was doing.
  void shut();
  bool has_connection() const { return conn_ != nullptr; }
  // A request, handshake or close-mode ending is under way.
  bool in_flight() const { return state_ != State::kIdle; }

  void on_connected(transport::Connection&) override;
  void on_readable(transport::Connection&) override;
  void on_writable(transport::Connection&) override;
  void on_closed(transport::Connection&, transport::CloseReason reason) override;

 private:
  enum class State { kIdle, kConnecting, kWaiting, kDraining };
  void send_request();
  void write_more();
  void consume(transport::Connection& c);
  void response_complete(size_t leftover);
  void on_eof();
  void fail(ErrorKind k, bool abort);
  void release(bool abort);
  void finished();

  LoadWorker& w_;
  uint32_t index_;
  State state_ = State::kIdle;
  std::unique_ptr<transport::Connection> conn_;
  ResponseParser parser_;
  Instant start_{};       // latency is measured from here (due time in open loop)
  Instant deadline_{};
  size_t sent_ = 0;       // request bytes the transport took
  bool queued_ = false;   // waiting in the worker's schedule
};

class LoadWorker {
 public:
  // `request` must outlive the transport (its bytes are sent without copying).
  LoadWorker(EventLoop& loop, transport::Transport& t, const WorkerPlan& plan, std::string_view request);
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;

  // Runs the plan: returns at plan.end, after max_requests responses, or soon after `stop` is set.
  // Then lets the requests in flight finish and closes every connection, within `drain`.
  void run(const std::atomic<bool>& stop, Duration drain = Duration::seconds(2));
  const Stats& stats() const { return stats_; }

 private:
  friend class Slot;
  struct Due {
    int64_t at;
    uint32_t slot;
    bool operator>(const Due& o) const { return at > o.at; }
  };

  // Slot callbacks.
  void retire(std::unique_ptr<transport::Connection> c);
  // The slot is free for its next request: now (closed loop) or at its next due time.
  void slot_free(Slot& s, Instant now);
  void retry_later(Slot& s, Instant now);
  bool recording(Instant t) const { return t >= plan_.record_from && t < plan_.end; }
  void count_response(Instant now, Instant started, int status, uint64_t body);
  void count_connection(Instant now) { if (recording(now)) stats_.connections++; }
  void count_error(Instant now, ErrorKind k) { if (recording(now)) stats_.add_error(k); }

  void schedule(uint32_t slot, Instant at);
  void start_due(Instant now);
  void sweep_timeouts(Instant now);
  Duration poll_wait(Instant now) const;
  void wind_down(Duration drain);

  EventLoop& loop_;
  transport::Transport& t_;
  WorkerPlan plan_;
  std::string_view request_;
  double interval_us_ = 0;              // between one slot's requests, open loop
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<double> next_due_us_;     // per slot: when its next request is due, open loop
  std::vector<Due> heap_;               // min-heap of slots waiting to start
  std::vector<std::unique_ptr<transport::Connection>> graveyard_;
  BufChain in_;                         // reads land here and are parsed in place
  BufChain out_;                        // the request on its way to write()
  Stats stats_;
  bool done_ = false;
  Instant last_sweep_{};
};

}  // namespace sluice::bench
