// libFuzzer target for encrypted links (nexus/link/link.hpp, docs/link.md). An initiator and a
// responder are driven in memory, as tests/link/link_test.cpp does, by a program read from the
// input. Input: initiator seed (1), responder seed (1), config byte (bit 0 require_identify, bits
// 1-3 rotate interval 1..8 s when bit 4 is set, bits 5-7 the initiator's request retry interval in
// steps of 250 ms, 0 = none), then ops, one byte each plus their operands:
//
//   0 poll: one side's poll_transmit; anything it emits is recorded as genuine
//   1 send: one side sends (context byte, length byte, data); recorded as genuine
//   2 deliver: a recorded genuine packet (index byte) to the other side (again = a replay; the
//     request again reaches the responder's on_request_repeat, as the node does)
//   3 mutate: a genuine packet with bytes XORed (count, then position (2) + mask each) to its peer
//   4 raw: fuzzer bytes (length byte, bytes) as a packet to one side
//   5 forge: like raw, but with a correct link-packet header to the link id (data or proof)
//   6 time: advance the clock (2 bytes, in ms or, with the side bit, in seconds)
//   7 control: rotate / close / identify (initiator) / on_request_repeat / fail_delivery on one side
//
// The side is bit 3 of the op byte (0 initiator, 1 responder). Invariants:
//   - nothing crashes, and every rejection is an error;
//   - a successfully received DATA packet is a genuine packet of the peer, recognised by its
//     epoch and counter (bound to the key and nonce), with the genuine context, and is accepted at
//     most once; a data event carries exactly the genuine payload;
//   - an accepted proof carries the genuine proof (signature and responder key);
//   - a closed link stays closed and accepts nothing; the responder's identified initiator is the
//     genuine one; rotation is idle unless active, and a close reason is set exactly when closed;
//   - setup retransmission: every request is the first one byte for byte, every proof the first
//     proof; at most link_setup_max_sends of each, proofs at least link_proof_repeat_gap apart.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/core/reference_policies.hpp"
#include "nexus/link/link.hpp"

namespace {

namespace wire = nexus::wire;
using P = nexus::nexus_profile;
using link_t = nexus::link<P, nexus::seeded_random>;
using bytes = std::vector<std::uint8_t>;

constexpr std::size_t max_ops = 96;
constexpr std::size_t max_genuine = 256;

struct identities {
    nexus::node_identity server;
    nexus::node_identity client;
};

const identities& ids() {
    static const identities i = [] {
        nexus::seeded_random r(7);
        return identities{nexus::node_identity::generate(r), nexus::node_identity::generate(r)};
    }();
    return i;
}

struct sent_record {
    std::uint8_t context = 0;
    bytes payload;  // known for application data only
    bool app = false;
    bool accepted = false;
};

struct side_state {
    std::vector<bytes> genuine;                                              // every packet this side emitted
    std::map<std::pair<std::uint8_t, std::uint64_t>, sent_record> by_nonce;  // its DATA packets
    bool was_closed = false;
    std::size_t setup_sends = 0;  // requests (initiator) / proofs (responder) emitted
    nexus::timestamp last_setup{};
};

struct harness {
    nexus::seeded_random rng_a, rng_b;
    nexus::link_config config{};
    nexus::timestamp now = nexus::timestamp::from_ms(1'000'000);
    std::optional<link_t> a, b;
    side_state sa, sb;  // what A and B emitted
    bytes proof_data;   // the genuine proof's 96 bytes
    std::vector<std::uint8_t> plain = std::vector<std::uint8_t>(nexus::link_mdu);

    harness(std::uint64_t seed_a, std::uint64_t seed_b) : rng_a(seed_a), rng_b(seed_b + 1000) {}

    std::optional<link_t>& link_of(int side) { return side == 0 ? a : b; }
    side_state& emitted_by(int side) { return side == 0 ? sa : sb; }

