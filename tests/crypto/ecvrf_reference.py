#!/usr/bin/env python3
"""A slow, plain ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381 §5, suite_string 0x03) in Python 3 with
nothing but hashlib and integers: the second, independent implementation that
tests/crypto/ecvrf_test.cpp checks include/nexus/crypto/ecvrf.hpp against.

    ecvrf_reference.py --check-rfc  TEST_VECTORS_DIR   recompute every value of ecvrf.json
    ecvrf_reference.py --generate   TEST_VECTORS_DIR   (re)write ecvrf_random.json

The generated file is deterministic (inputs come from SHA-512 in counter mode over a fixed label),
so regenerating it must leave it byte for byte unchanged. Each function follows the RFC's
pseudocode step by step; points are in extended coordinates. Nothing here is constant time (it
never sees a real secret).
"""
import hashlib
import json
import os
import sys

# ---- edwards25519 (RFC 8032 §5.1) ----

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493  # q, the prime order of B
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
COFACTOR = 8
IDENTITY = (0, 1, 1, 0)


def inv(a):
    return pow(a, P - 2, P)


def point_add(p1, p2):
    # Extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z; the complete formula of
    # RFC 8032 §5.1.4 (a = -1).
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def point_neg(p1):
    x, y, z, t = p1
    return ((-x) % P, y, z, (-t) % P)


def scalar_mult(k, p1):
    # Plain double-and-add from the top bit; k may be any non-negative integer.
    r = IDENTITY
    for bit in reversed(range(k.bit_length())):
        r = point_add(r, r)
        if (k >> bit) & 1:
            r = point_add(r, p1)
    return r


def point_equal(p1, p2):
    x1, y1, z1, _ = p1
    x2, y2, z2, _ = p2
    return (x1 * z2 - x2 * z1) % P == 0 and (y1 * z2 - y2 * z1) % P == 0


def recover_x(y, sign):
    """x with x^2 = (y^2 - 1) / (d y^2 + 1) and x mod 2 = sign, or None (RFC 8032 §5.1.3)."""
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if (v * x * x - u) % P == 0:
        pass
    elif (v * x * x + u) % P == 0:
        x = x * SQRT_M1 % P
    else:
        return None
    if x == 0 and sign == 1:
        return None
    if x % 2 != sign:
        x = P - x
    return x


def string_to_point(s):
    """RFC 8032 §5.1.3 decoding; None for "INVALID" (y >= p, no square root, or -0)."""
    assert len(s) == 32
    n = int.from_bytes(s, "little")
    sign = n >> 255
    y = n & ((1 << 255) - 1)
    if y >= P:
        return None
    x = recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def point_to_string(p1):
    """RFC 8032 §5.1.2 encoding."""
    x, y, z, _ = p1
    zi = inv(z)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


BASE_Y = 4 * inv(5) % P
BASE = (recover_x(BASE_Y, 0), BASE_Y, 1, recover_x(BASE_Y, 0) * BASE_Y % P)

# ---- ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381 §5.5) ----

SUITE = b"\x03"
C_LEN = 16
PT_LEN = 32
Q_LEN = 32


def sha512(data):
    return hashlib.sha512(data).digest()


def secret_scalar(sk):
    """RFC 8032 §5.1.5 steps 1-3: the clamped low half of SHA-512(SK), as an integer."""
    h = bytearray(sha512(sk)[:32])
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    return int.from_bytes(h, "little")


def public_key(sk):
    return point_to_string(scalar_mult(secret_scalar(sk), BASE))


def encode_to_curve_tai(salt, alpha):
    """RFC 9381 §5.4.1.1: returns (H, ctr)."""
    for ctr in range(256):
        hash_string = sha512(SUITE + b"\x01" + salt + alpha + bytes([ctr]) + b"\x00")
        h = string_to_point(hash_string[:PT_LEN])
        if h is not None:
            return scalar_mult(COFACTOR, h), ctr
    raise ValueError("encode_to_curve failed")  # probability about 2^-256


