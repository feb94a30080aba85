// Encrypted links (../shared/spec/protocol.md "Link-layer encryption"; packet shapes after
// ../shared/spec/reticulum-framing.md "Links"). Sans-I/O: the caller hands in packets and the
// current time and takes out packets to send; the link never reads a clock or touches a socket.
// Full description, byte layouts and the state diagram: docs/link.md.
//
//   initiator                                   responder
//   initiate() -> state pending
//     LINK REQUEST  eph X25519 (32) || nonce (32)  --------->  accept() -> state handshake
//                   link id = truncated packet hash of the request
//     <----------  PROOF (to link id, ctx 0xFF)  sig (64) || responder eph X25519 (32)
//                  sig = Ed25519 by the responder's identity over
//                        link id || responder eph || responder Ed25519 public
//   verify -> state active
//     RTT (ctx 0xFE, encrypted)  ---------------------------->  -> state active
//     [IDENTIFY (ctx 0xFB): initiator public key || signature over link id || public key]
//
// Keys: shared = X25519(eph_i, eph_r); session = BLAKE2b-256(shared || eph_i pub || eph_r pub)
// (the spec's formula); each direction then gets its own key, BLAKE2b-256 keyed with the session
// key over "nexus link i>r" / "nexus link r>i", so the two directions never share a
// (key, nonce) pair although both count from zero.
//
// Encrypted link packet (DATA to the link id): epoch (1) || counter (8, LE) || ciphertext || tag
// (16). Nonce = counter little-endian in bytes 0-7, bytes 8-11 zero ("64-bit counter zero-padded
// to 96 bits"). AD = link id || context byte || epoch. A replay window per epoch rejects repeats.
//
// Rotation (either side; every `rotate_interval` or after max(1 MB, bandwidth x 60 s) sent): the
// offerer sends ROTATE(1, new eph) under the current keys; the answerer derives the next keys and
// replies ROTATE(2, its new eph, first 8 bytes of the offer's eph) under the current keys, but
// keeps sending under them; the offerer, on an answer to its current offer, switches and sends
// ROTATE(3) in the new epoch; the answerer switches on the first packet of the new epoch. So a
// lost answer costs nothing: the offer times out and a new one (with a new ephemeral) replaces
// it, and a stale answer is recognised by its offer tag and ignored. Keys for the new epoch come
// from the same formula with the new ephemerals (initiator's first); counters restart at zero;
// the previous epoch's receive key is kept so packets in flight still open. When both offer at
// once the initiator's offer wins.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/core/bytes.hpp"
#include "nexus/core/policies.hpp"
#include "nexus/core/time.hpp"
#include "nexus/crypto/aead.hpp"
#include "nexus/crypto/blake2b.hpp"
#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/x25519.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/link/replay_window.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus {

/// NEXUS-specific link context: key rotation (a Reticulum transport node forwards link packets
/// whatever their context).
inline constexpr std::uint8_t context_link_rotate = 0xF0;

inline constexpr std::size_t link_request_data_size = 64;
inline constexpr std::size_t link_proof_data_size = 96;
inline constexpr std::size_t link_overhead = 1 + 8 + crypto::chacha20_poly1305::tag_size;  // 25
/// Largest application payload of one link packet (500 - 19 - 25).
inline constexpr std::size_t link_mdu = wire::mtu - wire::header_1_size - link_overhead;

struct link_config {
    duration establishment_timeout = duration::seconds(30);  ///< request -> active; also identify
    duration keepalive_interval = duration::seconds(120);   ///< initiator probes after this silence
    duration inactivity_timeout = duration::seconds(360);   ///< closed when nothing valid arrives
    duration rotate_interval = duration::hours(1);
    std::uint64_t bandwidth_bps = 0;  ///< nominal bitrate, for the rotation volume
    bool require_identify = false;    ///< responder: refuse data until the initiator identifies

    /// Bytes sent under one key before rotating: max(1 MB, bandwidth x 60 s).
    constexpr std::uint64_t rotate_bytes() const noexcept {
        const std::uint64_t per_minute = bandwidth_bps / 8 * 60;
        return per_minute > 1'000'000 ? per_minute : 1'000'000;
    }
};

enum class link_state : std::uint8_t { pending, handshake, active, closed };
enum class link_role : std::uint8_t { initiator, responder };
enum class close_reason : std::uint8_t {
    none,
    local,                  ///< close() was called
    remote,                 ///< the peer sent an authenticated close
    inactivity,             ///< nothing valid arrived for inactivity_timeout
    establishment_timeout,  ///< not active within establishment_timeout
    unidentified,           ///< require_identify and no identification in time
};

constexpr std::string_view to_string(close_reason r) noexcept {
    switch (r) {
        case close_reason::none:
            return "none";
        case close_reason::local:
            return "local";
        case close_reason::remote:
            return "remote";
        case close_reason::inactivity:
            return "inactivity";
        case close_reason::establishment_timeout:
            return "establishment_timeout";
        case close_reason::unidentified:
            return "unidentified";
    }
    return "unknown";
}

