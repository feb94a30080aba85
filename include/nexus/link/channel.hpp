// Reliable, ordered, windowed message channel over an encrypted link (docs/link.md, "Reliable
// channel"): acknowledgements, retransmission on an RFC 6298 timer, in-order exactly-once delivery.
// Sans-I/O and heap-free: the channel makes and takes *channel bodies*, the plaintext of a link
// DATA packet with context wire::context::channel; the link seals and opens them.
//
//   message  type 0x01 | seq u16 LE | app context u8 | payload (0..channel_mdu)
//   ack      type 0x02 | next u16 LE | mask u32 LE     next = lowest sequence not yet received,
//                                                     mask bit i = next + 1 + i received
//
// Sequences are u16 and wrap; they are compared modulo 2^16 (serial-number arithmetic), which is
// unambiguous because no more than Window <= 32 of them are ever outstanding.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "nexus/core/bytes.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/time.hpp"
#include "nexus/crypto/ct.hpp"
#include "nexus/link/link.hpp"

namespace nexus {

inline constexpr std::uint8_t channel_type_message = 0x01;
inline constexpr std::uint8_t channel_type_ack = 0x02;
inline constexpr std::size_t channel_message_header_size = 4;  // type, seq (2), context
/// Largest payload of one channel message: what is left of a link packet after the header.
inline constexpr std::size_t channel_mdu = link_mdu - channel_message_header_size;

/// A channel message: on the wire, and as handed to the receiving application.
struct channel_message {
    std::uint16_t seq = 0;
    std::uint8_t context = 0;
    std::span<const std::uint8_t> payload{};

    constexpr std::size_t size() const noexcept { return channel_message_header_size + payload.size(); }

    /// invalid_length for a payload above channel_mdu, buffer_too_small when `out` cannot hold it.
    constexpr result<std::size_t> encode(std::span<std::uint8_t> out) const noexcept {
        if (payload.size() > channel_mdu) return fail(error::invalid_length);
        if (out.size() < size()) return fail(error::buffer_too_small);
        byte_writer w{out};
        (void)w.u8(channel_type_message);
        (void)w.u16_le(seq);
        (void)w.u8(context);
        (void)w.bytes(payload);
        return w.size();
    }

    /// The payload is a view into `body`. truncated below 4 bytes, invalid_length for a payload
    /// above channel_mdu, bad_encoding when the type byte is not a message.
    static constexpr result<channel_message> decode(std::span<const std::uint8_t> body) noexcept {
        byte_reader r{body};
        auto type = r.u8();
        if (!type) return fail(type.error());
        if (*type != channel_type_message) return fail(error::bad_encoding);
        auto seq = r.u16_le();
        if (!seq) return fail(seq.error());
        auto ctx = r.u8();
        if (!ctx) return fail(ctx.error());
        if (r.remaining() > channel_mdu) return fail(error::invalid_length);
        return channel_message{*seq, *ctx, r.take_rest()};
    }
};

/// A channel acknowledgement: cumulative `next` plus a selective bitmap of the 32 after it.
struct channel_ack {
    static constexpr std::size_t wire_size = 7;
    std::uint16_t next = 0;
    std::uint32_t mask = 0;

    constexpr result<std::size_t> encode(std::span<std::uint8_t> out) const noexcept {
        if (out.size() < wire_size) return fail(error::buffer_too_small);
        byte_writer w{out};
        (void)w.u8(channel_type_ack);
        (void)w.u16_le(next);
        (void)w.u32_le(mask);
        return wire_size;
    }

