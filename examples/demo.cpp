// nexus demo: two nodes wired back to back over the in-memory loopback interface, driven by a
// manual clock — the sans-I/O loop every port runs. It grows with the library: today it shows
// identities (Ed25519), the X25519 key agreement derived from them, the spec's session key
// (BLAKE2b over shared secret and both public keys), ChaCha20-Poly1305 frames with a 64-bit
// counter nonce, signatures, and rejection of tampered and replayed frames.
#include <nexus/nexus.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

namespace {

using namespace nexus;
namespace nc = nexus::crypto;

struct identity {
    std::array<std::uint8_t, 32> public_key{};
    std::array<std::uint8_t, 64> secret_key{};
    std::array<std::uint8_t, 32> x_public{};
    std::array<std::uint8_t, 32> x_secret{};
};

template <random_source R>
identity make_identity(R& rng) {
    identity id;
    std::array<std::uint8_t, 32> seed{};
    rng.fill(seed);
    nc::ed25519_keypair(id.public_key, id.secret_key, seed);
    nc::ed25519_secret_to_x25519(id.x_secret, id.secret_key);
    if (!nc::ed25519_public_to_x25519(id.x_public, id.public_key)) id.x_public.fill(0);
    nc::secure_wipe_object(seed);
    return id;
}

// session_key = BLAKE2b-256(shared || initiator_pub || responder_pub)  (spec: link-layer encryption)
bool session_key(std::array<std::uint8_t, 32>& key, const identity& me,
                 std::span<const std::uint8_t, 32> peer_x, const identity& initiator,
                 const identity& responder) {
    std::array<std::uint8_t, 32> shared{};
    if (!nc::x25519(shared, me.x_secret, peer_x)) return false;
    std::array<std::uint8_t, 96> transcript{};
    std::copy(shared.begin(), shared.end(), transcript.begin());
    std::copy(initiator.x_public.begin(), initiator.x_public.end(), transcript.begin() + 32);
    std::copy(responder.x_public.begin(), responder.x_public.end(), transcript.begin() + 64);
    const bool ok = nc::blake2b_hash(key, transcript);
    nc::secure_wipe_object(shared);
    nc::secure_wipe_object(transcript);
    return ok;
}

// 96-bit nonce = 64-bit packet counter, little-endian, zero-padded (spec: link-layer encryption).
std::array<std::uint8_t, 12> counter_nonce(std::uint64_t counter) {
    std::array<std::uint8_t, 12> n{};
    store64_le(n.data(), counter);
    return n;
}

void print_hex(const char* label, std::span<const std::uint8_t> b, std::size_t max = 16) {
    std::array<char, 2 * 64> hex{};
    const auto shown = b.first(std::min(b.size(), std::min<std::size_t>(max, 64)));
    auto n = hex_encode(shown, hex);
    std::printf("%s%.*s%s\n", label, static_cast<int>(n.value_or(0)), hex.data(),
                shown.size() < b.size() ? "..." : "");
}

}  // namespace