constexpr std::string_view to_string(link_state s) noexcept {
    switch (s) {
        case link_state::pending:
            return "pending";
        case link_state::handshake:
            return "handshake";
        case link_state::active:
            return "active";
        case link_state::closed:
            return "closed";
    }
    return "unknown";
}

enum class link_event_kind : std::uint8_t {
    none,         ///< accepted, nothing for the application (keepalive, rotation step, RTT)
    established,  ///< the link became active
    data,         ///< application data in `data`, with its context byte
    identified,   ///< the initiator proved its identity (responder side)
    rotated,      ///< a key rotation completed
    closed,       ///< the peer closed the link
};

struct link_event {
    link_event_kind kind = link_event_kind::none;
    std::uint8_t context = wire::context::none;
    std::span<const std::uint8_t> data{};
};

/// Counters for the log: every rejected packet is counted by reason.
struct link_stats {
    std::uint64_t packets_sent = 0;
    std::uint64_t packets_received = 0;  ///< authenticated
    std::uint64_t bytes_sent = 0;        ///< application bytes
    std::uint64_t bytes_received = 0;
    std::uint32_t rejected_auth = 0;          ///< bad tag, bad proof or identify signature
    std::uint32_t rejected_replay = 0;        ///< counter already seen or too old
    std::uint32_t rejected_state = 0;         ///< not valid in the current state / unknown epoch
    std::uint32_t rejected_malformed = 0;     ///< wrong size or shape
    std::uint32_t rejected_unidentified = 0;  ///< data before identification (require_identify)
    std::uint32_t rotations = 0;
};

namespace link_detail {

using key = std::array<std::uint8_t, 32>;

inline constexpr std::uint8_t keepalive_request = 0xFF;
inline constexpr std::uint8_t keepalive_response = 0xFE;
inline constexpr std::uint8_t rotate_offer = 1;
inline constexpr std::uint8_t rotate_answer = 2;
inline constexpr std::uint8_t rotate_confirm = 3;
inline constexpr std::size_t offer_tag_size = 8;

/// Direction keys from an ephemeral exchange (see the file comment).
inline void derive(key& i2r, key& r2i, std::span<const std::uint8_t, 32> shared,
                   std::span<const std::uint8_t, 32> initiator_pub, std::span<const std::uint8_t, 32> responder_pub) noexcept {
    key session{};
    crypto::blake2b h(32);
    h.update(shared);
    h.update(initiator_pub);
    h.update(responder_pub);
    (void)h.finish(session);
    static constexpr std::string_view labels[2] = {"nexus link i>r", "nexus link r>i"};
    key* outs[2] = {&i2r, &r2i};
    for (int i = 0; i < 2; ++i) {
        crypto::blake2b d(32, session);
        d.update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(labels[i].data()), labels[i].size()));
        (void)d.finish(*outs[i]);
    }
    crypto::secure_wipe_object(session);
}

inline std::array<std::uint8_t, 12> nonce(std::uint64_t counter) noexcept {
    std::array<std::uint8_t, 12> n{};
    store64_le(n.data(), counter);
    return n;
}

inline bool control_context(std::uint8_t c) noexcept {
    return c == wire::context::keepalive || c == wire::context::link_identify || c == wire::context::link_close ||
           c == wire::context::link_proof || c == wire::context::link_rtt ||
           c == wire::context::link_request_proof || c == context_link_rotate;
}

}  // namespace link_detail

/// One end of an encrypted link. Move-only; keys are wiped on destruction. The random source
/// must outlive the link (rotations draw fresh ephemeral keys from it).
template <hash_profile P, random_source R>
class link {
public:
    /// Starts a link to `destination`, owned by `peer` (learned from its announce). The request
    /// packet is the first thing poll_transmit() returns.
    static link initiate(const public_identity<P>& peer, const truncated_hash& destination, R& rng, timestamp now,
                         const link_config& config = {}) noexcept {
        link l(rng, config, link_role::initiator, now);
        l.s_.state = link_state::pending;
        l.s_.destination = destination;
        l.s_.peer_key = peer.public_key();
        l.s_.peer_known = true;
        l.new_ephemeral(l.s_.eph_secret, l.s_.eph_public);
        rng.fill(l.s_.request_nonce);
        const std::uint8_t masked = 0x02;  // (flags & 0x0F) of a link request to a single destination
        const std::uint8_t ctx = wire::context::none;
        l.s_.link_id = profile_hash_prefix<P, truncated_hash_size>(std::span<const std::uint8_t>(&masked, 1), destination,
                                                                   std::span<const std::uint8_t>(&ctx, 1),
                                                                   l.s_.eph_public, l.s_.request_nonce);
        l.s_.pending.request = true;
        return l;
    }