    /// truncated below 7 bytes, invalid_length above (no trailing bytes), bad_encoding when the
    /// type byte is not an ack.
    static constexpr result<channel_ack> decode(std::span<const std::uint8_t> body) noexcept {
        if (body.empty()) return fail(error::truncated);
        if (body[0] != channel_type_ack) return fail(error::bad_encoding);
        if (body.size() < wire_size) return fail(error::truncated);
        if (body.size() > wire_size) return fail(error::invalid_length);
        return channel_ack{load16_le(body.data() + 1), load32_le(body.data() + 3)};
    }
};

struct channel_config {
    duration min_rto = duration::milliseconds(200);
    duration max_rto = duration::seconds(60);
    std::uint8_t max_retries = 10;  ///< transmissions after the first before the channel fails
    /// Doublings of the RTO a loss event may add on top of the last measured one (the RTO never
    /// exceeds that RTO x 2^max_backoff, nor max_rto). The default, 255, is RFC 6298's unbounded
    /// backoff; a bound keeps the expected wait finite on paths that lose more than half of the
    /// round trips at random (links/node: docs/link.md, "Backoff").
    std::uint8_t max_backoff = 255;
};

/// Counters for the log.
struct channel_stats {
    std::uint64_t messages_sent = 0;         ///< first transmissions
    std::uint64_t retransmissions = 0;       ///< every later transmission (timer or fast)
    std::uint64_t fast_retransmissions = 0;  ///< of which triggered by later messages acknowledged
    std::uint64_t messages_acked = 0;        ///< confirmations queued for the application
    std::uint64_t messages_received = 0;     ///< first copies accepted into the receive window
    std::uint64_t duplicates = 0;            ///< messages already received (delivered or buffered)
    std::uint64_t out_of_window = 0;         ///< messages beyond the receive window, dropped
    std::uint64_t acks_sent = 0;
    std::uint64_t acks_received = 0;  ///< valid acks, whether or not they acknowledged anything new
    std::uint64_t acks_stale = 0;     ///< valid acks that acknowledged nothing more (late, duplicated)
    std::uint64_t malformed = 0;      ///< bodies rejected by receive(), including impossible acks
};

enum class channel_state : std::uint8_t {
    open,    ///< sending and receiving
    failed,  ///< a message went unacknowledged through all its retries: close the link
};

constexpr std::string_view to_string(channel_state s) noexcept {
    switch (s) {
        case channel_state::open:
            return "open";
        case channel_state::failed:
            return "failed";
    }
    return "unknown";
}

/// One end of a reliable channel (both directions: it sends messages and acknowledges the
/// peer's). `Window` is the number of messages outstanding per direction; both ends should use
/// the same value. Move-only; buffered plaintext is wiped on destruction, on failure, from a
/// moved-from channel, and slot by slot as messages are acknowledged or delivered.
template <std::size_t Window>
class channel {
    static_assert(Window >= 1, "a channel needs a window of at least one message");
    static_assert(Window <= 32, "the ack's selective mask covers 32 sequences");

public:
    static constexpr std::size_t window = Window;

    /// `initial_rtt` is the link handshake's round trip, taken as the first RTT sample; zero (not
    /// measured, e.g. on the responder) starts with RFC 6298's 1 s RTO.
    explicit channel(duration initial_rtt, const channel_config& config = {}) noexcept {
        s_.config = config;
        if (s_.config.min_rto < duration::milliseconds(1)) s_.config.min_rto = duration::milliseconds(1);
        if (s_.config.max_rto < s_.config.min_rto) s_.config.max_rto = s_.config.min_rto;
        if (initial_rtt > duration{}) {
            sample(initial_rtt);
        } else {
            s_.rto = clamp_rto(duration::seconds(1));
            s_.base_rto = s_.rto;
        }
    }
    channel(channel&& o) noexcept : s_(o.s_) { o.wipe(); }
    channel& operator=(channel&& o) noexcept {
        if (this != &o) {
            s_ = o.s_;
            o.wipe();
        }
        return *this;
    }
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;
    ~channel() { wipe(); }

    // ---- sender ---------------------------------------------------------------------------------

