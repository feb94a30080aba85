// Differential tests: SHA-256/512, HMAC and HKDF against OpenSSL; BLAKE2b and Argon2 against
// libsodium. Random inputs from a fixed seed, with lengths biased toward 0 and block boundaries.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "nexus/crypto/argon2.hpp"
#include "nexus/crypto/blake2b.hpp"
#include "nexus/crypto/hkdf.hpp"
#include "nexus/crypto/hmac.hpp"
#include "nexus/crypto/sha2.hpp"
#include "support/diff.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;
using nexus::test::rng;

// A length in [0, max]: often 0 or within one byte of a multiple of `block`, otherwise uniform.
std::size_t pick_length(rng& r, std::size_t max, std::size_t block) {
    switch (r.below(8)) {
        case 0:
            return 0;
        case 1:
        case 2: {
            const std::size_t around = block * (1 + r.below(4));
            const std::size_t len = around - 1 + r.below(3);
            return std::min(len, max);
        }
        default:
            return r.below(max + 1);
    }
}

bytes random_bytes(rng& r, std::size_t n) {
    bytes b(n);
    r.fill(b);
    return b;
}

// OpenSSL wants a non-null pointer even for zero-length buffers in places.
const unsigned char* ptr(const bytes& b) {
    static const unsigned char empty = 0;
    return b.empty() ? &empty : b.data();
}

// Feeds `m` to `h` in up to four pieces cut at random points.
template <class Hasher>
void update_in_pieces(rng& r, Hasher& h, std::span<const std::uint8_t> m) {
    std::size_t pos = 0;
    for (int piece = 0; piece < 3 && pos < m.size(); ++piece) {
        const std::size_t n = r.below(m.size() - pos + 1);
        h.update(m.subspan(pos, n));
        pos += n;
    }
    h.update(m.subspan(pos));
}

template <class Hash>
void sha_case(rng& r, const EVP_MD* md) {
    const bytes m = random_bytes(r, pick_length(r, 2100, Hash::block_size));
    std::array<std::uint8_t, Hash::digest_size> ours{}, incremental{}, theirs{};
    unsigned int len = 0;
    REQUIRE(EVP_Digest(ptr(m), m.size(), theirs.data(), &len, md, nullptr) == 1);
    REQUIRE(len == Hash::digest_size);
    Hash h;
    h.update(m);
    h.finish(ours);
    update_in_pieces(r, h, m);
    h.finish(incremental);
    INFO("length ", m.size());
    CHECK(ours == theirs);
    CHECK(incremental == theirs);
}

template <class Hash>
void hmac_case(rng& r, const EVP_MD* md) {
    const bytes key = random_bytes(r, pick_length(r, 3 * Hash::block_size, Hash::block_size));
    const bytes m = random_bytes(r, pick_length(r, 1500, Hash::block_size));
    std::array<std::uint8_t, Hash::digest_size> ours{}, incremental{}, theirs{};
    unsigned int len = 0;
    REQUIRE(HMAC(md, ptr(key), static_cast<int>(key.size()), ptr(m), m.size(), theirs.data(), &len) !=
            nullptr);
    REQUIRE(len == Hash::digest_size);
    nexus::crypto::hmac<Hash>::compute(key, m, ours);
    nexus::crypto::hmac<Hash> h(key);
    update_in_pieces(r, h, m);
    h.finish(incremental);
    INFO("key ", key.size(), " msg ", m.size());
    CHECK(ours == theirs);
    CHECK(incremental == theirs);
    h.update(m);
    CHECK(h.verify(std::span<const std::uint8_t>(theirs).first(16 + r.below(Hash::digest_size - 15))));
}