    /// Answers a link request addressed to one of `own`'s destinations. The proof is the first
    /// thing poll_transmit() returns. invalid_argument for a packet that is not a link request
    /// to a single destination, invalid_length for short request data, weak_key for a
    /// small-order ephemeral key.
    static result<link> accept(const identity<P>& own, const wire::packet_view& request, R& rng, timestamp now,
                               const link_config& config = {}) noexcept {
        const auto& h = request.header;
        if (h.flags.type != wire::packet_type::link_request || h.flags.destination != wire::destination_type::single)
            return fail(error::invalid_argument);
        if (request.data.size() != link_request_data_size && request.data.size() != link_request_data_size + 3)
            return fail(error::invalid_length);
        link l(rng, config, link_role::responder, now);
        l.s_.state = link_state::handshake;
        l.s_.destination = h.destination;
        const std::uint8_t masked = static_cast<std::uint8_t>(h.flags.to_byte() & 0x0F);
        l.s_.link_id = profile_hash_prefix<P, truncated_hash_size>(std::span<const std::uint8_t>(&masked, 1),
                                                                   h.destination, std::span<const std::uint8_t>(&h.context, 1),
                                                                   request.data.first(link_request_data_size));
        link_detail::key peer_eph{};
        for (std::size_t i = 0; i < 32; ++i) peer_eph[i] = request.data[i];
        l.new_ephemeral(l.s_.eph_secret, l.s_.eph_public);
        if (!l.establish(peer_eph, peer_eph, l.s_.eph_public)) return fail(error::weak_key);
        // Proof signature: link id || responder eph || responder Ed25519 public.
        std::array<std::uint8_t, 16 + 32 + 32> msg{};
        byte_writer w{msg};
        (void)w.bytes(l.s_.link_id);
        (void)w.bytes(l.s_.eph_public);
        (void)w.bytes(std::span<const std::uint8_t>(own.public_key()).last(32));
        own.sign(l.s_.proof_signature, msg);
        l.s_.pending.proof = true;
        return l;
    }

    link(link&& o) noexcept : rng_(o.rng_), s_(o.s_) { o.wipe(); }
    link& operator=(link&& o) noexcept {
        if (this != &o) {
            rng_ = o.rng_;
            s_ = o.s_;
            o.wipe();
        }
        return *this;
    }
    link(const link&) = delete;
    link& operator=(const link&) = delete;
    ~link() { wipe(); }

    link_state state() const noexcept { return s_.state; }
    link_role role() const noexcept { return s_.role; }
    close_reason reason() const noexcept { return s_.reason; }
    const truncated_hash& id() const noexcept { return s_.link_id; }
    const truncated_hash& destination() const noexcept { return s_.destination; }
    const link_stats& stats() const noexcept { return s_.stats; }
    std::uint8_t epoch() const noexcept { return s_.epoch; }
    /// Initiator: round-trip time of the handshake (request sent -> proof received).
    duration rtt() const noexcept { return s_.rtt; }
    /// The peer's identity: the responder's (known from the start on the initiator), or the
    /// initiator's once it identified (not_found before).
    result<public_identity<P>> remote_identity() const noexcept {
        if (!s_.peer_known) return fail(error::not_found);
        return public_identity<P>::from_public_key(s_.peer_key);
    }
    bool identified() const noexcept { return s_.role == link_role::initiator || s_.peer_known; }

    /// Initiator: prove our identity to the responder (sent encrypted, so relays do not learn it).
    result<void> identify(const identity<P>& me) noexcept {
        if (s_.role != link_role::initiator) return fail(error::bad_state);
        if (s_.state == link_state::closed) return fail(error::bad_state);
        std::array<std::uint8_t, 16 + public_key_size> msg{};
        byte_writer w{msg};
        (void)w.bytes(s_.link_id);
        (void)w.bytes(me.public_key());
        s_.identify_key = me.public_key();
        me.sign(s_.identify_signature, msg);
        s_.pending.identify = true;
        return ok();
    }

    /// Starts a key rotation now (it also starts by itself, see link_config).
    result<void> rotate() noexcept {
        if (s_.state != link_state::active) return fail(error::bad_state);
        if (s_.offer_pending) return ok();
        start_offer();
        return ok();
    }

    /// Closes the link: state closed at once, a close packet is queued for poll_transmit().
    void close() noexcept {
        if (s_.state == link_state::closed) return;
        if (s_.state == link_state::active || s_.state == link_state::handshake) s_.pending.close = true;
        to_closed(close_reason::local);
    }

    /// Encrypts application data (at most link_mdu bytes) into a packet in `out`; returns its
    /// size. bad_state unless active or while an identification is queued (poll_transmit() it
    /// first: a responder that requires identification drops data that overtakes it),
    /// invalid_argument for a link-control context.
    result<std::size_t> send(std::span<const std::uint8_t> data, timestamp now, std::span<std::uint8_t> out,
                             std::uint8_t context = wire::context::none) noexcept {
        if (s_.state != link_state::active || s_.pending.identify) return fail(error::bad_state);
        if (link_detail::control_context(context)) return fail(error::invalid_argument);
        if (data.size() > link_mdu) return fail(error::invalid_length);
        auto n = seal(context, data, out, now);
        if (n) s_.stats.bytes_sent += data.size();
        return n;
    }