    /// Queues a message (the payload is copied) and returns its sequence number. bad_state once
    /// failed, invalid_length above channel_mdu, full when Window messages are outstanding, that is
    /// sent or queued and not yet acknowledged, or acknowledged but not yet taken with
    /// pop_acknowledged() (so no confirmation is ever lost), or when the oldest unacknowledged
    /// message is Window sequences behind the next (the peer could not accept more).
    result<std::uint16_t> send(std::uint8_t context, std::span<const std::uint8_t> payload,
                               timestamp now) noexcept {
        (void)now;  // a message's clock starts when poll_transmit() first hands it out
        if (s_.state != channel_state::open) return fail(error::bad_state);
        if (payload.size() > channel_mdu) return fail(error::invalid_length);
        if (in_flight() >= Window || s_.unacked + s_.confirmed_count >= Window) return fail(error::full);
        out_slot& m = out_at(s_.snd_next);
        m = out_slot{};
        m.context = context;
        m.length = static_cast<std::uint16_t>(payload.size());
        for (std::size_t i = 0; i < payload.size(); ++i) m.payload[i] = payload[i];
        const std::uint16_t seq = s_.snd_next;
        s_.snd_next = static_cast<std::uint16_t>(s_.snd_next + 1);
        ++s_.unacked;
        return seq;
    }

    /// Writes the next body to transmit into `out` and returns its size, 0 when nothing is due.
    /// Priority: an owed ack; then a retransmission that is due (fast, or its timer expired; the
    /// lowest sequence first); then the oldest message never sent. buffer_too_small (nothing
    /// taken) when `out` cannot hold it; channel_mdu + 4 bytes always suffice. A timer that
    /// expires on a message already sent 1 + max_retries times fails the channel (returns 0).
    result<std::size_t> poll_transmit(timestamp now, std::span<std::uint8_t> out) noexcept {
        if (s_.state != channel_state::open) return std::size_t{0};
        if (s_.ack_owed) {
            auto n = current_ack().encode(out);
            if (!n) return n;
            s_.ack_owed = false;
            ++s_.stats.acks_sent;
            return n;
        }
        const std::uint16_t sent = sent_count();
        // Failure first: an exhausted message whose timer expired ends the channel.
        for (std::uint16_t i = 0; i < sent; ++i) {
            const out_slot& m = out_at(seq_at(i));
            if (!m.acked && m.deadline <= now && m.transmissions >= max_transmissions()) {
                fail_channel();
                return std::size_t{0};
            }
        }
        for (std::uint16_t i = 0; i < sent; ++i) {
            const std::uint16_t seq = seq_at(i);
            out_slot& m = out_at(seq);
            if (m.acked || !(m.fast || m.deadline <= now)) continue;
            auto n = encode_slot(seq, m, out);
            if (!n) return n;
            if (m.fast) {
                ++s_.stats.fast_retransmissions;
            } else if (m.timeout >= s_.rto) {
                // Back off once per loss event: the first expiry among timers armed with the current
                // RTO doubles it; timers armed before (same event, earlier RTO) do not double it again.
                s_.rto = s_.rto > s_.config.max_rto - s_.rto ? s_.config.max_rto : clamp_rto(s_.rto * 2);
                if (s_.config.max_backoff < 32) {
                    const std::int64_t cap_ms = s_.base_rto.count_ms() << s_.config.max_backoff;
                    if (s_.rto.count_ms() > cap_ms) s_.rto = clamp_rto(duration::milliseconds(cap_ms));
                }
            }
            ++s_.stats.retransmissions;
            arm(m, now);
            return n;
        }
        if (s_.snd_new != s_.snd_next) {
            const std::uint16_t seq = s_.snd_new;
            out_slot& m = out_at(seq);
            auto n = encode_slot(seq, m, out);
            if (!n) return n;
            m.first_sent = now;
            arm(m, now);
            s_.snd_new = static_cast<std::uint16_t>(s_.snd_new + 1);
            ++s_.stats.messages_sent;
            return n;
        }
        return std::size_t{0};
    }

    // ---- receiver -------------------------------------------------------------------------------

    /// A decrypted channel body arrived. A message is accepted (or counted as a duplicate or out of
    /// window) and makes an ack owed; an ack acknowledges messages in flight. Errors, with the
    /// channel unchanged apart from stats().malformed: truncated, invalid_length (oversize message,
    /// bytes after an ack), unsupported (unknown type), out_of_range (an ack claiming a sequence
    /// this end never sent), bad_state once failed (not counted).
    result<void> receive(std::span<const std::uint8_t> body, timestamp now) noexcept {
        if (s_.state != channel_state::open) return fail(error::bad_state);
        if (body.empty()) return malformed(error::truncated);
        if (body[0] == channel_type_message) {
            auto m = channel_message::decode(body);
            if (!m) return malformed(m.error());
            on_message(*m);
            return ok();
        }
        if (body[0] == channel_type_ack) {
            auto a = channel_ack::decode(body);
            if (!a) return malformed(a.error());
            return on_ack(*a, now);
        }
        return malformed(error::unsupported);
    }

