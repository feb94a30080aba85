// nexus::sim medium: a deterministic discrete-event model of the links between nexus nodes.
//
// A research and test tool, outside the core rules of include/nexus: it allocates (std::vector,
// std::deque, std::function) and is not meant for a microcontroller. What it models:
//   - a virtual clock in microseconds (now() gives the nexus::timestamp, in ms, that nodes see);
//   - an event queue ordered by (time, sequence number): events at the same instant run in the
//     order they were scheduled, so a run depends only on its inputs and its seed;
//   - links between ports (node, interface). A frame sent on a port goes out on every up link
//     attached to that port (several links on one port = a broadcast radio). Each link has a
//     bitrate (serialisation delay = 8 * bytes / bitrate), a propagation latency, a loss
//     probability (drawn from the medium's own seeded PRNG), and a duplex mode:
//       full  - each direction has its own transmitter: frames in one direction serialise one
//               after another, the two directions are independent;
//       half  - one channel per link shared by both directions: a frame cannot start while the
//               channel is busy in either direction; it waits in the link's FIFO queue.
//     A link with LoRa parameters is half duplex and its serialisation time is the Semtech
//     SX127x time on air (lora_airtime_us below) instead of 8 * bytes / bitrate
//     (spec/protocol.md, "Congestion control": half-duplex LoRa links).
//   - per-link and per-traffic-class counters (the class comes from a classifier on the bytes;
//     the default one reads the packet type and destination type bits of byte 0, wire/packet.hpp);
//   - nodes that join, leave and crash: a node that is down has its queued frames discarded, a
//     frame it is transmitting is cut off (lost), and frames addressed to it are lost.
//   - topologies: line, grid, random geometric (seeded), edge list.
// Not modelled: collisions between links, hidden terminals, capture effect, bit errors as a
// function of frame length, CSMA back-off (see docs/sim.md).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <span>
#include <utility>
#include <vector>

#include "nexus/core/reference_policies.hpp"
#include "nexus/core/time.hpp"
#include "nexus/node.hpp"