    /// Handles a packet addressed to this link's id. Application data is decrypted into
    /// `plaintext` (at least link_mdu bytes is always enough) and returned in the event.
    /// Errors (the link stays as it was): invalid_argument (not for this link), bad_state,
    /// invalid_length / truncated (malformed), replayed, auth_failed, buffer_too_small.
    result<link_event> receive(const wire::packet_view& p, timestamp now, std::span<std::uint8_t> plaintext) noexcept {
        if (p.header.destination != s_.link_id || p.header.flags.destination != wire::destination_type::link)
            return fail(error::invalid_argument);
        if (s_.state == link_state::closed) return reject(s_.stats.rejected_state, error::bad_state);
        if (p.header.flags.type == wire::packet_type::proof) return receive_proof(p, now);
        if (p.header.flags.type != wire::packet_type::data) return reject(s_.stats.rejected_malformed, error::invalid_argument);
        if (s_.state == link_state::pending) return reject(s_.stats.rejected_state, error::bad_state);
        return receive_data(p, now, plaintext);
    }

    /// Runs the timers and writes the next packet the link wants sent into `out`; returns its
    /// size, 0 when there is nothing to send. Call until it returns 0, and again at
    /// next_deadline().
    result<std::size_t> poll_transmit(timestamp now, std::span<std::uint8_t> out) noexcept {
        run_timers(now);
        auto& q = s_.pending;
        if (q.request) {
            auto n = emit_request(out);
            if (n) {
                q.request = false;
                s_.request_sent_at = now;
            }
            return n;
        }
        if (q.proof) {
            auto n = emit_proof(out);
            if (n) q.proof = false;
            return n;
        }
        if (q.close) {
            auto n = seal(wire::context::link_close, s_.link_id, out, now);
            if (n) {
                q.close = false;
                crypto::secure_wipe_object(s_.send_key);
            }
            return n;
        }
        if (s_.state != link_state::active) return std::size_t{0};
        if (q.rtt) {
            std::array<std::uint8_t, 4> v{};
            const auto ms = s_.rtt.count_ms();
            store32_le(v.data(), static_cast<std::uint32_t>(ms > 0xFFFFFFFF ? 0xFFFFFFFF : ms));
            return take(q.rtt, seal(wire::context::link_rtt, v, out, now));
        }
        if (q.identify) {
            std::array<std::uint8_t, public_key_size + signature_size> v{};
            byte_writer w{v};
            (void)w.bytes(s_.identify_key);
            (void)w.bytes(s_.identify_signature);
            return take(q.identify, seal(wire::context::link_identify, v, out, now));
        }
        if (q.rotate_answer) {
            std::array<std::uint8_t, 1 + 32 + link_detail::offer_tag_size> v{};
            v[0] = link_detail::rotate_answer;
            for (std::size_t i = 0; i < 32; ++i) v[1 + i] = s_.next_public[i];
            for (std::size_t i = 0; i < link_detail::offer_tag_size; ++i) v[33 + i] = s_.answered_tag[i];
            // Still under the current keys; we switch when the offerer's first new-epoch packet
            // arrives (receive_data), so a lost answer leaves both sides in the old epoch.
            return take(q.rotate_answer, seal(context_link_rotate, v, out, now));
        }
        if (q.rotate_confirm) {
            const std::uint8_t v = link_detail::rotate_confirm;
            return take(q.rotate_confirm, seal(context_link_rotate, std::span<const std::uint8_t>(&v, 1), out, now));
        }
        if (q.rotate_offer) {
            std::array<std::uint8_t, 33> v{};
            v[0] = link_detail::rotate_offer;
            for (std::size_t i = 0; i < 32; ++i) v[1 + i] = s_.offer_public[i];
            auto n = seal(context_link_rotate, v, out, now);
            if (n) {
                q.rotate_offer = false;
                s_.offer_sent_at = now;
            }
            return n;
        }
        if (q.keepalive_response) {
            const std::uint8_t v = link_detail::keepalive_response;
            return take(q.keepalive_response,
                        seal(wire::context::keepalive, std::span<const std::uint8_t>(&v, 1), out, now));
        }
        if (q.keepalive_request) {
            const std::uint8_t v = link_detail::keepalive_request;
            return take(q.keepalive_request,
                        seal(wire::context::keepalive, std::span<const std::uint8_t>(&v, 1), out, now));
        }
        return std::size_t{0};
    }

    /// Runs the timers only (poll_transmit() does this too): timeouts close the link and
    /// keepalives / rotations get queued.
    void tick(timestamp now) noexcept { run_timers(now); }

