// Link key material (../shared/spec/protocol.md "Link-layer encryption"; docs/link.md "Keys"):
// direction keys from an ephemeral exchange, the keys, counters and replay windows of the current,
// previous and next epoch, and the sealing and opening of encrypted link packets. Only data here:
// when keys are installed, held aside and switched is decided by link::step() in link.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/core/bytes.hpp"
#include "nexus/core/result.hpp"
#include "nexus/crypto/aead.hpp"
#include "nexus/crypto/blake2b.hpp"
#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/x25519.hpp"
#include "nexus/identity/hash_profile.hpp"
#include "nexus/link/replay_window.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus {

/// Bytes an encrypted link packet adds to its plaintext: epoch (1) || counter (8) || ... || tag (16).
inline constexpr std::size_t link_overhead = 1 + 8 + crypto::chacha20_poly1305::tag_size;  // 25

namespace link_detail {

using key = std::array<std::uint8_t, 32>;

/// Direction keys from an ephemeral exchange: session = BLAKE2b-256(shared || initiator's public
/// || responder's public) (the spec's formula), then one key per direction, BLAKE2b-256 keyed with
/// the session key over "nexus link i>r" / "nexus link r>i", so the two directions never share a
/// (key, nonce) pair although both count from zero.
inline void derive(key& i2r, key& r2i, std::span<const std::uint8_t, 32> shared,
                   std::span<const std::uint8_t, 32> initiator_pub,
                   std::span<const std::uint8_t, 32> responder_pub) noexcept {
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
        d.update(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(labels[i].data()),
                                               labels[i].size()));
        (void)d.finish(*outs[i]);
    }
    crypto::secure_wipe_object(session);
}

/// X25519 of our secret with the peer's public, then derive(). False for a small-order peer key
/// (all-zero shared secret); the outputs are then untouched.
inline bool exchange(key& i2r, key& r2i, const key& secret, const key& peer_pub, const key& initiator_pub,
                     const key& responder_pub) noexcept {
    key shared{};
    const bool good = crypto::x25519(shared, secret, peer_pub);
    if (good) derive(i2r, r2i, shared, initiator_pub, responder_pub);
    crypto::secure_wipe_object(shared);
    return good;
}

/// "64-bit counter zero-padded to 96 bits": the counter little-endian in bytes 0-7.
inline std::array<std::uint8_t, 12> nonce(std::uint64_t counter) noexcept {
    std::array<std::uint8_t, 12> n{};
    store64_le(n.data(), counter);
    return n;
}

/// link id || context || epoch: what a link packet's tag covers besides the ciphertext (the
/// counter is bound through the nonce).
inline std::array<std::uint8_t, 18> associated_data(const truncated_hash& link_id, std::uint8_t context,
                                                    std::uint8_t epoch) noexcept {
    std::array<std::uint8_t, 18> ad{};
    for (std::size_t i = 0; i < 16; ++i) ad[i] = link_id[i];
    ad[16] = context;
    ad[17] = epoch;
    return ad;
}

/// Which epoch's key opened a packet.
enum class epoch_slot : std::uint8_t { current, previous, next };

/// A packet that opened: where, its counter (not yet marked as seen) and its plaintext size.
struct opened_packet {
    epoch_slot slot = epoch_slot::current;
    std::uint64_t counter = 0;
    std::size_t size = 0;
};

/// The keys of the current epoch (send and receive), the previous epoch's receive key (packets in
/// flight across a switch still open) and, while an answered rotation waits for the offerer's first
/// packet of the new epoch, the next epoch's keys. Trivially copyable; the owner wipes it.
struct epoch_keys {
    std::uint8_t epoch = 0;
    key send{}, recv{}, prev_recv{};
    key next_send{}, next_recv{};
    bool has_prev = false;
    std::uint64_t send_counter = 0;     ///< next counter to send in this epoch
    std::uint64_t sent_this_epoch = 0;  ///< plaintext bytes sealed in this epoch (rotation volume)
    replay_window window{}, prev_window{};

    /// The handshake's keys: epoch 0.
    void install(bool initiator, const key& i2r, const key& r2i) noexcept {
        send = initiator ? i2r : r2i;
        recv = initiator ? r2i : i2r;
    }

    /// The next epoch's keys, held aside until switch_epoch().
    void hold_next(bool initiator, const key& i2r, const key& r2i) noexcept {
        next_send = initiator ? i2r : r2i;
        next_recv = initiator ? r2i : i2r;
    }

    /// Derives the next epoch's keys from our new secret and the peer's new public (`mine` is
    /// our new public; the initiator's goes first) and holds them aside. False, and nothing held,
    /// for a small-order peer key.
    bool derive_next(bool initiator, const key& secret, std::span<const std::uint8_t> peer_public,
                     const key& mine) noexcept {
        key peer{}, i2r{}, r2i{};
        for (std::size_t i = 0; i < 32; ++i) peer[i] = peer_public[i];
        const bool good = initiator ? exchange(i2r, r2i, secret, peer, mine, peer)
                                    : exchange(i2r, r2i, secret, peer, peer, mine);
        if (good)
            hold_next(initiator, i2r, r2i);
        else
            drop_next();
        crypto::secure_wipe_object(i2r);
        crypto::secure_wipe_object(r2i);
        return good;
    }