    /// The next message in sequence order, if it has arrived. Its payload points into the
    /// channel and stays valid until pop_deliverable().
    std::optional<channel_message> deliverable() const noexcept {
        if (s_.rcv_deliver == s_.rcv_next) return std::nullopt;
        const in_slot& m = s_.in[s_.rcv_head];
        return channel_message{s_.rcv_deliver, m.context,
                               std::span<const std::uint8_t>(m.payload.data(), m.length)};
    }

    /// Drops the message deliverable() returned (wiping it); frees its place in the receive window.
    void pop_deliverable() noexcept {
        if (s_.rcv_deliver == s_.rcv_next) return;
        in_slot& m = s_.in[s_.rcv_head];
        crypto::secure_wipe(m.payload.data(), m.length);
        m = in_slot{};
        s_.rcv_head = (s_.rcv_head + 1) % Window;
        s_.rcv_deliver = static_cast<std::uint16_t>(s_.rcv_deliver + 1);
    }

    /// The sequence of a message the peer has received in order (its ack's cumulative part passed
    /// it, so the peer hands it to its application even if the link dies now), in sequence order;
    /// each sequence sent is confirmed exactly once. A selectively acknowledged message is
    /// confirmed only once the gap before it is filled.
    std::optional<std::uint16_t> pop_acknowledged() noexcept {
        if (s_.confirmed_count == 0) return std::nullopt;
        const std::uint16_t seq = s_.confirmed[s_.confirmed_head];
        s_.confirmed_head = (s_.confirmed_head + 1) % Window;
        --s_.confirmed_count;
        return seq;
    }

    /// How many acknowledged sequences pop_acknowledged() has yet to return.
    std::size_t acknowledged_waiting() const noexcept { return s_.confirmed_count; }

    // ---- time and state -------------------------------------------------------------------------

    /// When to call poll_transmit() next: timestamp{} when something is due now, the earliest
    /// retransmission timer otherwise, timestamp::max() when idle or failed.
    timestamp next_deadline() const noexcept {
        if (s_.state != channel_state::open) return timestamp::max();
        if (s_.ack_owed || s_.snd_new != s_.snd_next) return timestamp{};
        timestamp t = timestamp::max();
        const std::uint16_t sent = sent_count();
        for (std::uint16_t i = 0; i < sent; ++i) {
            const out_slot& m = out_at(seq_at(i));
            if (m.acked) continue;
            if (m.fast) return timestamp{};
            if (m.deadline < t) t = m.deadline;
        }
        return t;
    }