    /// When poll_transmit() should next be called: `timestamp{}` (now) when something is queued,
    /// timestamp::max() when closed with nothing left to send.
    timestamp next_deadline() const noexcept {
        const auto& q = s_.pending;
        if (q.request || q.proof || q.close) return timestamp{};
        if (s_.state == link_state::closed) return timestamp::max();
        if (s_.state == link_state::active &&
            (q.rtt || q.identify || q.rotate_answer || q.rotate_confirm || q.rotate_offer || q.keepalive_request ||
             q.keepalive_response))
            return timestamp{};
        const auto& c = s_.config;
        if (s_.state != link_state::active) return s_.created + c.establishment_timeout;
        timestamp t = s_.last_inbound + c.inactivity_timeout;
        t = earliest(t, s_.last_outbound + c.keepalive_interval);
        t = earliest(t, s_.epoch_started + c.rotate_interval);
        if (s_.offer_pending) t = earliest(t, s_.offer_sent_at + c.establishment_timeout);
        if (s_.role == link_role::responder && c.require_identify && !s_.peer_known)
            t = earliest(t, s_.established + c.establishment_timeout);
        return t;
    }

private:
    struct pending_flags {
        bool request = false, proof = false, rtt = false, identify = false, rotate_offer = false,
             rotate_answer = false, rotate_confirm = false, keepalive_request = false, keepalive_response = false,
             close = false;
    };
    // All state in one trivially copyable block, so moves are a copy plus a wipe of the source.
    struct data {
        link_config config{};
        link_role role = link_role::initiator;
        link_state state = link_state::pending;
        close_reason reason = close_reason::none;
        truncated_hash link_id{};
        truncated_hash destination{};
        public_key_bytes peer_key{};  // responder's identity (initiator) / identified initiator
        bool peer_known = false;
        link_detail::key eph_secret{}, eph_public{};
        std::array<std::uint8_t, 32> request_nonce{};
        signature_bytes proof_signature{};
        public_key_bytes identify_key{};
        signature_bytes identify_signature{};
        // Keys: current epoch send/receive, previous epoch receive.
        std::uint8_t epoch = 0;
        link_detail::key send_key{}, recv_key{}, prev_recv_key{};
        bool has_prev = false;
        std::uint64_t send_counter = 0;
        std::uint64_t sent_this_epoch = 0;
        replay_window window{}, prev_window{};
        // Rotation in progress.
        bool offer_pending = false;
        link_detail::key offer_secret{}, offer_public{};
        link_detail::key next_send{}, next_recv{}, next_public{};
        bool answered = false;  // we answered an offer: next_* hold the next epoch's keys
        std::array<std::uint8_t, link_detail::offer_tag_size> answered_tag{};
        timestamp offer_sent_at{};
        // Times.
        timestamp created{}, established{}, last_inbound{}, last_outbound{}, epoch_started{}, request_sent_at{};
        duration rtt{};
        pending_flags pending{};
        link_stats stats{};
    };

    link(R& rng, const link_config& config, link_role role, timestamp now) noexcept : rng_(&rng) {
        s_.config = config;
        s_.role = role;
        s_.created = now;
        s_.last_inbound = now;
        s_.last_outbound = now;
        s_.epoch_started = now;
    }

    static timestamp earliest(timestamp a, timestamp b) noexcept { return a < b ? a : b; }

    static result<std::size_t> take(bool& flag, result<std::size_t> n) noexcept {
        if (n) flag = false;
        return n;
    }

    result<link_event> reject(std::uint32_t& counter, error e) noexcept {
        ++counter;
        return fail(e);
    }

    void new_ephemeral(link_detail::key& secret, link_detail::key& pub) noexcept {
        rng_->fill(secret);
        crypto::x25519_public_key(pub, secret);
    }

    /// Derives the first epoch's keys from our ephemeral secret and the peer's public; false for a
    /// small-order peer key. `init_pub` / `resp_pub`: the initiator's and the responder's keys.
    bool establish(const link_detail::key& peer_pub, const link_detail::key& init_pub,
                   const link_detail::key& resp_pub) noexcept {
        link_detail::key i2r{}, r2i{};
        const bool good = derive_into(i2r, r2i, s_.eph_secret, peer_pub, init_pub, resp_pub);
        if (good) install(i2r, r2i, s_.send_key, s_.recv_key);
        crypto::secure_wipe_object(i2r);
        crypto::secure_wipe_object(r2i);
        return good;
    }

    static bool derive_into(link_detail::key& i2r, link_detail::key& r2i, const link_detail::key& secret,
                            const link_detail::key& peer_pub, const link_detail::key& init_pub,
                            const link_detail::key& resp_pub) noexcept {
        link_detail::key shared{};
        const bool good = crypto::x25519(shared, secret, peer_pub);
        if (good) link_detail::derive(i2r, r2i, shared, init_pub, resp_pub);
        crypto::secure_wipe_object(shared);
        return good;
    }

    void install(const link_detail::key& i2r, const link_detail::key& r2i, link_detail::key& send,
                 link_detail::key& recv) const noexcept {
        send = s_.role == link_role::initiator ? i2r : r2i;
        recv = s_.role == link_role::initiator ? r2i : i2r;
    }

    void to_closed(close_reason why) noexcept {
        s_.state = link_state::closed;
        s_.reason = why;
        s_.offer_pending = false;
        auto& q = s_.pending;
        q.rtt = q.identify = q.rotate_offer = q.rotate_answer = q.rotate_confirm = false;
        q.keepalive_request = q.keepalive_response = false;
        s_.answered = false;
        q.request = false;
        // Keys are no longer needed once the close packet (if any) is out; wipe what we can.
        crypto::secure_wipe_object(s_.eph_secret);
        crypto::secure_wipe_object(s_.offer_secret);
        crypto::secure_wipe_object(s_.next_send);
        crypto::secure_wipe_object(s_.next_recv);
        crypto::secure_wipe_object(s_.prev_recv_key);
        crypto::secure_wipe_object(s_.recv_key);
        if (!q.close) crypto::secure_wipe_object(s_.send_key);
    }

