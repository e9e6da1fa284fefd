// The per-worker TCP layer (RFC 9293): the connection table, listeners, ephemeral ports, timers
// and the application's socket operations, over the sans-I/O per-connection logic in input.cc,
// output.cc and timers.cc.
//
// Nothing here reads a clock or touches DPDK: segments come in through on_segment() (parsed and
// checksum-verified by the glue), go out through Emitter, and time arrives as `now` on
// on_segment()/poll()/connect(). Socket operations (send, recv, close, ...) use the `now` of the
// latest of those calls: the worker calls them within the same loop iteration.
//
// Lifetime: a socket's slot lives while the application holds its handle (until release()) or
// the connection is not CLOSED yet (TIME-WAIT, orphaned FIN-WAIT, unaccepted). Frees happen at
// the end of a call, after events were delivered, so handlers may call anything.
#pragma once
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/indexed_heap.h"
#include "stack/tcp/dest_cache.h"
#include "stack/tcp/isn.h"
#include "stack/tcp/ports.h"
#include "stack/tcp/syncookie.h"
#include "stack/tcp/tcb.h"
#include "stack/tcp/time_wait.h"
#include "stack/tcp/tuple_table.h"

namespace sluice::stack::tcp {

class TcpLayer final : private TcbEnv {
 public:
  TcpLayer(const TcpParams& params, Emitter& emitter, Events& events);
  ~TcpLayer() override;
  TcpLayer(const TcpLayer&) = delete;
  TcpLayer& operator=(const TcpLayer&) = delete;

  // ---- Driving it
  // A parsed, checksum-verified segment from src_ip to dst_ip (host byte order).
  void on_segment(Instant now, uint32_t src_ip, uint32_t dst_ip, const TcpRepr& hdr,
                  BufChain payload);
  // RFC 1191: an ICMP fragmentation-needed (type 3 code 4) quoting one of our segments: the
  // 4-tuple as we see it (local = the quoted source), its sequence number, and the next-hop MTU
  // (0 when the router did not say). Lowers the connection's MSS (never below 536) and resends.
  void on_icmp_frag_needed(Instant now, const FourTuple& t, uint32_t seq, uint16_t next_hop_mtu);
  // Runs due timers (bounded work per call).
  void poll(Instant now);
  Instant next_deadline() const;

  // ---- Passive open. ip 0: any of ours.
  std::optional<ListenerHandle> listen(uint32_t ip, uint16_t port, unsigned backlog);
  std::optional<SocketHandle> accept(ListenerHandle l);
  // Stops listening; queued, unaccepted connections are reset.
  void close_listener(ListenerHandle l);

  // ---- Active open. nullopt: no free port, the 4-tuple is taken, or the connection limit.
  std::optional<SocketHandle> connect(Instant now, uint32_t local_ip, uint32_t remote_ip,
                                      uint16_t remote_port,
                                      std::optional<uint16_t> local_port = std::nullopt);
  // Ephemeral ports must also satisfy this (e.g. RSS maps the reply back to this worker).
  void set_port_filter(std::function<bool(uint16_t)> port_ok) { port_ok_ = std::move(port_ok); }

  // ---- Socket operations. Stale handles are ignored (0 / false / kClosed).
  size_t send(SocketHandle h, BufChain& data);  // takes what fits; the rest stays in data
  size_t send_space(SocketHandle h) const;
  size_t recv(SocketHandle h, BufChain& out, size_t max = SIZE_MAX);
  size_t readable(SocketHandle h) const;
  bool recv_eof(SocketHandle h) const;   // FIN received and everything before it read
  void shutdown(SocketHandle h);         // FIN after queued data (half-close)
  void close(SocketHandle h);            // shutdown + no more reads; unread data: RST instead
  void abort(SocketHandle h);            // RST, queued data dropped; no on_closed follows
  void release(SocketHandle h);          // the application forgets h (closes it if still open)
  TcpState state(SocketHandle h) const;
  bool valid(SocketHandle h) const { return find(h) != nullptr; }
  void set_nodelay(SocketHandle h, bool on);
  size_t unacked_bytes(SocketHandle h) const;  // queued and not yet acknowledged
  std::optional<FourTuple> four_tuple(SocketHandle h) const;

  // Hints for a burst of received segments, before on_segment() sees them: where the lookup of
  // `t` will read, then (once that is cached) the state of its connection. No effect otherwise.
  void prefetch_lookup(const FourTuple& t) const { table_.prefetch(t); }
  void prefetch_state(const FourTuple& t) const;

  const TcpCounters& counters() const { return counters_; }
  // Connections in the table: those with a TCB and the TIME-WAIT entries.
  size_t connection_count() const { return table_.size(); }
  size_t tcb_count() const { return table_.size() - time_waits_.size(); }  // max_connections bounds
  size_t time_wait_count() const { return time_waits_.size(); }           // max_time_wait bounds
  // The deadline of the TIME-WAIT entry for `t` (tests, the status page), if there is one.
  std::optional<Instant> time_wait_deadline(const FourTuple& t) const;
  // Out-of-order bytes queued across this worker's connections (bounded by ooo_memory).
  size_t out_of_order_bytes() const { return ooo_bytes_; }
  // Connections still moving data or finishing a close handshake (not TIME-WAIT or CLOSED):
  // a graceful stop waits for these to reach zero. O(connections).
  size_t busy_connection_count() const;
  // Bytes held in send queues, in-order receive queues and out-of-order queues. O(connections).
  struct BufferTotals {
    size_t send = 0, receive = 0, out_of_order = 0;
    size_t receive_max = 0;  // the fullest receive queue
    size_t connections = 0;
  };
  BufferTotals buffer_totals() const;
  const TcpParams& parameters() const { return params_; }
  // Introspection for tests and the status page.
  const Tcb* tcb(SocketHandle h) const { return find(h); }

