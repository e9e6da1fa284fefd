// The Exchange adapter. Each hook is used only if http::Exchange declares it (checked at compile
// time), so this builds against the session as it is and picks the hooks up when they land.
#include "proxy/downstream.h"

#include <concepts>

namespace sluice::proxy {
namespace {

template <typename E>
concept HasRemoteAddr = requires(const E& e) { { e.remote_addr() } -> std::convertible_to<std::string_view>; };
template <typename E>
concept HasScheme = requires(const E& e) { { e.scheme() } -> std::convertible_to<std::string_view>; };
template <typename E>
concept HasCancel = requires(E& e, std::function<void()> cb) { e.set_cancel_callback(std::move(cb)); };
template <typename E>
concept HasPause = requires(E& e) { { e.pause_body(true) } -> std::convertible_to<bool>; };
template <typename E>
concept HasUpgrade = requires(E& e, const E& ce, http::Response r, Downstream::TakeConnection take) {
  { ce.can_upgrade() } -> std::convertible_to<bool>;
  e.upgrade(std::move(r), std::move(take));
};

template <typename E>
class ExchangeDownstream final : public Downstream {
 public:
  explicit ExchangeDownstream(E& ex) : ex_(ex) {}
  const http::Request& request() const override { return ex_.request(); }
  std::string_view remote_addr() const override {
    if constexpr (HasRemoteAddr<E>) return ex_.remote_addr();
    else return {};
  }
  std::string_view scheme() const override {
    if constexpr (HasScheme<E>) return ex_.scheme();
    else return "http";
  }
  void respond(http::Response r) override { ex_.respond(std::move(r)); }
  void respond_error(int status) override { ex_.respond_error(status); }
  void read_body(http::BodyReader* reader) override { ex_.read_body(reader); }
  bool pause_body(bool paused) override {
    if constexpr (HasPause<E>) return ex_.pause_body(paused);
    else return false;
  }
  void set_cancel_callback(std::function<void()> cb) override {
    if constexpr (HasCancel<E>) ex_.set_cancel_callback(std::move(cb));
  }
  bool can_upgrade() const override {
    if constexpr (HasUpgrade<E>) return ex_.can_upgrade();
    else return false;
  }
  void upgrade(http::Response r, TakeConnection take) override {
    if constexpr (HasUpgrade<E>) ex_.upgrade(std::move(r), std::move(take));
  }

 private:
  E& ex_;
};

}  // namespace

SessionHooks session_hooks() {
  return {HasRemoteAddr<http::Exchange>, HasCancel<http::Exchange>, HasPause<http::Exchange>,
          HasUpgrade<http::Exchange>};
}

std::unique_ptr<Downstream> make_downstream(http::Exchange& ex) {
  return std::make_unique<ExchangeDownstream<http::Exchange>>(ex);
}

}  // namespace sluice::proxy
