#include "cairn/crypto/random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "cairn/crypto/secure.hpp"

namespace cairn::crypto {

void random_bytes(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    size_t n = std::min<size_t>(out.size() - done, INT_MAX);
    if (RAND_bytes(out.data() + done, static_cast<int>(n)) != 1) {
      std::fputs("cairn: the CSPRNG failed; refusing to continue without randomness\n", stderr);
      std::abort();
    }
    done += n;
  }
}

Bytes random_bytes(size_t n) {
  Bytes out(n);
  random_bytes(out);
  return out;
}

bool constant_time_equal(ByteView a, ByteView b) noexcept {
  // Lengths are not secret (a MAC or token has a fixed, public length).
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void secure_wipe(std::span<uint8_t> bytes) noexcept {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

}  // namespace cairn::crypto
