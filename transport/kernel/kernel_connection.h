// A TCP connection over a non-blocking kernel socket.
//
// The socket's state (ConnState) belongs to the Reactor; the app holds a KernelConnection handle.
// Dropping the handle while open is close(): the state stays behind to finish the graceful close
// (flush, FIN, lingering read) and is freed by the reactor once the socket is closed.
//
// Reading is lazy: epoll (edge-triggered) only tells the app, through on_readable(), that data or
// FIN arrived; read() pulls bytes from the kernel into Slices on demand. The kernel's receive
// buffer is the only receive buffer, so an app that stops reading pushes back on the peer through
// TCP's window without any queue here.
//
// Writing goes straight to the kernel with sendmsg() from the caller's slices; whatever the kernel
// does not take now waits in a bounded send queue (sharing the slices, no copy) that EPOLLOUT drains.
// After a short write(), on_writable() fires once the queue is down to half its limit. Before an
// active open completes write() takes nothing; on_connected() and on_writable() follow.
//
// Endings: on_closed(kClosed) once FIN went both ways (our shutdown_write() flushed, the app read
// the peer's FIN); an error or RST found by epoll, read() or write() closes the socket at once and
// reports it from the next poll (never from inside the app's own call). close() is nginx's
// lingering close: flush (bounded by close_flush_timeout, then RST), FIN, read and drop input until
// the peer's FIN (bounded by linger_timeout), close. abort() is SO_LINGER 0: RST.
#pragma once
#include <sys/epoll.h>

#include <memory>
#include <optional>

#include "core/timer.h"
#include "transport/kernel/reactor.h"
#include "transport/transport.h"

namespace sluice::transport::kernel {

class KernelConnection;

class ConnState final : public Endpoint {
 public:
  enum class Phase {
    kConnecting,  // active open in progress
    kOpen,        // the app owns it
    kClosing,     // the app closed it: flushing, then FIN, then lingering read
    kDone,        // socket closed
  };
  static constexpr uint32_t kEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

  ConnState(Reactor& r, int fd, Phase phase, const Address& peer);
  ~ConnState() override;

  void on_events(uint32_t events) override;
  void on_posted() override;
  bool finished() const override { return fd_ < 0 && handle_ == nullptr; }
  void shutdown_now() override;
  bool closing() const override { return phase_ == Phase::kClosing; }

  // Called from the handle (see Connection for the contract).
  void attach(KernelConnection* h) { handle_ = h; }
  void release_handle();
  void set_handler(ConnectionHandler* h) {
    if (!app_done_) handler_ = h;
  }
  // The fd failed before the app saw it (connect() failed at once): report `err` in the next poll.
  void fail_later(int err);
  void post_connected();
  size_t read(BufChain& out, size_t max);
  bool read_eof() const { return eof_; }
  size_t write(BufChain& data);
  // sendfile(2) from a regular file, after the queue (send_file.cc).
  size_t send_file(int in_fd, uint64_t offset, size_t len);
  size_t write_space() const;
  size_t unsent_bytes() const { return queue_.size(); }
  void shutdown_write();
  void close();
  void abort();
  bool is_open() const { return phase_ == Phase::kConnecting || phase_ == Phase::kOpen; }
  const Address& local_address() const;
  const Address& peer_address() const { return peer_; }
  void set_nodelay(bool on);

 private:
  void finish_connect(uint32_t events);
  void on_error();
  void notify_readable();
  void notify_writable();
  void on_send_space();
  int send_from(BufChain& c);
  void shutdown_when_flushed();
  void begin_linger();
  void discard_input();
  void finish(int err);
  void count_failure(int err);
  void close_fd(bool reset);

  Reactor& r_;
  int fd_;
  Phase phase_;
  KernelConnection* handle_ = nullptr;
  ConnectionHandler* handler_ = nullptr;
  Address peer_;
  mutable std::optional<Address> local_;
  BufChain queue_;
  bool eof_ = false;             // recv() returned 0
  bool peer_fin_hint_ = false;   // epoll said RDHUP/HUP: read on past short reads to find the FIN
  bool shut_requested_ = false;  // FIN wanted after the queue drains
  bool shut_done_ = false;       // shutdown(SHUT_WR) made
  bool want_writable_ = false;   // write() was short: on_writable() owed
  bool app_done_ = false;        // close(), abort(), handle dropped or on_closed() delivered
  // Posted work, run by on_posted().
  bool post_connected_ = false;
  bool post_readable_ = false;
  bool post_discard_ = false;
  std::optional<CloseReason> post_closed_;
  Timer close_timer_;
};

// The app's handle. All calls are safe after the connection has ended or the transport is gone.
class KernelConnection final : public Connection {
 public:
  explicit KernelConnection(ConnState* s) : s_(s) { s_->attach(this); }
  ~KernelConnection() override;
  KernelConnection(const KernelConnection&) = delete;
  KernelConnection& operator=(const KernelConnection&) = delete;

  void set_handler(ConnectionHandler* h) override;
  size_t read(BufChain& out, size_t max) override;
  bool read_eof() const override;
  size_t write(BufChain& data) override;
  size_t write_space() const override;
  size_t unsent_bytes() const override;
  void shutdown_write() override;
  void close() override;
  void abort() override;
  bool is_open() const override;
  const Address& local_address() const override;
  const Address& peer_address() const override;
  void set_nodelay(bool on) override;
  bool can_send_file() const override { return s_ != nullptr; }
  size_t send_file(int fd, uint64_t offset, size_t len) override;
  // For the transport; null once the transport is gone.
  ConnState* state() { return s_; }

 private:
  friend class ConnState;
  ConnState* s_;
};

// Registers an accepted or connecting socket with the reactor and returns the app's handle.
// nullptr (socket closed, `err` set) if epoll refuses it.
std::unique_ptr<KernelConnection> adopt_socket(Reactor& r, int fd, ConnState::Phase phase,
                                               const Address& peer, std::string* err);

}  // namespace sluice::transport::kernel