    void record(int side, std::span<const std::uint8_t> pkt, const sent_record* app) {
        auto& s = emitted_by(side);
        if (s.genuine.size() < max_genuine) s.genuine.emplace_back(pkt.begin(), pkt.end());
        auto v = wire::decode_packet(pkt);
        NEXUS_FUZZ_CHECK(v.has_value());
        if (v->header.flags.type == wire::packet_type::link_request) {
            // A retry is the identical request (same link id).
            NEXUS_FUZZ_CHECK(side == 0 && s.genuine.front().size() == pkt.size() &&
                             std::equal(pkt.begin(), pkt.end(), s.genuine.front().begin()));
            NEXUS_FUZZ_CHECK(++s.setup_sends <= nexus::link_setup_max_sends);
        }
        if (v->header.flags.type == wire::packet_type::proof) {
            NEXUS_FUZZ_CHECK(side == 1 && v->data.size() == nexus::link_proof_data_size);
            if (!proof_data.empty())
                NEXUS_FUZZ_CHECK(std::equal(proof_data.begin(), proof_data.end(), v->data.begin(), v->data.end()));
            if (s.setup_sends > 0) NEXUS_FUZZ_CHECK(now - s.last_setup >= nexus::link_proof_repeat_gap);
            NEXUS_FUZZ_CHECK(++s.setup_sends <= nexus::link_setup_max_sends);
            s.last_setup = now;
            proof_data.assign(v->data.begin(), v->data.end());
        }
        if (v->header.flags.type != wire::packet_type::data) return;
        NEXUS_FUZZ_CHECK(v->data.size() >= nexus::link_overhead);
        const std::uint8_t epoch = v->data[0];
        std::uint64_t counter = 0;
        for (int i = 0; i < 8; ++i)
            counter |= std::uint64_t{v->data[1 + static_cast<std::size_t>(i)]} << (8 * i);
        sent_record r;
        r.context = v->header.context;
        if (app) {
            r.app = true;
            r.payload = app->payload;
        }
        // A (key, nonce) pair is never used twice by the sender.
        const auto key = std::make_pair(epoch, counter);
        NEXUS_FUZZ_CHECK(s.by_nonce.find(key) == s.by_nonce.end());
        s.by_nonce.emplace(key, std::move(r));
    }

    void poll(int side) {
        auto& l = link_of(side);
        if (!l) return;
        for (int i = 0; i < 8; ++i) {
            std::array<std::uint8_t, wire::mtu> buf{};
            auto n = l->poll_transmit(now, buf);
            NEXUS_FUZZ_CHECK(n.has_value());
            if (*n == 0) return;
            record(side, std::span<const std::uint8_t>(buf.data(), *n), nullptr);
        }
    }

    void send(int side, std::uint8_t ctx, std::span<const std::uint8_t> data) {
        auto& l = link_of(side);
        if (!l) return;
        std::array<std::uint8_t, wire::mtu> buf{};
        const bool was_active = l->state() == nexus::link_state::active;
        auto n = l->send(data, now, buf, ctx);
        if (!n) {
            NEXUS_FUZZ_CHECK(!was_active || n.error() == nexus::error::bad_state ||
                             n.error() == nexus::error::invalid_argument);
            return;
        }
        NEXUS_FUZZ_CHECK(was_active && *n == wire::header_1_size + nexus::link_overhead + data.size());
        sent_record app;
        app.payload.assign(data.begin(), data.end());
        record(side, std::span<const std::uint8_t>(buf.data(), *n), &app);
    }

