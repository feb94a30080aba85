// nexus::sim flows: end-to-end traffic between simulated nodes, as an application would drive it,
// for the delivery studies and the acceptance tests (sim/tests/flows_large_test.cpp). The C++
// counterpart of nexus.sim's inject_traffic (bindings/python/nexus/sim.py, Traffic), written
// separately so that each checks the other's figures.
//
// A flow sends `count` messages of `size` bytes from node `src` to a destination every
// `interval`. Message k of flow f carries f (u16, big-endian), k (u32, big-endian), then filler, so
// a payload names its flow and position and no other traffic can be mistaken for it. The flow
//   1. waits (polling every `poll`) until the source has a route, then opens a link; a link that
//      does not come up (closed, or still pending when the flow's time runs out) is opened again,
//      and so is a link that goes away mid-flow, each time with `timeout` to succeed;
//   2. on a reliable flow, hands messages to the link's reliable channel (node::send_reliable),
//      waiting while the window is full; when a link goes away with messages it did not confirm
//      (link_delivered), those go first on the next link -- what an application that must lose
//      nothing does; the destination may then see one twice (delivered, acknowledgement lost with
//      the link), so `delivered` counts distinct messages;
//   3. a plain flow sends each message once (node::send), unacknowledged.
// When the time to get a link runs out the flow stops with the obstacle it last met
// (flow_obstacle): no route, the source refused to open a link, a link opened but never came up,
// or the source was down. Delivery is read from the destination's own link_data events, not from
// the source's view.
//
// The flow set installs the mesh's event hook (mesh::on_event); nothing else may use it meanwhile.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "nexus/sim/mesh.hpp"

namespace nexus::sim {

/// Why a flow stopped before sending everything.
enum class flow_obstacle : std::uint8_t { none, no_path, link_refused, timed_out, source_down };

constexpr std::string_view to_string(flow_obstacle o) noexcept {
    switch (o) {
        case flow_obstacle::none:
            return "none";
        case flow_obstacle::no_path:
            return "no_path";
        case flow_obstacle::link_refused:
            return "link_refused";
        case flow_obstacle::timed_out:
            return "timed_out";
        case flow_obstacle::source_down:
            return "source_down";
    }
    return "?";
}

struct flow_params {
    std::size_t count = 20;
    std::size_t size = 64;  ///< at least 6 (the flow and message numbers)
    sim_time interval = 500 * us_per_ms;
    sim_time timeout = 60 * us_per_s;  ///< time to get a link, each time one is needed
    sim_time poll = 50 * us_per_ms;
    bool reliable = true;
};

/// One flow's progress and outcome.
struct flow {
    node_id src = 0;
    node_id dest_node = 0;
    truncated_hash dest{};
    flow_params params{};
    std::vector<truncated_hash> links;  ///< every link opened, in order
    std::size_t sent = 0;               ///< distinct messages the source accepted
    std::set<std::uint32_t> delivered;  ///< distinct messages the destination reported
    std::size_t confirmed = 0;          ///< reliable: link_delivered events at the source
    flow_obstacle failed = flow_obstacle::none;
    std::vector<error> errors;  ///< refused openings and sends
    bool done() const noexcept { return failed != flow_obstacle::none || finished; }

    // -- the driver's state --
    bool finished = false;  ///< every message sent (and, reliable, confirmed)
    std::uint32_t next = 0;
    sim_time deadline = 0;
    flow_obstacle obstacle = flow_obstacle::no_path;
    std::deque<std::uint32_t> resend;
    std::map<std::uint16_t, std::uint32_t> on_link;  ///< the current link: sequence -> message
    std::set<std::uint16_t> confirmed_on_link;
};

template <class Node>
class flow_set {
public:
    explicit flow_set(mesh<Node>& m) : m_(&m) {
        m.on_event([this](const event_record& e) { on_event(e); });
    }
    ~flow_set() { m_->on_event({}); }
    flow_set(const flow_set&) = delete;
    flow_set& operator=(const flow_set&) = delete;

