// Encrypted links (../shared/spec/protocol.md "Link-layer encryption"; packet shapes after
// ../shared/spec/reticulum-framing.md "Links"). Sans-I/O: the caller hands in packets and the
// current time and takes out packets to send; the link never reads a clock or touches a socket.
// Full description and byte layouts: docs/link.md.
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
// Setup retransmission: the initiator may send the identical request again (same bytes, so the
// same link id) every retry interval while pending; the node hands a repeated request to the
// responder's link (on_request_repeat), which sends the identical proof again (Ed25519 is
// deterministic), rate-limited. Encrypted packets, keys and epochs: link_keys.hpp.
//
// Rotation (either side, by time, volume or rotate()): the offerer sends ROTATE(1, new eph); the
// answerer derives the next keys, replies ROTATE(2, its new eph, offer tag) under the current
// keys and keeps sending under them; the offerer, on the answer to its current offer, switches
// and sends ROTATE(3) in the new epoch; the answerer switches on the first packet of the new
// epoch. A lost answer costs nothing (the offer times out, a new one replaces it), a stale answer
// is recognised by its tag, and when both offer at once the initiator's offer wins.
//
// Two state machines, both changed only by link::step(): the link state (pending, handshake,
// active, closed) and, while active, the rotation state (idle, offered, answered). Diagrams:
// docs/link.md "States".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/core/bytes.hpp"
#include "nexus/core/policies.hpp"
#include "nexus/core/time.hpp"
#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/x25519.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/link/link_keys.hpp"
#include "nexus/link/link_types.hpp"
#include "nexus/link/link_wire.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus {

/// Everything that can happen to a link: the inputs of link::step(), its transition function.
enum class link_input : std::uint8_t {
    // Setup.
    opened,            ///< initiate(): the request is owed
    request_sent,      ///< poll_transmit() emitted the request
    retry_due,         ///< the retry interval passed since the last request
    request_accepted,  ///< accept(): keys derived, proof signed
    request_repeated,  ///< on_request_repeat(): the initiator sent its request again
    proof_sent,        ///< poll_transmit() emitted the proof
    proof_valid,       ///< a proof verified (argument: the responder's ephemeral public)
    authenticated,     ///< a packet opened under the link keys (the responder's activation)
    // Teardown.
    local_close,            ///< close()
    delivery_failed,        ///< fail_delivery()
    remote_close,           ///< an authenticated close from the peer
    establishment_timeout,  ///< establishment_timeout since initiate() / accept()
    inactivity_timeout,     ///< inactivity_timeout since the last authenticated packet
    unidentified_timeout,   ///< establishment_timeout since activation, initiator not identified
    // Liveness and identification.
    keepalive_due,        ///< keepalive_interval since we last sent anything
    keepalive_requested,  ///< the peer's keepalive request arrived
    identify_queued,      ///< identify()
    // Rotation.
    rotation_due,      ///< rotate(), or rotate_interval / rotate_bytes() / the counter limit
    offer_sent,        ///< poll_transmit() emitted our offer
    offer_timeout,     ///< establishment_timeout since our offer went out, no answer
    offer_received,    ///< the peer's offer (argument: its next ephemeral public)
    answer_received,   ///< an answer (argument: next ephemeral public || offer tag)
    new_epoch_opened,  ///< a packet opened under the next epoch's keys we hold
};

