// The userspace stack as a transport::Transport: one per worker, over that worker's RX/TX queue
// pair and mempool. poll() receives a burst, runs it through the interface (ARP, IPv4, ICMP) and
// TCP, runs the stack's timers, delivers events to the application, and transmits a burst; it
// never blocks (an idle pass may sleep idle_sleep_us to spare a shared core).
//
// Workers exchange frames only through rte_rings (one per worker, many producers):
// - ARP is per worker, but a reply lands on whichever queue the NIC picks: every ARP frame a
//   worker receives is also copied to its siblings, so each cache learns.
// - A segment for another worker's active open (see steering.h) is handed to that worker.
//
// Connection::close() is a lingering close (nginx's lingering_close, as the kernel transport
// does it): our FIN follows the queued data, and whatever the peer still sends is read and dropped
// until its FIN, for at most StackOptions::linger, so a late request body does not draw a RST that
// could destroy the response in the peer's receive buffer (RFC 1122 4.2.2.13 would otherwise have
// TCP reset). The transport owns the socket meanwhile; then it goes back to TCP (release()).
#pragma once
#include <rte_ring.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/loop.h"
#include "stack/dpdk/port.h"
#include "stack/netif/net_interface.h"
#include "stack/socket/steering.h"
#include "stack/socket/tcp_glue.h"
#include "stack/tcp/layer.h"
#include "transport/transport.h"

namespace sluice::stack {

struct StackOptions {
  NetInterfaceConfig netif;           // netif.pool is the worker's mempool
  tcp::TcpParams tcp;
  uint16_t port_id = 0;
  uint16_t queue = 0;                 // the worker's RX/TX queue pair
  uint32_t idle_sleep_us = 0;
  std::vector<rte_ring*> peer_rings;  // one per worker, indexed by queue; empty with one worker
  Steering steering;                  // which worker owns a flow we opened
  Duration linger = Duration::seconds(5);  // close(): longest wait for the peer's FIN (see below)
};

class StackConnection;
class StackListener;

class StackTransport final : public transport::Transport, private tcp::Events {
 public:
  StackTransport(EventLoop& loop, const StackOptions& opts);
  ~StackTransport() override;

  const char* name() const override { return "dpdk"; }
  std::unique_ptr<transport::Listener> listen(const transport::Address& addr, const transport::ListenOptions& opts,
                                              transport::AcceptHandler& handler, std::string* err) override;
  std::unique_ptr<transport::Connection> connect(const transport::Address& remote,
                                                 transport::ConnectionHandler& handler, std::string* err) override;
  void poll(Duration max_wait) override;
  Instant next_deadline() const override;
  bool idle() const override;

  // Every counter as "name=value" pairs, for the exit report and the status page.
  std::string stats() const;
  NetInterface& netif() { return netif_; }
  tcp::TcpLayer& tcp() { return tcp_; }

 private:
  friend class StackConnection;
  friend class StackListener;

  // tcp::Events
  void on_accept_ready(tcp::ListenerHandle l) override;
  void on_connected(tcp::SocketHandle h) override;
  void on_readable(tcp::SocketHandle h) override;
  void on_writable(tcp::SocketHandle h) override;
  void on_closed(tcp::SocketHandle h, transport::CloseReason reason) override;

  // Lingering close. begin_linger() is close(): true when the transport took the socket over.
  bool begin_linger(tcp::SocketHandle h);
  bool lingering(tcp::SocketHandle h) const;
  void drain_lingering(tcp::SocketHandle h);  // drops input; ends the linger at the peer's FIN
  void end_linger(tcp::SocketHandle h);       // hands the socket back to TCP
  void expire_lingers(Instant now);

  StackConnection* lookup(tcp::SocketHandle h) const;
  void track(StackConnection* c);
  void untrack(StackConnection* c);
  unsigned receive_burst(Instant now);  // frames received
  void prefetch_connections(rte_mbuf* const* frames, uint16_t n);
  unsigned receive_from_peers(Instant now);
  void share_arp(rte_mbuf* m);
  // True when the frame belongs to another worker and was handed over (or dropped, counted).
  bool forward_to_owner(rte_mbuf* m);
  transport::Address address_of(uint32_t ip, uint16_t port) const;

  EventLoop& loop_;
  StackOptions opts_;
  TxQueue tx_;
  NetInterface netif_;
  TcpGlue glue_;
  tcp::TcpLayer tcp_;
  bool started_ = false;
  std::vector<StackConnection*> conns_;   // by socket slot index
  std::vector<StackListener*> listeners_; // by listener index
  std::vector<uint16_t> listening_ports_;
  struct Linger {
    tcp::SocketHandle h;
    Instant until;
  };
  std::vector<uint32_t> lingering_;      // by socket slot index: generation + 1, 0 when none
  std::deque<Linger> linger_deadlines_;  // in deadline order (one linger time for all)
  void sample_pool();
  uint64_t pool_samples_ = 0, pool_free_min_ = UINT64_MAX;  // stats(): how close the pool came to empty
  tcp::TcpLayer::BufferTotals pool_min_buffers_;              // and what TCP held at that moment
  uint64_t arp_shared_ = 0, arp_share_drops_ = 0;
  uint64_t steered_out_ = 0, steer_drops_ = 0;
  uint64_t rx_bursts_ = 0;  // rte_eth_rx_burst calls that returned frames
  // How busy the worker is: of the time between its first and latest poll (poll_us_), the part
  // that followed polls which received frames (poll_busy_us_), from the loop's own clock. A
  // busy-polling core is always at 100 % CPU; this says how much of it was work.
  void note_poll(Instant now, bool received);
  Instant last_poll_ = Instant::never();
  bool last_poll_received_ = false;
  uint64_t poll_us_ = 0, poll_busy_us_ = 0;
};

}  // namespace sluice::stack