    void start_offer() noexcept {
        new_ephemeral(s_.offer_secret, s_.offer_public);
        s_.offer_pending = true;
        s_.pending.rotate_offer = true;
    }

    void switch_epoch(timestamp now) noexcept {
        s_.prev_recv_key = s_.recv_key;
        s_.prev_window = s_.window;
        s_.has_prev = true;
        s_.send_key = s_.next_send;
        s_.recv_key = s_.next_recv;
        s_.window.reset();
        s_.epoch = static_cast<std::uint8_t>(s_.epoch + 1);
        s_.send_counter = 0;
        s_.sent_this_epoch = 0;
        s_.epoch_started = now;
        s_.answered = false;
        ++s_.stats.rotations;
        crypto::secure_wipe_object(s_.next_send);
        crypto::secure_wipe_object(s_.next_recv);
    }

    void run_timers(timestamp now) noexcept {
        const auto& c = s_.config;
        if (s_.state == link_state::pending || s_.state == link_state::handshake) {
            if (now - s_.created >= c.establishment_timeout) to_closed(close_reason::establishment_timeout);
            return;
        }
        if (s_.state != link_state::active) return;
        if (now - s_.last_inbound >= c.inactivity_timeout) {
            s_.pending.close = true;
            to_closed(close_reason::inactivity);
            return;
        }
        if (s_.role == link_role::responder && c.require_identify && !s_.peer_known &&
            now - s_.established >= c.establishment_timeout) {
            s_.pending.close = true;
            to_closed(close_reason::unidentified);
            return;
        }
        if (s_.role == link_role::initiator && now - s_.last_outbound >= c.keepalive_interval)
            s_.pending.keepalive_request = true;
        if (s_.offer_pending && now - s_.offer_sent_at >= c.establishment_timeout && !s_.pending.rotate_offer)
            s_.offer_pending = false;  // no answer: give up, the conditions below re-offer
        if (!s_.offer_pending && !s_.pending.rotate_answer && !s_.answered &&
            (now - s_.epoch_started >= c.rotate_interval || s_.sent_this_epoch >= c.rotate_bytes() ||
             s_.send_counter >= (std::uint64_t{1} << 62)))
            start_offer();
    }

    result<std::size_t> emit_request(std::span<std::uint8_t> out) noexcept {
        wire::packet_header h;
        h.flags.type = wire::packet_type::link_request;
        h.flags.destination = wire::destination_type::single;
        h.destination = s_.destination;
        std::array<std::uint8_t, link_request_data_size> d{};
        byte_writer w{d};
        (void)w.bytes(s_.eph_public);
        (void)w.bytes(s_.request_nonce);
        auto n = wire::encode_packet(h, d, out);
        if (n) ++s_.stats.packets_sent;
        return n;
    }

    result<std::size_t> emit_proof(std::span<std::uint8_t> out) noexcept {
        wire::packet_header h;
        h.flags.type = wire::packet_type::proof;
        h.flags.destination = wire::destination_type::link;
        h.destination = s_.link_id;
        h.context = wire::context::link_request_proof;
        std::array<std::uint8_t, link_proof_data_size> d{};
        byte_writer w{d};
        (void)w.bytes(s_.proof_signature);
        (void)w.bytes(s_.eph_public);
        auto n = wire::encode_packet(h, d, out);
        if (n) ++s_.stats.packets_sent;
        return n;
    }

    /// Encrypts one packet under the current send key.
    result<std::size_t> seal(std::uint8_t context, std::span<const std::uint8_t> plain, std::span<std::uint8_t> out,
                             timestamp now) noexcept {
        const std::size_t size = wire::header_1_size + link_overhead + plain.size();
        if (size > wire::mtu) return fail(error::invalid_length);
        if (out.size() < size) return fail(error::buffer_too_small);
        wire::packet_header h;
        h.flags.type = wire::packet_type::data;
        h.flags.destination = wire::destination_type::link;
        h.destination = s_.link_id;
        h.context = context;
        byte_writer w{out};
        (void)w.u8(h.flags.to_byte());
        (void)w.u8(0);
        (void)w.bytes(h.destination);
        (void)w.u8(context);
        (void)w.u8(s_.epoch);
        (void)w.u64_le(s_.send_counter);
        const auto ad = associated_data(context, s_.epoch);
        const auto nonce = link_detail::nonce(s_.send_counter);
        (void)crypto::chacha20_poly1305::seal(s_.send_key, nonce, plain, ad,
                                              out.subspan(wire::header_1_size + 9, plain.size() + 16));
        ++s_.send_counter;
        s_.sent_this_epoch += plain.size();
        ++s_.stats.packets_sent;
        s_.last_outbound = now;
        return size;
    }

    std::array<std::uint8_t, 18> associated_data(std::uint8_t context, std::uint8_t epoch) const noexcept {
        std::array<std::uint8_t, 18> ad{};
        for (std::size_t i = 0; i < 16; ++i) ad[i] = s_.link_id[i];
        ad[16] = context;
        ad[17] = epoch;
        return ad;
    }

