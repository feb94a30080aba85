"""nexus.crypto: the cryptography of nexus (header-only C++, ``include/nexus/crypto``).

Hashes and MACs (SHA-256/512, HMAC, BLAKE2b, BLAKE3), key derivation (HKDF, BLAKE3
derive_key, Argon2id), authenticated encryption (ChaCha20-Poly1305 with a 12-byte nonce,
XChaCha20-Poly1305 with a 24-byte one), X25519 and Ed25519. Functions take and return
``bytes``. Failures raise :mod:`nexus.errors` classes, all ``ValueError``: bad lengths
``InvalidLengthError``, bad parameters ``InvalidArgumentError``, a tag that does not verify
``AuthenticationError`` (the same class as ``nexus.errors.AuthFailedError``), a small-order X25519
peer ``WeakKeyError``, a key or proof that does not decode ``BadEncodingError``. A non-bytes
argument raises ``TypeError``.
"""

from ._nexus import crypto as _native
from .errors import AuthFailedError

AuthenticationError = AuthFailedError  # its name before nexus.errors; `except AuthenticationError` still works

sha256 = _native.sha256
sha512 = _native.sha512
hmac_sha256 = _native.hmac_sha256
hmac_sha512 = _native.hmac_sha512
hkdf_sha256 = _native.hkdf_sha256
hkdf_sha512 = _native.hkdf_sha512
blake2b = _native.blake2b
blake3 = _native.blake3
blake3_derive_key = _native.blake3_derive_key
argon2id = _native.argon2id
aead_seal = _native.aead_seal
aead_open = _native.aead_open
x25519_public_key = _native.x25519_public_key
x25519 = _native.x25519
ed25519_keypair = _native.ed25519_keypair
ed25519_sign = _native.ed25519_sign
ed25519_verify = _native.ed25519_verify
vrf_prove = _native.vrf_prove
vrf_verify = _native.vrf_verify
vrf_proof_to_hash = _native.vrf_proof_to_hash
ed25519_public_to_x25519 = _native.ed25519_public_to_x25519
ed25519_secret_to_x25519 = _native.ed25519_secret_to_x25519

__all__ = [
    "AuthenticationError",
    "sha256",
    "sha512",
    "hmac_sha256",
    "hmac_sha512",
    "hkdf_sha256",
    "hkdf_sha512",
    "blake2b",
    "blake3",
    "blake3_derive_key",
    "argon2id",
    "aead_seal",
    "aead_open",
    "x25519_public_key",
    "x25519",
    "ed25519_keypair",
    "ed25519_sign",
    "ed25519_verify",
    "vrf_prove",
    "vrf_verify",
    "vrf_proof_to_hash",
    "ed25519_public_to_x25519",
    "ed25519_secret_to_x25519",
]