    channel_state state() const noexcept { return s_.state; }
    bool failed() const noexcept { return s_.state == channel_state::failed; }
    /// Sequences in the send window: from the oldest unacknowledged message to the newest queued
    /// (messages acknowledged selectively in between still count). Never above Window.
    std::size_t in_flight() const noexcept { return static_cast<std::uint16_t>(s_.snd_next - s_.snd_base); }
    /// Messages sent or queued and not yet acknowledged.
    std::size_t unacknowledged() const noexcept { return s_.unacked; }
    /// Current retransmission timeout, including backoff.
    duration rto() const noexcept { return s_.rto; }
    /// Smoothed RTT and RTT variation (RFC 6298), rounded to ms; zero before the first sample.
    duration srtt() const noexcept { return duration::milliseconds((s_.srtt_us + 500) / 1000); }
    duration rttvar() const noexcept { return duration::milliseconds((s_.rttvar_us + 500) / 1000); }
    const channel_stats& stats() const noexcept { return s_.stats; }

private:
    struct out_slot {
        timestamp first_sent{};  // the first transmission, for the RTT sample (Karn: used only if sent once)
        timestamp deadline{};
        duration timeout{};       // the RTO the current timer was armed with
        std::uint32_t tx_order = 0;  // transmission counter value at the last transmission
        std::uint16_t length = 0;
        std::uint16_t transmissions = 0;
        std::uint8_t context = 0;
        std::uint8_t later_acked = 0;  // messages transmitted after this one's last transmission, since acked
        bool acked = false;      // the peer has it (cumulative or selective ack): no more repeats
        bool confirmed = false;  // the peer has it and everything before it (cumulative ack)
        bool fast = false;  // due for a fast retransmission
        std::array<std::uint8_t, channel_mdu> payload{};
    };
    struct in_slot {
        std::uint16_t length = 0;
        std::uint8_t context = 0;
        bool present = false;
        std::array<std::uint8_t, channel_mdu> payload{};
    };
    struct state_t {
        channel_config config{};
        channel_state state = channel_state::open;
        channel_stats stats{};
        // RTT estimator (microseconds, so alpha = 1/8 and beta = 1/4 keep their precision).
        std::int64_t srtt_us = 0;
        std::int64_t rttvar_us = 0;
        bool have_rtt = false;
        duration rto{};
        duration base_rto{};  // the RTO before any backoff (last sample or the initial one)
        // Sender: [snd_base, snd_new) transmitted, [snd_new, snd_next) queued; snd_head is
        // snd_base's slot.
        std::uint16_t snd_base = 0;
        std::uint16_t snd_new = 0;
        std::uint16_t snd_next = 0;
        std::size_t snd_head = 0;
        std::size_t unacked = 0;
        std::uint32_t tx_counter = 0;
        std::array<std::uint16_t, Window> confirmed{};
        std::size_t confirmed_head = 0;
        std::size_t confirmed_count = 0;
        std::array<out_slot, Window> out{};
        // Receiver: [rcv_deliver, rcv_next) received in order, not yet popped; the window is
        // [rcv_deliver, rcv_deliver + Window); rcv_head is rcv_deliver's slot.
        std::uint16_t rcv_deliver = 0;
        std::uint16_t rcv_next = 0;
        std::size_t rcv_head = 0;
        bool ack_owed = false;
        std::array<in_slot, Window> in{};
    };

    /// Fast retransmission after this many later-sent messages are acknowledged (as TCP's 3
    /// duplicate acks, but counted in messages, so a duplicated ack does not count twice).
    static constexpr std::uint8_t fast_threshold = 3;

    // a - b as a signed distance modulo 2^16.
    static constexpr int serial(std::uint16_t a, std::uint16_t b) noexcept {
        return static_cast<std::int16_t>(static_cast<std::uint16_t>(a - b));
    }

    std::uint16_t sent_count() const noexcept { return static_cast<std::uint16_t>(s_.snd_new - s_.snd_base); }
    std::uint16_t seq_at(std::uint16_t offset) const noexcept {
        return static_cast<std::uint16_t>(s_.snd_base + offset);
    }
    std::size_t out_index(std::uint16_t seq) const noexcept {
        return (s_.snd_head + static_cast<std::uint16_t>(seq - s_.snd_base)) % Window;
    }
    out_slot& out_at(std::uint16_t seq) noexcept { return s_.out[out_index(seq)]; }
    const out_slot& out_at(std::uint16_t seq) const noexcept { return s_.out[out_index(seq)]; }
    in_slot& in_at(std::uint16_t seq) noexcept {
        return s_.in[(s_.rcv_head + static_cast<std::uint16_t>(seq - s_.rcv_deliver)) % Window];
    }
    const in_slot& in_at(std::uint16_t seq) const noexcept {
        return s_.in[(s_.rcv_head + static_cast<std::uint16_t>(seq - s_.rcv_deliver)) % Window];
    }

    std::uint32_t max_transmissions() const noexcept { return 1u + s_.config.max_retries; }

    duration clamp_rto(duration d) const noexcept {
        if (d < s_.config.min_rto) return s_.config.min_rto;
        if (d > s_.config.max_rto) return s_.config.max_rto;
        return d;
    }