namespace nexus::sim {

using node_id = std::uint32_t;
using link_id = std::uint32_t;
using sim_time = std::uint64_t;  ///< microseconds since the start of the simulation

inline constexpr sim_time us_per_ms = 1000;
inline constexpr sim_time us_per_s = 1000 * us_per_ms;
constexpr sim_time from_ms(std::uint64_t ms) noexcept { return ms * us_per_ms; }
constexpr sim_time from_seconds(double s) noexcept { return static_cast<sim_time>(s * 1e6 + 0.5); }

/// One end of a link: a node and one of its interfaces.
struct port {
    node_id node = 0;
    interface_id iface = 0;
    friend constexpr bool operator==(const port&, const port&) noexcept = default;
};

// ---- LoRa time on air --------------------------------------------------------------------------

/// Semtech SX127x modem settings. coding_rate is the n of 4/(4+n): 1 = 4/5 ... 4 = 4/8.
struct lora_params {
    unsigned spreading_factor = 7;     ///< 6..12
    std::uint32_t bandwidth_hz = 125'000;
    unsigned coding_rate = 1;          ///< 1..4 for CR 4/5..4/8
    unsigned preamble_symbols = 8;
    bool crc = true;
    bool implicit_header = false;
    /// Low data rate optimisation: -1 = automatic (on when a symbol lasts more than 16 ms, as
    /// Semtech requires for SF11/SF12 at 125 kHz), 0 = off, 1 = on.
    int low_data_rate_optimize = -1;
};

/// Time on air in microseconds of a `payload_bytes` LoRa frame (SX1276 datasheet, section 4.1.1.7):
///   T_sym      = 2^SF / BW
///   T_preamble = (n_preamble + 4.25) * T_sym
///   n_payload  = 8 + max(ceil((8 PL - 4 SF + 28 + 16 CRC - 20 IH) / (4 (SF - 2 DE))) * (CR + 4), 0)
///   T_packet   = T_preamble + n_payload * T_sym
/// with PL the payload length in bytes, CRC = 1 when the payload CRC is on, IH = 1 for implicit
/// header mode, DE = 1 with low data rate optimisation, CR = 1..4 for 4/5..4/8.
/// E.g. SF7 / 125 kHz / 4/5, 20 bytes: 12.544 + 43 * 1.024 = 56.576 ms; SF12 / 125 kHz / 4/5,
/// 51 bytes: 401.408 + 63 * 32.768 = 2465.792 ms.
inline double lora_airtime_ms(const lora_params& p, std::size_t payload_bytes) noexcept {
    const double t_sym = std::ldexp(1.0, static_cast<int>(p.spreading_factor)) / static_cast<double>(p.bandwidth_hz) * 1e3;
    const bool de = p.low_data_rate_optimize < 0 ? t_sym > 16.0 : p.low_data_rate_optimize != 0;
    const double t_preamble = (static_cast<double>(p.preamble_symbols) + 4.25) * t_sym;
    const double num = 8.0 * static_cast<double>(payload_bytes) - 4.0 * p.spreading_factor + 28.0 + (p.crc ? 16.0 : 0.0) -
                       (p.implicit_header ? 20.0 : 0.0);
    const double den = 4.0 * (static_cast<double>(p.spreading_factor) - (de ? 2.0 : 0.0));
    const double blocks = std::max(std::ceil(num / den) * (p.coding_rate + 4.0), 0.0);
    return t_preamble + (8.0 + blocks) * t_sym;
}
inline sim_time lora_airtime_us(const lora_params& p, std::size_t payload_bytes) noexcept {
    return static_cast<sim_time>(std::llround(lora_airtime_ms(p, payload_bytes) * 1e3));
}

// ---- links ----------------------------------------------------------------------------------------

enum class duplex : std::uint8_t { full, half };

struct link_params {
    std::uint64_t bitrate_bps = 1'000'000;  ///< 0 = no serialisation delay
    sim_time latency_us = 0;                ///< propagation delay, added after serialisation
    double loss = 0.0;                      ///< probability that a frame is lost, 0..1
    duplex mode = duplex::full;
    bool lora = false;                      ///< time on air from `lora_settings` (implies half duplex)
    lora_params lora_settings{};
    std::size_t queue_limit = 256;          ///< frames waiting per channel; more are dropped
};

/// Traffic classes of the default classifier (byte 0 of a nexus packet, wire/packet.hpp; gossip
/// is a plain HEADER_1 data packet with context 0xF1, gossip/envelope.hpp).
enum class traffic : std::uint8_t { announce, link_request, proof, link_data, data, other, gossip };
inline constexpr std::size_t max_classes = 8;

/// Default classifier: packet type = byte0 & 3 (data 0, announce 1, link request 2, proof 3);
/// data to a destination of type link ((byte0 >> 2) & 3 == 3) is link data.
inline std::uint8_t classify_packet(std::span<const std::uint8_t> frame) noexcept {
    if (frame.empty()) return static_cast<std::uint8_t>(traffic::other);
    const std::uint8_t b = frame[0];
    switch (b & 3) {
        case 1: return static_cast<std::uint8_t>(traffic::announce);
        case 2: return static_cast<std::uint8_t>(traffic::link_request);
        case 3: return static_cast<std::uint8_t>(traffic::proof);
        default: break;
    }
    if (((b >> 2) & 3) == 2 && (b & 0x40) == 0 && frame.size() > 18 && frame[18] == 0xF1)
        return static_cast<std::uint8_t>(traffic::gossip);
    return static_cast<std::uint8_t>(((b >> 2) & 3) == 3 ? traffic::link_data : traffic::data);
}

/// The nominal one-hop latency of a link, in microseconds: its propagation latency plus the time
/// on air of a 255-byte frame (at its bitrate, or LoRa's airtime) -- what an integrator measures
/// as a hop's latency, and so what the simulated nodes' interface metrics say (a LoRa hop takes
/// hundreds of milliseconds even when propagation is instant).
inline sim_time nominal_latency_us(const link_params& p) noexcept {
    if (p.lora) return p.latency_us + lora_airtime_us(p.lora_settings, 255);
    const sim_time tx = p.bitrate_bps == 0 ? 0 : (255 * 8 * 1'000'000 + p.bitrate_bps - 1) / p.bitrate_bps;
    return p.latency_us + tx;
}

/// The nominal bit rate of a link: its bitrate, or for LoRa the payload rate of a 255-byte frame.
inline std::uint64_t nominal_bps(const link_params& p) noexcept {
    if (!p.lora) return p.bitrate_bps;
    const double ms = lora_airtime_ms(p.lora_settings, 255);
    return static_cast<std::uint64_t>(255.0 * 8.0 * 1000.0 / ms);
}

/// Frame and byte counts. "sent" counts frames that started transmission on a link, "delivered"
/// those handed to the receiving port; lost = dropped by the loss model; dropped = queue overflow,
/// link or node down (queued frames discarded, transmissions cut off, receiver down).
struct counters {
    std::uint64_t frames_sent = 0, bytes_sent = 0;
    std::uint64_t frames_delivered = 0, bytes_delivered = 0;
    std::uint64_t frames_lost = 0, frames_dropped = 0;
    sim_time busy_us = 0;  ///< total serialisation / air time
    friend bool operator==(const counters&, const counters&) noexcept = default;
};

/// Undirected edges between node indices, with optional positions (random geometric).
struct topology {
    std::size_t nodes = 0;
    std::vector<std::pair<node_id, node_id>> edges;
    std::vector<std::pair<double, double>> positions;
};

/// 0 - 1 - ... - n-1.
inline topology line_topology(std::size_t n) {
    topology t;
    t.nodes = n;
    for (std::size_t i = 1; i < n; ++i) t.edges.emplace_back(static_cast<node_id>(i - 1), static_cast<node_id>(i));
    return t;
}

/// w x h nodes, row-major (node = y * w + x), 4-neighbour edges.
inline topology grid_topology(std::size_t w, std::size_t h) {
    topology t;
    t.nodes = w * h;
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
            const auto id = static_cast<node_id>(y * w + x);
            if (x + 1 < w) t.edges.emplace_back(id, id + 1);
            if (y + 1 < h) t.edges.emplace_back(id, static_cast<node_id>(id + w));
        }
    return t;
}

