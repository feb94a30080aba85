// Tests of crypto/hmac.hpp: RFC 4231 cases, Wycheproof HMAC-SHA-256/512, incremental use, verify().
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "nexus/crypto/hmac.hpp"
#include "support/diff.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::crypto::hmac;
using nexus::crypto::sha256;
using nexus::crypto::sha512;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;

template <class Hash>
bytes mac_of(std::span<const std::uint8_t> key, std::span<const std::uint8_t> msg) {
    std::array<std::uint8_t, Hash::digest_size> out{};
    hmac<Hash>::compute(key, msg, out);
    return bytes(out.begin(), out.end());
}

template <class Hash>
void check_rfc_case(const bytes& key, const bytes& data, const std::string& expected_hex) {
    const bytes expected = from_hex(expected_hex);
    const bool truncated = expected.size() < Hash::digest_size;

    // One-shot free functions: compare the prefix for the truncated case 5.
    bytes full;
    if constexpr (Hash::digest_size == 32) {
        std::array<std::uint8_t, 32> out{};
        nexus::crypto::hmac_sha256(key, data, out);
        CHECK(nexus::crypto::hmac_sha256(key, data) == out);
        full.assign(out.begin(), out.end());
        CHECK(nexus::crypto::hmac_sha256_verify(key, data, expected));
    } else {
        std::array<std::uint8_t, 64> out{};
        nexus::crypto::hmac_sha512(key, data, out);
        CHECK(nexus::crypto::hmac_sha512(key, data) == out);
        full.assign(out.begin(), out.end());
        CHECK(nexus::crypto::hmac_sha512_verify(key, data, expected));
    }
    CHECK(to_hex(bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(expected.size()))) ==
          expected_hex);
    if (!truncated) CHECK(full == expected);

    // Incremental, split at every offset of the message.
    for (std::size_t i = 0; i <= data.size(); ++i) {
        hmac<Hash> h(key);
        h.update(std::span<const std::uint8_t>(data).first(i));
        h.update(std::span<const std::uint8_t>(data).subspan(i));
        std::array<std::uint8_t, Hash::digest_size> out{};
        h.finish(out);
        CHECK_MESSAGE(bytes(out.begin(), out.end()) == full, "split at ", i);
    }
}

struct wycheproof_counts {
    std::size_t valid = 0, invalid = 0, acceptable = 0;
};

// Wycheproof MacTest: tagSize (bits) per group is the length the tag was truncated to.
template <class Hash>
wycheproof_counts run_wycheproof_hmac(const nlohmann::json& doc) {
    wycheproof_counts n;
    for (const auto& group : doc["testGroups"]) {
        const std::size_t tag_bytes = group["tagSize"].get<std::size_t>() / 8;
        for (const auto& t : group["tests"]) {
            const bytes key = from_hex(t["key"].get<std::string>());
            const bytes msg = from_hex(t["msg"].get<std::string>());
            const bytes tag = from_hex(t["tag"].get<std::string>());
            const auto result = t["result"].get<std::string>();
            INFO("tcId ", t["tcId"].get<int>(), " tagSize ", tag_bytes * 8, " ",
                 t["comment"].get<std::string>());

            hmac<Hash> h(key);
            h.update(msg);
            const bool accepted = h.verify(tag);
            const bytes mac = mac_of<Hash>(key, msg);
            const bool prefix_matches =
                tag.size() <= mac.size() &&
                bytes(mac.begin(), mac.begin() + static_cast<std::ptrdiff_t>(tag.size())) == tag;

            if (result == "valid") {
                ++n.valid;
                CHECK(tag.size() == tag_bytes);
                CHECK(prefix_matches);
                CHECK(accepted);
            } else if (result == "invalid") {
                ++n.invalid;
                CHECK_FALSE(accepted);
            } else {
                // "acceptable": none in these files today. Should one appear, we require only that
                // verify() agrees with a plain comparison of the tag against our own MAC.
                ++n.acceptable;
                CHECK(accepted == (prefix_matches && tag.size() >= hmac<Hash>::min_tag_size));
            }
        }
    }
    return n;
}

}  // namespace

TEST_CASE("hmac: RFC 4231 test cases 1-7") {
    const auto doc = nexus::test::load_vectors("hmac.json");
    std::size_t n = 0;
    for (const auto& c : doc["cases"]) {
        INFO(c["comment"].get<std::string>());
        const bytes key = from_hex(c["key"].get<std::string>());
        const bytes data = from_hex(c["data"].get<std::string>());
        check_rfc_case<sha256>(key, data, c["hmac_sha256"].get<std::string>());
        check_rfc_case<sha512>(key, data, c["hmac_sha512"].get<std::string>());
        ++n;
    }
    CHECK(n == 7);
}

