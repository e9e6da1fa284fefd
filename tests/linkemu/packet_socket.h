// An AF_PACKET raw socket bound to one interface: every Ethernet frame the interface receives,
// in promiscuous mode, not the frames this process (or the host) sends out on it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sluice::linkemu {

enum class RecvStatus { frame, skipped, empty, error };

struct RecvResult {
  RecvStatus status;
  size_t len = 0;  // the frame's full length (may exceed the buffer: truncated)
};

class PacketSocket {
 public:
  // Opens, binds and sets promiscuous mode; on failure returns nothing and sets `err`.
  static std::optional<PacketSocket> open(const std::string& ifname, std::string& err);

  PacketSocket(PacketSocket&& o) noexcept : fd_(o.fd_), mtu_(o.mtu_) { o.fd_ = -1; }
  PacketSocket& operator=(PacketSocket&&) = delete;
  PacketSocket(const PacketSocket&) = delete;
  ~PacketSocket();

  int fd() const { return fd_; }
  // The largest Ethernet frame the interface sends: MTU + 14-byte header + one VLAN tag.
  size_t max_frame() const { return static_cast<size_t>(mtu_) + 18; }
  // Non-blocking receive of one frame into `buf`.
  RecvResult recv(std::span<uint8_t> buf);
  // Non-blocking send of one frame; false if the kernel refused it.
  bool send(std::span<const uint8_t> frame);

 private:
  explicit PacketSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
  int mtu_ = 1500;
};

}  // namespace sluice::linkemu