/// n nodes uniform in the unit square (from `seed`), an edge when their distance is below r.
/// Cells of side r keep it O(n * degree).
inline topology random_geometric_topology(std::size_t n, double r, std::uint64_t seed) {
    topology t;
    t.nodes = n;
    seeded_random rng(seed);
    const auto unit = [&] { return static_cast<double>(rng.next_u64() >> 11) * 0x1.0p-53; };
    for (std::size_t i = 0; i < n; ++i) {
        const double x = unit();
        const double y = unit();
        t.positions.emplace_back(x, y);
    }
    const auto cells = static_cast<std::size_t>(std::max(1.0, std::floor(1.0 / r)));
    std::vector<std::vector<node_id>> grid(cells * cells);
    const auto cell_of = [&](double v) { return std::min(cells - 1, static_cast<std::size_t>(v * static_cast<double>(cells))); };
    for (std::size_t i = 0; i < n; ++i)
        grid[cell_of(t.positions[i].second) * cells + cell_of(t.positions[i].first)].push_back(static_cast<node_id>(i));
    for (std::size_t i = 0; i < n; ++i) {
        const auto cx = cell_of(t.positions[i].first), cy = cell_of(t.positions[i].second);
        for (std::size_t y = cy == 0 ? 0 : cy - 1; y <= std::min(cells - 1, cy + 1); ++y)
            for (std::size_t x = cx == 0 ? 0 : cx - 1; x <= std::min(cells - 1, cx + 1); ++x)
                for (node_id j : grid[y * cells + x]) {
                    if (j <= i) continue;
                    const double dx = t.positions[i].first - t.positions[j].first;
                    const double dy = t.positions[i].second - t.positions[j].second;
                    if (dx * dx + dy * dy < r * r) t.edges.emplace_back(static_cast<node_id>(i), j);
                }
    }
    std::sort(t.edges.begin(), t.edges.end());
    return t;
}

inline topology edge_list_topology(std::size_t n, std::vector<std::pair<node_id, node_id>> edges) {
    topology t;
    t.nodes = n;
    t.edges = std::move(edges);
    return t;
}