    // RFC 6298 section 2: the first sample sets SRTT = R, RTTVAR = R/2; later ones update RTTVAR
    // (with the old SRTT) and then SRTT; RTO = SRTT + max(G, 4 RTTVAR), G = 1 ms. A new sample
    // also ends any backoff.
    void sample(duration r) noexcept {
        constexpr std::int64_t cap_ms = std::int64_t{1} << 40;  // keeps the us arithmetic in range
        std::int64_t ms = r.count_ms();
        if (ms < 0) ms = 0;
        if (ms > cap_ms) ms = cap_ms;
        const std::int64_t r_us = ms * 1000;
        if (!s_.have_rtt) {
            s_.srtt_us = r_us;
            s_.rttvar_us = r_us / 2;
            s_.have_rtt = true;
        } else {
            const std::int64_t err = s_.srtt_us > r_us ? s_.srtt_us - r_us : r_us - s_.srtt_us;
            s_.rttvar_us += (err - s_.rttvar_us) / 4;
            s_.srtt_us += (r_us - s_.srtt_us) / 8;
        }
        const std::int64_t k = 4 * s_.rttvar_us > 1000 ? 4 * s_.rttvar_us : 1000;
        const std::int64_t rto_us = s_.srtt_us + k;
        s_.rto = clamp_rto(duration::milliseconds((rto_us + 999) / 1000));
        s_.base_rto = s_.rto;
    }

    void arm(out_slot& m, timestamp now) noexcept {
        ++m.transmissions;
        m.fast = false;
        m.later_acked = 0;
        m.tx_order = ++s_.tx_counter;
        m.timeout = s_.rto;
        m.deadline = now + s_.rto;
    }

    result<std::size_t> encode_slot(std::uint16_t seq, const out_slot& m, std::span<std::uint8_t> out) const noexcept {
        return channel_message{seq, m.context, std::span<const std::uint8_t>(m.payload.data(), m.length)}.encode(out);
    }

    channel_ack current_ack() const noexcept {
        channel_ack a{s_.rcv_next, 0};
        for (std::uint32_t i = 0; i < 32; ++i) {
            const auto seq = static_cast<std::uint16_t>(s_.rcv_next + 1 + i);
            if (static_cast<std::uint16_t>(seq - s_.rcv_deliver) >= Window) break;
            if (in_at(seq).present) a.mask |= std::uint32_t{1} << i;
        }
        return a;
    }

    tl::unexpected<error> malformed(error e) noexcept {
        ++s_.stats.malformed;
        return fail(e);
    }

    void on_message(const channel_message& msg) noexcept {
        s_.ack_owed = true;  // also for duplicates: the ack that answered the first copy may be lost
        if (serial(msg.seq, s_.rcv_next) < 0) {
            ++s_.stats.duplicates;
            return;
        }
        if (static_cast<std::uint16_t>(msg.seq - s_.rcv_deliver) >= Window) {
            ++s_.stats.out_of_window;
            return;
        }
        in_slot& m = in_at(msg.seq);
        if (m.present) {
            ++s_.stats.duplicates;
            return;
        }
        m.present = true;
        m.context = msg.context;
        m.length = static_cast<std::uint16_t>(msg.payload.size());
        for (std::size_t i = 0; i < msg.payload.size(); ++i) m.payload[i] = msg.payload[i];
        ++s_.stats.messages_received;
        while (static_cast<std::uint16_t>(s_.rcv_next - s_.rcv_deliver) < Window && in_at(s_.rcv_next).present)
            s_.rcv_next = static_cast<std::uint16_t>(s_.rcv_next + 1);
    }

