// nexus::sim mesh: real nexus::node instances (node.hpp) driven by the simulated medium
// (medium.hpp). A research and test tool: it allocates, unlike include/nexus.
//
// Each simulated node owns a nexus node and its seeded_random (seeded from the mesh seed and the
// node's index, so the same seed gives the same identities and the same run). The glue follows
// node.hpp's integrator loop:
//   - a frame the medium delivers to (node, iface) goes to node.receive(iface, bytes, now, ...);
//   - after every event at a node (a frame, a timer, an API call) the node is drained:
//     poll(now) until none and pop_outgoing(now) until size 0; each packet goes to the medium on
//     the interface it names, or on every interface but `except` for a flood;
//   - a timer event is kept at node.next_deadline() (at least 1 ms ahead, the node's clock
//     being in milliseconds).
// Interfaces are added to a node lazily, as many as the medium has links on for it.
// Node lifecycle: crash() loses the node's state (a restart with join() builds a fresh node with
// the same identity and destinations, as after a reboot without persisted paths or links);
// leave() freezes it (no frames, no timers) and join() resumes it with its state intact.
// Hooks run in the middle of draining a node: to crash, leave or join from one, schedule it with
// at(now_us(), ...) instead of calling it directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "nexus/core/reference_policies.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/node.hpp"
#include "nexus/sim/medium.hpp"
#include "nexus/sim/sim_profile.hpp"

namespace nexus::sim {

/// One event a node reported (a copy: data is owned).
struct event_record {
    sim_time at = 0;
    node_id node = 0;
    node_event_kind kind = node_event_kind::none;
    truncated_hash id{};
    interface_id iface = 0;
    std::uint8_t hops = 0;
    std::uint8_t context = 0;
    close_reason reason = close_reason::none;
    bool reliable = false;       ///< link data from the link's reliable channel
    std::uint16_t sequence = 0;  ///< reliable link data, link_delivered: the channel sequence
    std::vector<std::uint8_t> data;
    friend bool operator==(const event_record&, const event_record&) = default;
};

namespace mesh_detail {
template <class T>
struct identity_profile;
template <hash_profile P>
struct identity_profile<identity<P>> {
    using type = P;
};
}  // namespace mesh_detail

/// The default simulated node: sim_profile (nexus_profile's addresses and wire bytes, signature
/// checks shared between simulated nodes), seeded randomness, the Pi bridge's capacities.
using default_node = nexus::node<sim_profile, seeded_random, presets::pi_bridge>;
/// A node for routing research: the research preset (1,024 destinations, 4,096 paths, 16
/// interfaces, 32 neighbours).
using research_node = nexus::node<sim_profile, seeded_random, presets::research>;

/// A node configuration for meshes: transport, gossip and auto-announce on.
inline node_config mesh_config() {
    node_config c;
    c.transport = true;
    c.gossip = true;
    c.auto_announce = true;
    return c;
}

template <class Node = default_node>
class mesh {
public:
    using node_type = Node;
    using identity_type = std::remove_cvref_t<decltype(std::declval<const Node&>().self())>;
    using profile_type = typename mesh_detail::identity_profile<identity_type>::type;
    using hook_fn = std::function<void(const event_record&)>;

    explicit mesh(std::uint64_t seed = 1) : net_(mix(seed, 0xFFFF'FFFF'FFFFULL)), seed_(seed) {
        net_.on_deliver([this](port to, std::span<const std::uint8_t> frame, link_id) { on_frame(to, frame); });
    }
    mesh(const mesh&) = delete;
    mesh& operator=(const mesh&) = delete;

    medium& net() noexcept { return net_; }
    const medium& net() const noexcept { return net_; }
    sim_time now_us() const noexcept { return net_.now_us(); }
    timestamp now() const noexcept { return net_.now(); }

    // -- building --
    node_id add_node(const node_config& config = {}) {
        const node_id id = net_.add_node();
        sim_node s;
        s.config = config;
        s.seed = mix(seed_, id);
        nodes_.push_back(std::move(s));
        start(id);
        return id;
    }
    /// Adds the topology's nodes (all with `config`) and links.
    std::vector<link_id> build(const topology& t, const link_params& params, port_mode mode = port_mode::per_edge,
                               const node_config& config = {}) {
        while (nodes_.size() < t.nodes) add_node(config);
        auto ids = net_.build(t, params, mode);
        for (node_id i = 0; i < nodes_.size(); ++i) kick(i);
        return ids;
    }
    link_id connect(port a, port b, const link_params& params) {
        const link_id l = net_.connect(a, b, params);
        kick(a.node);
        kick(b.node);
        return l;
    }
    /// Schedules a drain of node i now (its timers and first-boot work, e.g. after a new link).
    void kick(node_id i) {
        net_.schedule(net_.now_us(), [this, i] { service(i); });
    }