def nonce_generation(sk, h_string):
    """RFC 9381 §5.4.2.2 (RFC 8032 §5.1.6 step 2): returns (k, k_string)."""
    truncated_hashed_sk = sha512(sk)[32:]
    k_string = sha512(truncated_hashed_sk + h_string)
    return int.from_bytes(k_string, "little") % L, k_string


def challenge_generation(*points):
    """RFC 9381 §5.4.3, over the five encoded points Y, H, Gamma, U, V."""
    data = SUITE + b"\x02" + b"".join(points) + b"\x00"
    return int.from_bytes(sha512(data)[:C_LEN], "little")


def decode_proof(pi):
    """RFC 9381 §5.4.4: (Gamma, c, s) or None."""
    if len(pi) != PT_LEN + C_LEN + Q_LEN:
        return None
    gamma = string_to_point(pi[:PT_LEN])
    if gamma is None:
        return None
    c = int.from_bytes(pi[PT_LEN:PT_LEN + C_LEN], "little")
    s = int.from_bytes(pi[PT_LEN + C_LEN:], "little")
    if s >= L:
        return None
    return gamma, c, s


def prove(sk, alpha, trace=None):
    """RFC 9381 §5.1, SK being the 32-byte Ed25519 seed."""
    x = secret_scalar(sk)
    y = scalar_mult(x, BASE)
    pk = point_to_string(y)
    h, ctr = encode_to_curve_tai(pk, alpha)
    h_string = point_to_string(h)
    gamma = scalar_mult(x, h)
    k, k_string = nonce_generation(sk, h_string)
    u = scalar_mult(k, BASE)
    v = scalar_mult(k, h)
    c = challenge_generation(pk, h_string, point_to_string(gamma), point_to_string(u),
                             point_to_string(v))
    s = (k + c * x) % L
    pi = point_to_string(gamma) + c.to_bytes(C_LEN, "little") + s.to_bytes(Q_LEN, "little")
    if trace is not None:
        trace.update(x=x.to_bytes(32, "little"), ctr=ctr, h=h_string, k=k_string,
                     u=point_to_string(u), v=point_to_string(v))
    return pi


def proof_to_hash(pi):
    """RFC 9381 §5.2: beta, or None when pi does not decode."""
    d = decode_proof(pi)
    if d is None:
        return None
    gamma = d[0]
    return sha512(SUITE + b"\x03" + point_to_string(scalar_mult(COFACTOR, gamma)) + b"\x00")


def validate_key(pk):
    """RFC 9381 §5.4.5: Y, or None when PK does not decode or has order dividing 8."""
    y = string_to_point(pk)
    if y is None or point_equal(scalar_mult(COFACTOR, y), IDENTITY):
        return None
    return y


def verify(pk, pi, alpha, check_key=True):
    """RFC 9381 §5.3 with validate_key = TRUE: beta, or None for INVALID. (check_key=False only
    to show, in generate(), what validate_key is there for.)"""
    y = validate_key(pk) if check_key else string_to_point(pk)
    if y is None:
        return None
    d = decode_proof(pi)
    if d is None:
        return None
    gamma, c, s = d
    h, _ = encode_to_curve_tai(pk, alpha)
    u = point_add(scalar_mult(s, BASE), point_neg(scalar_mult(c, y)))
    v = point_add(scalar_mult(s, h), point_neg(scalar_mult(c, gamma)))
    c2 = challenge_generation(point_to_string(y), point_to_string(h), point_to_string(gamma),
                              point_to_string(u), point_to_string(v))
    if c != c2:
        return None
    return proof_to_hash(pi)


# ---- vector files ----

