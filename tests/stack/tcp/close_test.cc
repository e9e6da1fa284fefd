// Closing: RFC 9293 3.6 (normal and simultaneous close, half-close), 3.10.4/3.10.5 (CLOSE, ABORT),
// TIME-WAIT (3.3.2) and its reuse (RFC 6191), RFC 2525 2.17 (close with unread data).
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

TEST(TcpClose, Rfc9293NormalCloseActiveSideGoesThroughTimeWait) {
  Net net;
  auto [ha, hb] = net.establish();
  net.a.layer.close(ha);
  EXPECT_EQ(net.a.layer.state(ha), TcpState::kFinWait1);
  net.run_for(Duration::millis(100));
  EXPECT_EQ(net.a.layer.state(ha), TcpState::kFinWait2);
  EXPECT_EQ(net.b.layer.state(hb), TcpState::kCloseWait);
  EXPECT_TRUE(net.b.layer.recv_eof(hb));
  net.b.layer.close(hb);
  EXPECT_EQ(net.b.layer.state(hb), TcpState::kLastAck);
  net.run_for(Duration::millis(100));
  EXPECT_EQ(net.a.layer.state(ha), TcpState::kTimeWait);
  EXPECT_EQ(net.b.layer.state(hb), TcpState::kClosed);
  ASSERT_EQ(net.a.closed.size(), 1u);
  EXPECT_EQ(net.a.closed[0].second, CloseReason::kClosed);
  ASSERT_EQ(net.b.closed.size(), 1u);
  EXPECT_EQ(net.b.closed[0].second, CloseReason::kClosed);
}

TEST(TcpClose, Rfc9293SimultaneousCloseBothThroughClosing) {
  Net net;
  auto [ha, hb] = net.establish();
  net.a.layer.close(ha);
  net.b.layer.close(hb);
  net.collect();
  EXPECT_EQ(net.a.layer.state(ha), TcpState::kFinWait1);
  EXPECT_EQ(net.b.layer.state(hb), TcpState::kFinWait1);
  net.run_for(Duration::millis(7));  // both FINs arrived, their ACKs not yet
  EXPECT_EQ(net.a.layer.state(ha), TcpState::kClosing);
  EXPECT_EQ(net.b.layer.state(hb), TcpState::kClosing);
  net.run_for(Duration::millis(100));
  EXPECT_EQ(net.a.layer.state(ha), TcpState::kTimeWait);
  EXPECT_EQ(net.b.layer.state(hb), TcpState::kTimeWait);
  EXPECT_EQ(net.a.closed.size(), 1u);
  EXPECT_EQ(net.b.closed.size(), 1u);
}

TEST(TcpClose, Rfc9293TimeWaitLastsTheConfiguredTime) {
  TcpParams p = test_params();
  p.time_wait = Duration::seconds(5);
  Net net(p, p);
  auto [ha, hb] = net.establish();
  net.close_in_turn(net.a, ha, hb);
  ASSERT_EQ(net.a.layer.state(ha), TcpState::kTimeWait);
  Instant entered = net.a.layer.tcb(ha)->state_at - Duration::seconds(5);
  net.a.layer.release(ha);
  EXPECT_EQ(net.a.layer.connection_count(), 1u);
  net.run_until(entered + Duration::seconds(5) - Duration::micros(1));
  EXPECT_EQ(net.a.layer.connection_count(), 1u);
  net.run_until(entered + Duration::seconds(5));
  EXPECT_EQ(net.a.layer.connection_count(), 0u);
  EXPECT_FALSE(net.a.layer.valid(ha));  // released and closed: the slot is gone
}

