// What a node tells its application: the event kinds and the one event queue every agent of the
// node writes to (DESIGN §3.9), so the application reads them from poll() in the order they
// happened -- a link's establishment before its first data, its data before its close.
//
// Events that only inform (an announce heard, a packet forwarded for someone else) are dropped when
// the queue is full and counted (node_stats::events_dropped); the state they report is readable from
// the node at any time. Events about the application's own links are never dropped: an agent checks
// room() before it takes in a packet whose event it could not queue, and refuses the packet instead
// (counted as a loss, like one on a lossy hop: the peer's reliable channel sends it again). Messages
// the reliable channel has accepted wait inside it until the queue has room, so none is lost.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/core/result.hpp"
#include "nexus/core/ring_buffer.hpp"
#include "nexus/identity/hash_profile.hpp"
#include "nexus/link/link.hpp"

namespace nexus {

using interface_id = std::uint8_t;
/// pop_outgoing: a flood (every interface but `except`); also "none" for `except`.
inline constexpr interface_id all_interfaces = 0xFF;

enum class node_event_kind : std::uint8_t {
    none,
    announce,          ///< a valid announce arrived (destination, hops, app data)
    link_request,      ///< a peer opened a link to one of our destinations (link id)
    link_established,  ///< a link became active
    link_identified,   ///< the initiator of an incoming link identified (remote identity)
    link_data,         ///< a message on a link (link id, context, data; reliable: its sequence)
    link_rotated,      ///< a key rotation completed
    link_closed,       ///< a link closed (by the peer, by us, or a timeout: see reason)
    forwarded,         ///< a packet was forwarded for someone else
    link_delivered,    ///< the peer acknowledged a message of send_reliable (link id, sequence)
};

constexpr std::string_view to_string(node_event_kind k) noexcept {
    switch (k) {
        case node_event_kind::none:
            return "none";
        case node_event_kind::announce:
            return "announce";
        case node_event_kind::link_request:
            return "link_request";
        case node_event_kind::link_established:
            return "link_established";
        case node_event_kind::link_identified:
            return "link_identified";
        case node_event_kind::link_data:
            return "link_data";
        case node_event_kind::link_rotated:
            return "link_rotated";
        case node_event_kind::link_closed:
            return "link_closed";
        case node_event_kind::forwarded:
            return "forwarded";
        case node_event_kind::link_delivered:
            return "link_delivered";
    }
    return "unknown";
}

/// Whether an event of this kind may be dropped when the queue is full (header comment).
constexpr bool informational(node_event_kind k) noexcept {
    return k == node_event_kind::announce || k == node_event_kind::forwarded;
}

/// Event data (announce app data, a link message) never exceeds this many bytes.
inline constexpr std::size_t event_data_max = link_mdu;

struct node_event {
    node_event_kind kind = node_event_kind::none;
    truncated_hash id{};        ///< destination (announce, forwarded) or link id (link events)
    interface_id iface = 0;     ///< where it arrived / the link's interface
    std::uint8_t hops = 0;      ///< announce: distance in hops
    std::uint8_t context = 0;   ///< link data: the context byte the sender chose
    close_reason reason = close_reason::none;
    bool reliable = false;      ///< link data: it came over the link's reliable channel (in order, once)
    std::uint16_t sequence = 0;  ///< reliable link data / link_delivered: the message's channel sequence
    std::span<const std::uint8_t> data{};  ///< app data (announce) or the message (link data)
};

/// The node's one event queue: N events with their data, first in first out. pop() copies the oldest
/// into a buffer of its own, so the event's data stays valid until the next pop().
template <std::size_t N>
class event_queue {
public:
    static constexpr std::size_t capacity() noexcept { return N; }
    std::size_t size() const noexcept { return q_.size(); }
    bool empty() const noexcept { return q_.empty(); }
    std::size_t room() const noexcept { return N - q_.size(); }

    /// Queues an event (its data copied: at most event_data_max bytes). full when there is no room,
    /// invalid_length for oversized data; nothing is queued then.
    result<void> push(const node_event& ev) noexcept {
        if (ev.data.size() > event_data_max) return fail(error::invalid_length);
        if (q_.full()) return fail(error::full);
        entry e;
        e.ev = ev;
        e.ev.data = {};
        e.size = ev.data.size();
        for (std::size_t i = 0; i < e.size; ++i) e.bytes[i] = ev.data[i];
        return q_.push_back(e);
    }

    /// The oldest event (kind none when the queue is empty); its data lives until the next pop().
    node_event pop() noexcept {
        auto e = q_.pop_front();
        if (!e) return node_event{};
        current_ = *e;
        node_event ev = current_.ev;
        ev.data = std::span<const std::uint8_t>(current_.bytes.data(), current_.size);
        return ev;
    }

private:
    struct entry {
        node_event ev{};
        std::size_t size = 0;
        std::array<std::uint8_t, event_data_max> bytes{};
    };
    ring_buffer<entry, N> q_{};
    entry current_{};
};

}  // namespace nexus
