// The client side of a proxied request, as the proxy needs it: the request, the answer, the body,
// and the session hooks the proxy depends on for lifetime, backpressure and tunnelling. The real
// one wraps http::Exchange (make_downstream); tests supply their own.
//
// Hooks http::Exchange may or may not have yet (make_downstream uses them when they exist; each
// fallback is stated):
//   std::string_view remote_addr() const  the client's IP ("" otherwise: no X-Real-IP, ip_hash and
//                                         $remote_addr fall back to round-robin / "")
//   std::string_view scheme() const       "http" or "https" (otherwise "http")
//   void set_cancel_callback(std::function<void()>)
//                                         called once when the exchange ends before the handler
//                                         is done with it (client gone, session closed); after it
//                                         the Exchange must not be touched (otherwise: a client
//                                         that resets while the upstream has not answered leaves
//                                         the proxy holding a dangling Exchange)
//   bool pause_body(bool)                 stop / resume reading the request body from the client;
//                                         false when it cannot (then the proxy buffers up to
//                                         kUnpausableBodyCap and then fails the request)
//   bool can_upgrade() const
//   void upgrade(Response, std::function<void(std::unique_ptr<transport::Connection>, BufChain)>)
//                                         write a 101 head, then hand over the client connection and
//                                         the bytes already read after the request (otherwise:
//                                         Upgrade is not forwarded; the upstream sees a plain GET)
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "core/buf.h"
#include "http/handler.h"
#include "transport/transport.h"

namespace sluice::proxy {

// Without pause_body(), the most request body held for a slow upstream before the request fails.
inline constexpr size_t kUnpausableBodyCap = 16u << 20;

class Downstream {
 public:
  using TakeConnection = std::function<void(std::unique_ptr<transport::Connection>, BufChain)>;
  virtual ~Downstream() = default;
  virtual const http::Request& request() const = 0;
  virtual std::string_view remote_addr() const = 0;
  virtual std::string_view scheme() const = 0;
  virtual void respond(http::Response r) = 0;
  virtual void respond_error(int status) = 0;
  virtual void read_body(http::BodyReader* reader) = 0;
  // False when the session cannot hold the client back.
  virtual bool pause_body(bool paused) = 0;
  virtual void set_cancel_callback(std::function<void()> cb) = 0;
  virtual bool can_upgrade() const = 0;
  virtual void upgrade(http::Response r, TakeConnection take) = 0;
};

std::unique_ptr<Downstream> make_downstream(http::Exchange& ex);

// Which of the hooks above http::Exchange has (tests skip what the session cannot do yet).
struct SessionHooks {
  bool remote_addr, cancel, pause, upgrade;
};
SessionHooks session_hooks();

}  // namespace sluice::proxy