    std::size_t size() const noexcept { return nodes_.size(); }
    /// The nexus node (null while crashed).
    Node* node(node_id i) noexcept { return nodes_.at(i).n.get(); }
    Node& operator[](node_id i) { return *nodes_.at(i).n; }
    seeded_random& rng(node_id i) { return *nodes_.at(i).rng; }

    /// Registers a destination on node i (re-registered after a crash and restart).
    truncated_hash add_destination(node_id i, std::string_view name, bool accept_links = true) {
        auto& s = nodes_.at(i);
        const auto nh = make_name_hash<profile_type>(name);
        s.destinations.push_back({nh, accept_links});
        return s.n->add_destination(nh, accept_links).value();
    }

    // -- actions (each drains the node afterwards) --
    result<void> announce(node_id i, const truncated_hash& dest, std::span<const std::uint8_t> app_data = {}) {
        auto& s = nodes_.at(i);
        if (!s.n || !net_.node_up(i)) return fail(error::bad_state);
        sync_interfaces(i);
        auto r = s.n->announce(dest, now(), app_data);
        service(i);
        return r;
    }
    /// Announces `dest` at `first` and every `period` after (skipped while the node is down).
    void announce_every(node_id i, const truncated_hash& dest, sim_time first, sim_time period) {
        net_.schedule(first, [this, i, dest, period] {
            (void)announce(i, dest);
            announce_every(i, dest, net_.now_us() + period, period);
        });
    }
    result<truncated_hash> open_link(node_id i, const truncated_hash& dest) {
        auto& s = nodes_.at(i);
        if (!s.n || !net_.node_up(i)) return fail(error::bad_state);
        sync_interfaces(i);
        auto r = s.n->open_link(dest, now());
        service(i);
        return r;
    }
    result<void> send(node_id i, const truncated_hash& link, std::span<const std::uint8_t> data,
                      std::uint8_t context = wire::context::none) {
        auto& s = nodes_.at(i);
        if (!s.n || !net_.node_up(i)) return fail(error::bad_state);
        auto r = s.n->send(link, data, now(), context);
        service(i);
        return r;
    }
    /// The same on the link's reliable channel (node::send_reliable): the message's sequence.
    result<std::uint16_t> send_reliable(node_id i, const truncated_hash& link, std::span<const std::uint8_t> data,
                                        std::uint8_t context = wire::context::none) {
        auto& s = nodes_.at(i);
        if (!s.n || !net_.node_up(i)) return fail(error::bad_state);
        auto r = s.n->send_reliable(link, data, now(), context);
        service(i);
        return r;
    }
    /// Runs `fn` at time `t` (then drains every node it may have touched: call service()).
    void at(sim_time t, std::function<void()> fn) { net_.schedule(t, std::move(fn)); }
    void run_until(sim_time t) { net_.run_until(t); }
    void run_for(sim_time d) { net_.run_for(d); }

    // -- lifecycle --
    void crash(node_id i) {
        net_.crash(i);
        auto& s = nodes_.at(i);
        s.n.reset();
        s.rng.reset();
        s.wake_at = never;
        ++s.incarnation;
    }
    void leave(node_id i) {
        net_.leave(i);
        nodes_.at(i).wake_at = never;
        ++nodes_.at(i).incarnation;
    }
    void join(node_id i) {
        net_.join(i);
        auto& s = nodes_.at(i);
        if (!s.n) start(i);
        service(i);
    }

    // -- observation --
    void on_event(hook_fn fn) { hook_ = std::move(fn); }
    /// Keeps every event in log() (off by default: the benchmark does not need it).
    void keep_log(bool on) { keep_log_ = on; }
    const std::vector<event_record>& log() const noexcept { return log_; }
    /// Frames a node refused (node.receive() errors), per node.
    std::uint64_t receive_errors(node_id i) const { return nodes_.at(i).receive_errors; }