// OpenSSL's HKDF through EVP_PKEY. Returns false when OpenSSL refuses the request.
bool openssl_hkdf(const EVP_MD* md, const bytes& ikm, const bytes& salt, const bytes& info, bytes& out) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
    if (ctx == nullptr) return false;
    std::size_t len = out.size();
    const bool ok =
        EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_CTX_set_hkdf_md(ctx, md) > 0 &&
        (salt.empty() || EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt.data(), static_cast<int>(salt.size())) > 0) &&
        EVP_PKEY_CTX_set1_hkdf_key(ctx, ptr(ikm), static_cast<int>(ikm.size())) > 0 &&
        (info.empty() || EVP_PKEY_CTX_add1_hkdf_info(ctx, info.data(), static_cast<int>(info.size())) > 0) &&
        EVP_PKEY_derive(ctx, out.data(), &len) > 0 && len == out.size();
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

template <class Hash>
void hkdf_case(rng& r, const EVP_MD* md, std::size_t& refused_by_openssl) {
    constexpr std::size_t max_out = nexus::crypto::hkdf_max_output<Hash>;
    const bytes ikm = random_bytes(r, pick_length(r, 200, Hash::digest_size));
    const bytes salt = random_bytes(r, pick_length(r, 200, Hash::block_size));
    const bytes info = random_bytes(r, pick_length(r, 300, Hash::block_size));
    std::size_t length;
    switch (r.below(50)) {
        case 0:
            length = max_out;
            break;
        case 1:
            length = max_out + 1 + r.below(100);
            break;  // must be refused
        case 2:
            length = r.below(max_out + 1);
            break;
        default:
            length = 1 + pick_length(r, 400, Hash::digest_size);
            break;
    }
    bytes ours(length, 0xa5);
    const bool ok = nexus::crypto::hkdf<Hash>(ikm, salt, info, ours);
    INFO("ikm ", ikm.size(), " salt ", salt.size(), " info ", info.size(), " L ", length);
    if (length > max_out) {
        CHECK_FALSE(ok);
        CHECK(std::all_of(ours.begin(), ours.end(), [](std::uint8_t b) { return b == 0xa5; }));
        bytes theirs(length);
        CHECK_FALSE(openssl_hkdf(md, ikm, salt, info, theirs));
        return;
    }
    REQUIRE(ok);
    bytes theirs(length);
    if (!openssl_hkdf(md, ikm, salt, info, theirs)) {
        ++refused_by_openssl;  // a zero-length output, which EVP_PKEY_derive refuses
        return;
    }
    CHECK(ours == theirs);
}

}  // namespace

TEST_CASE("diff: SHA-256 and SHA-512 vs OpenSSL EVP") {
    const std::size_t n = nexus::test::diff_iterations();
    rng r(0x5348413235360001);
    for (std::size_t i = 0; i < n; ++i) {
        sha_case<nexus::crypto::sha256>(r, EVP_sha256());
        sha_case<nexus::crypto::sha512>(r, EVP_sha512());
    }
    MESSAGE("SHA-2: ", n, " cases per hash");
}

TEST_CASE("diff: HMAC-SHA-256 and HMAC-SHA-512 vs OpenSSL HMAC()") {
    const std::size_t n = nexus::test::diff_iterations();
    rng r(0x484d414300000002);
    for (std::size_t i = 0; i < n; ++i) {
        hmac_case<nexus::crypto::sha256>(r, EVP_sha256());
        hmac_case<nexus::crypto::sha512>(r, EVP_sha512());
    }
    MESSAGE("HMAC: ", n, " cases per hash");
}

TEST_CASE("diff: HKDF-SHA-256 and HKDF-SHA-512 vs OpenSSL EVP_PKEY_HKDF") {
    const std::size_t n = nexus::test::diff_iterations();
    rng r(0x484b444600000003);
    std::size_t refused = 0;
    for (std::size_t i = 0; i < n; ++i) {
        hkdf_case<nexus::crypto::sha256>(r, EVP_sha256(), refused);
        hkdf_case<nexus::crypto::sha512>(r, EVP_sha512(), refused);
    }
    MESSAGE("HKDF: ", n, " cases per hash; ", refused, " not comparable (refused by OpenSSL)");
    CHECK(refused * 10 < n);  // the bulk must really be compared
}