TEST_CASE("hmac: Wycheproof hmac_sha256_test.json") {
    const auto doc = nexus::test::load_shared_vectors("wycheproof/hmac_sha256_test.json");
    if (!doc) {
        MESSAGE("skipped: wycheproof/hmac_sha256_test.json not found under NEXUS_SHARED_VECTORS_DIR");
        return;
    }
    const auto n = run_wycheproof_hmac<sha256>(*doc);
    MESSAGE("HMAC-SHA-256 Wycheproof: ", n.valid, " valid, ", n.invalid, " invalid, ", n.acceptable,
            " acceptable");
    CHECK(n.valid + n.invalid + n.acceptable == (*doc)["numberOfTests"].get<std::size_t>());
}

TEST_CASE("hmac: Wycheproof hmac_sha512_test.json") {
    const auto doc = nexus::test::load_shared_vectors("wycheproof/hmac_sha512_test.json");
    if (!doc) {
        MESSAGE("skipped: wycheproof/hmac_sha512_test.json not found under NEXUS_SHARED_VECTORS_DIR");
        return;
    }
    const auto n = run_wycheproof_hmac<sha512>(*doc);
    MESSAGE("HMAC-SHA-512 Wycheproof: ", n.valid, " valid, ", n.invalid, " invalid, ", n.acceptable,
            " acceptable");
    CHECK(n.valid + n.invalid + n.acceptable == (*doc)["numberOfTests"].get<std::size_t>());
}

TEST_CASE("hmac: verify() rejects bad lengths and any flipped bit") {
    const bytes key = from_hex("000102030405060708090a0b0c0d0e0f");
    const bytes msg = from_hex("48656c6c6f");
    const bytes mac = mac_of<sha256>(key, msg);
    for (std::size_t len = 0; len <= 40; ++len) {
        bytes tag(mac.begin(), mac.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(len, 32)));
        tag.resize(len, 0);
        const bool expect = len >= 16 && len <= 32;
        CHECK_MESSAGE(nexus::crypto::hmac_sha256_verify(key, msg, tag) == expect, "length ", len);
    }
    for (std::size_t bit = 0; bit < 8 * mac.size(); ++bit) {
        bytes tag = mac;
        tag[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
        CHECK_FALSE(nexus::crypto::hmac_sha256_verify(key, msg, tag));
    }
    const bytes mac512 = mac_of<sha512>(key, msg);
    CHECK(nexus::crypto::hmac_sha512_verify(key, msg, mac512));
    CHECK(nexus::crypto::hmac_sha512_verify(key, msg, std::span<const std::uint8_t>(mac512).first(16)));
    CHECK_FALSE(nexus::crypto::hmac_sha512_verify(key, msg, std::span<const std::uint8_t>(mac512).first(15)));
}

TEST_CASE("hmac: the object is reusable under the same key") {
    const bytes key(100, 0x42);
    const bytes a = from_hex("616263"), b = from_hex("646566");
    hmac<sha512> h(key);
    std::array<std::uint8_t, 64> t1{}, t2{}, t3{};
    h.update(a);
    h.finish(t1);
    h.update(b);
    h.reset();
    h.update(a);
    h.finish(t2);
    CHECK(t1 == t2);
    CHECK(bytes(t1.begin(), t1.end()) == mac_of<sha512>(key, a));
    h.update(b);
    h.finish(t3);
    CHECK(bytes(t3.begin(), t3.end()) == mac_of<sha512>(key, b));
    hmac<sha512> copy = h;
    copy.update(a);
    CHECK(copy.verify(t1));
}

TEST_CASE("hmac: one-shot and incremental agree for random keys, lengths and split points") {
    nexus::test::rng rng(0x4d4143);
    for (int iter = 0; iter < 300; ++iter) {
        bytes key(rng.below(300));
        bytes msg(rng.below(700));
        rng.fill(key);
        rng.fill(msg);
        hmac<sha256> h256(key);
        hmac<sha512> h512(key);
        std::size_t pos = 0;
        while (pos < msg.size()) {
            const std::size_t n = std::min<std::size_t>(rng.below(200), msg.size() - pos);
            h256.update(std::span<const std::uint8_t>(msg).subspan(pos, n));
            h512.update(std::span<const std::uint8_t>(msg).subspan(pos, n));
            pos += n;
        }
        std::array<std::uint8_t, 32> o256{};
        std::array<std::uint8_t, 64> o512{};
        h256.finish(o256);
        h512.finish(o512);
        CHECK(bytes(o256.begin(), o256.end()) == mac_of<sha256>(key, msg));
        CHECK(bytes(o512.begin(), o512.end()) == mac_of<sha512>(key, msg));
    }
}