    // Hands `pkt` to side `to`, claiming nothing about where it came from, and checks the verdict.
    void deliver(int to, std::span<const std::uint8_t> pkt) {
        const bytes raw(pkt.begin(), pkt.end());  // exact size for ASan
        auto v = wire::decode_packet(raw);
        if (!v) return;
        auto& l = link_of(to);
        if (l && to == 1 && !sa.genuine.empty() && raw == sa.genuine.front()) {
            // The node finds the responder's link by the request's id: a repeat.
            l->on_request_repeat(now);
            return;
        }
        if (!l) {
            // The responder appears when the genuine request reaches it.
            if (to != 1 || sa.genuine.empty() || raw != sa.genuine.front()) {
                if (v->header.flags.type == wire::packet_type::link_request) {
                    nexus::seeded_random scratch(99);
                    (void)link_t::accept(ids().server, *v, scratch, now, config);  // must not crash
                }
                return;
            }
            auto accepted = link_t::accept(ids().server, *v, rng_b, now, config);
            NEXUS_FUZZ_CHECK(accepted.has_value());
            b.emplace(std::move(*accepted));
            NEXUS_FUZZ_CHECK(b->id() == a->id());
            return;
        }
        const bool closed_before = l->state() == nexus::link_state::closed;
        std::fill(plain.begin(), plain.end(), std::uint8_t{0xA5});
        auto ev = l->receive(*v, now, plain);
        if (closed_before) NEXUS_FUZZ_CHECK(!ev.has_value());
        if (!ev) return;

        // Accepted: it must be the peer's, genuinely.
        auto& peer = emitted_by(1 - to);
        if (v->header.flags.type == wire::packet_type::proof) {
            NEXUS_FUZZ_CHECK(to == 0 && !proof_data.empty() && v->data.size() >= proof_data.size());
            NEXUS_FUZZ_CHECK(std::equal(proof_data.begin(), proof_data.end(), v->data.begin()));
            NEXUS_FUZZ_CHECK(ev->kind == nexus::link_event_kind::established);
            return;
        }
        NEXUS_FUZZ_CHECK(v->header.flags.type == wire::packet_type::data &&
                         v->data.size() >= nexus::link_overhead);
        const std::uint8_t epoch = v->data[0];
        std::uint64_t counter = 0;
        for (int i = 0; i < 8; ++i)
            counter |= std::uint64_t{v->data[1 + static_cast<std::size_t>(i)]} << (8 * i);
        auto it = peer.by_nonce.find(std::make_pair(epoch, counter));
        NEXUS_FUZZ_CHECK(it != peer.by_nonce.end());
        NEXUS_FUZZ_CHECK(!it->second.accepted);
        it->second.accepted = true;
        NEXUS_FUZZ_CHECK(ev->context == it->second.context && v->header.context == it->second.context);
        if (ev->kind == nexus::link_event_kind::data) {
            NEXUS_FUZZ_CHECK(it->second.app);
            NEXUS_FUZZ_CHECK(std::equal(ev->data.begin(), ev->data.end(), it->second.payload.begin(),
                                        it->second.payload.end()));
        } else {
            NEXUS_FUZZ_CHECK(!it->second.app || ev->kind == nexus::link_event_kind::established);
        }
    }