class Stream:
    """Deterministic bytes: SHA-512(label || counter) blocks, so any Python gives the same file."""

    def __init__(self, label):
        self.label, self.counter, self.buf = label, 0, b""

    def take(self, n):
        while len(self.buf) < n:
            self.buf += sha512(self.label + self.counter.to_bytes(8, "little"))
            self.counter += 1
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def torsion_points():
    """The eight points of order dividing 8, found as [L]R for points R (sorted by encoding)."""
    found = {point_to_string(IDENTITY): IDENTITY}
    stream = Stream(b"nexus ecvrf torsion")
    while len(found) < 8:
        r = string_to_point(stream.take(32))
        if r is None:
            continue
        t = scalar_mult(L, r)
        found.setdefault(point_to_string(t), t)
    return [found[k] for k in sorted(found)]


def mixed_order_case(sk, alpha, torsion):
    """A proof that verifies under the mixed-order key Y + T (T of order 8), made by the holder of
    x. RFC 9381's validate_key only refuses keys of order dividing 8, so verify must accept it:
    U = sB - cY' = kB - cT, so the prover guesses c mod 8, sets U = kB - (guess)T and retries k
    until the challenge agrees."""
    x = secret_scalar(sk)
    y = point_add(scalar_mult(x, BASE), torsion)
    pk = point_to_string(y)
    h, _ = encode_to_curve_tai(pk, alpha)
    h_string = point_to_string(h)
    gamma = scalar_mult(x, h)
    stream = Stream(b"nexus ecvrf mixed nonce" + sk + alpha)
    while True:
        k = int.from_bytes(stream.take(64), "little") % L
        guess = stream.take(1)[0] % 8
        u = point_add(scalar_mult(k, BASE), point_neg(scalar_mult(guess, torsion)))
        v = scalar_mult(k, h)
        c = challenge_generation(pk, h_string, point_to_string(gamma), point_to_string(u),
                                 point_to_string(v))
        if c % 8 == guess:
            s = (k + c * x) % L
            pi = point_to_string(gamma) + c.to_bytes(C_LEN, "little") + s.to_bytes(Q_LEN, "little")
            return pk, pi