/// How a topology's edges map to interfaces: one interface per edge at each end (point-to-point
/// cables; a transport node forwards between them), or interface 0 shared by all of a node's
/// edges (a broadcast radio: one send reaches every neighbour).
enum class port_mode : std::uint8_t { per_edge, shared };

// ---- the medium -----------------------------------------------------------------------------------

class medium {
public:
    /// Called when a frame reaches a port.
    using deliver_fn = std::function<void(port to, std::span<const std::uint8_t> frame, link_id via)>;
    using classifier_fn = std::function<std::uint8_t(std::span<const std::uint8_t>)>;

    explicit medium(std::uint64_t seed = 1) : rng_(seed), classify_(classify_packet) {}

    medium(const medium&) = delete;
    medium& operator=(const medium&) = delete;

    // -- clock and events --
    sim_time now_us() const noexcept { return now_; }
    timestamp now() const noexcept { return timestamp::from_ms(now_ / us_per_ms); }
    std::uint64_t events_run() const noexcept { return events_run_; }
    bool idle() const noexcept { return queue_.empty(); }
    /// Runs `fn` at time `at` (not before now).
    void schedule(sim_time at, std::function<void()> fn) { push(std::max(at, now_), record{kind::callback, 0, {}, std::move(fn)}); }
    void schedule_in(sim_time delay, std::function<void()> fn) { schedule(now_ + delay, std::move(fn)); }

    /// Runs the next event; false when there is none.
    bool step() {
        if (queue_.empty()) return false;
        const entry e = queue_.top();
        queue_.pop();
        now_ = e.at;
        ++events_run_;
        record r = std::move(records_[e.index]);
        records_[e.index] = record{};
        free_.push_back(e.index);
        if (r.cancelled) return true;
        switch (r.k) {
            case kind::callback:
                r.fn();
                break;
            case kind::tx_end:
                on_tx_end(r.link, r.channel);
                break;
            case kind::deliver:
                handle_deliver(r);
                break;
        }
        return true;
    }
    /// Runs every event up to and including time `t`; the clock ends at t.
    void run_until(sim_time t) {
        while (!queue_.empty() && queue_.top().at <= t) step();
        now_ = std::max(now_, t);
    }
    void run_for(sim_time d) { run_until(now_ + d); }
    /// Runs until no event is left (or `limit` events ran).
    void run(std::uint64_t limit = ~std::uint64_t{0}) {
        for (std::uint64_t i = 0; i < limit && step(); ++i) {
        }
    }

    // -- configuration --
    void on_deliver(deliver_fn fn) { deliver_ = std::move(fn); }
    void set_classifier(classifier_fn fn) { classify_ = std::move(fn); }
    seeded_random& rng() noexcept { return rng_; }

    node_id add_node() {
        nodes_.push_back(node_state{});
        return static_cast<node_id>(nodes_.size() - 1);
    }
    std::size_t node_count() const noexcept { return nodes_.size(); }
    /// Interfaces a node has links on (1 + the highest interface id used), for the glue.
    std::size_t interfaces_of(node_id n) const noexcept { return nodes_.at(n).interfaces; }
    bool node_up(node_id n) const noexcept { return nodes_.at(n).up; }
    /// The links attached to a port (several: a broadcast medium).
    std::vector<link_id> links_of(port p) const {
        std::vector<link_id> out;
        for (link_id l : nodes_.at(p.node).links)
            if (links_[l].ends[0] == p || links_[l].ends[1] == p) out.push_back(l);
        return out;
    }

    link_id connect(port a, port b, const link_params& params) {
        link_state l;
        l.ends = {a, b};
        l.params = params;
        if (params.lora) l.params.mode = duplex::half;
        links_.push_back(std::move(l));
        const auto id = static_cast<link_id>(links_.size() - 1);
        for (port p : {a, b}) {
            auto& n = nodes_.at(p.node);
            n.interfaces = std::max<std::size_t>(n.interfaces, std::size_t{p.iface} + 1);
            n.links.push_back(id);
        }
        return id;
    }

