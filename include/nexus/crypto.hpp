// Everything in nexus/crypto: hashes, MACs, KDFs, AEADs, X25519, Ed25519 and helpers.
#pragma once

#include "nexus/crypto/aead.hpp"
#include "nexus/crypto/argon2.hpp"
#include "nexus/crypto/blake2b.hpp"
#include "nexus/crypto/blake3.hpp"
#include "nexus/crypto/chacha20.hpp"
#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/ecvrf.hpp"
#include "nexus/crypto/ed25519.hpp"
#include "nexus/crypto/hkdf.hpp"
#include "nexus/crypto/hmac.hpp"
#include "nexus/crypto/poly1305.hpp"
#include "nexus/crypto/sha2.hpp"
#include "nexus/crypto/x25519.hpp"