/// One end of an encrypted link. Move-only; keys are wiped on destruction. The random source
/// must outlive the link (rotations draw fresh ephemeral keys from it).
template <hash_profile P, random_source R>
class link {
public:
    /// Starts a link to `destination`, owned by `peer` (learned from its announce). The request
    /// packet is the first thing poll_transmit() returns. With a positive `retry_interval` the
    /// identical request is sent again that long after the last one while no proof has come, up
    /// to link_setup_max_sends in all (the caller knows the path: hops, latency); the default
    /// sends it once.
    static link initiate(const public_identity<P>& peer, const truncated_hash& destination, R& rng,
                         timestamp now, const link_config& config = {},
                         duration retry_interval = duration{}) noexcept {
        link l(rng, config, link_role::initiator, now);
        l.s_.destination = destination;
        l.s_.peer_key = peer.public_key();
        l.s_.peer_known = true;
        l.s_.retry_interval = retry_interval;
        l.new_ephemeral(l.s_.eph_secret, l.s_.eph_public);
        rng.fill(l.s_.request_nonce);
        std::array<std::uint8_t, link_request_data_size> data{};
        byte_writer w{data};
        (void)w.bytes(l.s_.eph_public);
        (void)w.bytes(l.s_.request_nonce);
        // 0x02: (flags & 0x0F) of a link request to a single destination.
        l.s_.link_id = link_detail::link_id<P>(0x02, destination, wire::context::none, data);
        (void)l.step(link_input::opened, now);
        return l;
    }

    /// Answers a link request addressed to one of `own`'s destinations. The proof is the first
    /// thing poll_transmit() returns. invalid_argument for a packet that is not a link request
    /// to a single destination, invalid_length for short request data, weak_key for a
    /// small-order ephemeral key.
    static result<link> accept(const identity<P>& own, const wire::packet_view& request, R& rng,
                               timestamp now, const link_config& config = {}) noexcept {
        const auto& h = request.header;
        if (h.flags.type != wire::packet_type::link_request ||
            h.flags.destination != wire::destination_type::single)
            return fail(error::invalid_argument);
        if (request.data.size() != link_request_data_size &&
            request.data.size() != link_request_data_size + 3)
            return fail(error::invalid_length);
        link l(rng, config, link_role::responder, now);
        l.s_.destination = h.destination;
        l.s_.link_id = link_detail::link_id<P>(static_cast<std::uint8_t>(h.flags.to_byte() & 0x0F),
                                               h.destination, h.context, request.data);
        link_detail::key peer_eph{}, i2r{}, r2i{};
        for (std::size_t i = 0; i < 32; ++i) peer_eph[i] = request.data[i];
        l.new_ephemeral(l.s_.eph_secret, l.s_.eph_public);
        if (!link_detail::exchange(i2r, r2i, l.s_.eph_secret, peer_eph, peer_eph, l.s_.eph_public))
            return fail(error::weak_key);
        l.s_.keys.install(false, i2r, r2i);
        crypto::secure_wipe_object(i2r);
        crypto::secure_wipe_object(r2i);
        own.sign(l.s_.proof_signature, link_detail::proof_message(l.s_.link_id, l.s_.eph_public,
                                                                  std::span(own.public_key()).last(32)));
        (void)l.step(link_input::request_accepted, now);
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
    rotation_state rotation() const noexcept { return s_.rotation; }
    link_role role() const noexcept { return s_.role; }
    close_reason reason() const noexcept { return s_.reason; }
    const truncated_hash& id() const noexcept { return s_.link_id; }
    const truncated_hash& destination() const noexcept { return s_.destination; }
    const link_stats& stats() const noexcept { return s_.stats; }
    std::uint8_t epoch() const noexcept { return s_.keys.epoch; }
    /// Initiator: round-trip time of the handshake, from the first request sent to the proof (an
    /// upper bound when the request was sent again: docs/link.md "Setup retransmission").
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
        if (auto r = step(link_input::identify_queued, timestamp{}); !r) return r;
        s_.identify_key = me.public_key();
        me.sign(s_.identify_signature, link_detail::identify_message(s_.link_id, me.public_key()));
        return ok();
    }

    /// Starts a key rotation now (it also starts by itself, see link_config). ok without a new
    /// offer while a rotation is under way (ours or the peer's); bad_state unless active.
    result<void> rotate() noexcept {
        if (s_.state != link_state::active) return fail(error::bad_state);
        (void)step(link_input::rotation_due, timestamp{});
        return ok();
    }

    /// Closes the link: state closed at once, a close packet is queued for poll_transmit().
    void close() noexcept { (void)step(link_input::local_close, timestamp{}); }

