// The link part of the C ABI (bindings/c/include/nexus_link.h), on nexus/link/link.hpp. A handle
// is one heap block (allocated here, in the binding; the core stays allocation-free) holding the
// random source and the link of the chosen profile, so the link's pointer to its random source
// stays valid for the handle's life. The profile is a template parameter of nexus::link, so the
// handle holds a std::variant of the two instantiations and every call dispatches on it.
#include "handle_random.hpp"
#include "nexus.h"

#include <nexus/core/reference_policies.hpp>
#include <nexus/crypto/ct.hpp>
#include <nexus/identity/hash_profile.hpp>
#include <nexus/identity/identity.hpp>
#include <nexus/link/link.hpp>
#include <nexus/wire/packet.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <variant>

#if defined(__EMSCRIPTEN__) || defined(__linux__) || defined(__APPLE__)
#include <sys/random.h>
#include <unistd.h>
#endif

namespace {

using in_bytes = std::span<const std::uint8_t>;

static_assert(NEXUS_LINK_ID_BYTES == nexus::truncated_hash_size);
static_assert(NEXUS_LINK_MDU == nexus::link_mdu);
static_assert(NEXUS_LINK_OVERHEAD == nexus::link_overhead);
static_assert(NEXUS_LINK_REQUEST_BYTES == nexus::wire::header_1_size + nexus::link_request_data_size);
static_assert(NEXUS_LINK_PENDING == static_cast<int>(nexus::link_state::pending) &&
              NEXUS_LINK_CLOSED == static_cast<int>(nexus::link_state::closed));
static_assert(NEXUS_LINK_CLOSED_UNIDENTIFIED == static_cast<int>(nexus::close_reason::unidentified));
static_assert(NEXUS_LINK_CLOSED_DELIVERY_FAILED == static_cast<int>(nexus::close_reason::delivery_failed));
static_assert(NEXUS_LINK_EVENT_CLOSED == static_cast<int>(nexus::link_event_kind::closed));

// bindings/wasm/link.js reads and writes these structs at fixed offsets (wasm32).
#if defined(__EMSCRIPTEN__)
static_assert(offsetof(nexus_link_config, bandwidth_bps) == 32 &&
              offsetof(nexus_link_config, require_identify) == 40 && sizeof(nexus_link_config) == 48);
static_assert(offsetof(nexus_link_event, context) == 4 && offsetof(nexus_link_event, data_len) == 8 &&
              sizeof(nexus_link_event) == 12);
static_assert(offsetof(nexus_link_stats, rejected_auth) == 32 &&
              offsetof(nexus_link_stats, rotations) == 52 && sizeof(nexus_link_stats) == 56);
static_assert(offsetof(nexus_link_info, state) == 8 && offsetof(nexus_link_info, epoch) == 24 &&
              offsetof(nexus_link_info, profile) == 28 && offsetof(nexus_link_info, destination) == 32 &&
              offsetof(nexus_link_info, has_remote_key) == 48 &&
              offsetof(nexus_link_info, remote_public_key) == 52 && sizeof(nexus_link_info) == 120);
#endif

constexpr nexus_status to_status(nexus::error e) noexcept { return static_cast<nexus_status>(e); }
constexpr bool usable(const void* p, std::size_t n) noexcept { return p != nullptr || n == 0; }

using link_random = nexus::c_binding::handle_random;

template <class P>
using link_of = nexus::link<P, link_random>;

nexus::link_config to_config(const nexus_link_config* c) noexcept {
    nexus::link_config k{};
    if (c == nullptr) return k;
    auto ms = [](std::uint64_t v) {
        return nexus::duration::milliseconds(v > 0x7fffffffffffffffULL ? 0x7fffffffffffffffLL
                                                                       : static_cast<std::int64_t>(v));
    };
    k.establishment_timeout = ms(c->establishment_timeout_ms);
    k.keepalive_interval = ms(c->keepalive_interval_ms);
    k.inactivity_timeout = ms(c->inactivity_timeout_ms);
    k.rotate_interval = ms(c->rotate_interval_ms);
    k.bandwidth_bps = c->bandwidth_bps;
    k.require_identify = c->require_identify != 0;
    return k;
}

nexus::timestamp at(std::uint64_t ms) noexcept { return nexus::timestamp::from_ms(ms); }

template <std::size_t N>
void copy_out(std::uint8_t* out, const std::array<std::uint8_t, N>& in) noexcept {
    for (std::size_t i = 0; i < N; ++i) out[i] = in[i];
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(const std::uint8_t* p) noexcept {
    std::array<std::uint8_t, N> a{};
    for (std::size_t i = 0; i < N; ++i) a[i] = p[i];
    return a;
}

bool valid_profile(int profile) noexcept {
    return profile == NEXUS_PROFILE_NEXUS || profile == NEXUS_PROFILE_RETICULUM;
}

}  // namespace

struct nexus_link {
    nexus_link(bool deterministic, std::uint64_t seed) noexcept : rng(deterministic, seed) {}
    ~nexus_link() { nexus::crypto::secure_wipe_object(scratch); }
    link_random rng;
    std::variant<std::monostate, link_of<nexus::nexus_profile>, link_of<nexus::reticulum_profile>> link;
    int profile = NEXUS_PROFILE_NEXUS;
    std::array<std::uint8_t, nexus::link_mdu> scratch{};  // receive decrypts here, then copies out
};

namespace {

// Calls fn(link) with the handle's link (either profile); the variant is never empty once a
// handle has been handed out.
template <class Fn>
nexus_status with_link(nexus_link* h, Fn&& fn) noexcept {
    if (auto* l = std::get_if<1>(&h->link)) return fn(*l);
    if (auto* l = std::get_if<2>(&h->link)) return fn(*l);
    return NEXUS_ERR_BAD_STATE;
}
template <class Fn>
nexus_status with_link(const nexus_link* h, Fn&& fn) noexcept {
    if (const auto* l = std::get_if<1>(&h->link)) return fn(*l);
    if (const auto* l = std::get_if<2>(&h->link)) return fn(*l);
    return NEXUS_ERR_BAD_STATE;
}

template <class P>
nexus_status identify_link(link_of<P>& l, const std::uint8_t* private64) noexcept {
    const auto me = *nexus::identity<P>::from_private_key(in_bytes(private64, nexus::private_key_size));
    auto r = l.identify(me);
    return r ? NEXUS_OK : to_status(r.error());
}

nexus_link* new_handle(int deterministic, std::uint64_t seed) noexcept {
    return new (std::nothrow) nexus_link(deterministic != 0, seed);
}

}  // namespace

extern "C" {

nexus_status nexus_link_config_default(nexus_link_config* config) {
    if (config == nullptr) return NEXUS_ERR_NULL_POINTER;
    const nexus::link_config k{};
    nexus_link_config c{};
    c.establishment_timeout_ms = static_cast<std::uint64_t>(k.establishment_timeout.count_ms());
    c.keepalive_interval_ms = static_cast<std::uint64_t>(k.keepalive_interval.count_ms());
    c.inactivity_timeout_ms = static_cast<std::uint64_t>(k.inactivity_timeout.count_ms());
    c.rotate_interval_ms = static_cast<std::uint64_t>(k.rotate_interval.count_ms());
    c.bandwidth_bps = k.bandwidth_bps;
    c.require_identify = k.require_identify ? 1 : 0;
    *config = c;
    return NEXUS_OK;
}

nexus_status nexus_link_initiate(int profile, const uint8_t* peer_public64, const uint8_t* destination16,
                                 uint64_t now_ms, const nexus_link_config* config, int deterministic,
                                 uint64_t seed, nexus_link** link) {
    if (peer_public64 == nullptr || destination16 == nullptr || link == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    if (!valid_profile(profile)) return NEXUS_ERR_INVALID_ARGUMENT;
    const auto cfg = to_config(config);
    const auto dest = to_array<nexus::truncated_hash_size>(destination16);
    const in_bytes pub(peer_public64, nexus::public_key_size);
    auto start = [&]<class P>(P, nexus_link* h) -> nexus_status {
        auto peer = nexus::public_identity<P>::from_public_key(pub);
        if (!peer) return to_status(peer.error());
        h->link.template emplace<link_of<P>>(link_of<P>::initiate(*peer, dest, h->rng, at(now_ms), cfg));
        return NEXUS_OK;
    };
    nexus_link* h = new_handle(deterministic, seed);
    if (h == nullptr) return NEXUS_ERR_FULL;
    h->profile = profile;
    const nexus_status s = profile == NEXUS_PROFILE_NEXUS ? start(nexus::nexus_profile{}, h)
                                                          : start(nexus::reticulum_profile{}, h);
    if (s != NEXUS_OK) {
        delete h;
        return s;
    }
    *link = h;
    return NEXUS_OK;
}

nexus_status nexus_link_accept(int profile, const uint8_t* private64, const uint8_t* request,
                               size_t request_len, uint64_t now_ms, const nexus_link_config* config,
                               int deterministic, uint64_t seed, nexus_link** link) {
    if (private64 == nullptr || !usable(request, request_len) || link == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    if (!valid_profile(profile)) return NEXUS_ERR_INVALID_ARGUMENT;
    auto packet = nexus::wire::decode_packet(in_bytes(request, request_len));
    if (!packet) return to_status(packet.error());
    const auto cfg = to_config(config);
    auto start = [&]<class P>(P, nexus_link* h) -> nexus_status {
        const auto own = *nexus::identity<P>::from_private_key(in_bytes(private64, nexus::private_key_size));
        auto l = link_of<P>::accept(own, *packet, h->rng, at(now_ms), cfg);
        if (!l) return to_status(l.error());
        h->link.template emplace<link_of<P>>(std::move(*l));
        return NEXUS_OK;
    };
    nexus_link* h = new_handle(deterministic, seed);
    if (h == nullptr) return NEXUS_ERR_FULL;
    h->profile = profile;
    const nexus_status s = profile == NEXUS_PROFILE_NEXUS ? start(nexus::nexus_profile{}, h)
                                                          : start(nexus::reticulum_profile{}, h);
    if (s != NEXUS_OK) {
        delete h;
        return s;
    }
    *link = h;
    return NEXUS_OK;
}

void nexus_link_free(nexus_link* link) { delete link; }

nexus_status nexus_link_state(const nexus_link* link, int* state) {
    if (link == nullptr || state == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_link(link, [&](const auto& l) {
        *state = static_cast<int>(l.state());
        return NEXUS_OK;
    });
}

nexus_status nexus_link_id(const nexus_link* link, uint8_t* id16) {
    if (link == nullptr || id16 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_link(link, [&](const auto& l) {
        copy_out(id16, l.id());
        return NEXUS_OK;
    });
}

nexus_status nexus_link_info_get(const nexus_link* link, nexus_link_info* info) {
    if (link == nullptr || info == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_link(link, [&](const auto& l) {
        nexus_link_info v{};
        const auto rtt = l.rtt().count_ms();
        v.rtt_ms = rtt > 0 ? static_cast<std::uint64_t>(rtt) : 0;
        v.state = static_cast<int>(l.state());
        v.role = static_cast<int>(l.role());
        v.close_reason = static_cast<int>(l.reason());
        v.identified = l.identified() ? 1 : 0;
        v.epoch = l.epoch();
        v.profile = link->profile;
        copy_out(v.destination, l.destination());
        if (auto peer = l.remote_identity()) {
            v.has_remote_key = 1;
            copy_out(v.remote_public_key, peer->public_key());
        }
        *info = v;
        return NEXUS_OK;
    });
}

nexus_status nexus_link_stats_get(const nexus_link* link, nexus_link_stats* stats) {
    if (link == nullptr || stats == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_link(link, [&](const auto& l) {
        const nexus::link_stats& s = l.stats();
        nexus_link_stats v{};
        v.packets_sent = s.packets_sent;
        v.packets_received = s.packets_received;
        v.bytes_sent = s.bytes_sent;
        v.bytes_received = s.bytes_received;
        v.rejected_auth = s.rejected_auth;
        v.rejected_replay = s.rejected_replay;
        v.rejected_state = s.rejected_state;
        v.rejected_malformed = s.rejected_malformed;
        v.rejected_unidentified = s.rejected_unidentified;
        v.rotations = s.rotations;
        *stats = v;
        return NEXUS_OK;
    });
}

nexus_status nexus_link_send(nexus_link* link, const uint8_t* data, size_t data_len, uint8_t context,
                             uint64_t now_ms, uint8_t* out, size_t out_cap, size_t* out_len) {
    if (link == nullptr || !usable(data, data_len) || !usable(out, out_cap) || out_len == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    return with_link(link, [&](auto& l) {
        auto n = l.send(in_bytes(data, data_len), at(now_ms), std::span<std::uint8_t>(out, out_cap), context);
        if (!n) return to_status(n.error());
        *out_len = *n;
        return NEXUS_OK;
    });
}

nexus_status nexus_link_receive(nexus_link* link, const uint8_t* raw, size_t raw_len, uint64_t now_ms,
                                nexus_link_event* event, uint8_t* plaintext, size_t plaintext_cap) {
    if (link == nullptr || !usable(raw, raw_len) || event == nullptr || !usable(plaintext, plaintext_cap))
        return NEXUS_ERR_NULL_POINTER;
    auto packet = nexus::wire::decode_packet(in_bytes(raw, raw_len));
    if (!packet) return to_status(packet.error());
    // Decrypted into the handle's scratch, limited to the caller's capacity so that the core's
    // buffer_too_small check (made before the packet is consumed) sees the caller's size.
    const std::size_t cap = plaintext_cap < link->scratch.size() ? plaintext_cap : link->scratch.size();
    const std::span<std::uint8_t> scratch(link->scratch.data(), cap);
    const nexus_status s = with_link(link, [&](auto& l) {
        auto ev = l.receive(*packet, at(now_ms), scratch);
        if (!ev) return to_status(ev.error());
        nexus_link_event e{};
        e.kind = static_cast<int>(ev->kind);
        e.context = ev->context;
        e.data_len = ev->data.size();
        for (std::size_t i = 0; i < ev->data.size(); ++i) plaintext[i] = ev->data[i];
        *event = e;
        return NEXUS_OK;
    });
    nexus::crypto::secure_wipe(scratch);
    return s;
}

nexus_status nexus_link_poll_transmit(nexus_link* link, uint64_t now_ms, uint8_t* out, size_t out_cap,
                                      size_t* out_len) {
    if (link == nullptr || !usable(out, out_cap) || out_len == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_link(link, [&](auto& l) {
        auto n = l.poll_transmit(at(now_ms), std::span<std::uint8_t>(out, out_cap));
        if (!n) return to_status(n.error());
        *out_len = *n;
        return NEXUS_OK;
    });
}

nexus_status nexus_link_next_deadline(const nexus_link* link, uint64_t* deadline_ms) {
    if (link == nullptr || deadline_ms == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_link(link, [&](const auto& l) {
        *deadline_ms = l.next_deadline().ms();
        return NEXUS_OK;
    });
}

nexus_status nexus_link_close(nexus_link* link) {
    if (link == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_link(link, [&](auto& l) {
        l.close();
        return NEXUS_OK;
    });
}

nexus_status nexus_link_identify(nexus_link* link, const uint8_t* private64) {
    if (link == nullptr || private64 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_link(link, [&](auto& l) { return identify_link(l, private64); });
}

nexus_status nexus_link_rotate(nexus_link* link) {
    if (link == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_link(link, [&](auto& l) {
        auto r = l.rotate();
        return r ? NEXUS_OK : to_status(r.error());
    });
}

}  // extern "C"
