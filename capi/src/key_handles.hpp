// The C handles behind cairn_crypto_private_key and cairn_crypto_public_key, shared by the C ABI's
// files (crypto.cpp makes them, auth.cpp turns them into JWT keys).
#pragma once

#include "cairn.h"
#include "cairn/crypto/sign.hpp"

struct cairn_crypto_private_key {
  cairn::crypto::PrivateKey key;
};

struct cairn_crypto_public_key {
  cairn::crypto::PublicKey key;
};