    void drop_next() noexcept {
        crypto::secure_wipe_object(next_send);
        crypto::secure_wipe_object(next_recv);
    }

    /// epoch + 1 (mod 256) under the held keys; counters, byte count and replay window restart,
    /// the current receive key and window become the previous ones.
    void switch_epoch() noexcept {
        prev_recv = recv;
        prev_window = window;
        has_prev = true;
        send = next_send;
        recv = next_recv;
        window.reset();
        epoch = static_cast<std::uint8_t>(epoch + 1);
        send_counter = 0;
        sent_this_epoch = 0;
        drop_next();
    }

    /// Closing: nothing will be opened any more (the send key may still seal the close packet).
    void wipe_receive() noexcept {
        crypto::secure_wipe_object(recv);
        crypto::secure_wipe_object(prev_recv);
        drop_next();
    }

    void wipe_send() noexcept { crypto::secure_wipe_object(send); }

    /// Writes epoch || counter || ciphertext || tag (plain.size() + link_overhead bytes) to `body`
    /// under the current send key, and advances the counter.
    void seal(const truncated_hash& link_id, std::uint8_t context, std::span<const std::uint8_t> plain,
              std::span<std::uint8_t> body) noexcept {
        byte_writer w{body};
        (void)w.u8(epoch);
        (void)w.u64_le(send_counter);
        (void)crypto::chacha20_poly1305::seal(
            send, nonce(send_counter), plain, associated_data(link_id, context, epoch),
            body.subspan(9, plain.size() + crypto::chacha20_poly1305::tag_size));
        ++send_counter;
        sent_this_epoch += plain.size();
    }

    /// A whole encrypted link packet in `out`: DATA to the link id (HEADER_1, hops 0) with
    /// `context`, then seal(). invalid_length beyond the MTU, buffer_too_small for a short `out`.
    result<std::size_t> seal_packet(const truncated_hash& link_id, std::uint8_t context,
                                    std::span<const std::uint8_t> plain,
                                    std::span<std::uint8_t> out) noexcept {
        const std::size_t size = wire::header_1_size + link_overhead + plain.size();
        if (size > wire::mtu) return fail(error::invalid_length);
        if (out.size() < size) return fail(error::buffer_too_small);
        wire::packet_header h;
        h.flags.type = wire::packet_type::data;
        h.flags.destination = wire::destination_type::link;
        byte_writer w{out};
        (void)w.u8(h.flags.to_byte());
        (void)w.u8(0);
        (void)w.bytes(link_id);
        (void)w.u8(context);
        seal(link_id, context, plain, out.subspan(wire::header_1_size, plain.size() + link_overhead));
        return size;
    }

    /// Opens `body` (epoch || counter || ciphertext || tag) into `plaintext` with the key of its
    /// epoch: the current one, the previous one, or the next one when `next_held`. Changes nothing:
    /// accept() marks the counter once the caller takes the packet. Errors, in the order checked:
    /// truncated, bad_state (epoch neither of those), replayed (before any AEAD work),
    /// buffer_too_small, auth_failed.
    result<opened_packet> open(const truncated_hash& link_id, std::uint8_t context,
                               std::span<const std::uint8_t> body, std::span<std::uint8_t> plaintext,
                               bool next_held) const noexcept {
        if (body.size() < link_overhead) return fail(error::truncated);
        byte_reader r{body};
        const std::uint8_t e = *r.u8();
        const std::uint64_t counter = *r.u64_le();
        const auto sealed = r.take_rest();
        const std::size_t n = sealed.size() - crypto::chacha20_poly1305::tag_size;
        opened_packet o{epoch_slot::current, counter, n};
        if (e == epoch) {
            o.slot = epoch_slot::current;
        } else if (has_prev && e == static_cast<std::uint8_t>(epoch - 1)) {
            o.slot = epoch_slot::previous;
        } else if (next_held && e == static_cast<std::uint8_t>(epoch + 1)) {
            o.slot = epoch_slot::next;
        } else {
            return fail(error::bad_state);
        }
        const bool fresh = o.slot == epoch_slot::current    ? window.check(counter)
                           : o.slot == epoch_slot::previous ? prev_window.check(counter)
                                                            : true;  // a fresh epoch's window is empty
        if (!fresh) return fail(error::replayed);
        if (plaintext.size() < n) return fail(error::buffer_too_small);
        const key& k = o.slot == epoch_slot::current    ? recv
                       : o.slot == epoch_slot::previous ? prev_recv
                                                        : next_recv;
        if (crypto::chacha20_poly1305::open(k, nonce(counter), sealed, associated_data(link_id, context, e),
                                            plaintext.first(n)) != crypto::aead_status::ok)
            return fail(error::auth_failed);
        return o;
    }

    /// Marks an opened packet's counter as seen. A `next` packet has switched the epoch by then
    /// (it belongs to the now current one).
    void accept(const opened_packet& o) noexcept {
        (o.slot == epoch_slot::previous ? prev_window : window).accept(o.counter);
    }
};

}  // namespace link_detail
}  // namespace nexus