    /// Closes the link because the reliable channel on it gave up on a message (reason
    /// delivery_failed); the peer is told as by close().
    void fail_delivery() noexcept { (void)step(link_input::delivery_failed, timestamp{}); }

    /// Responder: the link request arrived again (the node recognises it by this link's id), so
    /// the proof may have been lost. While in handshake the identical proof is queued again, at
    /// most once per link_proof_repeat_gap after the last one sent and link_setup_max_sends in
    /// all; otherwise nothing happens.
    void on_request_repeat(timestamp now) noexcept { (void)step(link_input::request_repeated, now); }

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
    result<link_event> receive(const wire::packet_view& p, timestamp now,
                               std::span<std::uint8_t> plaintext) noexcept {
        if (p.header.destination != s_.link_id || p.header.flags.destination != wire::destination_type::link)
            return fail(error::invalid_argument);
        if (s_.state == link_state::closed) return reject(s_.stats.rejected_state, error::bad_state);
        if (p.header.flags.type == wire::packet_type::proof) return receive_proof(p, now);
        if (p.header.flags.type != wire::packet_type::data)
            return reject(s_.stats.rejected_malformed, error::invalid_argument);
        if (s_.state == link_state::pending) return reject(s_.stats.rejected_state, error::bad_state);
        return receive_data(p, now, plaintext);
    }

    /// Runs the timers and writes the next packet the link wants sent into `out`; returns its
    /// size, 0 when there is nothing to send. Call until it returns 0, and again at
    /// next_deadline().
    result<std::size_t> poll_transmit(timestamp now, std::span<std::uint8_t> out) noexcept {
        run_timers(now);
        auto& q = s_.pending;
        if (q.request)
            return sent(q.request, link_input::request_sent, now,
                        link_detail::encode_request(s_.destination, s_.eph_public, s_.request_nonce, out));
        if (q.proof)
            return sent(q.proof, link_input::proof_sent, now,
                        link_detail::encode_proof(s_.link_id, s_.proof_signature, s_.eph_public, out));
        if (q.close) {
            auto n = seal(wire::context::link_close, s_.link_id, out, now);
            if (n) {
                q.close = false;
                s_.keys.wipe_send();
            }
            return n;
        }
        if (s_.state != link_state::active) return std::size_t{0};
        if (q.rtt) return take(q.rtt, seal(wire::context::link_rtt, link_detail::rtt_body(s_.rtt), out, now));
        if (q.identify) {
            const auto v = link_detail::identify_body(s_.identify_key, s_.identify_signature);
            return take(q.identify, seal(wire::context::link_identify, v, out, now));
        }
        if (q.rotate_answer) {
            // Still under the current keys: we switch when the offerer's first new-epoch packet
            // arrives, so a lost answer leaves both sides in the old epoch.
            const auto v = link_detail::answer_body(s_.next_public, s_.answered_tag);
            return take(q.rotate_answer, seal(context_link_rotate, v, out, now));
        }
        if (q.rotate_confirm)
            return take(q.rotate_confirm,
                        seal_byte(context_link_rotate, link_detail::rotate_confirm, out, now));
        if (q.rotate_offer)
            return sent(q.rotate_offer, link_input::offer_sent, now,
                        seal(context_link_rotate, link_detail::offer_body(s_.offer_public), out, now));
        if (q.keepalive_response)
            return take(q.keepalive_response,
                        seal_byte(wire::context::keepalive, link_detail::keepalive_response, out, now));
        if (q.keepalive_request)
            return take(q.keepalive_request,
                        seal_byte(wire::context::keepalive, link_detail::keepalive_request, out, now));
        return std::size_t{0};
    }

    /// Runs the timers only (poll_transmit() does this too): timeouts close the link and
    /// retries, keepalives and rotations get queued.
    void tick(timestamp now) noexcept { run_timers(now); }

