// libFuzzer target for the reliable channel (nexus/link/channel.hpp, docs/link.md "Reliable
// channel"). Two channels A and B are driven by a program read from the input; bodies either
// travel between them (or are dropped) or are made up by the fuzzer. Input: window byte (% 3:
// Window 1, 4 or 32), config byte (bits 0-1 max_retries, bits 2-7 initial RTT x 20 ms), then ops,
// one byte each plus operands; bit 3 of the op byte is the side (0 A, 1 B):
//
//   0 raw: length byte, bytes, to receive()
//   1 message: seq (2), context, length byte, payload: a well-formed message body
//   2 ack: next (2), mask (4): a well-formed ack body
//   3 send: context, length byte (x 2, capped at channel_mdu + 1), payload from the input
//   4 poll: buffer size byte (0 = full size), forward byte (bit 0: hand the body to the peer)
//   5 take: pop every deliverable message and every confirmation
//   6 time: advance the clock by a u16 of ms (x 64 when bit 4 of the op byte is set)
//   7 run: poll both sides until quiet, delivering everything, at the next deadline
//
// Invariants: nothing crashes and every rejection is an error value; in_flight() and
// unacknowledged() never exceed Window; send() numbers messages 0, 1, 2 ... and never reuses a
// sequence that is still outstanding; every message body polled out is a message this side sent
// and not yet confirmed, with its payload and context; every ack polled out marks only sequences a
// Window could hold; deliverable sequences are consecutive from 0 and each carries one of the
// bodies received for that sequence; each sent sequence is confirmed at most once; a failed
// channel stays failed and takes nothing.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/link/channel.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;
constexpr std::size_t max_ops = 256;

struct sent_record {
    std::uint8_t context = 0;
    bytes payload;
};

template <std::size_t W>
struct side {
    nexus::channel<W> ch;
    std::map<std::uint16_t, sent_record> outstanding;      // sent, not yet confirmed
    std::uint64_t sends = 0;                               // successful send() calls
    std::uint64_t delivered = 0;                           // messages taken, in order
    std::map<std::uint16_t, std::vector<bytes>> received;  // every message body accepted by receive()

    side(nexus::duration rtt, const nexus::channel_config& c) : ch(rtt, c) {}
};

template <std::size_t W>
struct harness {
    std::array<side<W>, 2> s;
    nexus::timestamp now = nexus::timestamp::from_ms(1'000'000);
    std::array<std::uint8_t, 4 + nexus::channel_mdu> buf{};

    harness(nexus::duration rtt, const nexus::channel_config& c) : s{side<W>(rtt, c), side<W>(rtt, c)} {}

    std::array<bool, 2> failed_seen{};

    void check(int who) {
        auto& x = s[static_cast<std::size_t>(who)];
        if (failed_seen[static_cast<std::size_t>(who)]) NEXUS_FUZZ_CHECK(x.ch.failed());
        failed_seen[static_cast<std::size_t>(who)] = x.ch.failed();
        NEXUS_FUZZ_CHECK(x.ch.in_flight() <= W);
        NEXUS_FUZZ_CHECK(x.ch.unacknowledged() <= W);
        NEXUS_FUZZ_CHECK(x.ch.unacknowledged() <= x.outstanding.size());
        NEXUS_FUZZ_CHECK(x.ch.rto() >= nexus::duration::milliseconds(1));
        if (x.ch.failed()) NEXUS_FUZZ_CHECK(x.ch.next_deadline() == nexus::timestamp::max());
    }

