// RFC 5077 4 (the recommended ticket construction: key_name, IV, AES-CBC state, HMAC-SHA256), as
// OpenSSL builds it around the keys this callback supplies.
#include "tls/ticket_keys.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

namespace sluice::tls {
namespace {

bool random_key(TicketKey& k, std::string* err) {
  if (RAND_bytes(k.name.data(), int(k.name.size())) != 1 || RAND_bytes(k.hmac.data(), int(k.hmac.size())) != 1 ||
      RAND_bytes(k.aes.data(), int(k.aes.size())) != 1) {
    *err = "RAND_bytes failed: no ticket key";
    return false;
  }
  k.key_len = 32;
  return true;
}

const EVP_CIPHER* cipher_for(const TicketKey& k) { return k.key_len == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc(); }

bool init_mac(EVP_MAC_CTX* mac, const TicketKey& k) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<uint8_t*>(k.hmac.data()), k.key_len),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  return EVP_MAC_CTX_set_params(mac, params) == 1;
}

}  // namespace

std::shared_ptr<const TicketKeyRing> TicketKeyRing::generate(std::string* err) {
  auto ring = std::make_shared<TicketKeyRing>();
  ring->keys_.resize(1);
  if (!random_key(ring->keys_[0], err)) return nullptr;
  return ring;
}

std::shared_ptr<const TicketKeyRing> TicketKeyRing::rotate(const TicketKeyRing& older, std::string* err) {
  auto ring = std::make_shared<TicketKeyRing>();
  ring->keys_.resize(1);
  if (!random_key(ring->keys_[0], err)) return nullptr;
  for (const TicketKey& k : older.keys_) {
    if (ring->keys_.size() == kMaxKeys) break;
    ring->keys_.push_back(k);
  }
  return ring;
}

std::shared_ptr<const TicketKeyRing> TicketKeyRing::from_bytes(const uint8_t* b, size_t len, std::string* err) {
  TicketKey k;
  if (len == 80) {  // nginx: name, HMAC key, AES key
    std::memcpy(k.name.data(), b, 16);
    std::memcpy(k.hmac.data(), b + 16, 32);
    std::memcpy(k.aes.data(), b + 48, 32);
    k.key_len = 32;
  } else if (len == 48) {  // nginx: name, AES key, HMAC key
    std::memcpy(k.name.data(), b, 16);
    std::memcpy(k.aes.data(), b + 16, 16);
    std::memcpy(k.hmac.data(), b + 32, 16);
    k.key_len = 16;
  } else {
    *err = "a ticket key has 80 or 48 bytes, not " + std::to_string(len);
    return nullptr;
  }
  auto ring = std::make_shared<TicketKeyRing>();
  ring->keys_.push_back(k);
  return ring;
}

std::shared_ptr<const TicketKeyRing> TicketKeyRing::load_file(const std::string& path, std::string* err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = path + ": " + std::strerror(errno);
    return nullptr;
  }
  uint8_t buf[81];
  ssize_t n;
  do n = ::read(fd, buf, sizeof buf); while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n < 0) {
    *err = path + ": " + std::strerror(errno);
    return nullptr;
  }
  auto ring = from_bytes(buf, size_t(n), err);
  OPENSSL_cleanse(buf, sizeof buf);
  if (!ring) *err = path + ": " + *err;
  return ring;
}

const TicketKey* TicketKeyRing::find(const uint8_t name[16], size_t* index) const {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (std::memcmp(keys_[i].name.data(), name, 16) == 0) {
      *index = i;
      return &keys_[i];
    }
  }
  return nullptr;
}

int TicketKeyRing::ticket_callback(uint8_t key_name[16], uint8_t* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                                   bool encrypt) const {
  if (keys_.empty()) return 0;  // no ticket: a full handshake, or session IDs
  if (encrypt) {
    const TicketKey& k = keys_[0];
    const EVP_CIPHER* c = cipher_for(k);
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(c)) != 1) return -1;
    if (EVP_EncryptInit_ex(cipher, c, nullptr, k.aes.data(), iv) != 1 || !init_mac(mac, k)) return -1;
    std::memcpy(key_name, k.name.data(), 16);
    return 1;
  }
  size_t index = 0;
  const TicketKey* k = find(key_name, &index);
  if (!k) return 0;  // RFC 5077 3.3: an unknown ticket means a full handshake
  if (!init_mac(mac, *k) || EVP_DecryptInit_ex(cipher, cipher_for(*k), nullptr, k->aes.data(), iv) != 1) return -1;
  return index == 0 ? 1 : 2;  // an older key: renew the ticket under the current one
}

void TicketKeyRotator::set_period(Duration period, Instant now) {
  if (period == period_) return;
  period_ = period;
  next_ = std::min(next_, now + period);
}

std::shared_ptr<const TicketKeyRing> TicketKeyRotator::rotate_if_due(Instant now, std::string* err) {
  if (now < next_) return nullptr;
  next_ = now + period_;
  auto ring = TicketKeyRing::rotate(*current_, err);
  if (ring) current_ = ring;
  return ring;
}

}  // namespace sluice::tls