    /// When poll_transmit() should next be called: `timestamp{}` (now) when something is queued,
    /// timestamp::max() when closed with nothing left to send.
    timestamp next_deadline() const noexcept {
        const auto& q = s_.pending;
        if (q.request || q.proof || q.close) return timestamp{};
        if (s_.state == link_state::closed) return timestamp::max();
        const auto& c = s_.config;
        if (s_.state == link_state::pending) {
            const timestamp give_up = s_.created + c.establishment_timeout;
            return retries_left() ? earliest(give_up, s_.setup_last_sent + s_.retry_interval) : give_up;
        }
        if (s_.state == link_state::handshake) return s_.created + c.establishment_timeout;
        if (q.rtt || q.identify || q.rotate_answer || q.rotate_confirm || q.rotate_offer ||
            q.keepalive_request || q.keepalive_response)
            return timestamp{};
        timestamp t = s_.last_inbound + c.inactivity_timeout;
        t = earliest(t, s_.last_outbound + c.keepalive_interval);
        t = earliest(t, s_.epoch_started + c.rotate_interval);
        if (s_.rotation == rotation_state::offered)
            t = earliest(t, s_.offer_sent_at + c.establishment_timeout);
        if (s_.role == link_role::responder && c.require_identify && !s_.peer_known)
            t = earliest(t, s_.established + c.establishment_timeout);
        return t;
    }

private:
    /// What poll_transmit() owes; set by step(), cleared when the packet is out.
    struct pending_flags {
        bool request = false, proof = false, rtt = false, identify = false, rotate_offer = false,
             rotate_answer = false, rotate_confirm = false, keepalive_request = false,
             keepalive_response = false, close = false;
    };
    // All state in one trivially copyable block, so moves are a copy plus a wipe of the source.
    struct data {
        link_config config{};
        link_role role = link_role::initiator;
        link_state state{};         // pending; written by step() only
        rotation_state rotation{};  // idle; written by step() only
        close_reason reason{};      // none; written by step() only
        truncated_hash link_id{};
        truncated_hash destination{};
        public_key_bytes peer_key{};  // responder's identity (initiator) / identified initiator
        bool peer_known = false;
        link_detail::key eph_secret{}, eph_public{};
        std::array<std::uint8_t, 32> request_nonce{};
        signature_bytes proof_signature{};
        public_key_bytes identify_key{};
        signature_bytes identify_signature{};
        link_detail::epoch_keys keys{};
        // Rotation: our offer (offered), our answer to the peer's (answered).
        link_detail::key offer_secret{}, offer_public{}, next_public{};
        std::array<std::uint8_t, link_detail::offer_tag_size> answered_tag{};
        timestamp offer_sent_at{};
        // Setup retransmission: requests (initiator) or proofs (responder) sent, the last one when.
        duration retry_interval{};
        std::uint8_t setup_sends = 0;
        timestamp setup_last_sent{};
        // Times.
        timestamp created{}, established{}, last_inbound{}, last_outbound{}, epoch_started{},
            request_sent_at{};
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