def generate(vectors_dir):
    stream = Stream(b"nexus ecvrf_random.json v1")
    cases = []
    # Alpha lengths cover the SHA-512 block edges of encode_to_curve's input (35 + alpha + 2
    # bytes): 128 - 37 = 91, 92, and two blocks at 219, 220.
    lengths = [0, 1, 2, 31, 32, 33, 63, 64, 90, 91, 92, 111, 112, 127, 128, 200, 219, 220, 255, 256,
               300, 1000]
    for i in range(64):
        sk = stream.take(32)
        n = lengths[i] if i < len(lengths) else stream.take(1)[0] % 160
        alpha = stream.take(n)
        trace = {}
        pi = prove(sk, alpha, trace)
        beta = verify(public_key(sk), pi, alpha)
        assert beta is not None and beta == proof_to_hash(pi)
        cases.append({"sk": sk.hex(), "pk": public_key(sk).hex(), "alpha": alpha.hex(),
                      "x": trace["x"].hex(), "ctr": trace["ctr"], "h": trace["h"].hex(),
                      "k": trace["k"].hex(), "u": trace["u"].hex(), "v": trace["v"].hex(),
                      "pi": pi.hex(), "beta": beta.hex()})
    # Verification-only cases where the verdict is the point: keys with a torsion component
    # (valid, per §5.4.5), small-order keys (invalid), proofs with s + L (invalid).
    torsion = torsion_points()
    verify_cases = []
    for i, t in enumerate(torsion):
        if point_equal(t, IDENTITY):
            continue
        sk = stream.take(32)
        alpha = stream.take(i + 3)
        pk, pi = mixed_order_case(sk, alpha, t)
        beta = verify(pk, pi, alpha)
        assert beta is not None
        verify_cases.append({"comment": "mixed-order public key (prime-order part + torsion)",
                             "pk": pk.hex(), "alpha": alpha.hex(), "pi": pi.hex(), "valid": True,
                             "beta": beta.hex()})
    for t in torsion:
        # A "proof" anyone can make under a small-order key Y when Gamma is small order too:
        # U = sB - cY and V = sH - c Gamma need c only mod 8, so guess it. validate_key is what
        # refuses it.
        pk = point_to_string(t)
        alpha = b"small-order key"
        h, _ = encode_to_curve_tai(pk, alpha)
        for attempt in range(1000):
            s = int.from_bytes(stream.take(64), "little") % L
            guess = stream.take(1)[0] % 8
            u = point_add(scalar_mult(s, BASE), point_neg(scalar_mult(guess, t)))
            v = scalar_mult(s, h)
            c = challenge_generation(pk, point_to_string(h), point_to_string(IDENTITY),
                                     point_to_string(u), point_to_string(v))
            if c % 8 == guess:
                break
        pi = point_to_string(IDENTITY) + c.to_bytes(C_LEN, "little") + s.to_bytes(Q_LEN, "little")
        assert verify(pk, pi, alpha, check_key=False) is not None
        assert verify(pk, pi, alpha) is None
        verify_cases.append({"comment": "small-order public key with a proof that passes the "
                                        "equations (refused by validate_key)",
                             "pk": pk.hex(), "alpha": alpha.hex(), "pi": pi.hex(), "valid": False})
    for c in cases[:4]:
        pi = bytes.fromhex(c["pi"])
        s = int.from_bytes(pi[48:], "little") + L
        bad = pi[:48] + s.to_bytes(32, "little")
        assert verify(bytes.fromhex(c["pk"]), bad, bytes.fromhex(c["alpha"])) is None
        verify_cases.append({"comment": "valid proof with s replaced by s + L (non-canonical)",
                             "pk": c["pk"], "alpha": c["alpha"], "pi": bad.hex(), "valid": False})
    doc = {
        "source": "tests/crypto/ecvrf_reference.py (pure-Python RFC 9381 §5, "
                  "ECVRF-EDWARDS25519-SHA512-TAI); regenerate with "
                  "'python3 tests/crypto/ecvrf_reference.py --generate test-vectors'",
        "notes": "sk is the 32-byte Ed25519 seed; x the clamped secret scalar (little-endian); "
                 "ctr the try-and-increment counter that succeeded; k the 64-byte SHA-512 output "
                 "k_string before reduction mod L (as RFC 9381 Appendix B prints it); h, u, v "
                 "encodings of H, U = kB, V = kH. verify_cases: valid says what verify (with "
                 "validate_key) must return, beta is given when valid.",
        "cases": cases,
        "verify_cases": verify_cases,
    }
    path = os.path.join(vectors_dir, "ecvrf_random.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote %d cases and %d verify cases to %s" % (len(cases), len(verify_cases), path))


def check_rfc(vectors_dir):
    with open(os.path.join(vectors_dir, "ecvrf.json"), encoding="utf-8") as f:
        doc = json.load(f)
    for c in doc["cases"]:
        sk, alpha = bytes.fromhex(c["sk"]), bytes.fromhex(c["alpha"])
        trace = {}
        pi = prove(sk, alpha, trace)
        got = {"pk": public_key(sk).hex(), "x": trace["x"].hex(), "ctr": trace["ctr"],
               "h": trace["h"].hex(), "k": trace["k"].hex(), "u": trace["u"].hex(),
               "v": trace["v"].hex(), "pi": pi.hex(), "beta": proof_to_hash(pi).hex()}
        for key, value in got.items():
            if c[key] != value:
                print("%s: %s differs:\n  file %s\n  here %s" % (c["name"], key, c[key], value))
                return 1
        if verify(bytes.fromhex(c["pk"]), pi, alpha) != bytes.fromhex(c["beta"]):
            print("%s: verify failed" % c["name"])
            return 1
    print("all %d RFC 9381 cases reproduced" % len(doc["cases"]))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--generate":
        generate(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--check-rfc":
        sys.exit(check_rfc(sys.argv[2]))
    else:
        print(__doc__)
        sys.exit(2)