    void check_states() {
        for (int side = 0; side < 2; ++side) {
            auto& l = link_of(side);
            if (!l) continue;
            auto& s = emitted_by(side);
            if (s.was_closed) NEXUS_FUZZ_CHECK(l->state() == nexus::link_state::closed);
            if (l->state() == nexus::link_state::closed) s.was_closed = true;
            NEXUS_FUZZ_CHECK(l->rotation() == nexus::rotation_state::idle ||
                             l->state() == nexus::link_state::active);
            NEXUS_FUZZ_CHECK((l->reason() == nexus::close_reason::none) ==
                             (l->state() != nexus::link_state::closed));
        }
        if (b && b->identified()) {
            auto who = b->remote_identity();
            NEXUS_FUZZ_CHECK(who && who->public_key() == ids().client.public_key());
        }
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* input, std::size_t size) {
    nexus::fuzz::input in(input, size);
    const auto& who = ids();
    const std::uint8_t seed_a = in.byte();
    const std::uint8_t seed_b = in.byte();
    harness h(seed_a, seed_b);
    const std::uint8_t cfg = in.byte();
    h.config.require_identify = (cfg & 1) != 0;
    if ((cfg & 0x10) != 0) h.config.rotate_interval = nexus::duration::seconds(1 + ((cfg >> 1) & 7));
    const auto retry = nexus::duration::milliseconds(250 * (cfg >> 5));

    const auto name = nexus::make_name_hash<P>("nexus.fuzz.link");
    h.a.emplace(link_t::initiate(who.server.public_id(), who.server.destination_hash(name), h.rng_a, h.now,
                                 h.config, retry));
    h.poll(0);  // the request: genuine packet 0 of the initiator

    for (std::size_t step = 0; step < max_ops && in.remaining() > 0; ++step) {
        const std::uint8_t op = in.byte();
        const int side = (op >> 3) & 1;
        switch (op & 7) {
            case 0:
                h.poll(side);
                break;
            case 1: {
                const std::uint8_t ctx = in.byte();
                const auto data = in.take(in.byte());
                h.send(side, ctx, data);
                break;
            }
            case 2: {
                auto& g = h.emitted_by(side).genuine;
                const std::size_t i = in.byte();
                if (!g.empty()) h.deliver(1 - side, g[i % g.size()]);
                break;
            }
            case 3: {
                auto& g = h.emitted_by(side).genuine;
                const std::size_t i = in.byte();
                const std::size_t count = 1 + in.byte() % 4;
                if (g.empty()) break;
                bytes m = g[i % g.size()];
                for (std::size_t k = 0; k < count; ++k) {
                    const std::size_t pos = in.u16() % m.size();
                    m[pos] = static_cast<std::uint8_t>(m[pos] ^ in.byte());
                }
                h.deliver(1 - side, m);
                break;
            }
            case 4: {
                const auto raw = in.take(in.byte() * 2u);
                h.deliver(side, raw);
                break;
            }
            case 5: {
                const bool proof = (in.byte() & 1) != 0;
                const std::uint8_t ctx = in.byte();
                const auto body = in.take(in.byte() * 2u);
                bytes pkt = {static_cast<std::uint8_t>(proof ? 0x0F : 0x0C), 0};
                pkt.insert(pkt.end(), h.a->id().begin(), h.a->id().end());
                pkt.push_back(ctx);
                pkt.insert(pkt.end(), body.begin(), body.end());
                if (pkt.size() <= wire::mtu) h.deliver(side, pkt);
                break;
            }
            case 6: {
                const std::uint16_t t = in.u16();
                h.now += side == 0 ? nexus::duration::milliseconds(t) : nexus::duration::seconds(t % 1024);
                break;
            }
            case 7: {
                const std::uint8_t what = in.byte() % 5;
                auto& l = h.link_of(side);
                if (!l) break;
                if (what == 0) {
                    auto r = l->rotate();
                    NEXUS_FUZZ_CHECK(r.has_value() == (l->state() == nexus::link_state::active));
                } else if (what == 1) {
                    l->close();
                    NEXUS_FUZZ_CHECK(l->state() == nexus::link_state::closed);
                } else if (what == 2) {
                    auto r = l->identify(who.client);
                    NEXUS_FUZZ_CHECK(r.has_value() == (side == 0 && l->state() != nexus::link_state::closed));
                } else if (what == 3) {
                    l->on_request_repeat(h.now);  // on the initiator, or outside handshake: nothing
                } else {
                    const bool was_closed = l->state() == nexus::link_state::closed;
                    const auto before = l->reason();
                    l->fail_delivery();
                    NEXUS_FUZZ_CHECK(l->state() == nexus::link_state::closed);
                    NEXUS_FUZZ_CHECK(l->reason() == (was_closed ? before : nexus::close_reason::delivery_failed));
                }
                break;
            }
        }
        h.check_states();
    }
    return 0;
}
