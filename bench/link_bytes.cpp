// Bytes on air of a nexus link setup (nexus/link/link.hpp), measured, not computed: two links run
// a real handshake in memory (request -> proof -> RTT, then identify, one data packet, a key
// rotation, a keepalive and a close) and every packet poll_transmit()/send() produces is counted.
// The Reticulum column is computed from the reference implementation's packet shapes
// (../shared/spec/reticulum-framing.md "Links"); docs/performance.md "Link setup: bytes on air"
// says where each of its figures comes from.
//
// Build: the `link_bytes` target of bench/CMakeLists.txt, or by hand:
//   g++-12 -std=c++20 -O2 -I include bench/link_bytes.cpp -o link_bytes
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>

#include "nexus/core/reference_policies.hpp"
#include "nexus/link/link.hpp"

namespace {

using P = nexus::nexus_profile;
using link_t = nexus::link<P, nexus::seeded_random>;
namespace wire = nexus::wire;

struct packet {
    std::array<std::uint8_t, wire::mtu> bytes{};
    std::size_t size = 0;
};

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "link_bytes: %s\n", what);
    std::exit(1);
}

// The one packet a poll_transmit emits now (dies if there is not exactly one).
packet poll_one(link_t& l, nexus::timestamp now) {
    packet p;
    auto n = l.poll_transmit(now, p.bytes);
    if (!n || *n == 0) die("expected a packet");
    p.size = *n;
    std::array<std::uint8_t, wire::mtu> extra{};
    auto m = l.poll_transmit(now, extra);
    if (!m || *m != 0) die("expected exactly one packet");
    return p;
}

nexus::link_event deliver(link_t& l, const packet& p, nexus::timestamp now) {
    static std::array<std::uint8_t, nexus::link_mdu> plain{};
    auto v = wire::decode_packet(std::span<const std::uint8_t>(p.bytes.data(), p.size));
    if (!v) die("undecodable packet");
    auto ev = l.receive(*v, now, plain);
    if (!ev) die("packet rejected");
    return *ev;
}

// Reticulum's token: IV (16) || AES-256-CBC(PKCS#7(plaintext)) || HMAC-SHA-256 (32).
constexpr std::size_t reticulum_token(std::size_t plaintext) { return 16 + (plaintext / 16 + 1) * 16 + 32; }

void row(const char* what, std::size_t nexus_bytes, std::size_t reticulum_bytes) {
    std::printf("%-34s nexus=%3zu reticulum=%3zu diff=%+d\n", what, nexus_bytes, reticulum_bytes,
                static_cast<int>(nexus_bytes) - static_cast<int>(reticulum_bytes));
}

}  // namespace

int main() {
    nexus::seeded_random id_rng(1), rng_a(2), rng_b(3);
    const auto server = nexus::node_identity::generate(id_rng);
    const auto client = nexus::node_identity::generate(id_rng);
    const auto name = nexus::make_name_hash<P>("nexus.bench.link");
    auto t = nexus::timestamp::from_ms(1'000);

    // Handshake.
    link_t a = link_t::initiate(server.public_id(), server.destination_hash(name), rng_a, t);
    const packet request = poll_one(a, t);
    auto req_view = wire::decode_packet(std::span<const std::uint8_t>(request.bytes.data(), request.size));
    if (!req_view) die("request undecodable");
    auto accepted = link_t::accept(server, *req_view, rng_b, t);
    if (!accepted) die("request refused");
    link_t b = std::move(*accepted);
    const packet proof = poll_one(b, t);
    t += nexus::duration::milliseconds(120);
    if (deliver(a, proof, t).kind != nexus::link_event_kind::established) die("initiator not established");
    const packet rtt = poll_one(a, t);
    if (deliver(b, rtt, t).kind != nexus::link_event_kind::established) die("responder not established");

    // Identify.
    if (!a.identify(client)) die("identify refused");
    const packet identify = poll_one(a, t);
    if (deliver(b, identify, t).kind != nexus::link_event_kind::identified) die("identify not accepted");

    // One data packet with a 1-byte payload: the per-packet overhead.
    packet data;
    const std::uint8_t one = 0x42;
    auto n = a.send(std::span<const std::uint8_t>(&one, 1), t, data.bytes);
    if (!n) die("send failed");
    data.size = *n;
    if (deliver(b, data, t).kind != nexus::link_event_kind::data) die("data not delivered");

    // Rotation: offer and answer.
    if (!a.rotate()) die("rotate refused");
    const packet offer = poll_one(a, t);
    (void)deliver(b, offer, t);
    const packet answer = poll_one(b, t);
    if (deliver(a, answer, t).kind != nexus::link_event_kind::rotated) die("rotation incomplete");

    // Keepalive request (after the initiator's silence) and response.
    t += nexus::duration::seconds(121);
    const packet ka_req = poll_one(a, t);
    (void)deliver(b, ka_req, t);
    const packet ka_resp = poll_one(b, t);
    (void)deliver(a, ka_resp, t);

    // Close.
    a.close();
    const packet close = poll_one(a, t);
    if (deliver(b, close, t).kind != nexus::link_event_kind::closed) die("close not delivered");

    // Reticulum, from its packet shapes: request 19 + 64 + 3 signalling; proof 19 + 64 + 32 + 3;
    // RTT = token(msgpack float64, 9 bytes); identify = token(public key 64 + signature 64); the
    // keepalive (1 byte) is the one link DATA packet Reticulum sends unencrypted.
    const std::size_t r_request = 19 + 64 + 3;
    const std::size_t r_proof = 19 + 64 + 32 + 3;
    const std::size_t r_rtt = 19 + reticulum_token(9);
    const std::size_t r_identify = 19 + reticulum_token(128);
    const std::size_t r_data1 = 19 + reticulum_token(1);

    std::printf("link setup, bytes on air (HEADER_1 packets, as on the first hop)\n");
    row("link request", request.size, r_request);
    row("link proof", proof.size, r_proof);
    row("RTT", rtt.size, r_rtt);
    const std::size_t setup = request.size + proof.size + rtt.size;
    const std::size_t r_setup = r_request + r_proof + r_rtt;
    row("setup total (3 packets)", setup, r_setup);
    row("identify", identify.size, r_identify);
    row("setup + identify (4 packets)", setup + identify.size, r_setup + r_identify);
    row("data packet, 1-byte payload", data.size, r_data1);
    std::printf("%-34s nexus=%3zu (25 fixed)  reticulum=49..64 (48 + PKCS#7 padding 1..16)\n",
                "per-packet link overhead", data.size - 19 - 1);
    std::printf("%-34s nexus=%3zu reticulum=%3zu\n", "link MDU", nexus::link_mdu, std::size_t{431});
    row("keepalive (Reticulum: unencrypted)", ka_req.size, 19 + 1);
    std::printf("nexus: keepalive response %zu, close %zu, rotate offer %zu, rotate answer %zu\n",
                ka_resp.size, close.size, offer.size, answer.size);
    return 0;
}