    result<link_event> receive_proof(const wire::packet_view& p, timestamp now) noexcept {
        if (s_.role != link_role::initiator || s_.state != link_state::pending)
            return reject(s_.stats.rejected_state, error::bad_state);
        if (p.header.context != wire::context::link_request_proof ||
            (p.data.size() != link_proof_data_size && p.data.size() != link_proof_data_size + 3))
            return reject(s_.stats.rejected_malformed, error::invalid_length);
        link_detail::key resp_eph{};
        for (std::size_t i = 0; i < 32; ++i) resp_eph[i] = p.data[64 + i];
        std::array<std::uint8_t, 16 + 32 + 32> msg{};
        byte_writer w{msg};
        (void)w.bytes(s_.link_id);
        (void)w.bytes(resp_eph);
        (void)w.bytes(std::span<const std::uint8_t>(s_.peer_key).last(32));
        auto peer = public_identity<P>::from_public_key(s_.peer_key);
        if (!peer || !peer->verify(msg, p.data.first(64))) return reject(s_.stats.rejected_auth, error::auth_failed);
        if (!establish(resp_eph, s_.eph_public, resp_eph)) return reject(s_.stats.rejected_auth, error::weak_key);
        crypto::secure_wipe_object(s_.eph_secret);
        s_.state = link_state::active;
        s_.established = now;
        s_.last_inbound = now;
        s_.epoch_started = now;
        s_.rtt = now - s_.request_sent_at;
        s_.pending.rtt = true;
        ++s_.stats.packets_received;
        return link_event{link_event_kind::established, p.header.context, {}};
    }

    result<link_event> receive_data(const wire::packet_view& p, timestamp now, std::span<std::uint8_t> plaintext) noexcept {
        if (p.data.size() < link_overhead) return reject(s_.stats.rejected_malformed, error::truncated);
        byte_reader r{p.data};
        const std::uint8_t epoch = *r.u8();
        const std::uint64_t counter = *r.u64_le();
        const auto sealed = r.take_rest();
        const std::size_t n = sealed.size() - 16;
        const bool current = epoch == s_.epoch;
        const bool previous = s_.has_prev && epoch == static_cast<std::uint8_t>(s_.epoch - 1);
        const bool next = s_.answered && epoch == static_cast<std::uint8_t>(s_.epoch + 1);
        if (!current && !previous && !next) return reject(s_.stats.rejected_state, error::bad_state);
        replay_window fresh{};
        replay_window& window = current ? s_.window : previous ? s_.prev_window : fresh;
        if (!window.check(counter)) return reject(s_.stats.rejected_replay, error::replayed);
        if (plaintext.size() < n) return fail(error::buffer_too_small);
        const auto ad = associated_data(p.header.context, epoch);
        const auto& key = current ? s_.recv_key : previous ? s_.prev_recv_key : s_.next_recv;
        const auto st = crypto::chacha20_poly1305::open(key, link_detail::nonce(counter), sealed, ad, plaintext.first(n));
        if (st != crypto::aead_status::ok) return reject(s_.stats.rejected_auth, error::auth_failed);
        bool rotated_now = false;
        if (next) {
            // The offerer's first packet of the new epoch confirms our answer: switch.
            switch_epoch(now);
            rotated_now = true;
        }
        replay_window& accepted = next ? s_.window : window;
        const auto body = std::span<const std::uint8_t>(plaintext.first(n));
        // Authenticated from here on.
        const std::uint8_t ctx = p.header.context;
        // Data before identification is refused without consuming the counter, so the window is
        // not advanced by a packet the application never sees.
        if (s_.role == link_role::responder && s_.config.require_identify && !s_.peer_known &&
            ctx != wire::context::link_identify && ctx != wire::context::link_rtt && ctx != wire::context::keepalive &&
            ctx != wire::context::link_close && ctx != context_link_rotate) {
            crypto::secure_wipe(plaintext.first(n));
            return reject(s_.stats.rejected_unidentified, error::auth_failed);
        }
        accepted.accept(counter);
        s_.last_inbound = now;
        ++s_.stats.packets_received;
        link_event ev{};
        ev.context = ctx;
        if (rotated_now) ev.kind = link_event_kind::rotated;
        if (s_.state == link_state::handshake) {
            s_.state = link_state::active;
            s_.established = now;
            s_.epoch_started = now;
            crypto::secure_wipe_object(s_.eph_secret);
            ev.kind = link_event_kind::established;
        }
        switch (ctx) {
            case wire::context::link_rtt:
                if (body.size() == 4) s_.rtt = duration::milliseconds(load32_le(body.data()));
                return ev;
            case wire::context::keepalive:
                if (body.size() == 1 && body[0] == link_detail::keepalive_request &&
                    s_.role == link_role::responder)
                    s_.pending.keepalive_response = true;
                return ev;
            case wire::context::link_identify:
                return receive_identify(body, ev);
            case wire::context::link_close:
                if (body.size() != truncated_hash_size || !crypto::ct_equal(body, s_.link_id))
                    return reject(s_.stats.rejected_malformed, error::bad_encoding);
                to_closed(close_reason::remote);
                return link_event{link_event_kind::closed, ctx, {}};
            case context_link_rotate:
                return receive_rotate(body, now, ev);
            case wire::context::link_proof:
            case wire::context::link_request_proof:
                return reject(s_.stats.rejected_malformed, error::invalid_argument);
            default:
                s_.stats.bytes_received += n;
                return link_event{link_event_kind::data, ctx, body};
        }
    }