TEST_CASE("diff: BLAKE2b (every output and key length) vs libsodium crypto_generichash") {
    REQUIRE(sodium_init() >= 0);
    const std::size_t n = nexus::test::diff_iterations();
    rng r(0x424c414b45320004);
    for (std::size_t i = 0; i < n; ++i) {
        // Sweep output and key lengths deterministically so every pair is hit, then randomise.
        const std::size_t outlen = i < 64 * 65 ? 1 + i % 64 : 1 + r.below(64);
        const std::size_t keylen = i < 64 * 65 ? i / 64 : (r.below(3) == 0 ? 0 : 1 + r.below(64));
        const bytes key = random_bytes(r, keylen);
        const bytes m = random_bytes(r, pick_length(r, 1500, 128));
        bytes theirs(outlen), ours(outlen), incremental(outlen);
        REQUIRE(crypto_generichash(theirs.data(), outlen, m.data(), m.size(),
                                   key.empty() ? nullptr : key.data(), key.size()) == 0);
        REQUIRE(nexus::crypto::blake2b_hash(ours, m, key));
        nexus::crypto::blake2b h(outlen, key);
        REQUIRE(h.valid());
        update_in_pieces(r, h, m);
        REQUIRE(h.finish(incremental));
        INFO("outlen ", outlen, " key ", keylen, " msg ", m.size());
        CHECK(ours == theirs);
        CHECK(incremental == theirs);
    }
    MESSAGE("BLAKE2b: ", n, " cases");
}

TEST_CASE("diff: Argon2id and Argon2i vs libsodium crypto_pwhash (p = 1, small memory)") {
    REQUIRE(sodium_init() >= 0);
    // Argon2 is slow by design: a fixed, small number of cases, not diff_iterations().
    constexpr std::size_t id_cases = 20, i_cases = 5;
    rng r(0x4152474f4e320005);
    std::vector<nexus::crypto::argon2_block> work;
    for (std::size_t c = 0; c < id_cases + i_cases; ++c) {
        const bool is_id = c < id_cases;
        nexus::crypto::argon2_params p;
        p.lanes = 1;  // libsodium's crypto_pwhash fixes p = 1
        p.passes = static_cast<std::uint32_t>(is_id ? 1 + r.below(3) : 3 + r.below(2));
        p.memory_kib = static_cast<std::uint32_t>(c == 0 ? 8 : c == 1 ? 1024 : 8 + r.below(250));
        const std::size_t tag_len = c == 2 ? 16 : c == 3 ? 1024 : 16 + r.below(100);
        const bytes password = random_bytes(r, c == 4 ? 0 : r.below(80));
        const bytes salt = random_bytes(r, crypto_pwhash_SALTBYTES);
        work.assign(nexus::crypto::argon2_memory_blocks(p), {});

        bytes ours(tag_len), theirs(tag_len);
        const auto type = is_id ? nexus::crypto::argon2_type::id : nexus::crypto::argon2_type::i;
        REQUIRE(nexus::crypto::argon2(type, ours, password, salt, p, work) ==
                nexus::crypto::argon2_status::ok);
        const char* pw = reinterpret_cast<const char*>(password.empty() ? ptr(password) : password.data());
        const std::size_t memlimit = static_cast<std::size_t>(p.memory_kib) * 1024;
        const int rc = is_id
                           ? crypto_pwhash_argon2id(theirs.data(), tag_len, pw, password.size(), salt.data(),
                                                    p.passes, memlimit, crypto_pwhash_argon2id_ALG_ARGON2ID13)
                           : crypto_pwhash_argon2i(theirs.data(), tag_len, pw, password.size(), salt.data(),
                                                   p.passes, memlimit, crypto_pwhash_argon2i_ALG_ARGON2I13);
        REQUIRE(rc == 0);
        INFO((is_id ? "argon2id" : "argon2i"), " t ", p.passes, " m ", p.memory_kib, " tag ", tag_len, " pw ",
             password.size());
        CHECK(ours == theirs);
    }
    MESSAGE("Argon2: ", id_cases, " Argon2id and ", i_cases, " Argon2i cases");
}