    /// The transition function: the only place that writes the link state, the rotation state and
    /// the close reason, and the place that decides what poll_transmit() owes. fail(bad_state)
    /// when `in` means nothing in the current state, and then nothing changed. `arg` carries the
    /// peer's key material for proof_valid, offer_received and answer_received; weak_key when that
    /// key is of small order (see those cases for what still changes).
    result<void> step(link_input in, timestamp now, std::span<const std::uint8_t> arg = {}) noexcept {
        using enum link_input;
        const link_state from = s_.state;
        link_state to = from;
        rotation_state rot = s_.rotation;
        close_reason why = s_.reason;
        result<void> verdict = ok();
        auto& q = s_.pending;
        const bool initiator = s_.role == link_role::initiator;
        const bool active = from == link_state::active;
        const auto close_as = [&](close_reason r, bool tell_peer) {
            to = link_state::closed;
            why = r;
            q.close = tell_peer;
        };
        switch (in) {
            case opened:
                if (!initiator || from != link_state::pending || s_.setup_sends != 0)
                    return fail(error::bad_state);
                q.request = true;
                break;
            case request_sent:
            case proof_sent:
                if (from != (in == request_sent ? link_state::pending : link_state::handshake))
                    return fail(error::bad_state);
                if (s_.setup_sends == 0 && in == request_sent) s_.request_sent_at = now;  // the RTT's start
                if (s_.setup_sends != 0) ++s_.stats.setup_resent;
                ++s_.stats.packets_sent;
                ++s_.setup_sends;
                s_.setup_last_sent = now;
                break;
            case retry_due:
                if (from != link_state::pending || q.request || !retries_left())
                    return fail(error::bad_state);
                q.request = true;
                break;
            case request_accepted:
                if (initiator || from != link_state::pending || s_.setup_sends != 0)
                    return fail(error::bad_state);
                to = link_state::handshake;
                q.proof = true;
                break;
            case request_repeated:
                if (from != link_state::handshake || q.proof || s_.setup_sends >= link_setup_max_sends ||
                    now - s_.setup_last_sent < link_proof_repeat_gap)
                    return fail(error::bad_state);
                q.proof = true;
                break;
            case proof_valid: {
                if (!initiator || from != link_state::pending || arg.size() != 32)
                    return fail(error::bad_state);
                link_detail::key resp{}, i2r{}, r2i{};
                for (std::size_t i = 0; i < 32; ++i) resp[i] = arg[i];
                if (!link_detail::exchange(i2r, r2i, s_.eph_secret, resp, s_.eph_public, resp))
                    return fail(error::weak_key);
                s_.keys.install(true, i2r, r2i);
                crypto::secure_wipe_object(i2r);
                crypto::secure_wipe_object(r2i);
                crypto::secure_wipe_object(s_.eph_secret);
                to = link_state::active;
                s_.established = s_.last_inbound = s_.epoch_started = now;
                s_.rtt = now - s_.request_sent_at;
                q.request = false;  // a retry queued meanwhile is not needed any more
                q.rtt = true;
                break;
            }
            case authenticated:
                if (from == link_state::handshake) {
                    to = link_state::active;
                    s_.established = s_.epoch_started = now;
                    crypto::secure_wipe_object(s_.eph_secret);
                    q.proof = false;  // the initiator has it
                }
                break;
            case local_close:
            case delivery_failed:
                if (from == link_state::closed) return fail(error::bad_state);
                // Only a link with keys can tell its peer (the initiator has none before the proof).
                close_as(in == local_close ? close_reason::local : close_reason::delivery_failed,
                         from != link_state::pending);
                break;
            case remote_close:
                if (!active) return fail(error::bad_state);
                close_as(close_reason::remote, false);
                break;
            case establishment_timeout:
                if (from != link_state::pending && from != link_state::handshake)
                    return fail(error::bad_state);
                close_as(close_reason::establishment_timeout, false);
                break;
            case inactivity_timeout:
                if (!active) return fail(error::bad_state);
                close_as(close_reason::inactivity, true);
                break;
            case unidentified_timeout:
                if (!active || initiator || !s_.config.require_identify || s_.peer_known)
                    return fail(error::bad_state);
                close_as(close_reason::unidentified, true);
                break;
            case keepalive_due:
            case keepalive_requested:
                if (!active || initiator != (in == keepalive_due)) return fail(error::bad_state);
                (in == keepalive_due ? q.keepalive_request : q.keepalive_response) = true;
                break;
            case identify_queued:
                if (!initiator || from == link_state::closed) return fail(error::bad_state);
                q.identify = true;
                break;
            case rotation_due:
                if (!active || rot != rotation_state::idle) return fail(error::bad_state);
                new_ephemeral(s_.offer_secret, s_.offer_public);
                q.rotate_offer = true;
                rot = rotation_state::offered;
                break;
            case offer_sent:
                if (rot != rotation_state::offered) return fail(error::bad_state);
                s_.offer_sent_at = now;
                break;
            case offer_timeout:
                if (rot != rotation_state::offered || q.rotate_offer) return fail(error::bad_state);
                crypto::secure_wipe_object(s_.offer_secret);
                rot = rotation_state::idle;  // the triggers (or rotate()) offer again, with a fresh key
                break;
            case offer_received:
                if (!active || arg.size() != 32) return fail(error::bad_state);
                if (rot == rotation_state::offered && initiator) break;  // the initiator's offer wins
                verdict = answer_offer(arg);
                rot = verdict ? rotation_state::answered : rotation_state::idle;
                break;
            case answer_received: {
                // Only an answer to the offer we wait for: a stale answer to an earlier offer would
                // give keys the peer does not hold.
                bool ours = active && rot == rotation_state::offered && !q.rotate_offer &&
                            arg.size() == 32 + link_detail::offer_tag_size;
                for (std::size_t i = 0; ours && i < link_detail::offer_tag_size; ++i)
                    ours = arg[32 + i] == s_.offer_public[i];
                if (!ours) return fail(error::bad_state);
                rot = rotation_state::idle;
                verdict = hold_next(s_.offer_secret, arg.first(32), s_.offer_public);
                crypto::secure_wipe_object(s_.offer_secret);
                if (!verdict) break;
                switch_epoch(now);
                q.rotate_confirm = true;  // the answerer switches on our first new-epoch packet
                break;
            }
            case new_epoch_opened:
                if (!active || rot != rotation_state::answered) return fail(error::bad_state);
                switch_epoch(now);
                q.rotate_answer = false;
                rot = rotation_state::idle;
                break;
        }
        if (to == link_state::closed && from != link_state::closed) {
            rot = rotation_state::idle;
            const bool tell_peer = q.close;
            q = pending_flags{};
            q.close = tell_peer;
            crypto::secure_wipe_object(s_.eph_secret);
            crypto::secure_wipe_object(s_.offer_secret);
            s_.keys.wipe_receive();
            if (!tell_peer) s_.keys.wipe_send();  // else once the close packet is out
        }
        s_.state = to;
        s_.rotation = rot;
        s_.reason = why;
        return verdict;
    }

