// libFuzzer target for the TCP layer (built with -DSLUICE_FUZZ=ON and clang, with ASan and
// UBSan): arbitrary bytes become a sequence of raw TCP headers (through TcpRepr::parse) and
// payloads fed to on_segment() of a layer with a listener and an established connection that has
// data in flight, interleaved with time steps, socket calls and ICMP fragmentation-needed.
// Nothing may crash, hang or leak, and the layer's invariants must hold after every step.
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stack/tcp/layer.h"
#include "stack/wire/tcp.h"

namespace sluice::stack::tcp {
namespace {

namespace flags = wire::tcp_flags;
constexpr uint32_t kUs = 0x0a000002, kPeer = 0x0a000001;
constexpr uint16_t kPort = 80, kPeerPort = 40000;

class Bytes {
 public:
  Bytes(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool empty() const { return n_ == 0; }
  uint8_t u8() { return n_ ? (--n_, *d_++) : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() << 8 | u8()); }
  uint32_t u32() { return uint32_t(u16()) << 16 | u16(); }
  std::string take(size_t n) {
    n = std::min(n, n_);
    std::string s(reinterpret_cast<const char*>(d_), n);
    d_ += n;
    n_ -= n;
    return s;
  }

 private:
  const uint8_t* d_;
  size_t n_;
};

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Every segment the layer emits must survive the wire format.
struct Sink : Emitter, Events {
  TcpLayer* layer = nullptr;
  std::vector<SocketHandle> sockets;
  TcpRepr last;  // the latest segment out
  void emit(const FourTuple&, const TcpRepr& h, BufChain payload) override {
    last = h;
    uint8_t buf[60];
    size_t hl = h.header_len();
    check(hl >= 20 && hl <= 60 && hl % 4 == 0);
    h.emit(buf);
    TcpRepr back;
    size_t parsed = 0;
    check(TcpRepr::parse(buf, hl, back, &parsed) == wire::TcpParseError::kOk && parsed == hl);
    check(back.seq == h.seq && back.flags == h.flags);
    check(payload.size() <= 65535);
  }
  void on_accept_ready(ListenerHandle l) override {
    while (auto h = layer->accept(l)) sockets.push_back(*h);
  }
  void on_readable(SocketHandle h) override {
    BufChain out;
    layer->recv(h, out, 4096);
  }
};

TcpParams fuzz_params() {
  TcpParams p;
  p.syn_backlog = 2;          // SYN cookies after two half-open connections
  p.max_connections = 16;
  p.max_time_wait = 8;        // TIME-WAIT entries, and connections closed past them
  p.ooo_memory = 16384;
  p.ooo_max_blocks = 8;
  p.send_buffer = 32768;
  p.receive_buffer = 16384;
  p.keepalive = Duration::seconds(5);
  p.keepalive_interval = Duration::seconds(1);
  return p;
}

void check_invariants(const TcpLayer& layer, const std::vector<SocketHandle>& sockets) {
  check(layer.tcb_count() <= layer.parameters().max_connections);
  check(layer.time_wait_count() <= layer.parameters().max_time_wait);
  check(layer.out_of_order_bytes() <= layer.parameters().ooo_memory);
  for (SocketHandle h : sockets) {
    const Tcb* t = layer.tcb(h);
    if (!t || t->state == TcpState::kClosed) continue;
    check(t->snd_una <= t->snd_nxt && t->snd_nxt <= t->snd_max);
    check(t->sndbuf.size() <= t->sndbuf.capacity());
    check(t->cc->cwnd() >= 1);
    check(t->snd_mss >= 64);
    for (const auto& b : t->scoreboard.blocks()) check(t->snd_una <= b.left && b.left < b.right);
  }
}

}  // namespace
}  // namespace sluice::stack::tcp

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::stack::tcp;
  using sluice::BufChain;
  using sluice::Duration;
  using sluice::Instant;
  Sink sink;
  TcpLayer layer(fuzz_params(), sink, sink);
  sink.layer = &layer;
  Instant now = Instant::from_micros(100'000'000);
  layer.listen(0, kPort, 4);
  // An established connection from kPeerPort (ISN 1000) with every option, and data in flight.
  TcpRepr syn;
  syn.src_port = kPeerPort;
  syn.dst_port = kPort;
  syn.flags = flags::kSyn;
  syn.seq = TcpSeq(1000);
  syn.window = 65535;
  syn.mss = 1460;
  syn.window_scale = 2;
  syn.sack_permitted = true;
  syn.timestamps = sluice::stack::wire::TcpTimestamps{1, 0};
  layer.on_segment(now, kPeer, kUs, syn, {});
  FourTuple conn{kUs, kPort, kPeer, kPeerPort};
  // The final ACK, echoing the SYN-ACK the sink saw.
  TcpRepr ack;
  ack.src_port = kPeerPort;
  ack.dst_port = kPort;
  ack.flags = flags::kAck;
  ack.seq = TcpSeq(1001);
  ack.ack = sink.last.seq + 1;
  ack.window = 16384;
  ack.timestamps = sluice::stack::wire::TcpTimestamps{2, sink.last.timestamps
                                                             ? sink.last.timestamps->tsval
                                                             : 0};
  layer.on_segment(now, kPeer, kUs, ack, {});
  std::optional<SocketHandle> est;
  if (!sink.sockets.empty()) est = sink.sockets.front();
  check(est.has_value() && layer.state(*est) == TcpState::kEstablished);
  BufChain initial;
  initial.append_copy(std::string(20000, 'i'));
  layer.send(*est, initial);
  Bytes in(data, size);
  // TCP_FUZZ_TRACE=1 prints the established connection's send state after every step.
  static const bool trace = std::getenv("TCP_FUZZ_TRACE") != nullptr;
  bool known = false;  // the established connection's latest sequence variables
  TcpSeq rcv_nxt, snd_una, snd_max;
  for (int steps = 0; steps < 256 && !in.empty(); ++steps) {
    if (const Tcb* t = layer.tcb(*est)) {
      known = true;
      rcv_nxt = t->rcv_nxt;
      snd_una = t->snd_una;
      snd_max = t->snd_max;
    }
    uint8_t op = in.u8();
    switch (op % 6) {
      case 0:
      case 1: {  // a raw header (+ payload) on the connection (op 0) or from anywhere (op 1)
        uint8_t hdr[60] = {};
        size_t hl = 20 + (in.u8() % 41);
        std::string raw = in.take(hl);
        std::copy(raw.begin(), raw.end(), hdr);
        TcpRepr h;
        size_t parsed = 0;
        if (TcpRepr::parse(hdr, raw.size(), h, &parsed) != sluice::stack::wire::TcpParseError::kOk)
          break;
        uint32_t src = kPeer;
        if (op % 6 == 0) {
          h.src_port = kPeerPort;
          h.dst_port = kPort;
          // Sequence numbers relative to the connection's (its latest, once only a TIME-WAIT
          // entry is left of it), so they land in or near the window.
          if (known && (h.flags & 0xc0) == 0xc0) {
            // CWR and ECE: right at the edges (small signed offsets), where the close handshake
            // and TIME-WAIT happen.
            h.seq = rcv_nxt + static_cast<uint32_t>(int8_t(h.seq.raw() & 0xff));
            h.ack = snd_max + static_cast<uint32_t>(int8_t(h.ack.raw() & 0xff));
          } else if (known && (h.flags & 0x80)) {
            h.seq = rcv_nxt + (h.seq.raw() & 0xffff) - 0x8000;
            h.ack = snd_una + (h.ack.raw() & 0xffff) - 0x4000;
            for (uint8_t b = 0; b < h.sack_count; ++b) {
              h.sack[b].left = snd_una + (h.sack[b].left.raw() & 0xffff);
              h.sack[b].right = snd_una + (h.sack[b].right.raw() & 0xffff);
            }
          }
        } else {
          src = kPeer + (in.u8() & 3);
          h.dst_port = (in.u8() & 1) ? kPort : h.dst_port;
        }
        BufChain payload;
        size_t plen = in.u8();
        if (plen > 200) plen = 1460 + (plen - 200) * 4;
        std::string p = in.take(plen);
        if (!p.empty()) payload.append_copy(p);
        layer.on_segment(now, src, kUs, h, std::move(payload));
        break;
      }
      case 2: {  // time passes
        now = now + Duration::micros(int64_t(in.u16()) * 1000 * ((in.u8() & 7) + 1));
        layer.poll(now);
        break;
      }
      case 3: {  // the application
        if (sink.sockets.empty()) break;
        SocketHandle h = sink.sockets[in.u8() % sink.sockets.size()];
        switch (in.u8() % 6) {
          case 0: { BufChain d; d.append_copy(std::string(in.u16() % 20000, 'd')); layer.send(h, d); break; }
          case 1: { BufChain out; layer.recv(h, out); break; }
          case 2: layer.shutdown(h); break;
          case 3: layer.close(h); break;
          case 4: layer.abort(h); break;
          case 5: {  // bit 1: the application lets go (a TIME-WAIT then becomes an entry)
            uint8_t b = in.u8();
            layer.set_nodelay(h, b & 1);
            if (b & 2) layer.release(h);
            break;
          }
        }
        break;
      }
      case 4: {  // ICMP fragmentation needed
        uint32_t seq = in.u32();
        if (est)
          if (const Tcb* t = layer.tcb(*est)) seq = t->snd_una.raw() + (seq & 0xffff);
        layer.on_icmp_frag_needed(now, conn, seq, in.u16());
        break;
      }
      case 5: {  // a new active open
        layer.connect(now, kUs, kPeer + (in.u8() & 3), in.u16());
        break;
      }
    }
    if (trace && est)
      if (const Tcb* t = layer.tcb(*est))
        std::fprintf(stderr, "step %d op %u: state %d una %u nxt %u max %u queued %zu wnd %u\n",
                     steps, op % 6, int(t->state), t->snd_una.raw(), t->snd_nxt.raw(),
                     t->snd_max.raw(), t->sndbuf.size(), t->snd_wnd);
    check_invariants(layer, sink.sockets);
  }
  return 0;
}