TEST(TcpClose, Rfc6191TimeWaitReusedByNewerSyn) {
  Net net;
  // b closes first, so the server side (b) holds TIME-WAIT, as an HTTP server does.
  auto [ha, hb] = net.establish();
  uint16_t client_port = net.a.layer.four_tuple(ha)->local_port;
  net.close_in_turn(net.b, hb, ha);
  ASSERT_EQ(net.b.layer.state(hb), TcpState::kTimeWait);
  net.a.layer.release(ha);
  net.run_for(Duration::seconds(1));
  // Same 4-tuple again: the SYN's timestamp is newer than TS.Recent.
  auto h2 = net.a.layer.connect(net.now, kIpA, kIpB, 80, client_port);
  ASSERT_TRUE(h2);
  net.run_for(Duration::millis(50));
  EXPECT_EQ(net.a.layer.state(*h2), TcpState::kEstablished);
  EXPECT_EQ(net.b.layer.counters().time_wait_reuses, 1u);
  EXPECT_EQ(net.b.layer.state(net.b.accepted.back()), TcpState::kEstablished);
}

TEST(TcpClose, Rfc9293HalfCloseKeepsTheOtherDirection) {
  Net net;
  auto [ha, hb] = net.establish();
  net.a.layer.shutdown(ha);
  net.run_for(Duration::millis(50));
  EXPECT_EQ(net.a.layer.state(ha), TcpState::kFinWait2);
  EXPECT_TRUE(net.b.layer.recv_eof(hb));
  BufChain d;
  d.append_copy("response after your FIN");
  EXPECT_EQ(net.b.layer.send(hb, d), 23u);
  net.run_for(Duration::millis(50));
  EXPECT_EQ(net.a.received.to_string(), "response after your FIN");
  EXPECT_FALSE(net.a.layer.recv_eof(ha));
  net.b.layer.close(hb);
  net.run_for(Duration::millis(50));
  EXPECT_TRUE(net.a.layer.recv_eof(ha));
  EXPECT_EQ(net.a.layer.state(ha), TcpState::kTimeWait);
}

TEST(TcpClose, Rfc2525CloseWithUnreadDataSendsReset) {
  Net net;
  net.b.auto_read = false;
  auto [ha, hb] = net.establish();
  BufChain d;
  d.append_copy("unread");
  net.a.layer.send(ha, d);
  net.run_for(Duration::millis(50));
  net.b.layer.close(hb);
  net.run_for(Duration::millis(50));
  EXPECT_EQ(net.log_b.back().hdr.flags & flags::kRst, flags::kRst);
  ASSERT_EQ(net.a.closed.size(), 1u);
  EXPECT_EQ(net.a.closed[0].second, CloseReason::kReset);
  EXPECT_TRUE(net.b.closed.empty());  // the application asked for it
}

TEST(TcpClose, Rfc9293AbortSendsResetAndPeerSeesReset) {
  Net net;
  auto [ha, hb] = net.establish();
  net.a.layer.abort(ha);
  EXPECT_EQ(net.a.layer.state(ha), TcpState::kClosed);
  net.run_for(Duration::millis(50));
  ASSERT_EQ(net.b.closed.size(), 1u);
  EXPECT_EQ(net.b.closed[0].second, CloseReason::kReset);
  EXPECT_EQ(net.b.layer.counters().resets_received, 1u);
}

TEST(TcpClose, CloseFromInsideOnReadableIsSafe) {
  Net net;
  auto [ha, hb] = net.establish();
  // a's handler closes from on_readable when it sees the FIN, as a client does after the last
  // response.
  net.a.on_read = [&](SocketHandle h) {
    if (net.a.layer.recv_eof(h)) net.a.layer.close(h);
  };
  BufChain d;
  d.append_copy("bye");
  net.b.layer.send(hb, d);
  net.b.layer.close(hb);
  const size_t before = net.log_a.size();
  net.run_for(Duration::millis(7));  // b's data and FIN are in, nothing back at b yet
  // a's answer is one segment: its FIN with the ACK of b's FIN, no pure ACK before it.
  ASSERT_EQ(net.log_a.size(), before + 1);
  const Captured& seg = net.log_a.back();
  EXPECT_TRUE(seg.hdr.fin());
  EXPECT_TRUE(seg.hdr.ack_set());
  const Captured& fin = net.log_b.back();
  ASSERT_TRUE(fin.hdr.fin());
  EXPECT_EQ(seg.hdr.ack, fin.hdr.seq + uint32_t(fin.payload.size()) + 1);
  net.run_for(Duration::millis(100));
  EXPECT_EQ(net.a.received.to_string(), "bye");
  EXPECT_EQ(net.a.layer.state(ha), TcpState::kClosed);
  EXPECT_EQ(net.b.layer.state(hb), TcpState::kTimeWait);
  net.a.layer.release(ha);
  EXPECT_FALSE(net.a.layer.valid(ha));
}

