// Thin, stateless wrappers over the Linux socket calls the kernel transport makes. Errors come back
// as errno values or messages; nothing here logs or throws.
#pragma once
#include <sys/socket.h>

#include <string>

#include "transport/address.h"
#include "transport/transport.h"

namespace sluice::transport::kernel {

socklen_t to_sockaddr(const Address& a, sockaddr_storage* out);
// Family kIpv4 with a zero address when `sa` is neither AF_INET nor AF_INET6.
Address from_sockaddr(const sockaddr_storage& sa);
Address local_address_of(int fd);
Address peer_address_of(int fd);

// A non-blocking listening socket with SO_REUSEADDR and SO_REUSEPORT; -1 and `err` on failure.
int open_listen_socket(const Address& addr, int backlog, std::string* err);
// A non-blocking socket with connect() started. On success returns the fd and sets `connect_err`
// to 0 (connected at once), EINPROGRESS, or the errno connect() failed with (the fd stays open so
// the failure is reported like a late one). -1 and `err` when no socket could be made.
int open_connect_socket(const Address& remote, int* connect_err, std::string* err);

// The pending error of a socket (SO_ERROR), cleared by reading it.
int take_socket_error(int fd);
CloseReason reason_for_errno(int err);
// SO_LINGER {1, 0}: the next close() sends RST.
void set_linger_zero(int fd);
void set_nodelay(int fd, bool on);
std::string errno_message(const char* what, int err);

}  // namespace sluice::transport::kernel
