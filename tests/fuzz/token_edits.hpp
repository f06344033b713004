// The edit script the token fuzz targets (action_token, jwt) mutate a known-good token with: up to
// `max_edits` edits of 4 bytes each (operation, position as 2 bytes big-endian, value); the
// operation modulo 4 replaces, inserts or deletes one character, or flips one bit of it, at the
// position modulo the token's length (an insert may also append).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::fuzz {

inline std::string edit_token(std::string token, std::string_view edits, std::size_t max_edits) {
  for (std::size_t i = 0; i + 4 <= edits.size() && i / 4 < max_edits; i += 4) {
    auto op = static_cast<uint8_t>(edits[i]);
    std::size_t position = (static_cast<std::size_t>(static_cast<uint8_t>(edits[i + 1])) << 8) |
                           static_cast<uint8_t>(edits[i + 2]);
    char value = edits[i + 3];
    switch (op % 4) {
      case 0:  // replace
        if (!token.empty()) token[position % token.size()] = value;
        break;
      case 1:  // insert
        token.insert(token.begin() + static_cast<std::ptrdiff_t>(position % (token.size() + 1)),
                     value);
        break;
      case 2:  // delete
        if (!token.empty()) token.erase(position % token.size(), 1);
        break;
      default:  // flip one bit
        if (!token.empty()) {
          token[position % token.size()] = static_cast<char>(
              static_cast<uint8_t>(token[position % token.size()]) ^ (1U << (value & 7)));
        }
        break;
    }
  }
  return token;
}

}  // namespace cairn::fuzz