    /// offer_received: a new ephemeral of ours, the next epoch's keys held aside, the answer
    /// queued. A new offer replaces an earlier one we answered (that answer was lost or is late),
    /// and the responder's own offer gives way to it.
    result<void> answer_offer(std::span<const std::uint8_t> peer) noexcept {
        auto& q = s_.pending;
        q.rotate_offer = false;
        crypto::secure_wipe_object(s_.offer_secret);
        link_detail::key secret{};
        new_ephemeral(secret, s_.next_public);
        const auto r = hold_next(secret, peer, s_.next_public);
        crypto::secure_wipe_object(secret);
        q.rotate_answer = r.has_value();
        for (std::size_t i = 0; i < link_detail::offer_tag_size; ++i) s_.answered_tag[i] = peer[i];
        return r;
    }

    /// The next epoch's keys from our new secret and the peer's new public, held aside.
    result<void> hold_next(const link_detail::key& secret, std::span<const std::uint8_t> peer,
                           const link_detail::key& mine) noexcept {
        if (s_.keys.derive_next(s_.role == link_role::initiator, secret, peer, mine)) return ok();
        return fail(error::weak_key);
    }

    void switch_epoch(timestamp now) noexcept {
        s_.keys.switch_epoch();
        s_.epoch_started = now;
        ++s_.stats.rotations;
    }

    bool retries_left() const noexcept {
        return s_.role == link_role::initiator && s_.retry_interval > duration{} && s_.setup_sends > 0 &&
               s_.setup_sends < link_setup_max_sends;
    }