TEST(TcpClose, AnswerAndCloseFromAHandlerLeaveAsOneSegment) {
  Net net;
  auto [ha, hb] = net.establish();
  // b answers a request and closes, as HTTP/1.1 does with "Connection: close".
  net.b.on_read = [&](SocketHandle h) {
    BufChain resp;
    resp.append_copy("HTTP/1.1 200 OK\r\n\r\n");
    net.b.layer.send(h, resp);
    net.b.layer.close(h);
  };
  BufChain req;
  req.append_copy("GET / HTTP/1.1\r\n\r\n");
  net.a.layer.send(ha, req);
  const size_t before = net.log_b.size();
  net.run_for(Duration::millis(7));  // the request is in (5 ms one way), nothing back yet
  // The answer carries the FIN of the close and the ACK of the request: one segment, no pure ACK.
  ASSERT_EQ(net.log_b.size(), before + 1);
  const Captured& seg = net.log_b.back();
  EXPECT_EQ(seg.payload.to_string(), "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_TRUE(seg.hdr.fin());
  EXPECT_TRUE(seg.hdr.ack_set());
  net.run_for(Duration::millis(100));
  EXPECT_EQ(net.a.received.to_string(), "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_TRUE(net.a.layer.recv_eof(ha));
}

TEST(TcpClose, ClientRequestRidesOnTheHandshakeAck) {
  Net net;
  auto l = net.b.layer.listen(0, 80, 16);
  ASSERT_TRUE(l.has_value());
  // a sends its request from the connected handler, as an HTTP client does.
  net.a.on_connect = [&](SocketHandle h) {
    net.a.layer.set_nodelay(h, true);  // as clients do before their first write
    BufChain req;
    req.append_copy("GET / HTTP/1.1\r\n\r\n");
    net.a.layer.send(h, req);
  };
  auto ha = net.a.layer.connect(net.now, kIpA, kIpB, 80);
  ASSERT_TRUE(ha.has_value());
  net.run_for(Duration::millis(12));  // SYN out, SYN-ACK back (10 ms), a's answer leaves at once
  // SYN, then the third segment of the handshake carrying the request: no pure ACK between.
  ASSERT_EQ(net.log_a.size(), 2u);
  EXPECT_TRUE(net.log_a[0].hdr.syn());
  const Captured& seg = net.log_a[1];
  EXPECT_FALSE(seg.hdr.syn());
  EXPECT_TRUE(seg.hdr.ack_set());
  EXPECT_EQ(seg.payload.to_string(), "GET / HTTP/1.1\r\n\r\n");
  net.run_for(Duration::millis(50));
  EXPECT_EQ(net.b.received.to_string(), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(net.a.layer.state(*ha), TcpState::kEstablished);
}

TEST(TcpClose, SendOutsideHandlersLeavesAtOnce) {
  Net net;
  auto [ha, hb] = net.establish();
  const size_t before = net.log_a.size();
  BufChain d;
  d.append_copy("now");
  net.a.layer.send(ha, d);
  net.collect();
  ASSERT_EQ(net.log_a.size(), before + 1);
  EXPECT_EQ(net.log_a.back().payload.to_string(), "now");
  EXPECT_FALSE(net.log_a.back().hdr.fin());
}

}  // namespace
}  // namespace sluice::stack::tcp::testing
