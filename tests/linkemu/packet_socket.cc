#include "tests/linkemu/packet_socket.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::linkemu {
namespace {

constexpr int kSocketBuffer = 8 << 20;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

int query_mtu(int fd, const std::string& ifname) {
  ifreq req{};
  std::strncpy(req.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  return ioctl(fd, SIOCGIFMTU, &req) == 0 ? req.ifr_mtu : 1500;
}

// Larger socket buffers absorb bursts; as root SO_*BUFFORCE passes the sysctl ceilings.
void grow_buffers(int fd) {
  int size = kSocketBuffer;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

}  // namespace

std::optional<PacketSocket> PacketSocket::open(const std::string& ifname, std::string& err) {
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) {
    err = errno_text(("interface " + ifname).c_str());
    return std::nullopt;
  }
  // Protocol 0 until bind(): the socket sees no frame from other interfaces meanwhile.
  const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = errno_text("socket(AF_PACKET)");
    return std::nullopt;
  }
  PacketSocket sock(fd);
  sock.mtu_ = query_mtu(fd, ifname);
  int one = 1;
  // Our own sends (and the host's) on this interface are not frames to relay.
  if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0) {
    err = errno_text("PACKET_IGNORE_OUTGOING");
    return std::nullopt;
  }
  grow_buffers(fd);
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    err = errno_text(("bind " + ifname).c_str());
    return std::nullopt;
  }
  packet_mreq mreq{};
  mreq.mr_ifindex = static_cast<int>(ifindex);
  mreq.mr_type = PACKET_MR_PROMISC;
  if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0) {
    err = errno_text("PACKET_MR_PROMISC");
    return std::nullopt;
  }
  return sock;
}

PacketSocket::~PacketSocket() {
  if (fd_ >= 0) close(fd_);
}

RecvResult PacketSocket::recv(std::span<uint8_t> buf) {
  sockaddr_ll from{};
  socklen_t from_len = sizeof from;
  // MSG_TRUNC: the return value is the frame's real length, so oversize frames are seen.
  const ssize_t n = recvfrom(fd_, buf.data(), buf.size(), MSG_TRUNC | MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&from), &from_len);
  if (n < 0) return {errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? RecvStatus::empty
                                                                              : RecvStatus::error};
  if (from.sll_pkttype == PACKET_OUTGOING) return {RecvStatus::skipped};  // belt and braces
  return {RecvStatus::frame, static_cast<size_t>(n)};
}

bool PacketSocket::send(std::span<const uint8_t> frame) {
  return ::send(fd_, frame.data(), frame.size(), MSG_DONTWAIT) == static_cast<ssize_t>(frame.size());
}

}  // namespace sluice::linkemu