    /// Turns the clock into inputs; step() decides what each means in the current state.
    void run_timers(timestamp now) noexcept {
        using enum link_input;
        const auto& c = s_.config;
        if (now - s_.created >= c.establishment_timeout) (void)step(establishment_timeout, now);
        if (now - s_.setup_last_sent >= s_.retry_interval) (void)step(retry_due, now);
        if (now - s_.last_inbound >= c.inactivity_timeout) (void)step(inactivity_timeout, now);
        if (now - s_.established >= c.establishment_timeout) (void)step(unidentified_timeout, now);
        if (now - s_.last_outbound >= c.keepalive_interval) (void)step(keepalive_due, now);
        if (now - s_.offer_sent_at >= c.establishment_timeout) (void)step(offer_timeout, now);
        if (now - s_.epoch_started >= c.rotate_interval || s_.keys.sent_this_epoch >= c.rotate_bytes() ||
            s_.keys.send_counter >= (std::uint64_t{1} << 62))
            (void)step(rotation_due, now);
    }

    static timestamp earliest(timestamp a, timestamp b) noexcept { return a < b ? a : b; }

    static result<std::size_t> take(bool& flag, result<std::size_t> n) noexcept {
        if (n) flag = false;
        return n;
    }

    /// take(), and tells step() the packet went out (it keeps the times its timers count from).
    result<std::size_t> sent(bool& flag, link_input what, timestamp now, result<std::size_t> n) noexcept {
        if (n) {
            flag = false;
            (void)step(what, now);
        }
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

    /// Encrypts one packet under the current send key.
    result<std::size_t> seal(std::uint8_t context, std::span<const std::uint8_t> plain,
                             std::span<std::uint8_t> out, timestamp now) noexcept {
        auto n = s_.keys.seal_packet(s_.link_id, context, plain, out);
        if (n) {
            ++s_.stats.packets_sent;
            s_.last_outbound = now;
        }
        return n;
    }

    result<std::size_t> seal_byte(std::uint8_t context, std::uint8_t v, std::span<std::uint8_t> out,
                                  timestamp now) noexcept {
        return seal(context, std::span<const std::uint8_t>(&v, 1), out, now);
    }

    result<link_event> receive_proof(const wire::packet_view& p, timestamp now) noexcept {
        if (s_.role != link_role::initiator || s_.state != link_state::pending)
            return reject(s_.stats.rejected_state, error::bad_state);
        if (p.header.context != wire::context::link_request_proof ||
            (p.data.size() != link_proof_data_size && p.data.size() != link_proof_data_size + 3))
            return reject(s_.stats.rejected_malformed, error::invalid_length);
        const auto resp_eph = p.data.subspan(64, 32);
        const auto msg = link_detail::proof_message(s_.link_id, resp_eph, std::span(s_.peer_key).last(32));
        auto peer = public_identity<P>::from_public_key(s_.peer_key);
        if (!peer || !peer->verify(msg, p.data.first(64)))
            return reject(s_.stats.rejected_auth, error::auth_failed);
        if (auto r = step(link_input::proof_valid, now, resp_eph); !r)
            return reject(s_.stats.rejected_auth, r.error());
        ++s_.stats.packets_received;
        return link_event{link_event_kind::established, p.header.context, {}};
    }

    result<link_event> receive_data(const wire::packet_view& p, timestamp now,
                                    std::span<std::uint8_t> plaintext) noexcept {
        const std::uint8_t ctx = p.header.context;
        const auto o =
            s_.keys.open(s_.link_id, ctx, p.data, plaintext, s_.rotation == rotation_state::answered);
        if (!o) {
            switch (o.error()) {
                case error::truncated:
                    return reject(s_.stats.rejected_malformed, o.error());
                case error::bad_state:
                    return reject(s_.stats.rejected_state, o.error());
                case error::replayed:
                    return reject(s_.stats.rejected_replay, o.error());
                case error::auth_failed:
                    return reject(s_.stats.rejected_auth, o.error());
                default:
                    return fail(o.error());  // buffer_too_small: the caller's, not the packet's
            }
        }
        // Authenticated from here on.
        link_event ev{};
        ev.context = ctx;
        if (o->slot == link_detail::epoch_slot::next) {
            // The offerer's first packet of the new epoch confirms our answer: switch.
            (void)step(link_input::new_epoch_opened, now);
            ev.kind = link_event_kind::rotated;
        }
        const auto body = std::span<const std::uint8_t>(plaintext.first(o->size));
        // Data before identification is refused without consuming the counter, so the window is
        // not advanced by a packet the application never sees.
        if (s_.role == link_role::responder && s_.config.require_identify && !s_.peer_known &&
            ctx != wire::context::link_identify && ctx != wire::context::link_rtt &&
            ctx != wire::context::keepalive && ctx != wire::context::link_close &&
            ctx != context_link_rotate) {
            crypto::secure_wipe(plaintext.first(o->size));
            return reject(s_.stats.rejected_unidentified, error::auth_failed);
        }
        s_.keys.accept(*o);
        s_.last_inbound = now;
        ++s_.stats.packets_received;
        if (s_.state == link_state::handshake) ev.kind = link_event_kind::established;
        (void)step(link_input::authenticated, now);
        switch (ctx) {
            case wire::context::link_rtt:
                if (body.size() == 4) s_.rtt = duration::milliseconds(load32_le(body.data()));
                return ev;
            case wire::context::keepalive:
                if (body.size() == 1 && body[0] == link_detail::keepalive_request)
                    (void)step(link_input::keepalive_requested, now);
                return ev;
            case wire::context::link_identify:
                return receive_identify(body, ev);
            case wire::context::link_close:
                if (body.size() != truncated_hash_size || !crypto::ct_equal(body, s_.link_id))
                    return reject(s_.stats.rejected_malformed, error::bad_encoding);
                (void)step(link_input::remote_close, now);
                return link_event{link_event_kind::closed, ctx, {}};
            case context_link_rotate:
                return receive_rotate(body, now, ev);
            case wire::context::link_proof:
            case wire::context::link_request_proof:
                return reject(s_.stats.rejected_malformed, error::invalid_argument);
            default:
                s_.stats.bytes_received += o->size;
                return link_event{link_event_kind::data, ctx, body};
        }
    }

    result<link_event> receive_identify(std::span<const std::uint8_t> body, link_event ev) noexcept {
        if (s_.role != link_role::responder) return reject(s_.stats.rejected_state, error::bad_state);
        if (body.size() != public_key_size + signature_size)
            return reject(s_.stats.rejected_malformed, error::invalid_length);
        auto id = public_identity<P>::from_public_key(body.first(public_key_size));
        const auto msg = link_detail::identify_message(s_.link_id, body);
        if (!id || !id->verify(msg, body.subspan(public_key_size)))
            return reject(s_.stats.rejected_auth, error::auth_failed);
        if (s_.peer_known && s_.peer_key != id->public_key())
            return reject(s_.stats.rejected_state, error::bad_state);
        s_.peer_key = id->public_key();
        s_.peer_known = true;
        if (ev.kind == link_event_kind::none) ev.kind = link_event_kind::identified;
        return ev;
    }

    result<link_event> receive_rotate(std::span<const std::uint8_t> body, timestamp now,
                                      link_event ev) noexcept {
        if (body.empty()) return reject(s_.stats.rejected_malformed, error::invalid_length);
        const std::size_t expected_size = link_detail::rotate_body_size(body[0]);
        if (expected_size == 0) return reject(s_.stats.rejected_malformed, error::bad_encoding);
        if (body.size() != expected_size) return reject(s_.stats.rejected_malformed, error::invalid_length);
        // A confirmation arrives in the next epoch, which already switched us (receive_data).
        if (body[0] == link_detail::rotate_confirm) return ev;
        const bool offer = body[0] == link_detail::rotate_offer;
        const auto r =
            step(offer ? link_input::offer_received : link_input::answer_received, now, body.subspan(1));
        if (!r)
            return reject(r.error() == error::weak_key ? s_.stats.rejected_auth : s_.stats.rejected_state,
                          r.error());
        if (!offer && ev.kind == link_event_kind::none) ev.kind = link_event_kind::rotated;
        return ev;
    }

    void wipe() noexcept { crypto::secure_wipe_object(s_); }

    R* rng_;
    data s_{};
};

}  // namespace nexus
