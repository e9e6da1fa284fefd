#include "transport/kernel/socket_ops.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::transport::kernel {

socklen_t to_sockaddr(const Address& a, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  if (a.family == Address::Family::kIpv6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(out);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a.port);
    std::memcpy(&s6->sin6_addr, a.ip.data(), 16);
    return sizeof *s6;
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(out);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(a.port);
  std::memcpy(&s4->sin_addr, a.ip.data(), 4);
  return sizeof *s4;
}

Address from_sockaddr(const sockaddr_storage& sa) {
  Address a;
  if (sa.ss_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&sa);
    a.family = Address::Family::kIpv6;
    std::memcpy(a.ip.data(), &s6->sin6_addr, 16);
    a.port = ntohs(s6->sin6_port);
  } else if (sa.ss_family == AF_INET) {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(&sa);
    std::memcpy(a.ip.data(), &s4->sin_addr, 4);
    a.port = ntohs(s4->sin_port);
  }
  return a;
}

Address local_address_of(int fd) {
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return Address{};
  return from_sockaddr(sa);
}

Address peer_address_of(int fd) {
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return Address{};
  return from_sockaddr(sa);
}

static int new_tcp_socket(const Address& a) {
  int domain = a.family == Address::Family::kIpv6 ? AF_INET6 : AF_INET;
  return ::socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

int open_listen_socket(const Address& addr, int backlog, std::string* err) {
  int fd = new_tcp_socket(addr);
  if (fd < 0) {
    if (err) *err = errno_message("socket", errno);
    return -1;
  }
  int one = 1;
  sockaddr_storage sa;
  socklen_t len = to_sockaddr(addr, &sa);
  const char* step = nullptr;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
    step = "setsockopt(SO_REUSEADDR)";
  } else if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    step = "setsockopt(SO_REUSEPORT)";
  } else if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0) {
    step = "bind";
  } else if (::listen(fd, backlog) != 0) {
    step = "listen";
  }
  if (step) {
    int e = errno;
    ::close(fd);
    if (err) *err = errno_message(step, e) + " (" + addr.to_string() + ")";
    return -1;
  }
  return fd;
}

int open_connect_socket(const Address& remote, int* connect_err, std::string* err) {
  int fd = new_tcp_socket(remote);
  if (fd < 0) {
    if (err) *err = errno_message("socket", errno);
    return -1;
  }
  sockaddr_storage sa;
  socklen_t len = to_sockaddr(remote, &sa);
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), len);
  } while (rc != 0 && errno == EINTR);
  *connect_err = rc == 0 ? 0 : errno;
  return fd;
}

int take_socket_error(int fd) {
  int e = 0;
  socklen_t len = sizeof e;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0) return errno;
  return e;
}

CloseReason reason_for_errno(int err) {
  switch (err) {
    case 0: return CloseReason::kClosed;
    case ECONNRESET:
    case EPIPE: return CloseReason::kReset;
    case ECONNREFUSED: return CloseReason::kRefused;
    case ETIMEDOUT: return CloseReason::kTimedOut;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN: return CloseReason::kUnreachable;
    default: return CloseReason::kError;
  }
}

void set_linger_zero(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

void set_nodelay(int fd, bool on) {
  int v = on ? 1 : 0;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
}

std::string errno_message(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

}  // namespace sluice::transport::kernel