    /// Drains a node: poll() until none, pop_outgoing() until empty, then re-arms its timer.
    void service(node_id i) {
        auto& s = nodes_.at(i);
        if (!s.n || !net_.node_up(i)) return;
        sync_interfaces(i);
        const timestamp t = now();
        for (int round = 0; round < 100000; ++round) {
            bool any = false;
            for (;;) {
                const node_event ev = s.n->poll(t);
                if (ev.kind == node_event_kind::none) break;
                emit(i, ev);
                any = true;
            }
            for (;;) {
                auto o = s.n->pop_outgoing(t, buffer_);
                if (!o || o->size == 0) break;
                net_.send_except(i, o->iface, o->except, std::span<const std::uint8_t>(buffer_.data(), o->size));
                any = true;
            }
            if (!any) break;
        }
        arm(i);
    }

private:
    static constexpr sim_time never = ~sim_time{0};

    struct sim_node {
        std::uint64_t seed = 0;
        node_config config{};
        std::unique_ptr<seeded_random> rng;
        std::unique_ptr<Node> n;
        std::size_t interfaces = 0;
        std::vector<std::pair<name_hash, bool>> destinations;
        sim_time wake_at = never;
        std::uint64_t incarnation = 0;
        std::uint64_t receive_errors = 0;
    };

    static std::uint64_t mix(std::uint64_t seed, std::uint64_t i) noexcept {
        std::uint64_t z = seed * 0x9e3779b97f4a7c15ULL + i + 0x632be59bd9b4e019ULL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    void start(node_id i) {
        auto& s = nodes_[i];
        seeded_random id_rng(s.seed);  // the same identity in every incarnation
        auto id = identity_type::generate(id_rng);
        s.rng = std::make_unique<seeded_random>(mix(s.seed, s.incarnation + 1));
        s.n = std::make_unique<Node>(static_cast<identity_type&&>(id), *s.rng, s.config);
        s.interfaces = 0;
        s.wake_at = never;
        for (const auto& [nh, accept] : s.destinations) (void)s.n->add_destination(nh, accept);
    }

    /// Adds the node's missing interfaces, each with the metrics of its links: the nominal rate
    /// and latency of the first link on the port, shared when several links use it.
    void sync_interfaces(node_id i) {
        auto& s = nodes_[i];
        while (s.interfaces < net_.interfaces_of(i)) {
            interface_metrics m;
            const auto links = net_.links_of(port{i, static_cast<interface_id>(s.interfaces)});
            if (!links.empty()) {
                const link_params& p = net_.params(links.front());
                m.bandwidth_bps = static_cast<std::uint32_t>(std::min<std::uint64_t>(nominal_bps(p), 0xFFFF'FFFFu));
                m.latency_ms = static_cast<std::uint16_t>(
                    std::min<sim_time>((nominal_latency_us(p) + us_per_ms - 1) / us_per_ms, 0xFFFF));
                m.shared = links.size() > 1;
            }
            if (!s.n->add_interface(m, now())) break;  // the node's capacity: further ports stay deaf
            ++s.interfaces;
        }
    }

    void on_frame(port to, std::span<const std::uint8_t> frame) {
        auto& s = nodes_[to.node];
        if (!s.n) return;
        sync_interfaces(to.node);
        if (!s.n->receive(to.iface, frame, now())) ++s.receive_errors;
        service(to.node);
    }

    void emit(node_id i, const node_event& ev) {
        if (!hook_ && !keep_log_) return;
        event_record r;
        r.at = net_.now_us();
        r.node = i;
        r.kind = ev.kind;
        r.id = ev.id;
        r.iface = ev.iface;
        r.hops = ev.hops;
        r.context = ev.context;
        r.reason = ev.reason;
        r.reliable = ev.reliable;
        r.sequence = ev.sequence;
        r.data.assign(ev.data.begin(), ev.data.end());
        if (hook_) hook_(r);
        if (keep_log_) log_.push_back(std::move(r));
    }

    void arm(node_id i) {
        auto& s = nodes_[i];
        const timestamp d = s.n->next_deadline();
        if (d == timestamp::max()) return;
        sim_time at = from_ms(d.ms());
        if (at <= net_.now_us()) at = net_.now_us() + us_per_ms;
        if (at >= s.wake_at) return;
        s.wake_at = at;
        const std::uint64_t inc = s.incarnation;
        net_.schedule(at, [this, i, at, inc] {
            auto& x = nodes_[i];
            if (x.incarnation != inc) return;
            if (x.wake_at == at) x.wake_at = never;
            service(i);
        });
    }

    medium net_;
    std::uint64_t seed_;
    std::vector<sim_node> nodes_;
    hook_fn hook_;
    bool keep_log_ = false;
    std::vector<event_record> log_;
    std::array<std::uint8_t, wire::mtu> buffer_{};
};

}  // namespace nexus::sim