    /// Adds the topology's nodes (when there are fewer) and its edges; returns the link ids.
    std::vector<link_id> build(const topology& t, const link_params& params, port_mode mode = port_mode::per_edge) {
        while (nodes_.size() < t.nodes) add_node();
        std::vector<std::size_t> next_iface(nodes_.size(), 0);
        for (std::size_t i = 0; i < nodes_.size(); ++i) next_iface[i] = nodes_[i].interfaces;
        std::vector<link_id> ids;
        ids.reserve(t.edges.size());
        for (auto [a, b] : t.edges) {
            port pa{a, 0}, pb{b, 0};
            if (mode == port_mode::per_edge) {
                pa.iface = static_cast<interface_id>(next_iface[a]++);
                pb.iface = static_cast<interface_id>(next_iface[b]++);
            }
            ids.push_back(connect(pa, pb, params));
        }
        return ids;
    }

    std::size_t link_count() const noexcept { return links_.size(); }
    std::pair<port, port> link_ends(link_id l) const { return {links_.at(l).ends[0], links_.at(l).ends[1]}; }
    const link_params& params(link_id l) const { return links_.at(l).params; }
    bool link_up(link_id l) const { return links_.at(l).up && nodes_[links_[l].ends[0].node].up && nodes_[links_[l].ends[1].node].up; }

    /// Takes a link down (its queues are discarded, frames in transmission lost) or up again.
    void set_link_up(link_id l, bool up) {
        auto& s = links_.at(l);
        if (s.up == up) return;
        s.up = up;
        if (!up) flush_link(l, std::nullopt);
    }

    /// Changes a link's frame loss probability (0..1) from now on, e.g. to load a converged mesh.
    void set_loss(link_id l, double loss) { links_.at(l).params.loss = std::clamp(loss, 0.0, 1.0); }

    /// A node stops: queued frames vanish, its transmissions are cut off, nothing reaches it.
    void crash(node_id n) { take_down(n); }
    /// The same at the medium's level (the glue tells crash and leave apart).
    void leave(node_id n) { take_down(n); }
    /// The node is back; its links work again (with empty queues).
    void join(node_id n) { nodes_.at(n).up = true; }

    /// Sends a frame from a port on every up link attached to it. Returns the number of links
    /// it was queued on.
    std::size_t send(port from, std::span<const std::uint8_t> frame) { return send_except(from.node, from.iface, all_interfaces, frame); }

    /// The glue's form: `iface` = one interface, or all_interfaces = every interface but `except`.
    std::size_t send_except(node_id from, interface_id iface, interface_id except, std::span<const std::uint8_t> frame) {
        const auto& n = nodes_.at(from);
        if (!n.up) return 0;
        std::size_t queued = 0;
        std::shared_ptr<const std::vector<std::uint8_t>> bytes;
        for (link_id l : n.links) {
            auto& s = links_[l];
            for (int side = 0; side < 2; ++side) {
                const port p = s.ends[side];
                if (p.node != from) continue;
                const bool match = iface == all_interfaces ? p.iface != except : p.iface == iface;
                if (!match) continue;
                if (!bytes) bytes = std::make_shared<const std::vector<std::uint8_t>>(frame.begin(), frame.end());
                if (enqueue(l, side, bytes)) ++queued;
            }
        }
        return queued;
    }

