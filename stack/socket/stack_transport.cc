#include "stack/socket/stack_transport.h"

#include <unistd.h>

#include "stack/socket/stack_connection.h"
#include "stack/wire/ethernet.h"

namespace sluice::stack {
namespace {

constexpr uint16_t kRxBurst = 32;
constexpr uint16_t kEtherTypeArp = 0x0806;

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr size_t kEthHeader = 14;

uint16_t ether_type(const rte_mbuf* m) {
  if (m->data_len < kEthHeader) return 0;
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  return uint16_t(p[12] << 8 | p[13]);
}

// The TCP destination port of an IPv4/TCP frame; 0 for anything else (the interface will judge it).
uint16_t tcp_dst_port(const rte_mbuf* m) {
  if (ether_type(m) != kEtherTypeIpv4 || m->data_len < kEthHeader + 20) return 0;
  const uint8_t* ip = rte_pktmbuf_mtod(m, const uint8_t*) + kEthHeader;
  size_t ihl = size_t(ip[0] & 0x0f) * 4;
  if (ip[9] != 6 || ihl < 20 || m->data_len < kEthHeader + ihl + 4) return 0;
  return uint16_t(ip[ihl + 2] << 8 | ip[ihl + 3]);
}

// The 4-tuple (as the receiver sees it) of an IPv4/TCP frame; false for anything else. Only a
// hint for prefetching: the layers still validate the frame in full.
bool peek_tcp_tuple(const rte_mbuf* m, tcp::FourTuple* t) {
  if (ether_type(m) != kEtherTypeIpv4 || m->data_len < kEthHeader + 20) return false;
  const uint8_t* ip = rte_pktmbuf_mtod(m, const uint8_t*) + kEthHeader;
  size_t ihl = size_t(ip[0] & 0x0f) * 4;
  if (ip[9] != 6 || ihl < 20 || m->data_len < kEthHeader + ihl + 4) return false;
  auto be32 = [](const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; };
  *t = tcp::FourTuple{be32(ip + 16), uint16_t(ip[ihl + 2] << 8 | ip[ihl + 3]), be32(ip + 12),
                      uint16_t(ip[ihl] << 8 | ip[ihl + 1])};
  return true;
}

}  // namespace

StackTransport::StackTransport(EventLoop& loop, const StackOptions& opts)
    : loop_(loop),
      opts_(opts),
      tx_(opts.port_id, opts.queue),
      netif_(opts.netif, tx_),
      glue_(netif_, opts.netif.pool),
      tcp_(opts.tcp, glue_, *this) {
  glue_.set_layer(&tcp_);
  netif_.set_handler(6, &glue_);
}

StackTransport::~StackTransport() {
  // Handles may outlive the transport: from now on they are closed and inert.
  for (StackConnection* c : conns_)
    if (c) c->detach();
  for (StackListener* l : listeners_)
    if (l) l->detach();
  netif_.set_handler(6, nullptr);
  tx_.flush();
}

transport::Address StackTransport::address_of(uint32_t ip, uint16_t port) const {
  return transport::Address::ipv4(ip, port);
}

std::unique_ptr<transport::Listener> StackTransport::listen(const transport::Address& addr,
                                                            const transport::ListenOptions& opts,
                                                            transport::AcceptHandler& handler, std::string* err) {
  if (addr.family != transport::Address::Family::kIpv4) {
    *err = "the userspace stack speaks IPv4 only: cannot listen on " + addr.to_string();
    return nullptr;
  }
  uint32_t ip = addr.is_any() ? 0 : addr.ipv4_host();
  if (ip != 0 && ip != netif_.address()) {
    *err = "cannot listen on " + addr.to_string() + ": not this interface's address";
    return nullptr;
  }
  auto lh = tcp_.listen(ip, addr.port, unsigned(opts.backlog));
  if (!lh) {
    *err = "cannot listen on " + addr.to_string() + ": already listening";
    return nullptr;
  }
  listening_ports_.push_back(addr.port);
  if (listeners_.size() <= lh->index) listeners_.resize(lh->index + 1, nullptr);
  auto l = std::make_unique<StackListener>(*this, *lh, addr, handler);
  listeners_[lh->index] = l.get();
  return l;
}

std::unique_ptr<transport::Connection> StackTransport::connect(const transport::Address& remote,
                                                               transport::ConnectionHandler& handler,
                                                               std::string* err) {
  if (remote.family != transport::Address::Family::kIpv4) {
    *err = "the userspace stack speaks IPv4 only";
    return nullptr;
  }
  glue_.set_now(loop_.now());  // the SYN may wait for ARP: stamp it now, not at the last poll
  const uint32_t local = netif_.address(), remote_ip = remote.ipv4_host();
  const uint16_t remote_port = remote.port;
  // Only a local port whose replies come back to this worker (steering.h).
  tcp_.set_port_filter([this, local, remote_ip, remote_port](uint16_t p) {
    return opts_.steering.port_ok(local, remote_ip, remote_port, p);
  });
  auto h = tcp_.connect(loop_.now(), local, remote_ip, remote_port);
  if (!h) {
    *err = "no local port or connection slot for " + remote.to_string();
    return nullptr;
  }
  auto t = tcp_.four_tuple(*h);
  return std::make_unique<StackConnection>(*this, *h, address_of(t->local_ip, t->local_port), remote, &handler);
}

void StackTransport::track(StackConnection* c) {
  uint32_t i = c->handle().index;
  if (conns_.size() <= i) conns_.resize(i + 1, nullptr);
  conns_[i] = c;
}

void StackTransport::untrack(StackConnection* c) {
  uint32_t i = c->handle().index;
  if (i < conns_.size() && conns_[i] == c) conns_[i] = nullptr;
}

StackConnection* StackTransport::lookup(tcp::SocketHandle h) const {
  if (h.index >= conns_.size() || conns_[h.index] == nullptr) return nullptr;
  StackConnection* c = conns_[h.index];
  return c->handle() == h ? c : nullptr;
}

void StackTransport::on_accept_ready(tcp::ListenerHandle lh) {
  if (lh.index >= listeners_.size() || listeners_[lh.index] == nullptr) return;
  StackListener* l = listeners_[lh.index];
  while (auto h = tcp_.accept(lh)) {
    auto t = tcp_.four_tuple(*h);
    auto conn = std::make_unique<StackConnection>(*this, *h, address_of(t->local_ip, t->local_port),
                                                  address_of(t->remote_ip, t->remote_port), nullptr);
    StackConnection* raw = conn.get();
    l->acceptor().on_accept(std::move(conn));
    // Data (or a FIN) may have arrived with the handshake: tell the new owner now.
    if (lookup(*h) == raw && (tcp_.readable(*h) > 0 || tcp_.recv_eof(*h))) raw->deliver_readable();
    if (listeners_.size() <= lh.index || listeners_[lh.index] != l) break;  // closed from the callback
  }
}

void StackTransport::on_connected(tcp::SocketHandle h) {
  if (auto* c = lookup(h)) c->deliver_connected();
  if (auto* c = lookup(h)) c->deliver_writable();
}
void StackTransport::on_readable(tcp::SocketHandle h) {
  if (lingering(h)) return drain_lingering(h);
  if (auto* c = lookup(h)) c->deliver_readable();
}
void StackTransport::on_writable(tcp::SocketHandle h) {
  if (auto* c = lookup(h)) c->deliver_writable();
}
void StackTransport::on_closed(tcp::SocketHandle h, transport::CloseReason reason) {
  if (lingering(h)) return end_linger(h);
  if (auto* c = lookup(h)) c->deliver_closed(reason);
}

bool StackTransport::begin_linger(tcp::SocketHandle h) {
  // SYN-SENT: nothing to linger for (RFC 9293 3.10.4 deletes the TCB).
  if (!tcp::synchronized(tcp_.state(h))) {
    tcp_.close(h);
    return false;
  }
  tcp_.shutdown(h);  // FIN after the queued data
  BufChain dropped;
  tcp_.recv(h, dropped);
  if (tcp_.recv_eof(h)) {  // the peer's FIN is in and nothing is unread: close is clean
    tcp_.close(h);
    return false;
  }
  if (lingering_.size() <= h.index) lingering_.resize(h.index + 1, 0);
  lingering_[h.index] = h.generation + 1;
  linger_deadlines_.push_back({h, loop_.now() + opts_.linger});
  return true;
}

bool StackTransport::lingering(tcp::SocketHandle h) const {
  return h.index < lingering_.size() && lingering_[h.index] == h.generation + 1;
}

void StackTransport::drain_lingering(tcp::SocketHandle h) {
  BufChain dropped;
  tcp_.recv(h, dropped);
  if (tcp_.recv_eof(h)) end_linger(h);
}

void StackTransport::end_linger(tcp::SocketHandle h) {
  lingering_[h.index] = 0;
  // Past the linger time with unread input, TCP resets (RFC 1122 4.2.2.13); else a clean close.
  tcp_.release(h);
}

void StackTransport::expire_lingers(Instant now) {
  while (!linger_deadlines_.empty() && linger_deadlines_.front().until <= now) {
    tcp::SocketHandle h = linger_deadlines_.front().h;
    linger_deadlines_.pop_front();
    if (lingering(h)) end_linger(h);
  }
}

void StackTransport::share_arp(rte_mbuf* m) {
  for (size_t w = 0; w < opts_.peer_rings.size(); ++w) {
    if (w == opts_.queue) continue;
    rte_mbuf* copy = rte_pktmbuf_copy(m, opts_.netif.pool, 0, UINT32_MAX);
    if (copy == nullptr || rte_ring_enqueue(opts_.peer_rings[w], copy) != 0) {
      if (copy) rte_pktmbuf_free(copy);
      ++arp_share_drops_;
      continue;
    }
    ++arp_shared_;
  }
}

bool StackTransport::forward_to_owner(rte_mbuf* m) {
  uint16_t port = tcp_dst_port(m);
  if (port == 0) return false;
  for (uint16_t l : listening_ports_)
    if (l == port) return false;
  uint16_t owner = opts_.steering.owner_of(port);
  if (owner == opts_.queue || owner >= opts_.peer_rings.size()) return false;
  // The frame moves to its owner: ownership of the mbuf goes with it.
  if (rte_ring_enqueue(opts_.peer_rings[owner], m) != 0) {
    rte_pktmbuf_free(m);
    ++steer_drops_;
  } else {
    ++steered_out_;
  }
  return true;
}

unsigned StackTransport::receive_from_peers(Instant now) {
  if (opts_.peer_rings.empty()) return 0;
  void* frames[kRxBurst];
  unsigned n = rte_ring_dequeue_burst(opts_.peer_rings[opts_.queue], frames, kRxBurst, nullptr);
  for (unsigned i = 0; i < n; ++i) netif_.receive(now, Packet(static_cast<rte_mbuf*>(frames[i])));
  return n;
}

unsigned StackTransport::receive_burst(Instant now) {
  rte_mbuf* frames[kRxBurst];
  uint16_t n = rte_eth_rx_burst(opts_.port_id, opts_.queue, frames, kRxBurst);
  if (n > 0) ++rx_bursts_;
  prefetch_connections(frames, n);
  for (uint16_t i = 0; i < n; ++i) {
    if (!opts_.peer_rings.empty()) {
      if (ether_type(frames[i]) == kEtherTypeArp) share_arp(frames[i]);
      else if (forward_to_owner(frames[i])) continue;
    }
    netif_.receive(now, Packet(frames[i]));
  }
  if (n == 0 && opts_.idle_sleep_us > 0 && tx_.pending() == 0) usleep(opts_.idle_sleep_us);
  return n;
}

// Before any frame of the burst is processed, as DPDK's l3fwd and VPP do: first the connection
// table's line of every TCP frame, then (those lines now on their way) each connection's state,
// so that the cache misses of one frame overlap with the work on the others.
void StackTransport::prefetch_connections(rte_mbuf* const* frames, uint16_t n) {
  if (n < 2) return;
  tcp::FourTuple tuples[kRxBurst];
  bool tcp[kRxBurst];
  for (uint16_t i = 0; i < n; ++i)
    if ((tcp[i] = peek_tcp_tuple(frames[i], &tuples[i]))) tcp_.prefetch_lookup(tuples[i]);
  for (uint16_t i = 0; i < n; ++i)
    if (tcp[i]) tcp_.prefetch_state(tuples[i]);
}

void StackTransport::note_poll(Instant now, bool received) {
  if (last_poll_ != Instant::never() && now > last_poll_) {
    const uint64_t us = static_cast<uint64_t>((now - last_poll_).us);
    poll_us_ += us;
    if (last_poll_received_) poll_busy_us_ += us;
  }
  last_poll_ = now;
  last_poll_received_ = received;
}

void StackTransport::poll(Duration) {
  Instant now = loop_.now();
  glue_.set_now(now);
  if (!started_) {
    started_ = true;
    netif_.start(now);
  }
  const unsigned received = receive_from_peers(now) + receive_burst(now);
  note_poll(now, received > 0);
  now = loop_.update_time();
  glue_.set_now(now);
  tcp_.poll(now);
  expire_lingers(now);
  netif_.poll(now);
  tx_.flush();
  sample_pool();
}

// The pool's low-water mark, sampled (rte_mempool_avail_count walks every lcore's cache).
void StackTransport::sample_pool() {
  if (!opts_.netif.pool || (++pool_samples_ & 255) != 0) return;
  uint64_t avail = rte_mempool_avail_count(opts_.netif.pool);
  if (avail >= pool_free_min_) return;
  pool_free_min_ = avail;
  pool_min_buffers_ = tcp_.buffer_totals();  // who held the mbufs then
}

Instant StackTransport::next_deadline() const {
  Instant d = std::min(tcp_.next_deadline(), netif_.next_deadline());
  return linger_deadlines_.empty() ? d : std::min(d, linger_deadlines_.front().until);
}

bool StackTransport::idle() const { return tcp_.busy_connection_count() == 0; }

std::string StackTransport::stats() const {
  std::string out;
  auto add = [&out](const char* name, uint64_t v) {
    if (v == 0) return;
    if (!out.empty()) out += ' ';
    out += name;
    out += '=';
    out += std::to_string(v);
  };
  const auto& t = tcp_.counters();
  // The headline numbers first, always printed.
  out = "conn_passive=" + std::to_string(t.passive_opens) + " conn_active=" + std::to_string(t.active_opens) +
        " conn_closed=" + std::to_string(t.closed);
  add("tcp.resets_received", t.resets_received);
  add("tcp.resets_sent", t.resets_sent);
  add("tcp.retransmitted_segments", t.retransmitted_segments);
  add("tcp.fast_retransmits", t.fast_retransmits);
  add("tcp.timeouts", t.timeouts);
  add("tcp.segments_in", t.segments_in);
  add("tcp.segments_out", t.segments_out);
  add("tcp.no_socket_rsts", t.no_socket_rsts);
  add("tcp.syn_drops", t.syn_drops);
  add("tcp.syn_cookies_sent", t.syn_cookies_sent);
  add("tcp.syn_cookies_accepted", t.syn_cookies_accepted);
  add("tcp.syn_cookies_rejected", t.syn_cookies_rejected);
  add("tcp.sack_recoveries", t.sack_recoveries);
  add("tcp.spurious_undos", t.spurious_undos);
  add("tcp.tail_loss_probes", t.tail_loss_probes);
  add("tcp.sack_renegings", t.sack_renegings);
  add("tcp.tail_loss_repairs", t.tail_loss_repairs);
  add("tcp.accept_queue_drops", t.accept_queue_drops);
  add("tcp.time_wait_reuses", t.time_wait_reuses);
  add("tcp.time_wait_overflows", t.time_wait_overflows);
  if (opts_.netif.pool) {
    add("pool.size", opts_.netif.pool->size);
    add("pool.in_use", rte_mempool_in_use_count(opts_.netif.pool));
    if (pool_free_min_ != UINT64_MAX) {
      add("pool.free_min", pool_free_min_);
      add("pool.free_min_at.send_queued", pool_min_buffers_.send);
      add("pool.free_min_at.received", pool_min_buffers_.receive);
      add("pool.free_min_at.out_of_order", pool_min_buffers_.out_of_order);
      add("pool.free_min_at.received_max", pool_min_buffers_.receive_max);
      add("pool.free_min_at.connections", pool_min_buffers_.connections);
    }
  }
  netif_.for_each_counter(add);
  glue_.counters().for_each([&](const char* n, uint64_t v) { add((std::string("tcp.") + n).c_str(), v); });
  add("tx.dropped", tx_.counters().dropped);
  add("tx.bursts", tx_.counters().bursts);  // link.tx_frames / tx.bursts: frames per NIC call
  add("rx.bursts", rx_bursts_);             // receive calls that returned frames
  add("poll.us", poll_us_);                 // poll.busy_us / poll.us: the share of the worker's
  add("poll.busy_us", poll_busy_us_);       // time that followed polls with frames
  add("arp.shared", arp_shared_);
  add("arp.share_drops", arp_share_drops_);
  add("steer.forwarded", steered_out_);
  add("steer.drops", steer_drops_);
  return out;
}

}  // namespace sluice::stack
