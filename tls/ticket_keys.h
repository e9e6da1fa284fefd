// Session ticket keys (RFC 5077 4, RFC 8446 4.6.1): what lets a client resume on any worker.
//
// A TicketKeyRing is immutable: key [0] encrypts new tickets, every key decrypts (a ticket under an
// older key is accepted and renewed). The engine makes one ring when it starts (random keys) and a
// new one every `ticket_key_rotation` (TicketKeyRotator), and hands each ring to every worker
// through its mailbox; workers only read it. A server with `ticket_key_file` uses the file's key
// instead (nginx's format: 80 bytes = name 16, HMAC-SHA256 key 32, AES-256-CBC key 32; or 48 bytes
// with AES-128), which also keeps tickets valid across restarts and machines.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "core/time.h"

namespace sluice::tls {

struct TicketKey {
  std::array<uint8_t, 16> name{};
  std::array<uint8_t, 32> hmac{};
  std::array<uint8_t, 32> aes{};
  size_t key_len = 32;  // 32: AES-256 and a 32-byte HMAC key; 16: AES-128 (48-byte files)
};

class TicketKeyRing {
 public:
  // A ring of one fresh random key. nullptr and `err` if the RNG fails.
  static std::shared_ptr<const TicketKeyRing> generate(std::string* err);
  // A fresh key in front of `older`'s keys, keeping at most kMaxKeys (so a ticket outlives at least
  // kMaxKeys - 1 rotations). nullptr and `err` if the RNG fails.
  static std::shared_ptr<const TicketKeyRing> rotate(const TicketKeyRing& older, std::string* err);
  // One key from an nginx-format file (80 or 48 bytes). nullptr and `err` on failure.
  static std::shared_ptr<const TicketKeyRing> load_file(const std::string& path, std::string* err);
  // One key from raw bytes in the file format (tests).
  static std::shared_ptr<const TicketKeyRing> from_bytes(const uint8_t* bytes, size_t len, std::string* err);

  static constexpr size_t kMaxKeys = 3;
  const std::vector<TicketKey>& keys() const { return keys_; }
  // The key named `name`, and its position (0: the current one); nullptr when unknown.
  const TicketKey* find(const uint8_t name[16], size_t* index) const;

  // The body of OpenSSL's ticket key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb) for this
  // ring: 1 (done), 2 (decrypted with an old key: issue a new ticket), 0 (unknown key, or no key
  // to encrypt with: no resumption by ticket), -1 (error).
  int ticket_callback(uint8_t key_name[16], uint8_t* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                      bool encrypt) const;

 private:
  std::vector<TicketKey> keys_;
};

// Engine side: when to make the next ring. Time comes from the caller.
class TicketKeyRotator {
 public:
  TicketKeyRotator(std::shared_ptr<const TicketKeyRing> first, Duration period, Instant now)
      : current_(std::move(first)), period_(period), next_(now + period) {}
  const std::shared_ptr<const TicketKeyRing>& current() const { return current_; }
  void set_period(Duration period, Instant now);
  // A new ring when one is due (nullptr otherwise, or when the RNG failed: `err` then says why and
  // the old ring stays in use until the next attempt).
  std::shared_ptr<const TicketKeyRing> rotate_if_due(Instant now, std::string* err);

 private:
  std::shared_ptr<const TicketKeyRing> current_;
  Duration period_;
  Instant next_;
};

// Worker side: the ring in force for generated keys, swapped when the engine sends a new one.
struct TicketKeyHolder {
  std::shared_ptr<const TicketKeyRing> current;
};

}  // namespace sluice::tls