    // -- counters --
    /// Per link, both directions together.
    const counters& link_counters(link_id l) const { return links_.at(l).total; }
    /// Per link and traffic class.
    const counters& link_class_counters(link_id l, std::uint8_t c) const { return links_.at(l).by_class.at(c); }
    /// Whole medium per traffic class.
    const counters& class_counters(std::uint8_t c) const { return by_class_.at(c); }
    const counters& class_counters(traffic c) const { return by_class_.at(static_cast<std::size_t>(c)); }
    counters total() const {
        counters t;
        for (const auto& c : by_class_) add(t, c);
        return t;
    }

private:
    enum class kind : std::uint8_t { callback, tx_end, deliver };
    struct record {
        kind k = kind::callback;
        link_id link = 0;
        std::shared_ptr<const std::vector<std::uint8_t>> frame;
        std::function<void()> fn;
        std::uint8_t channel = 0;
        std::uint8_t side = 0;  ///< sender's end of the link
        std::uint8_t cls = 0;
        bool cancelled = false;
        record() = default;
        record(kind k_, link_id l, std::shared_ptr<const std::vector<std::uint8_t>> f, std::function<void()> fn_)
            : k(k_), link(l), frame(std::move(f)), fn(std::move(fn_)) {}
    };
    struct entry {
        sim_time at;
        std::uint64_t seq;
        std::uint32_t index;
        bool operator>(const entry& o) const noexcept { return at != o.at ? at > o.at : seq > o.seq; }
    };
    struct queued {
        std::shared_ptr<const std::vector<std::uint8_t>> frame;
        std::uint8_t side = 0;
    };
    struct channel {
        std::deque<queued> waiting;
        bool busy = false;
        std::uint32_t tx_end_event = 0;   ///< records_ index of the running transmission's end
        std::uint32_t deliver_event = 0;  ///< ... and of its delivery (when not lost)
        bool has_delivery = false;
        std::uint8_t sender_side = 0;
    };
    struct link_state {
        std::array<port, 2> ends{};
        link_params params{};
        bool up = true;
        std::array<channel, 2> channels{};  ///< full duplex: one per sending side; half: [0] only
        counters total{};
        std::array<counters, max_classes> by_class{};
    };
    struct node_state {
        bool up = true;
        std::size_t interfaces = 0;
        std::vector<link_id> links;
    };

    static void add(counters& t, const counters& c) noexcept {
        t.frames_sent += c.frames_sent;
        t.bytes_sent += c.bytes_sent;
        t.frames_delivered += c.frames_delivered;
        t.bytes_delivered += c.bytes_delivered;
        t.frames_lost += c.frames_lost;
        t.frames_dropped += c.frames_dropped;
        t.busy_us += c.busy_us;
    }

    std::uint32_t push(sim_time at, record r) {
        std::uint32_t index;
        if (!free_.empty()) {
            index = free_.back();
            free_.pop_back();
            records_[index] = std::move(r);
        } else {
            index = static_cast<std::uint32_t>(records_.size());
            records_.push_back(std::move(r));
        }
        queue_.push(entry{at, seq_++, index});
        return index;
    }

    template <class F>
    void count(link_state& s, std::uint8_t cls, F&& f) {
        f(s.total);
        f(s.by_class[cls % max_classes]);
        f(by_class_[cls % max_classes]);
    }

    std::uint8_t classify(const std::vector<std::uint8_t>& f) const {
        return static_cast<std::uint8_t>(classify_(std::span<const std::uint8_t>(f.data(), f.size())) % max_classes);
    }

    sim_time tx_time(const link_params& p, std::size_t bytes) const noexcept {
        if (p.lora) return lora_airtime_us(p.lora_settings, bytes);
        if (p.bitrate_bps == 0) return 0;
        // Rounded up to the microsecond.
        return (static_cast<sim_time>(bytes) * 8 * 1'000'000 + p.bitrate_bps - 1) / p.bitrate_bps;
    }

    bool enqueue(link_id l, int side, const std::shared_ptr<const std::vector<std::uint8_t>>& frame) {
        auto& s = links_[l];
        if (!link_up(l)) {
            count(s, classify(*frame), [](counters& c) { ++c.frames_dropped; });
            return false;
        }
        auto& ch = s.channels[s.params.mode == duplex::full ? side : 0];
        if (!ch.busy) {
            start(l, ch, queued{frame, static_cast<std::uint8_t>(side)});
            return true;
        }
        if (ch.waiting.size() >= s.params.queue_limit) {
            count(s, classify(*frame), [](counters& c) { ++c.frames_dropped; });
            return false;
        }
        ch.waiting.push_back(queued{frame, static_cast<std::uint8_t>(side)});
        return true;
    }