    /// Schedules a flow from `src` to `dest` (owned by `dest_node`) starting at `start`.
    std::size_t add(node_id src, node_id dest_node, const truncated_hash& dest, const flow_params& p, sim_time start) {
        const std::size_t f = flows_.size();
        flows_.push_back(flow{});
        flows_.back().src = src;
        flows_.back().dest_node = dest_node;
        flows_.back().dest = dest;
        flows_.back().params = p;
        flows_.back().params.size = std::max<std::size_t>(p.size, 6);
        m_->at(start, [this, f] { begin(f); });
        return f;
    }

    std::size_t size() const noexcept { return flows_.size(); }
    const flow& operator[](std::size_t f) const { return flows_.at(f); }
    std::size_t sent() const noexcept {
        std::size_t n = 0;
        for (const auto& f : flows_) n += f.sent;
        return n;
    }
    std::size_t delivered() const noexcept {
        std::size_t n = 0;
        for (const auto& f : flows_) n += f.delivered.size();
        return n;
    }
    std::size_t offered() const noexcept {
        std::size_t n = 0;
        for (const auto& f : flows_) n += f.params.count;
        return n;
    }

    /// Message k of flow f.
    std::vector<std::uint8_t> payload(std::size_t f, std::uint32_t k) const {
        std::vector<std::uint8_t> out(flows_.at(f).params.size);
        out[0] = static_cast<std::uint8_t>(f >> 8);
        out[1] = static_cast<std::uint8_t>(f);
        for (int i = 0; i < 4; ++i) out[2 + i] = static_cast<std::uint8_t>(k >> (24 - 8 * i));
        for (std::size_t i = 6; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(k + i);
        return out;
    }

private:
    bool source_up(const flow& fl) const { return m_->node(fl.src) != nullptr && m_->net().node_up(fl.src); }
    std::optional<link_state> current_state(const flow& fl) const {
        if (!source_up(fl) || fl.links.empty()) return std::nullopt;
        const auto r = (*m_)[fl.src].link_status(fl.links.back());
        if (!r) return std::nullopt;
        return *r;
    }
    void after(sim_time d, std::size_t f, void (flow_set::*step)(std::size_t)) {
        m_->at(m_->now_us() + d, [this, f, step] { (this->*step)(f); });
    }

    void on_event(const event_record& e) {
        if (e.kind == node_event_kind::link_data && e.data.size() >= 6) {
            const std::size_t f = (std::size_t{e.data[0]} << 8) | e.data[1];
            if (f >= flows_.size()) return;
            flow& fl = flows_[f];
            const auto owner = link_owner_.find(e.id);
            if (e.node != fl.dest_node || owner == link_owner_.end() || owner->second != f) return;
            const std::uint32_t k = (std::uint32_t{e.data[2]} << 24) | (std::uint32_t{e.data[3]} << 16) |
                                    (std::uint32_t{e.data[4]} << 8) | e.data[5];
            if (k < fl.params.count && e.data == payload(f, k)) fl.delivered.insert(k);
        } else if (e.kind == node_event_kind::link_delivered) {
            const auto owner = link_owner_.find(e.id);
            if (owner == link_owner_.end()) return;
            flow& fl = flows_[owner->second];
            if (e.node != fl.src) return;
            ++fl.confirmed;
            if (!fl.links.empty() && fl.links.back() == e.id) fl.confirmed_on_link.insert(e.sequence);
        }
    }

    std::size_t unconfirmed(const flow& fl) const {
        std::size_t n = 0;
        for (const auto& [seq, k] : fl.on_link) n += fl.confirmed_on_link.count(seq) == 0 ? 1 : 0;
        return n;
    }
    /// What the current link was given and did not confirm goes first on the next one.
    void requeue(flow& fl) {
        for (const auto& [seq, k] : fl.on_link)
            if (fl.confirmed_on_link.count(seq) == 0) fl.resend.push_back(k);
        fl.on_link.clear();
        fl.confirmed_on_link.clear();
    }
    void check_finished(flow& fl) {
        if (fl.next >= fl.params.count && fl.resend.empty() && (!fl.params.reliable || unconfirmed(fl) == 0))
            fl.finished = true;
    }

    void begin(std::size_t f) {
        flow& fl = flows_[f];
        fl.deadline = m_->now_us() + fl.params.timeout;
        open(f);
    }
    void retry(std::size_t f, flow_obstacle why) {
        flows_[f].obstacle = why;
        after(flows_[f].params.poll, f, &flow_set::open);
    }
    void open(std::size_t f) {
        flow& fl = flows_[f];
        if (fl.failed != flow_obstacle::none) return;
        if (fl.params.reliable) requeue(fl);
        if (m_->now_us() > fl.deadline) {
            fl.failed = fl.obstacle;
            return;
        }
        if (!source_up(fl)) return retry(f, flow_obstacle::source_down);
        if ((*m_)[fl.src].route(fl.dest, m_->now()) == nullptr) return retry(f, flow_obstacle::no_path);
        const auto id = m_->open_link(fl.src, fl.dest);
        if (!id) {
            fl.errors.push_back(id.error());
            return retry(f, flow_obstacle::link_refused);
        }
        fl.links.push_back(*id);
        link_owner_[*id] = f;
        fl.obstacle = flow_obstacle::timed_out;  // should the time run out now: the link did not come up
        after(fl.params.poll, f, &flow_set::wait);
    }
    void wait(std::size_t f) {
        flow& fl = flows_[f];
        if (fl.failed != flow_obstacle::none) return;
        const auto st = current_state(fl);
        if (st == link_state::active) return send(f);
        if ((st == link_state::pending || st == link_state::handshake) && m_->now_us() <= fl.deadline)
            return after(fl.params.poll, f, &flow_set::wait);
        open(f);  // closed or gone: another link
    }
    void send(std::size_t f) {
        flow& fl = flows_[f];
        if (fl.failed != flow_obstacle::none) return;
        if (fl.next >= fl.params.count && fl.resend.empty()) {
            check_finished(fl);
            if (fl.params.reliable && !fl.finished) after(std::max(fl.params.interval, us_per_s), f, &flow_set::watch);
            return;
        }
        if (current_state(fl) != link_state::active) {
            if (source_up(fl)) {
                fl.deadline = m_->now_us() + fl.params.timeout;
                return open(f);
            }
            ++fl.next;  // the source is down: this message is not sent
            return after(fl.params.interval, f, &flow_set::send);
        }
        if (!fl.resend.empty()) {
            const std::uint32_t k = fl.resend.front();
            const auto seq = m_->send_reliable(fl.src, fl.links.back(), payload(f, k));
            if (seq) {
                fl.on_link[*seq] = k;
                fl.resend.pop_front();
            } else if (seq.error() != error::full) {
                fl.errors.push_back(seq.error());
                fl.resend.pop_front();
            }
            return after(fl.params.poll, f, &flow_set::send);
        }
        const auto data = payload(f, fl.next);
        if (fl.params.reliable) {
            const auto seq = m_->send_reliable(fl.src, fl.links.back(), data);
            if (!seq && seq.error() == error::full) return after(fl.params.poll, f, &flow_set::send);
            if (seq) {
                fl.on_link[*seq] = fl.next;
                ++fl.sent;
            } else {
                fl.errors.push_back(seq.error());
            }
        } else {
            const auto r = m_->send(fl.src, fl.links.back(), data);
            if (r) {
                ++fl.sent;
            } else {
                fl.errors.push_back(r.error());
            }
        }
        ++fl.next;
        after(fl.params.interval, f, &flow_set::send);
    }
    /// Reliable, everything handed over: waits for the confirmations; when the link goes away
    /// first, opens another and sends again what it did not confirm.
    void watch(std::size_t f) {
        flow& fl = flows_[f];
        if (fl.failed != flow_obstacle::none) return;
        check_finished(fl);
        if (fl.finished) return;
        if (current_state(fl) == link_state::active || !source_up(fl))
            return after(std::max(fl.params.interval, us_per_s), f, &flow_set::watch);
        fl.deadline = m_->now_us() + fl.params.timeout;
        open(f);
    }

    mesh<Node>* m_;
    std::vector<flow> flows_;
    std::map<truncated_hash, std::size_t> link_owner_;
};

}  // namespace nexus::sim