int main() {
    std::printf("nexus %.*s demo\n", static_cast<int>(version_string.size()), version_string.data());

    manual_clock clock;
    seeded_random rng(2026);  // deterministic for a reproducible demo; real nodes use a CSPRNG
    loopback_interface<256, 8> alice_if(9'600), bob_if(9'600);
    loopback_interface<256, 8>::connect(alice_if, bob_if);

    const identity alice = make_identity(rng);
    const identity bob = make_identity(rng);
    print_hex("alice ed25519 public: ", alice.public_key, 32);
    print_hex("bob   ed25519 public: ", bob.public_key, 32);

    // Both sides derive the same session key without sending a secret.
    std::array<std::uint8_t, 32> key_a{}, key_b{};
    if (!session_key(key_a, alice, bob.x_public, alice, bob) ||
        !session_key(key_b, bob, alice.x_public, alice, bob) || key_a != key_b)
        return 1;
    print_hex("session key (both sides agree): ", key_a);

    // Alice seals three frames: header (u64 counter, LE) is the associated data.
    constexpr std::string_view messages[] = {"hello bob", "no server here", "just the mesh"};
    std::uint64_t counter = 0;
    for (std::string_view m : messages) {
        std::array<std::uint8_t, 256> frame{};
        store64_le(frame.data(), counter);
        const auto plain = std::span(reinterpret_cast<const std::uint8_t*>(m.data()), m.size());
        const auto nonce = counter_nonce(counter);
        if (nc::chacha20_poly1305::seal(key_a, nonce, plain, std::span(frame).first(8),
                                        std::span(frame).subspan(8, m.size() + 16)) != nc::aead_status::ok)
            return 1;
        if (!alice_if.send(std::span(frame).first(8 + m.size() + 16))) return 1;
        ++counter;
        clock.advance(duration::milliseconds(
            static_cast<std::int64_t>((24 + m.size()) * 8 * 1000 / alice_if.bitrate_bps())));
    }
    // An attacker replays frame 0 and flips a bit in a copy of frame 1.
    std::array<std::uint8_t, 256> replay{};
    {
        std::array<std::uint8_t, 256> f0{};
        store64_le(f0.data(), 0);
        const auto nonce = counter_nonce(0);
        const auto plain =
            std::span(reinterpret_cast<const std::uint8_t*>(messages[0].data()), messages[0].size());
        (void)nc::chacha20_poly1305::seal(key_a, nonce, plain, std::span(f0).first(8),
                                          std::span(f0).subspan(8, plain.size() + 16));
        replay = f0;
        (void)alice_if.send(std::span(replay).first(8 + plain.size() + 16));
        f0[0] = 1;  // claims counter 1
        f0[12] ^= 0x04;
        (void)alice_if.send(std::span(f0).first(8 + plain.size() + 16));
    }

    // Bob's event loop: decrypt in place, accept only counters above the last one seen.
    std::array<std::uint8_t, 256> rx{};
    std::uint64_t next_expected = 0;
    while (bob_if.pending() > 0) {
        auto n = bob_if.receive(rx);
        if (!n || *n < 24) return 1;
        byte_reader r{std::span(rx).first(*n)};
        const std::uint64_t ctr = *r.u64_le();
        const auto body = r.take_rest();
        std::array<std::uint8_t, 256> plain{};
        const auto st = nc::chacha20_poly1305::open(key_b, counter_nonce(ctr), body, std::span(rx).first(8),
                                                    std::span(plain).first(body.size() - 16));
        if (st != nc::aead_status::ok) {
            std::printf("bob rejects frame #%llu: authentication failed\n",
                        static_cast<unsigned long long>(ctr));
            continue;
        }
        if (ctr < next_expected) {
            std::printf("bob rejects frame #%llu: replayed\n", static_cast<unsigned long long>(ctr));
            continue;
        }
        next_expected = ctr + 1;
        std::printf("bob <- #%llu \"%.*s\" (%zu bytes on air)\n", static_cast<unsigned long long>(ctr),
                    static_cast<int>(body.size() - 16), reinterpret_cast<const char*>(plain.data()), *n);
        print_hex("        ciphertext on air: ", body);
    }

    // Signed statement (as an announce will be): Bob checks Alice's signature.
    constexpr std::string_view claim = "alice is reachable via this link";
    const auto claim_bytes = std::span(reinterpret_cast<const std::uint8_t*>(claim.data()), claim.size());
    std::array<std::uint8_t, 64> sig{};
    nc::ed25519_sign(sig, alice.secret_key, claim_bytes);
    const bool good = nc::ed25519_verify(sig, alice.public_key, claim_bytes);
    sig[5] ^= 1;
    const bool forged = nc::ed25519_verify(sig, alice.public_key, claim_bytes);
    std::printf("signature by alice: %s; altered signature: %s\n", good ? "valid" : "INVALID",
                forged ? "ACCEPTED" : "rejected");

    // A truncated frame is an error value, not a crash.
    byte_reader shortr{std::span(rx).first(3)};
    std::printf("reading a truncated frame -> %.*s\n",
                static_cast<int>(to_string(shortr.u64_le().error()).size()),
                to_string(shortr.u64_le().error()).data());
    std::printf("virtual time elapsed: %llu ms\n", static_cast<unsigned long long>(clock.now().ms()));
    return good && !forged ? 0 : 1;
}