    void start(link_id l, channel& ch, queued q) {
        auto& s = links_[l];
        const std::size_t size = q.frame->size();
        const sim_time t = tx_time(s.params, size);
        const std::uint8_t cls = classify(*q.frame);
        count(s, cls, [&](counters& c) {
            ++c.frames_sent;
            c.bytes_sent += size;
            c.busy_us += t;
        });
        ch.busy = true;
        ch.sender_side = q.side;
        const bool lost = s.params.loss > 0 &&
                          static_cast<double>(rng_.next_u64() >> 11) * 0x1.0p-53 < s.params.loss;
        record end(kind::tx_end, l, nullptr, {});
        end.channel = static_cast<std::uint8_t>(&ch - s.channels.data());
        ch.tx_end_event = push(now_ + t, std::move(end));
        ch.has_delivery = !lost;
        if (lost) {
            count(s, cls, [](counters& c) { ++c.frames_lost; });
            return;
        }
        record d(kind::deliver, l, std::move(q.frame), {});
        d.side = q.side;
        d.cls = cls;
        ch.deliver_event = push(now_ + t + s.params.latency_us, std::move(d));
    }

    void on_tx_end(link_id l, std::uint8_t c) {
        auto& s = links_[l];
        auto& ch = s.channels[c];
        ch.busy = false;
        ch.has_delivery = false;  // the frame is fully on its way: a crash no longer cuts it
        if (ch.waiting.empty()) return;
        queued q = std::move(ch.waiting.front());
        ch.waiting.pop_front();
        start(l, ch, std::move(q));
    }

    void handle_deliver(record& r) {
        auto& s = links_[r.link];
        const port to = s.ends[1 - r.side];
        if (!s.up || !nodes_[to.node].up) {
            count(s, r.cls, [](counters& c) { ++c.frames_dropped; });
            return;
        }
        const std::size_t size = r.frame->size();
        count(s, r.cls, [&](counters& c) {
            ++c.frames_delivered;
            c.bytes_delivered += size;
        });
        if (deliver_) deliver_(to, std::span<const std::uint8_t>(r.frame->data(), size), r.link);
    }

    /// Discards a link's queued frames (all, or only those sent from `side`) and cuts off the
    /// transmissions in progress from them.
    void flush_link(link_id l, std::optional<std::uint8_t> side) {
        auto& s = links_[l];
        for (auto& ch : s.channels) {
            std::deque<queued> keep;
            for (auto& q : ch.waiting) {
                if (!side || q.side == *side)
                    count(s, classify(*q.frame), [](counters& c) { ++c.frames_dropped; });
                else
                    keep.push_back(std::move(q));
            }
            ch.waiting.swap(keep);
            if (ch.busy && (!side || ch.sender_side == *side)) {
                records_[ch.tx_end_event].cancelled = true;
                if (ch.has_delivery) {
                    auto& d = records_[ch.deliver_event];
                    d.cancelled = true;
                    count(s, d.cls, [](counters& c) { ++c.frames_dropped; });
                }
                ch.busy = false;
                ch.has_delivery = false;
                // The channel is free: whatever the other side still has queued may go.
                if (!ch.waiting.empty() && link_up(l)) {
                    queued q = std::move(ch.waiting.front());
                    ch.waiting.pop_front();
                    start(l, ch, std::move(q));
                }
            }
        }
    }

    void take_down(node_id n) {
        auto& st = nodes_.at(n);
        if (!st.up) return;
        st.up = false;
        for (link_id l : st.links) {
            auto& s = links_[l];
            for (std::uint8_t side = 0; side < 2; ++side)
                if (s.ends[side].node == n) flush_link(l, side);
        }
        // Frames waiting on the far side of its links can no longer go anywhere useful, but they
        // stay queued: a node crashing does not clear its neighbours' radios. They are counted as
        // dropped when they arrive (receiver down).
    }

    sim_time now_ = 0;
    std::uint64_t seq_ = 0;
    std::uint64_t events_run_ = 0;
    std::priority_queue<entry, std::vector<entry>, std::greater<entry>> queue_;
    std::vector<record> records_;
    std::vector<std::uint32_t> free_;
    seeded_random rng_;
    classifier_fn classify_;
    deliver_fn deliver_;
    std::vector<node_state> nodes_;
    std::vector<link_state> links_;
    std::array<counters, max_classes> by_class_{};
};

}  // namespace nexus::sim