    // `message`: a well-formed message body, which an open channel must take.
    void receive(int who, std::span<const std::uint8_t> body, bool message = false) {
        auto& x = s[static_cast<std::size_t>(who)];
        const bytes copy(body.begin(), body.end());  // exact size, so ASan sees any overread
        const bool was_failed = x.ch.failed();
        const auto malformed = x.ch.stats().malformed;
        auto r = x.ch.receive(copy, now);
        if (was_failed) {
            NEXUS_FUZZ_CHECK(!r && r.error() == nexus::error::bad_state);
            return;
        }
        if (!r) {
            NEXUS_FUZZ_CHECK(!message);
            NEXUS_FUZZ_CHECK(x.ch.stats().malformed == malformed + 1);
            return;
        }
        NEXUS_FUZZ_CHECK(!copy.empty());
        if (copy[0] == nexus::channel_type_message) {
            auto m = nexus::channel_message::decode(copy);
            NEXUS_FUZZ_CHECK(m.has_value());
            auto& list = x.received[m->seq];
            if (list.size() < 64) list.emplace_back(copy.begin(), copy.end());
        } else {
            NEXUS_FUZZ_CHECK(copy[0] == nexus::channel_type_ack && copy.size() == nexus::channel_ack::wire_size);
        }
    }

    // One poll on `who`; returns the body (empty when nothing was due or the buffer was short).
    bytes poll(int who, std::size_t size) {
        auto& x = s[static_cast<std::size_t>(who)];
        const std::size_t n_buf = size == 0 || size > buf.size() ? buf.size() : size;
        auto n = x.ch.poll_transmit(now, std::span(buf).first(n_buf));
        if (!n) {
            NEXUS_FUZZ_CHECK(n.error() == nexus::error::buffer_too_small);
            return {};
        }
        if (*n == 0) return {};
        NEXUS_FUZZ_CHECK(!x.ch.failed());
        const bytes body(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
        if (body[0] == nexus::channel_type_message) {
            auto m = nexus::channel_message::decode(body);
            NEXUS_FUZZ_CHECK(m.has_value());
            auto it = x.outstanding.find(m->seq);
            NEXUS_FUZZ_CHECK(it != x.outstanding.end());
            NEXUS_FUZZ_CHECK(it->second.context == m->context);
            NEXUS_FUZZ_CHECK(std::equal(m->payload.begin(), m->payload.end(), it->second.payload.begin(),
                                        it->second.payload.end()));
        } else {
            auto a = nexus::channel_ack::decode(body);
            NEXUS_FUZZ_CHECK(a.has_value());
            // Stored sequences lie in [taken, taken + W) and next is at least `taken`, so no bit at
            // or beyond W - 1 can be set.
            NEXUS_FUZZ_CHECK((a->mask >> (W - 1)) == 0);
            NEXUS_FUZZ_CHECK(static_cast<std::uint16_t>(a->next - static_cast<std::uint16_t>(x.delivered)) <= W);
        }
        return body;
    }

    void send(int who, std::uint8_t ctx, std::span<const std::uint8_t> payload) {
        auto& x = s[static_cast<std::size_t>(who)];
        auto r = x.ch.send(ctx, payload, now);
        if (!r) {
            const auto e = r.error();
            NEXUS_FUZZ_CHECK(e == nexus::error::full || e == nexus::error::invalid_length ||
                             e == nexus::error::bad_state);
            NEXUS_FUZZ_CHECK((e == nexus::error::bad_state) == x.ch.failed());
            if (e == nexus::error::invalid_length) NEXUS_FUZZ_CHECK(payload.size() > nexus::channel_mdu);
            return;
        }
        NEXUS_FUZZ_CHECK(payload.size() <= nexus::channel_mdu);
        NEXUS_FUZZ_CHECK(*r == static_cast<std::uint16_t>(x.sends));
        NEXUS_FUZZ_CHECK(x.outstanding.find(*r) == x.outstanding.end());
        x.outstanding[*r] = sent_record{ctx, bytes(payload.begin(), payload.end())};
        ++x.sends;
    }

    void take(int who) {
        auto& x = s[static_cast<std::size_t>(who)];
        while (auto m = x.ch.deliverable()) {
            NEXUS_FUZZ_CHECK(m->seq == static_cast<std::uint16_t>(x.delivered));
            auto it = x.received.find(m->seq);
            NEXUS_FUZZ_CHECK(it != x.received.end());
            bool found = false;
            for (const auto& body : it->second) {
                auto d = nexus::channel_message::decode(body);
                if (d && d->context == m->context &&
                    std::equal(d->payload.begin(), d->payload.end(), m->payload.begin(), m->payload.end()))
                    found = true;
            }
            NEXUS_FUZZ_CHECK(found);
            x.received.erase(it);
            x.ch.pop_deliverable();
            ++x.delivered;
        }
        while (auto seq = x.ch.pop_acknowledged()) {
            auto it = x.outstanding.find(*seq);
            NEXUS_FUZZ_CHECK(it != x.outstanding.end());  // sent, and not confirmed before
            x.outstanding.erase(it);
        }
    }

    void run_until_quiet() {
        for (int round = 0; round < 64; ++round) {
            bool any = false;
            for (int who = 0; who < 2; ++who) {
                for (int i = 0; i < 80; ++i) {
                    const bytes b = poll(who, 0);
                    if (b.empty()) break;
                    any = true;
                    receive(1 - who, b);
                }
                take(who);
            }
            if (!any) {
                auto t = std::min(s[0].ch.next_deadline(), s[1].ch.next_deadline());
                if (t == nexus::timestamp::max()) return;
                if (t > now) now = t;
            }
        }
    }
};

template <std::size_t W>
int run(nexus::fuzz::input& in) {
    const std::uint8_t cfg_byte = in.byte();
    nexus::channel_config cfg;
    cfg.max_retries = static_cast<std::uint8_t>(cfg_byte & 3);
    harness<W> h(nexus::duration::milliseconds(20 * (cfg_byte >> 2)), cfg);
    std::array<std::uint8_t, 4 + nexus::channel_mdu + 1> scratch{};

    for (std::size_t op_i = 0; op_i < max_ops && in.remaining() > 0; ++op_i) {
        const std::uint8_t op = in.byte();
        const int who = (op >> 3) & 1;
        switch (op & 7) {
            case 0: {
                const auto body = in.take(in.byte());
                h.receive(who, body);
                break;
            }
            case 1: {
                const std::uint16_t seq = in.u16();
                const std::uint8_t ctx = in.byte();
                const auto payload = in.take(in.byte());
                auto n = nexus::channel_message{seq, ctx, payload}.encode(scratch);
                NEXUS_FUZZ_CHECK(n.has_value());
                h.receive(who, std::span(scratch).first(*n), true);
                break;
            }
            case 2: {
                const std::uint16_t next = in.u16();
                const std::uint32_t mask = static_cast<std::uint32_t>(in.u16()) << 16 | in.u16();
                auto n = nexus::channel_ack{next, mask}.encode(scratch);
                NEXUS_FUZZ_CHECK(n.has_value());
                h.receive(who, std::span(scratch).first(*n));
                break;
            }
            case 3: {
                const std::uint8_t ctx = in.byte();
                const std::size_t len = std::min<std::size_t>(std::size_t{in.byte()} * 2, nexus::channel_mdu + 1);
                std::fill(scratch.begin(), scratch.end(), std::uint8_t{0});
                in.fill(std::span(scratch).first(std::min<std::size_t>(len, 16)));
                scratch[len > 0 ? len - 1 : 0] ^= static_cast<std::uint8_t>(op_i);
                h.send(who, ctx, std::span(scratch).first(len));
                break;
            }
            case 4: {
                const std::size_t size = in.byte();
                const std::uint8_t forward = in.byte();
                const bytes b = h.poll(who, size);
                if (!b.empty() && (forward & 1)) h.receive(1 - who, b);
                break;
            }
            case 5:
                h.take(who);
                break;
            case 6: {
                const std::int64_t t = in.u16();
                h.now += nexus::duration::milliseconds((op & 0x10) ? t * 64 : t);
                break;
            }
            case 7:
                h.run_until_quiet();
                break;
        }
        h.check(0);
        h.check(1);
    }
    return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    nexus::fuzz::input in(data, size);
    switch (in.byte() % 3) {
        case 0:
            return run<1>(in);
        case 1:
            return run<4>(in);
        default:
            return run<32>(in);
    }
}