 private:
  struct Slot {
    std::unique_ptr<Tcb> tcb;
    uint32_t generation = 1;
  };
  struct Listener {
    uint32_t ip = 0;
    uint16_t port = 0;
    unsigned backlog = 0;
    bool open = false;
    uint32_t generation = 1;
    std::deque<SocketHandle> queue;
  };
  struct Pending {
    EventKind kind;
    uint32_t index;       // slot or listener
    uint32_t generation;
    CloseReason reason;
  };

  // TcbEnv
  Instant now() const override { return now_; }
  const TcpParams& params() const override { return params_; }
  TcpCounters& mut_counters() override { return counters_; }
  void emit(const FourTuple& t, const TcpRepr& hdr, BufChain payload) override;
  void post(EventKind k, Tcb& tcb) override;
  bool enqueue_accept(Tcb& tcb) override;
  void closed(Tcb& tcb, CloseReason reason) override;
  bool ooo_room(size_t n) const override { return ooo_bytes_ + n <= params_.ooo_memory; }
  void ooo_changed(int64_t delta) override { ooo_bytes_ = size_t(int64_t(ooo_bytes_) + delta); }
  void output_after_events(Tcb& t) override { defer_output(t); }
  void entered_time_wait(Tcb& t) override;

  Tcb* find(SocketHandle h) const;
  Tcb* find_app(SocketHandle h) const;  // and held by the application
  Tcb& new_tcb(const FourTuple& t, TcpState st);
  void remember_rtt(const Tcb& t);  // into dest_cache_ (RFC 9040)
  void release_tcb(std::unique_ptr<Tcb> t);  // destroys it, keeping its memory for new_tcb()
  // The TCB reaches CLOSED: counts, timers and buffers go; the table entry is the caller's.
  void retire(Tcb& t);
  void listen_input(Listener& l, uint32_t li, const FourTuple& t, const TcpRepr& h,
                    BufChain& payload);
  // SYN cookies (cookies.cc, RFC 4987 3.6).
  void send_syn_cookie(const FourTuple& t, const TcpRepr& syn);
  bool cookie_input(Listener& l, uint32_t li, const FourTuple& t, const TcpRepr& h,
                    BufChain& payload);
  Listener* find_listener(uint32_t ip, uint16_t port, uint32_t* index);
  void reschedule(Tcb& t);
  void flush();   // events, then deferred output, then frees
  // Sends what the socket may send now, or, from inside an event handler, once the handlers of
  // this batch have run: a response and the close that follows it leave as one segment.
  void output_soon(Tcb& t);
  void defer_output(Tcb& t);  // into deferred_output_, sent by flush() after the events
  void run_deferred_output();
  // TIME-WAIT entries (layer_time_wait.cc). The table maps a 4-tuple in TIME-WAIT to its entry's
  // index with kTimeWaitTag set (slots stay below it).
  static constexpr uint32_t kTimeWaitTag = 0x8000'0000u;
  static bool is_time_wait(uint32_t value) { return (value & kTimeWaitTag) != 0; }
  static uint32_t time_wait_index(uint32_t value) { return value & ~kTimeWaitTag; }
  // The TCBs that entered TIME-WAIT and that the application let go become entries (after the
  // output of the batch, which carries the ACK of the peer's FIN).
  void compact_time_waits();
  void keep_time_wait(Tcb& t);
  // A segment for an entry; false when a SYN took the 4-tuple over (the entry is gone).
  bool time_wait_segment(uint32_t index, const TcpRepr& h, uint32_t payload_len);
  void end_time_wait(uint32_t index);
  void expire_time_waits(Instant now, size_t budget);
  bool port_usable(uint32_t local_ip, uint16_t port, uint32_t remote_ip, uint16_t remote_port);

  TcpParams params_;
  Emitter& emitter_;
  Events& events_;
  IsnGenerator isn_;
  SynCookies cookies_;
  DestinationCache dest_cache_;  // RFC 9040: per-host RTT, seeds new connections
  Instant last_cookie_at_ = Instant::never();
  PortAllocator ports_;
  std::function<bool(uint16_t)> port_ok_;
  TcpCounters counters_;
  Instant now_{};

  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<uint32_t> to_free_;
  TupleTable table_;  // 4-tuple -> slot, or TIME-WAIT entry | kTimeWaitTag
  std::vector<Listener> listeners_;
  // Deadline (us) by slot, for slots with scheduled != never.
  IndexedMinHeap<int64_t> timers_;
  TimeWaitTable time_waits_;
  std::vector<SocketHandle> to_compact_;  // TCBs in TIME-WAIT, for compact_time_waits()
  std::vector<Pending> pending_;
  std::vector<SocketHandle> deferred_output_;  // sockets written or closed by event handlers
  // The batches flush() works through, kept so their capacity is reused (no allocation per event).
  std::vector<Pending> pending_batch_;
  std::vector<SocketHandle> output_batch_;
  // Memory of freed TCBs (already destroyed), for new_tcb() to build the next ones in.
  std::vector<Tcb*> spare_tcbs_;
  bool flushing_ = false;
  unsigned half_open_ = 0;
  size_t ooo_bytes_ = 0;
};

}  // namespace sluice::stack::tcp
