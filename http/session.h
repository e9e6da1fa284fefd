// One HTTP/1.1 connection: reads and parses requests, dispatches them to the location's handler,
// writes responses pulled from their BodySource, and enforces the timeouts (RFC 9112 9: persistence,
// pipelining, closing). It is the transport::ConnectionHandler for its connection and owns it.
//
// Life cycle: the owner (HttpServer) creates it on accept; when the connection ends the session
// calls owner.session_closed(this), and the owner destroys it at the end of the loop iteration
// (EventLoop::defer_delete) - never inside one of its own callbacks.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "core/buf.h"
#include "core/timer.h"
#include "http/handler.h"
#include "http/parser.h"
#include "http/router.h"
#include "http/site.h"
#include "transport/transport.h"

namespace sluice::http {

class HttpSession;

class SessionOwner {
 public:
  virtual ~SessionOwner() = default;
  virtual void session_closed(HttpSession* s) = 0;
};

class HttpSession final : public transport::ConnectionHandler, private Exchange {
 public:
  // Where the owner keeps this session (its own bookkeeping; SIZE_MAX until it says).
  size_t owner_slot() const { return owner_slot_; }
  void set_owner_slot(size_t i) { owner_slot_ = i; }

  HttpSession(WorkerContext& ctx, SessionOwner& owner, std::unique_ptr<transport::Connection> conn,
              std::shared_ptr<const Site> site, const ServerGroup* group);
  ~HttpSession() override;
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // Begins reading (call once, after construction).
  void start();
  // Graceful shutdown: an idle connection closes now; one with a request in flight finishes it and
  // then closes.
  void begin_shutdown();
  bool idle() const;
  bool closed() const { return phase_ == Phase::kClosed; }
  unsigned requests_served() const { return requests_; }

  // transport::ConnectionHandler
  void on_readable(transport::Connection&) override { drive(); }
  void on_writable(transport::Connection&) override { drive(); }
  void on_closed(transport::Connection&, transport::CloseReason) override;

 private:
  enum class Phase { kHead, kActive, kLinger, kClosed };
  enum class BodyMode { kNone, kUnclaimed, kReader, kDiscard, kAbandoned };
  enum class ReadWait { kNone, kIdle, kHeader, kBody, kLinger };

  // The driver: runs steps until nothing more can be done now.
  void drive();
  void step();
  void step_head();
  void step_active();
  void step_linger();
  size_t fill_input();
  void read_body();
  bool write_out();
  void finish_request();
  void start_linger();
  void close_now(bool abort = false);
  void arm_read(ReadWait kind, Duration after);
  void on_read_timeout();
  void on_send_timeout();
  // Runs drive() at the end of this loop iteration, unless the session is gone by then.
  void defer_drive();

  // Requests and responses (exchange.cc).
  void start_request();
  void reject(int status, BadRequest reason);
  void dispatch(const RouteLocation* loc);
  void process_pending();
  bool redirect_to_error_page(int status, HeaderList& extra);
  bool discard_buffered_body();
  void begin_response(Response r);
  void log_request();
  void reset_request_state();

  // Exchange
  const Request& request() const override { return parser_.request(); }
  const std::string& path() const override { return path_; }
  Method method() const override { return method_; }
  bool is_error_page() const override { return error_page_status_ != 0; }
  const DateCache& date() const override { return ctx_.date; }
  Instant now() const override { return ctx_.loop.now(); }
  std::string_view server_token() const override { return site_->server_token; }
  void respond(Response r) override;
  void respond_error(int status, HeaderList extra = {}) override;
  void read_body(BodyReader* reader) override;
  void internal_redirect(std::string path) override;
  std::string_view remote_addr() const override;  // formatted on first use
  std::string_view scheme() const override;
  void set_cancel_callback(std::function<void()> cb) override { cancel_ = std::move(cb); }
  bool pause_body(bool paused) override;
  bool can_upgrade() const override { return body_mode_ == BodyMode::kNone; }
  void upgrade(Response r, TakeConnection take) override;
  void hand_over();
  void notify_cancel();

  // Response body output (write_out's pieces).
  enum class Fill { kReady, kBlocked, kFailed };
  Fill fill_output(size_t want);
  bool sends_file() const;
  bool send_file_body(size_t* budget);

  WorkerContext& ctx_;
  SessionOwner& owner_;
  std::unique_ptr<transport::Connection> conn_;
  std::shared_ptr<const Site> site_;
  const ServerGroup* group_;
  const conf::HttpLimits& limits_;
  RequestParser parser_;
  size_t owner_slot_ = SIZE_MAX;
  transport::Address peer_;
  mutable std::string remote_addr_;  // peer_'s IP, once something asked for it
  std::shared_ptr<char> alive_;  // made by defer_drive(), the first time work is deferred

  Phase phase_ = Phase::kHead;
  bool driving_ = false, again_ = false, notified_ = false, shutting_down_ = false;
  BufChain in_, out_;
  Timer read_timer_, write_timer_;
  ReadWait read_wait_ = ReadWait::kNone;
  Instant linger_deadline_{};
  unsigned requests_ = 0;

  // The request in flight.
  const VirtualServer* vserver_ = nullptr;
  const RouteLocation* location_ = nullptr;
  std::string path_;
  Method method_ = Method::kGet;
  BodyMode body_mode_ = BodyMode::kNone;
  BodyReader* reader_ = nullptr;
  bool continue_sent_ = false;
  bool responded_ = false;           // the handler (or the session) gave a response
  std::optional<Response> pending_;  // given but not yet begun
  int error_page_status_ = 0;        // serving error_page for this status
  int redirects_ = 0;                // internal redirects of this request
  HeaderList error_extra_;           // fields of the error being served by error_page
  bool keep_alive_ = true;
  bool response_started_ = false;
  bool logged_ = false;
  int status_ = 0;
  uint64_t body_bytes_sent_ = 0;
  std::unique_ptr<BodySource> body_;
  std::function<void()> cancel_;     // the handler's, while it holds the exchange
  bool body_paused_ = false;
  bool input_capped_ = false;        // fill_input() stopped at kMaxBufferedInput
  TakeConnection upgrade_take_;      // set while a 101 is being written
};

}  // namespace sluice::http
