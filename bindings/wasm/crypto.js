'use strict';
// The cryptography of the nexus WebAssembly module, over the C ABI of nexus_crypto.h: SHA-2,
// HMAC, HKDF, BLAKE2b, BLAKE3, Argon2id, (X)ChaCha20-Poly1305, X25519 and Ed25519. Uint8Array in,
// Uint8Array out; failures throw NexusError (e.g. code 'auth_failed', 'weak_key',
// 'invalid_length'); an argument of the wrong type throws TypeError. Every WASM buffer a call
// uses is zeroed before it is freed, so keys and plaintexts do not linger in the module's heap.

const EMPTY = new Uint8Array(0);
const INVALID_LENGTH = 4;
const AUTH_FAILED = 10;

// Receives the Emscripten module and the helpers of nexus.js; returns the functions to add to
// the loaded object.
module.exports = function cryptoApi(m, { NexusError, check, withHeap, read }) {
  const utf8 = new TextEncoder();

  function bytes(b, name, size) {
    if (!(b instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
    if (size !== undefined && b.length !== size) throw new NexusError(INVALID_LENGTH, `${name} must be ${size} bytes`);
    return b;
  }
  function count(n, name) {
    if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`${name} must be a non-negative integer`);
    if (n > 0xffffffff) throw new NexusError(INVALID_LENGTH, `${name} is too large`);
    return n;
  }

  // out = fn(in..., outPtr) for a fixed-size output.
  function fixedOut(fn, size, ...inputs) {
    return withHeap(inputs, [size], (p) => {
      check(fn(...p));
      return read(p[p.length - 1], size);
    });
  }
  function hash(fn, size) {
    return (data) => {
      bytes(data, 'data');
      return withHeap([data], [size], ([pin, pout]) => {
        check(fn(pin, data.length, pout));
        return read(pout, size);
      });
    };
  }
  function mac(fn, size) {
    return (key, data) => {
      bytes(key, 'key');
      bytes(data, 'data');
      return withHeap([key, data], [size], ([pk, pd, pout]) => {
        check(fn(pk, key.length, pd, data.length, pout));
        return read(pout, size);
      });
    };
  }
  function hkdf(fn) {
    return (ikm, length, salt = EMPTY, info = EMPTY) => {
      bytes(ikm, 'ikm');
      count(length, 'length');
      bytes(salt, 'salt');
      bytes(info, 'info');
      return withHeap([ikm, salt, info], [length], ([pi, ps, pn, pout]) => {
        check(fn(pi, ikm.length, ps, salt.length, pn, info.length, pout, length));
        return read(pout, length);
      });
    };
  }
  function aead(nonce) {
    bytes(nonce, 'nonce');
    if (nonce.length === 12) return { seal: m._nexus_chacha20poly1305_seal, open: m._nexus_chacha20poly1305_open };
    if (nonce.length === 24) return { seal: m._nexus_xchacha20poly1305_seal, open: m._nexus_xchacha20poly1305_open };
    throw new NexusError(INVALID_LENGTH, 'nonce must be 12 bytes (ChaCha20-Poly1305) or 24 bytes (XChaCha20-Poly1305)');
  }

  return {
    sha256: hash(m._nexus_sha256, 32),
    sha512: hash(m._nexus_sha512, 64),
    hmacSha256: mac(m._nexus_hmac_sha256, 32),
    hmacSha512: mac(m._nexus_hmac_sha512, 64),
    // hkdfSha256(ikm, length, salt?, info?): at most 8160 bytes (16320 for SHA-512).
    hkdfSha256: hkdf(m._nexus_hkdf_sha256),
    hkdfSha512: hkdf(m._nexus_hkdf_sha512),

    // BLAKE2b with a 1..64-byte digest, keyed when key (at most 64 bytes) is not empty.
    blake2b(data, { digestSize = 32, key = EMPTY } = {}) {
      bytes(data, 'data');
      bytes(key, 'key');
      count(digestSize, 'digestSize');
      return withHeap([data, key], [digestSize], ([pd, pk, pout]) => {
        check(m._nexus_blake2b(pd, data.length, pk, key.length, pout, digestSize));
        return read(pout, digestSize);
      });
    },
    // BLAKE3 of any output length (32 is standard); keyed hash with a 32-byte key.
    blake3(data, { length = 32, key } = {}) {
      bytes(data, 'data');
      count(length, 'length');
      if (key === undefined || key === null) {
        return withHeap([data], [length], ([pd, pout]) => {
          check(m._nexus_blake3(pd, data.length, pout, length));
          return read(pout, length);
        });
      }
      bytes(key, 'key', 32);
      return withHeap([key, data], [length], ([pk, pd, pout]) => {
        check(m._nexus_blake3_keyed(pk, pd, data.length, pout, length));
        return read(pout, length);
      });
    },
    // BLAKE3 key derivation; context is a string (UTF-8) or a Uint8Array, and should be
    // hard-coded, globally unique and application-specific.
    blake3DeriveKey(context, material, length = 32) {
      const ctx = typeof context === 'string' ? utf8.encode(context) : bytes(context, 'context');
      bytes(material, 'material');
      count(length, 'length');
      return withHeap([ctx, material], [length], ([pc, pm, pout]) => {
        check(m._nexus_blake3_derive_key(pc, ctx.length, pm, material.length, pout, length));
        return read(pout, length);
      });
    },

    // Argon2id (RFC 9106): a `length`-byte tag of password with salt (>= 8 bytes), tCost passes
    // over mCostKib KiB in `parallelism` lanes. The work memory is taken from the WASM heap.
    argon2id({ password, salt, tCost, mCostKib, parallelism = 1, length = 32, secret = EMPTY, ad = EMPTY } = {}) {
      bytes(password, 'password');
      bytes(salt, 'salt');
      bytes(secret, 'secret');
      bytes(ad, 'ad');
      count(tCost, 'tCost');
      count(mCostKib, 'mCostKib');
      count(parallelism, 'parallelism');
      count(length, 'length');
      const workLen = withHeap([], [4], ([plen]) => {
        check(m._nexus_argon2id_work_size(mCostKib, parallelism, plen));
        return m.HEAPU32[plen >>> 2];
      });
      return withHeap([password, salt, secret, ad], [length, workLen], ([ppw, ps, pk, px, pout, pwork]) => {
        check(m._nexus_argon2id(ppw, password.length, ps, salt.length, pk, secret.length, px, ad.length,
          tCost, mCostKib, parallelism, pwork, workLen, pout, length));
        return read(pout, length);
      });
    },

    // ciphertext || 16-byte tag under a 32-byte key; a 12-byte nonce selects ChaCha20-Poly1305
    // (RFC 8439), a 24-byte one XChaCha20-Poly1305 (random nonces are safe).
    aeadSeal(key, nonce, plaintext, ad = EMPTY) {
      const { seal } = aead(nonce);
      bytes(key, 'key', 32);
      bytes(plaintext, 'plaintext');
      bytes(ad, 'ad');
      const n = plaintext.length + 16;
      return withHeap([key, nonce, plaintext, ad], [n], ([pk, pn, pp, pa, pout]) => {
        check(seal(pk, pn, pp, plaintext.length, pa, ad.length, pout, n, 0));
        return read(pout, n);
      });
    },
    // The plaintext of aeadSeal's output; NexusError 'auth_failed' when the tag does not verify,
    // 'truncated' when the ciphertext is shorter than a tag.
    aeadOpen(key, nonce, ciphertext, ad = EMPTY) {
      const { open } = aead(nonce);
      bytes(key, 'key', 32);
      bytes(ciphertext, 'ciphertext');
      bytes(ad, 'ad');
      const n = Math.max(ciphertext.length - 16, 0);
      return withHeap([key, nonce, ciphertext, ad], [n], ([pk, pn, pc, pa, pout]) => {
        check(open(pk, pn, pc, ciphertext.length, pa, ad.length, pout, n, 0));
        return read(pout, n);
      });
    },

    x25519PublicKey: (secretKey) => fixedOut(m._nexus_x25519_public_key, 32, bytes(secretKey, 'secretKey', 32)),
    // The shared secret; NexusError 'weak_key' when it is all zeros (a small-order public key).
    x25519: (secretKey, publicKey) =>
      fixedOut(m._nexus_x25519, 32, bytes(secretKey, 'secretKey', 32), bytes(publicKey, 'publicKey', 32)),

    // { publicKey (32 bytes), secretKey (64 bytes: seed || publicKey) } of a 32-byte seed.
    ed25519Keypair(seed) {
      bytes(seed, 'seed', 32);
      return withHeap([seed], [32, 64], ([ps, ppub, psec]) => {
        check(m._nexus_ed25519_keypair(ps, ppub, psec));
        return { publicKey: read(ppub, 32), secretKey: read(psec, 64) };
      });
    },
    ed25519Sign(secretKey, message) {
      bytes(secretKey, 'secretKey', 64);
      bytes(message, 'message');
      return withHeap([secretKey, message], [64], ([pk, pm, psig]) => {
        check(m._nexus_ed25519_sign(pk, pm, message.length, psig));
        return read(psig, 64);
      });
    },
    // true or false; NexusError 'invalid_length' for a key other than 32 bytes or a signature
    // other than 64.
    ed25519Verify(publicKey, message, signature) {
      bytes(publicKey, 'publicKey', 32);
      bytes(message, 'message');
      bytes(signature, 'signature', 64);
      return withHeap([publicKey, message, signature], [], ([pk, pm, ps]) => {
        const status = m._nexus_ed25519_verify(pk, pm, message.length, ps);
        if (status === AUTH_FAILED) return false;
        check(status);
        return true;
      });
    },
    // ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381): 80-byte proof under a 64-byte Ed25519 secret key.
    vrfProve(secretKey, alpha) {
      bytes(secretKey, 'secretKey', 64);
      bytes(alpha, 'alpha');
      return withHeap([secretKey, alpha], [80], ([psk, pa, pp]) => {
        check(m._nexus_vrf_prove(psk, pa, alpha.length, pp));
        return read(pp, 80);
      });
    },
    // The 64-byte output for a valid proof, null otherwise.
    vrfVerify(publicKey, proof, alpha) {
      bytes(publicKey, 'publicKey', 32);
      bytes(proof, 'proof', 80);
      bytes(alpha, 'alpha');
      return withHeap([publicKey, proof, alpha], [64], ([ppk, pp, pa, pb]) => {
        const status = m._nexus_vrf_verify(ppk, pp, pa, alpha.length, pb);
        if (status === AUTH_FAILED) return null;
        check(status);
        return read(pb, 64);
      });
    },
    vrfProofToHash(proof) {
      bytes(proof, 'proof', 80);
      return withHeap([proof], [64], ([pp, pb]) => {
        check(m._nexus_vrf_proof_to_hash(pp, pb));
        return read(pb, 64);
      });
    },
    // NexusError 'bad_encoding' unless the key is a point of the prime-order subgroup.
    ed25519PublicToX25519: (publicKey) =>
      fixedOut(m._nexus_ed25519_public_to_x25519, 32, bytes(publicKey, 'publicKey', 32)),
    ed25519SecretToX25519: (secretKey) =>
      fixedOut(m._nexus_ed25519_secret_to_x25519, 32, bytes(secretKey, 'secretKey', 64)),
  };
};