    result<link_event> receive_identify(std::span<const std::uint8_t> body, link_event ev) noexcept {
        if (s_.role != link_role::responder) return reject(s_.stats.rejected_state, error::bad_state);
        if (body.size() != public_key_size + signature_size) return reject(s_.stats.rejected_malformed, error::invalid_length);
        auto id = public_identity<P>::from_public_key(body.first(public_key_size));
        std::array<std::uint8_t, 16 + public_key_size> msg{};
        byte_writer w{msg};
        (void)w.bytes(s_.link_id);
        (void)w.bytes(body.first(public_key_size));
        if (!id || !id->verify(msg, body.subspan(public_key_size))) return reject(s_.stats.rejected_auth, error::auth_failed);
        if (s_.peer_known && s_.peer_key != id->public_key()) return reject(s_.stats.rejected_state, error::bad_state);
        s_.peer_key = id->public_key();
        s_.peer_known = true;
        if (ev.kind == link_event_kind::none) ev.kind = link_event_kind::identified;
        return ev;
    }

    result<link_event> receive_rotate(std::span<const std::uint8_t> body, timestamp now, link_event ev) noexcept {
        if (body.empty()) return reject(s_.stats.rejected_malformed, error::invalid_length);
        const bool we_initiated = s_.role == link_role::initiator;
        if (body[0] == link_detail::rotate_confirm) {
            if (body.size() != 1) return reject(s_.stats.rejected_malformed, error::invalid_length);
            return ev;  // arriving in the next epoch, it already switched us (receive_data)
        }
        if (body[0] == link_detail::rotate_offer) {
            if (body.size() != 33) return reject(s_.stats.rejected_malformed, error::invalid_length);
            if (s_.offer_pending && we_initiated) return ev;  // our offer wins
            s_.offer_pending = false;                         // the initiator's offer wins
            s_.pending.rotate_offer = false;
            // A new offer replaces any earlier one we answered (that answer was lost or is late).
            link_detail::key peer{};
            for (std::size_t i = 0; i < 32; ++i) peer[i] = body[1 + i];
            link_detail::key secret{}, i2r{}, r2i{};
            new_ephemeral(secret, s_.next_public);
            const bool good = we_initiated ? derive_into(i2r, r2i, secret, peer, s_.next_public, peer)
                                           : derive_into(i2r, r2i, secret, peer, peer, s_.next_public);
            crypto::secure_wipe_object(secret);
            if (!good) {
                s_.answered = false;
                return reject(s_.stats.rejected_auth, error::weak_key);
            }
            install(i2r, r2i, s_.next_send, s_.next_recv);
            crypto::secure_wipe_object(i2r);
            crypto::secure_wipe_object(r2i);
            for (std::size_t i = 0; i < link_detail::offer_tag_size; ++i) s_.answered_tag[i] = peer[i];
            s_.answered = true;
            s_.pending.rotate_answer = true;
            return ev;
        }
        if (body[0] == link_detail::rotate_answer) {
            if (body.size() != 1 + 32 + link_detail::offer_tag_size)
                return reject(s_.stats.rejected_malformed, error::invalid_length);
            // Only an answer to the offer we are waiting for (a stale answer to an earlier offer
            // would give keys the peer does not hold).
            bool ours = s_.offer_pending && !s_.pending.rotate_offer;
            for (std::size_t i = 0; i < link_detail::offer_tag_size; ++i) ours = ours && body[33 + i] == s_.offer_public[i];
            if (!ours) return reject(s_.stats.rejected_state, error::bad_state);
            link_detail::key peer{};
            for (std::size_t i = 0; i < 32; ++i) peer[i] = body[1 + i];
            link_detail::key i2r{}, r2i{};
            const bool good = we_initiated ? derive_into(i2r, r2i, s_.offer_secret, peer, s_.offer_public, peer)
                                           : derive_into(i2r, r2i, s_.offer_secret, peer, peer, s_.offer_public);
            crypto::secure_wipe_object(s_.offer_secret);
            s_.offer_pending = false;
            if (!good) return reject(s_.stats.rejected_auth, error::weak_key);
            install(i2r, r2i, s_.next_send, s_.next_recv);
            crypto::secure_wipe_object(i2r);
            crypto::secure_wipe_object(r2i);
            switch_epoch(now);
            s_.pending.rotate_confirm = true;  // the answerer switches on our first new-epoch packet
            if (ev.kind == link_event_kind::none) ev.kind = link_event_kind::rotated;
            return ev;
        }
        return reject(s_.stats.rejected_malformed, error::bad_encoding);
    }

    void wipe() noexcept { crypto::secure_wipe_object(s_); }

    R* rng_;
    data s_{};
};

}  // namespace nexus
