#include "tls/counters.h"

namespace sluice::tls {

std::string TlsCounters::to_string() const {
  return "handshakes=" + std::to_string(handshakes) + " resumed=" + std::to_string(resumed) +
         " tls1.2=" + std::to_string(tls1_2) + " tls1.3=" + std::to_string(tls1_3) +
         " handshake_failures=" + std::to_string(handshake_failures) +
         " handshake_timeouts=" + std::to_string(handshake_timeouts) + " handshake_eof=" + std::to_string(handshake_eof) +
         " record_errors=" + std::to_string(record_errors) + " close_notify=" + std::to_string(close_notify) +
         " eof_without_close_notify=" + std::to_string(eof_without_close_notify) +
         " sni_unknown=" + std::to_string(sni_unknown) + " alpn_refused=" + std::to_string(alpn_refused) +
         " ocsp_stapled=" + std::to_string(ocsp_stapled) + " drained=" + std::to_string(drained);
}

}  // namespace sluice::tls
