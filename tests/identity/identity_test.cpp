// Tests of identity/{hash_profile,identity,sealed_key}.hpp against the Reticulum reference
// implementation's vectors (Reticulum profile) and test-vectors/identity.json, computed by
// tools/make_identity_vectors.py with hashlib and the `cryptography` package (NEXUS profile).
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nexus/core/reference_policies.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/identity/sealed_key.hpp"
#include "support/alloc_counter.hpp"
#include "support/vectors.hpp"

namespace {

using nexus::error;
using nexus::nexus_profile;
using nexus::reticulum_profile;
using nexus::test::bytes;
using nexus::test::from_hex;
using nexus::test::to_hex;

std::span<const std::uint8_t, 32> span32(const bytes& b) {
    REQUIRE(b.size() == 32);
    return std::span<const std::uint8_t, 32>(b.data(), 32);
}

// "a.b.c" -> app "a", aspects {"b", "c"} checked through the piecewise overload.
template <class P>
nexus::name_hash piecewise(const std::string& full) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const auto dot = full.find('.', start);
        parts.push_back(full.substr(start, dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    REQUIRE((parts.size() == 2 || parts.size() == 3));
    auto r = parts.size() == 2 ? nexus::make_name_hash<P>(parts[0], {parts[1]})
                               : nexus::make_name_hash<P>(parts[0], {parts[1], parts[2]});
    REQUIRE(r);
    return *r;
}

}  // namespace

TEST_CASE("identity: Reticulum private keys give the reference implementation's hashes") {
    const auto doc = nexus::test::load_shared_vectors("reticulum/announces.json");
    if (!doc) {
        MESSAGE("skipped: ../shared/vectors/reticulum/announces.json is absent");
        return;
    }
    std::size_t n = 0;
    for (const auto* group : {"announces", "ratchet_announces"}) {
        for (const auto& c : (*doc)[group]) {
            const bytes priv = from_hex(c["private_key"].get<std::string>());
            auto id = nexus::identity<reticulum_profile>::from_private_key(priv);
            REQUIRE(id);
            CHECK(to_hex(id->public_key()) == c["public_key"].get<std::string>());
            if (c.contains("identity_hash"))
                CHECK(to_hex(id->hash()) == c["identity_hash"].get<std::string>());
            if (c.contains("full_name")) {
                const auto full = c["full_name"].get<std::string>();
                const auto nh = nexus::make_name_hash<reticulum_profile>(full);
                CHECK(to_hex(nh) == c["name_hash"].get<std::string>());
                CHECK(piecewise<reticulum_profile>(full) == nh);
                CHECK(to_hex(id->destination_hash(nh)) == c["destination_hash"].get<std::string>());
            }
            // The private key exports back unchanged.
            std::array<std::uint8_t, 64> out{};
            id->export_private_key(out);
            CHECK(to_hex(out) == c["private_key"].get<std::string>());
            ++n;
        }
    }
    CHECK(n >= 3);
}

TEST_CASE("identity: NEXUS profile identities match the independent Python computation") {
    const auto doc = nexus::test::load_vectors("identity.json");
    for (const auto& c : doc["cases"]) {
        const bytes seed = from_hex(c["seed"].get<std::string>());
        const auto id = nexus::node_identity::from_ed25519_seed(span32(seed));
        CHECK(to_hex(id.public_key()) == c["public_key"].get<std::string>());
        CHECK(to_hex(id.hash()) == c["identity_hash"].get<std::string>());
        std::array<std::uint8_t, 64> priv{};
        id.export_private_key(priv);
        CHECK(to_hex(std::span(priv).first<32>()) == c["x25519_secret"].get<std::string>());
        CHECK(to_hex(std::span(priv).last<32>()) == c["seed"].get<std::string>());

        const auto& a = c["announce"];
        const auto full = a["full_name"].get<std::string>();
        const auto nh = nexus::make_name_hash<nexus_profile>(full);
        CHECK(to_hex(nh) == a["name_hash"].get<std::string>());
        CHECK(piecewise<nexus_profile>(full) == nh);
        CHECK(to_hex(id.destination_hash(nh)) == a["destination_hash"].get<std::string>());

        // Reloading the exported key as a two-half private key gives the same identity.
        auto again = nexus::node_identity::from_private_key(priv);
        REQUIRE(again);
        CHECK(again->public_key() == id.public_key());
    }
}

TEST_CASE("identity: profiles differ, plain destinations, names") {
    const std::array<std::uint8_t, 32> seed{7};
    const auto a = nexus::identity<nexus_profile>::from_ed25519_seed(seed);
    const auto b = nexus::identity<reticulum_profile>::from_ed25519_seed(seed);
    CHECK(a.public_key() == b.public_key());  // same keys...
    CHECK(a.hash() != b.hash());              // ...different addresses

    // Plain destination = truncated hash of the name hash alone (Reticulum profile: SHA-256).
    const auto nh = nexus::make_name_hash<reticulum_profile>("app.plain");
    const auto digest = nexus::crypto::sha256_hash(nh);
    CHECK(to_hex(nexus::make_plain_destination_hash<reticulum_profile>(nh)) ==
          to_hex(std::span(digest).first<16>()));

    // Components must be non-empty and dot-free.
    CHECK(nexus::make_name_hash<nexus_profile>("app", {"a.b"}).error() == error::invalid_argument);
    CHECK(nexus::make_name_hash<nexus_profile>("", {"x"}).error() == error::invalid_argument);
    CHECK(nexus::make_name_hash<nexus_profile>("app", {""}).error() == error::invalid_argument);
    CHECK(nexus::make_name_hash<nexus_profile>("app", {}).value() == nexus::make_name_hash<nexus_profile>("app"));
}

TEST_CASE("identity: generation, signing, key agreement, bad keys") {
    nexus::seeded_random rng(42);
    const auto alice = nexus::node_identity::generate(rng);
    const auto bob = nexus::node_identity::generate(rng);
    CHECK(alice.public_key() != bob.public_key());

    const std::string msg = "announce me";
    const std::span<const std::uint8_t> m(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size());
    auto sig = alice.sign(m);
    CHECK(alice.public_id().verify(m, sig));
    CHECK_FALSE(bob.public_id().verify(m, sig));
    sig[10] ^= 1;
    CHECK_FALSE(alice.public_id().verify(m, sig));
    CHECK_FALSE(alice.public_id().verify(m, std::span(sig).first(63)));

    // Both directions of the long-term X25519 agreement meet.
    std::array<std::uint8_t, 32> s1{}, s2{};
    REQUIRE(alice.agree(s1, bob.public_id().x25519_public()));
    REQUIRE(bob.agree(s2, alice.public_id().x25519_public()));
    CHECK(s1 == s2);
    const std::array<std::uint8_t, 32> zero_point{};
    CHECK(alice.agree(s1, zero_point).error() == error::weak_key);

    // Public keys: wrong length, an Ed25519 half that is not a point / has small order.
    CHECK(nexus::public_identity<nexus_profile>::from_public_key(std::span(alice.public_key()).first(63)).error() ==
          error::invalid_length);
    auto bad = alice.public_key();
    for (std::size_t i = 32; i < 64; ++i) bad[i] = 0;
    bad[32] = 1;  // the identity point (small order)
    CHECK(nexus::public_identity<nexus_profile>::from_public_key(bad).error() == error::bad_encoding);
    bad[32] = 2;  // y = 2 is not on the curve
    CHECK(nexus::public_identity<nexus_profile>::from_public_key(bad).error() == error::bad_encoding);
    CHECK(nexus::node_identity::from_private_key(bytes(65)).error() == error::invalid_length);

    // Signing and verification do not allocate.
    {
        nexus::signature_bytes s{};
        NEXUS_CHECK_NO_ALLOC(alice.sign(s, m));
        bool good = false;
        NEXUS_CHECK_NO_ALLOC(good = alice.public_id().verify(m, s));
        CHECK(good);
    }
}

TEST_CASE("identity: moves carry the key and wipe the source") {
    nexus::seeded_random rng(7);
    auto a = nexus::node_identity::generate(rng);
    const auto pk = a.public_key();
    nexus::node_identity b = std::move(a);
    CHECK(b.public_key() == pk);
    std::array<std::uint8_t, 64> priv{};
    a.export_private_key(priv);  // NOLINT(bugprone-use-after-move): checking the wipe
    CHECK(priv == std::array<std::uint8_t, 64>{});
}

TEST_CASE("sealed key: round trip through storage, wrong passphrase, tampering, limits") {
    nexus::seeded_random rng(99);
    const auto id = nexus::node_identity::generate(rng);
    const nexus::crypto::argon2_params kdf{1, 64, 1};
    std::vector<nexus::crypto::argon2_block> work(nexus::sealed_key_work_blocks(kdf));
    const std::string pass = "correct horse";
    const std::span<const std::uint8_t> pw(reinterpret_cast<const std::uint8_t*>(pass.data()), pass.size());

    nexus::memory_storage<4, 16, 256> store;
    REQUIRE(nexus::save_identity(store, "id", id, pw, rng, work, kdf));
    auto loaded = nexus::load_identity<nexus_profile>(store, "id", pw, work);
    REQUIRE(loaded);
    CHECK(loaded->public_key() == id.public_key());
    CHECK(nexus::load_identity<nexus_profile>(store, "other", pw, work).error() == error::not_found);

    std::array<std::uint8_t, nexus::sealed_key_size> blob{};
    REQUIRE(store.load("id", blob));
    // The private key does not appear in the sealed file.
    std::array<std::uint8_t, 64> priv{};
    id.export_private_key(priv);
    CHECK(std::search(blob.begin(), blob.end(), priv.begin() + 32, priv.end()) == blob.end());
    CHECK(std::search(blob.begin(), blob.end(), priv.begin(), priv.begin() + 32) == blob.end());

    const std::string wrong = "correct horsf";
    const std::span<const std::uint8_t> wpw(reinterpret_cast<const std::uint8_t*>(wrong.data()), wrong.size());
    CHECK(nexus::open_identity<nexus_profile>(blob, wpw, work).error() == error::auth_failed);
    // Every single-bit change of the file is rejected (header bytes by the tag via AD, or by
    // format checks).
    for (std::size_t i = 0; i < blob.size(); ++i) {
        auto t = blob;
        t[i] ^= 0x01;
        auto r = nexus::open_identity<nexus_profile>(t, pw, work);
        CAPTURE(i);
        CHECK_FALSE(r);
    }
    // The wrong profile, short work memory, wrong sizes, absurd memory demands.
    CHECK(nexus::open_identity<reticulum_profile>(blob, pw, work).error() == error::invalid_argument);
    CHECK(nexus::open_identity<nexus_profile>(blob, pw, std::span(work).first(work.size() - 1)).error() ==
          error::buffer_too_small);
    CHECK(nexus::open_identity<nexus_profile>(std::span(blob).first(125), pw, work).error() ==
          error::invalid_length);
    auto huge = blob;
    huge[13] = 0xff;  // memory_kib high byte: 4 TiB
    CHECK(nexus::sealed_key_params(huge).error() == error::invalid_argument);
    auto passes = blob;
    passes[7] = 1;  // 257 passes: more than a sealed key may demand
    CHECK(nexus::sealed_key_params(passes).error() == error::invalid_argument);
    std::array<std::uint8_t, nexus::sealed_key_size> refused{};
    CHECK(nexus::seal_identity(std::span<std::uint8_t, nexus::sealed_key_size>(refused), id, pw, rng, work,
                               nexus::crypto::argon2_params{17, 64, 1})
              .error() == error::invalid_argument);
    auto version = blob;
    version[4] = 2;
    CHECK(nexus::sealed_key_params(version).error() == error::unsupported);
    auto params = nexus::sealed_key_params(blob);
    REQUIRE(params);
    CHECK(params->passes == 1);
    CHECK(params->memory_kib == 64);
    CHECK(params->lanes == 1);

    // A Reticulum-profile identity round-trips too, and does not open as NEXUS.
    auto rid = nexus::identity<reticulum_profile>::from_private_key(priv);
    REQUIRE(rid);
    std::array<std::uint8_t, nexus::sealed_key_size> rblob{};
    REQUIRE(nexus::seal_identity(std::span<std::uint8_t, nexus::sealed_key_size>(rblob), *rid, pw, rng, work, kdf));
    auto ropen = nexus::open_identity<reticulum_profile>(rblob, pw, work);
    REQUIRE(ropen);
    CHECK(ropen->hash() == rid->hash());
    CHECK(nexus::open_identity<nexus_profile>(rblob, pw, work).error() == error::invalid_argument);
}