    result<void> on_ack(const channel_ack& a, timestamp now) noexcept {
        // Offsets from snd_base: [0, sent) transmitted and possibly in flight. `next` may lie behind
        // snd_base (a late or duplicated ack: old news, its cumulative part covers nothing here).
        // Validate first, so an impossible ack changes nothing: it may not claim a sequence at or
        // beyond snd_new, which was never transmitted.
        const int sent = sent_count();
        const int next_off = serial(a.next, s_.snd_base);
        if (next_off > sent) return malformed(error::out_of_range);
        for (int i = 0; i < 32; ++i)
            if ((a.mask >> i & 1u) != 0 && next_off + 1 + i >= sent) return malformed(error::out_of_range);
        ++s_.stats.acks_received;

        // Acknowledge, in sequence order, every message in flight the ack covers. A selective bit
        // only stops the message's repeats: the peer holds it but cannot hand it over before the
        // gap below it is filled, and a link that dies first takes it along. It is confirmed
        // (pop_acknowledged) once the cumulative part passes it: received in order.
        // RTT sample: the ack answers the newest transmission among the messages it covers (a
        // receiver acks every arrival). Sampled only when that transmission was a message's first
        // and only one (Karn) and the ack is its first news of it: an ack covering a message whose
        // own ack was lost is not that message's round trip but a later arrival's, and sampling it
        // from the message's send would add the wait in between (up to an RTO) to the estimate.
        bool any = false;
        bool have_newest = false;
        std::uint32_t newest_order = 0;
        bool sample_ok = false;
        timestamp sample_sent{};
        for (int k = 0; k < sent; ++k) {
            const int bit = k - next_off - 1;
            const bool cumulative = k < next_off;
            const bool covered = cumulative || (bit >= 0 && bit < 32 && (a.mask >> bit & 1u) != 0);
            const std::uint16_t seq = seq_at(static_cast<std::uint16_t>(k));
            out_slot& m = out_at(seq);
            if (cumulative && !m.confirmed) {
                m.confirmed = true;
                any = true;
                s_.confirmed[(s_.confirmed_head + s_.confirmed_count) % Window] = seq;
                ++s_.confirmed_count;
                ++s_.stats.messages_acked;
            }
            if (covered && (!have_newest || static_cast<std::int32_t>(m.tx_order - newest_order) > 0)) {
                have_newest = true;
                newest_order = m.tx_order;
                sample_ok = !m.acked && m.transmissions == 1;
                sample_sent = m.first_sent;
            }
            if (m.acked || !covered) continue;
            m.acked = true;
            any = true;
            // Every unacknowledged message transmitted before this one gains evidence of loss.
            for (int j = 0; j < sent; ++j) {
                out_slot& o = out_at(seq_at(static_cast<std::uint16_t>(j)));
                if (o.acked || static_cast<std::int32_t>(m.tx_order - o.tx_order) <= 0) continue;
                if (o.later_acked < 255) ++o.later_acked;
            }
            crypto::secure_wipe(m.payload.data(), m.length);
            --s_.unacked;
        }
        if (!any) {
            ++s_.stats.acks_stale;
            return ok();
        }
        // New progress ends any backoff, with or without a sample: the path delivers again. Left
        // doubled, the RTO of a lossy path whose acks mostly answer repeats (no sample) would stay
        // at its bound; the next clean sample refines it.
        if (sample_ok)
            sample(now - sample_sent);
        else
            s_.rto = s_.base_rto;
        for (int k = 0; k < sent; ++k) {
            out_slot& o = out_at(seq_at(static_cast<std::uint16_t>(k)));
            if (!o.acked && o.later_acked >= fast_threshold && o.transmissions < max_transmissions()) o.fast = true;
        }
        // Slide the window past the acknowledged prefix.
        while (s_.snd_base != s_.snd_new && out_at(s_.snd_base).confirmed) {
            out_at(s_.snd_base) = out_slot{};
            s_.snd_base = static_cast<std::uint16_t>(s_.snd_base + 1);
            s_.snd_head = (s_.snd_head + 1) % Window;
        }
        return ok();
    }

    void fail_channel() noexcept {
        s_.state = channel_state::failed;
        s_.ack_owed = false;
        crypto::secure_wipe_object(s_.out);
    }

    // Zeroes everything (no temporary: the state is tens of kB, too much for a small stack); all
    // zero is a valid state_t, and failed so that a moved-from channel takes no more work.
    void wipe() noexcept {
        crypto::secure_wipe_object(s_);
        s_.state = channel_state::failed;
    }

    state_t s_{};
};

}  // namespace nexus
