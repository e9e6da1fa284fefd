#include "transport/kernel/kernel_transport.h"

#include <cerrno>

#include "transport/kernel/kernel_connection.h"
#include "transport/kernel/kernel_listener.h"
#include "transport/kernel/reactor.h"
#include "transport/kernel/socket_ops.h"

namespace sluice::transport::kernel {

KernelTransport::KernelTransport(EventLoop& loop, unsigned worker_id, const KernelOptions& opts)
    : loop_(loop), worker_id_(worker_id), reactor_(std::make_unique<Reactor>(loop, opts)) {}

KernelTransport::~KernelTransport() = default;

bool KernelTransport::ok() const { return reactor_->init_error().empty(); }
const std::string& KernelTransport::init_error() const { return reactor_->init_error(); }
const KernelCounters& KernelTransport::counters() const { return reactor_->counters(); }
size_t KernelTransport::tracked_sockets() const { return reactor_->endpoint_count(); }

std::unique_ptr<Listener> KernelTransport::listen(const Address& addr, const ListenOptions& opts,
                                                  AcceptHandler& handler, std::string* err) {
  if (!ok()) {
    if (err) *err = init_error();
    return nullptr;
  }
  return open_listener(*reactor_, addr, opts, handler, err);
}

std::unique_ptr<Connection> KernelTransport::connect(const Address& remote, ConnectionHandler& handler,
                                                     std::string* err) {
  if (!ok()) {
    if (err) *err = init_error();
    return nullptr;
  }
  if (remote.port == 0) {
    if (err) *err = "connect: port 0 (" + remote.to_string() + ")";
    return nullptr;
  }
  int connect_err = 0;
  int fd = open_connect_socket(remote, &connect_err, err);
  if (fd < 0) return nullptr;
  auto conn = adopt_socket(*reactor_, fd, ConnState::Phase::kConnecting, remote, err);
  if (!conn) return nullptr;
  conn->set_handler(&handler);
  // Success or failure at once (possible on loopback) is still reported from poll(), as the
  // userspace stack would: the caller never gets a callback from inside connect().
  ConnState* s = conn->state();
  if (connect_err == 0) s->post_connected();
  else if (connect_err != EINPROGRESS) s->fail_later(connect_err);
  return conn;
}

void KernelTransport::poll(Duration max_wait) { reactor_->poll(max_wait); }

Instant KernelTransport::next_deadline() const {
  return reactor_->has_posted() ? loop_.now() : Instant::never();
}

void KernelTransport::wake() { reactor_->wake(); }

bool KernelTransport::idle() const { return reactor_->idle(); }

}  // namespace sluice::transport::kernel
