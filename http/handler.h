// The module interface. Modules register at configuration time: when a config snapshot is loaded,
// the router asks each registered Module, in order, for a ContentHandler for every location; the
// first that answers owns the location. Nothing is looked up per request.
//
// A handler sees one request through an Exchange and answers with respond() / respond_error(),
// at once or later (an asynchronous handler, such as the proxy, keeps the Exchange until then; the
// session guarantees it stays valid until a response is given or the exchange is cancelled).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.h"
#include "core/buf.h"
#include "core/time.h"
#include "http/date_cache.h"
#include "http/request.h"
#include "http/response.h"
#include "transport/transport.h"

namespace sluice::http {

// Receives the request body as it arrives (decoded; slices shared with the transport's buffers).
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  virtual void on_body_data(BufChain& data) = 0;  // take what you need; the rest is dropped
  virtual void on_body_end() = 0;
  // The body failed (413, 400, 408); the session answers the client itself if no response began.
  virtual void on_body_error(int status) = 0;
};

class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const Request& request() const = 0;
  // The path being served: the request's, or an error_page URI during an internal redirect.
  virtual const std::string& path() const = 0;
  // The method being served: an error_page redirect serves GET (HEAD stays HEAD).
  virtual Method method() const = 0;
  // True while serving an error_page: conditional requests do not apply.
  virtual bool is_error_page() const = 0;
  virtual const DateCache& date() const = 0;
  virtual Instant now() const = 0;
  virtual std::string_view server_token() const = 0;
  // Exactly one of these per exchange (later calls are ignored).
  virtual void respond(Response r) = 0;
  // error_page mapping, else the built-in page; `extra` fields go out with it (Allow for 405).
  virtual void respond_error(int status, HeaderList extra = {}) = 0;
  // Asks for the body: sends "100 Continue" first when the client expects it.
  virtual void read_body(BodyReader* reader) = 0;
  // nginx's internal redirect (try_files' fallback URI): serves `path` (decoded, normalized, no
  // query) from the location it matches, as the same request. More than kMaxInternalRedirects
  // in one request is a loop: 500.
  static constexpr int kMaxInternalRedirects = 10;
  virtual void internal_redirect(std::string path) = 0;

  // For handlers that keep the exchange past handle() (the proxy). Defaults: not supported.
  // The client's address ("192.0.2.7") and the scheme it used ("http", "https").
  virtual std::string_view remote_addr() const { return {}; }
  virtual std::string_view scheme() const { return "http"; }
  // Called once if the exchange ends before the handler is done with it: the client went away or
  // the connection closed while no response was given, the body reader was registered, or the
  // response body was being sent. Afterwards the Exchange must not be touched.
  virtual void set_cancel_callback(std::function<void()> cb) { (void)cb; }
  // Stops (true) or resumes (false) reading the request body: the client is held back by TCP and
  // client_body_timeout does not run while stopped. False when not supported.
  virtual bool pause_body(bool paused) { (void)paused; return false; }
  // RFC 9110 7.8 / 15.2.2: answers with `r` (a 101 carrying Upgrade and Connection) and, once it is
  // written, hands the client connection and any bytes read past the request to `take`; the
  // exchange and the session end there. Only when can_upgrade() (a request without a body).
  using TakeConnection = std::function<void(std::unique_ptr<transport::Connection>, BufChain)>;
  virtual bool can_upgrade() const { return false; }
  virtual void upgrade(Response r, TakeConnection take) { (void)r, (void)take; }
};

class ContentHandler {
 public:
  virtual ~ContentHandler() = default;
  virtual void handle(Exchange& ex) = 0;
};

// What a module sees of the configuration when it builds a handler.
struct LocationScope {
  const conf::Config& config;
  const conf::ServerConfig& server;
  const conf::LocationConfig& location;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual std::string_view name() const = 0;
  // A handler for this location, or nullptr when the module does not serve it. A non-empty *err
  // with nullptr is a configuration error that fails start/reload.
  virtual std::unique_ptr<ContentHandler> make_handler(const LocationScope& scope,
                                                       std::string* err) const = 0;
};

// The modules of one server, in the order they are asked. Built once by the worker.
class ModuleRegistry {
 public:
  ModuleRegistry() = default;
  ModuleRegistry(ModuleRegistry&&) = default;
  ModuleRegistry& operator=(ModuleRegistry&&) = default;
  void add(std::unique_ptr<Module> m) { modules_.push_back(std::move(m)); }
  const std::vector<std::unique_ptr<Module>>& modules() const { return modules_; }

 private:
  std::vector<std::unique_ptr<Module>> modules_;
};

}  // namespace sluice::http
