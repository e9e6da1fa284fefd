// One proxied request, from choosing a server to the last response byte:
//
//   attempt: pick a server (balancer.h), take a kept-alive connection or connect (connect
//     timeout), write the head and stream the request body (send timeout between writes), read
//     the response (read timeout between reads), parse it strictly (response_parser.h);
//   on failure before any response byte reached the client: next server if proxy_next_upstream
//     allows it (connect error, timeout, invalid response, listed statuses), the request is
//     idempotent or nothing was sent yet (or non_idempotent is set), tries remain, and the body
//     sent so far can be sent again (kept while it is under proxy_buffer_size); else 502 / 504,
//     or 503 when no server was eligible at all;
//   response: the head goes to the client at once; the body is pulled by the session through a
//     ResponseBody (blocked when nothing is buffered, ready when the upstream sends more); at most
//     proxy_buffer_size is held, the rest waits in the upstream's TCP window;
//   the connection goes back to the keep-alive pool when the response ended cleanly.
//
// Owned by the ProxyRuntime; the session owns the ResponseBody. Either side going away tells the
// other (ResponseBody's destructor -> body_gone(); our destructor detaches the body).
#pragma once
#include <memory>
#include <string>

#include "conf/config.h"
#include "core/buf.h"
#include "core/timer.h"
#include "http/body_source.h"
#include "http/handler.h"
#include "proxy/balancer.h"
#include "proxy/downstream.h"
#include "proxy/request_head.h"
#include "proxy/response_parser.h"
#include "tls/client_context.h"
#include "transport/transport.h"

namespace sluice::proxy {

class ProxyRuntime;
class ResponseBody;
struct UpstreamGroup;

class ProxyRequest final : public transport::ConnectionHandler, private http::BodyReader {
 public:
  // `tls`: the location's client context for an https upstream (each new connection is a
  // client-role TlsConnection, "connected" once its handshake is done), nullptr for http.
  ProxyRequest(ProxyRuntime& rt, std::unique_ptr<Downstream> client, std::shared_ptr<UpstreamGroup> group,
               std::shared_ptr<const conf::LocationConfig> location,
               std::shared_ptr<const tls::ClientContext> tls = nullptr);
  ~ProxyRequest() override;
  ProxyRequest(const ProxyRequest&) = delete;
  ProxyRequest& operator=(const ProxyRequest&) = delete;

  void start();

  // ResponseBody's side.
  http::PullResult pull_body(BufChain& out, size_t max);
  void body_gone();

 private:
  enum class Failure { kError, kTimeout, kInvalid, kStatus };
  enum class Phase { kStart, kConnecting, kExchanging, kResponding, kDone };

  // transport::ConnectionHandler: the upstream connection.
  void on_connected(transport::Connection&) override;
  void on_readable(transport::Connection&) override { receive(); }
  void on_writable(transport::Connection&) override { send(); }
  void on_closed(transport::Connection&, transport::CloseReason r) override;
  // http::BodyReader: the client's request body.
  void on_body_data(BufChain& data) override;
  void on_body_end() override;
  void on_body_error(int status) override;

  // Attempts (proxy_request.cc).
  void prepare();
  void attempt();
  bool open_connection(std::string* err);
  void begin_exchange();
  void send();
  void queue_body(BufChain& framed);
  void fail(Failure f, const char* why);
  bool may_retry(Failure f, int status) const;
  void give_up(int status);
  void end_attempt();
  void drop_connection(bool abort);
  void cancel();
  void resume_body();
  void finish_if_idle();
  void on_timer(const char* what);
  bool request_sent() const;
  void log_failure(const char* what);

  // The response (proxy_response.cc).
  void receive();
  bool fill();
  bool on_head();
  void deliver_head();
  void upstream_done();
  void upstream_broken(const char* why);
  void start_tunnel();
  void notify_body();

  ProxyRuntime& rt_;
  std::unique_ptr<Downstream> client_;
  std::shared_ptr<UpstreamGroup> group_;
  std::shared_ptr<const conf::LocationConfig> location_;
  const conf::ProxyConfig& conf_;
  std::shared_ptr<const tls::ClientContext> tls_;
  std::string pool_key_;       // the keep-alive pool's key besides the peer (conn_pool.h)
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);

  Phase phase_ = Phase::kStart;
  bool client_alive_ = true;   // false once the Exchange must not be touched
  bool responded_ = false;     // a response (or error) was given to the client
  bool idempotent_ = true;
  bool upgrade_ = false;       // Upgrade: websocket is being forwarded
  std::string head_;           // the upstream request head
  std::string request_line_;   // for logs (the Exchange's copy dies with it)
  bool finishing_ = false;
  PickKey key_;
  TriedSet tried_;
  unsigned attempts_ = 0;
  int last_status_ = 502;      // what give_up() answers after failed attempts

  // The current attempt.
  Peer* peer_ = nullptr;
  std::unique_ptr<transport::Connection> conn_;
  unsigned conn_requests_ = 0; // requests the connection carried before this one
  bool reused_ = false, fresh_only_ = false;
  bool sent_any_ = false, received_any_ = false;
  bool conn_closed_ = false;   // the transport reported the connection finished
  Timer connect_timer_, send_timer_, read_timer_;
  BufChain out_;               // bytes for the upstream not yet taken by the connection
  BufChain in_;                // bytes from the upstream not yet parsed
  ResponseParser parser_;

  // The request body.
  BodyFraming framing_ = BodyFraming::kNone;
  bool body_reading_ = false;  // read_body() called, neither end nor error yet
  bool body_done_ = false;
  bool body_paused_ = false;
  bool body_replayable_ = true;
  uint64_t body_seen_ = 0;
  BufChain replay_;            // the framed body so far, while replayable

  // The response body.
  ResponseBody* body_ = nullptr;
  BufChain resp_;              // decoded body bytes not yet pulled
  bool upstream_finished_ = false;
  const char* body_error_ = nullptr;
  bool body_waiting_ = false;  // the last pull found nothing: notify when bytes come
  bool in_fill_ = false;
};

// The response body as the session sees it.
class ResponseBody final : public http::BodySource {
 public:
  ResponseBody(ProxyRequest* req, std::optional<uint64_t> length) : req_(req), length_(length) {}
  ~ResponseBody() override {
    if (req_) req_->body_gone();
  }
  http::PullResult pull(BufChain& out, size_t max) override {
    return req_ ? req_->pull_body(out, max) : http::PullResult::kError;
  }
  std::optional<uint64_t> length() const override { return length_; }
  void detach() { req_ = nullptr; }
  void ready() { notify_ready(); }

 private:
  ProxyRequest* req_;
  std::optional<uint64_t> length_;
};

}  // namespace sluice::proxy
