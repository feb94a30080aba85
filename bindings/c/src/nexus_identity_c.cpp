// The identity, packet and announce part of the C ABI (bindings/c/include/nexus_identity.h), on
// nexus/identity and nexus/wire. The functions check pointers, lengths and the profile, then
// dispatch to the C++ templates of the chosen profile. Identities are rebuilt from the caller's
// 64-byte private key for each call; nexus::identity wipes its copy of the secrets on destruction.
#include "nexus.h"

#include <nexus/crypto/argon2.hpp>
#include <nexus/identity/hash_profile.hpp>
#include <nexus/identity/identity.hpp>
#include <nexus/identity/sealed_key.hpp>
#include <nexus/wire/announce.hpp>
#include <nexus/wire/packet.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace {

namespace nw = nexus::wire;

using in_bytes = std::span<const std::uint8_t>;

static_assert(NEXUS_IDENTITY_PRIVATE_KEY_BYTES == nexus::private_key_size);
static_assert(NEXUS_IDENTITY_PUBLIC_KEY_BYTES == nexus::public_key_size);
static_assert(NEXUS_IDENTITY_SIGNATURE_BYTES == nexus::signature_size);
static_assert(NEXUS_IDENTITY_HASH_BYTES == nexus::truncated_hash_size);
static_assert(NEXUS_NAME_HASH_BYTES == nexus::name_hash_size);
static_assert(NEXUS_FULL_HASH_BYTES == nexus::full_hash_size);
static_assert(NEXUS_RANDOM_HASH_BYTES == nw::random_hash_size);
static_assert(NEXUS_RATCHET_BYTES == nw::ratchet_size);
static_assert(NEXUS_SEALED_KEY_BYTES == nexus::sealed_key_size);
static_assert(NEXUS_PACKET_MTU == nw::mtu);
static_assert(NEXUS_PACKET_HEADER_1_BYTES == nw::header_1_size);
static_assert(NEXUS_PACKET_HEADER_2_BYTES == nw::header_2_size);
static_assert(NEXUS_ANNOUNCE_MIN_BYTES == nw::announce_min_packet);

// bindings/wasm/identity.js reads and writes these structs at fixed offsets (wasm32).
#if defined(__EMSCRIPTEN__)
static_assert(offsetof(nexus_packet, hops) == 24 && offsetof(nexus_packet, context) == 25 &&
              offsetof(nexus_packet, transport_id) == 26 && offsetof(nexus_packet, destination) == 42 &&
              offsetof(nexus_packet, data) == 60 && offsetof(nexus_packet, data_len) == 64 &&
              sizeof(nexus_packet) == 68);
static_assert(offsetof(nexus_announce, has_ratchet) == 8 && offsetof(nexus_announce, hops) == 12 &&
              offsetof(nexus_announce, context) == 13 && offsetof(nexus_announce, public_key) == 14 &&
              offsetof(nexus_announce, name_hash) == 78 && offsetof(nexus_announce, random_hash) == 88 &&
              offsetof(nexus_announce, destination) == 98 && offsetof(nexus_announce, ratchet) == 114 &&
              offsetof(nexus_announce, signature) == 146 && offsetof(nexus_announce, app_data) == 212 &&
              offsetof(nexus_announce, app_data_len) == 216 && sizeof(nexus_announce) == 224);
#endif

constexpr nexus_status to_status(nexus::error e) noexcept { return static_cast<nexus_status>(e); }

constexpr bool usable(const void* p, std::size_t n) noexcept { return p != nullptr || n == 0; }

template <std::size_t N>
std::span<const std::uint8_t, N> fixed(const std::uint8_t* p) noexcept {
    return std::span<const std::uint8_t, N>(p, N);
}

template <std::size_t N>
void copy_out(std::uint8_t* out, std::span<const std::uint8_t, N> in) noexcept {
    for (std::size_t i = 0; i < N; ++i) out[i] = in[i];
}

template <std::size_t N>
void copy_out(std::uint8_t* out, const std::array<std::uint8_t, N>& in) noexcept {
    copy_out<N>(out, std::span<const std::uint8_t, N>(in));
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(const std::uint8_t* p) noexcept {
    std::array<std::uint8_t, N> a{};
    for (std::size_t i = 0; i < N; ++i) a[i] = p[i];
    return a;
}

// Runs fn.template operator()<Profile>() for the profile the int names; invalid_argument otherwise.
template <class Fn>
nexus_status with_profile(int profile, Fn&& fn) noexcept {
    switch (profile) {
        case NEXUS_PROFILE_NEXUS:
            return fn(nexus::nexus_profile{});
        case NEXUS_PROFILE_RETICULUM:
            return fn(nexus::reticulum_profile{});
        default:
            return NEXUS_ERR_INVALID_ARGUMENT;
    }
}

// The identity of a 64-byte private key (the length is fixed, so this cannot fail).
template <class P>
nexus::identity<P> load(const std::uint8_t* private64) noexcept {
    return *nexus::identity<P>::from_private_key(in_bytes(private64, nexus::private_key_size));
}

// A random_source handing out caller-supplied bytes in order (zeros once they run out, which the
// callers here rule out by construction).
class given_bytes {
public:
    explicit given_bytes(in_bytes b) noexcept : b_(b) {}
    void fill(std::span<std::uint8_t> out) noexcept {
        for (auto& x : out) x = pos_ < b_.size() ? b_[pos_++] : 0;
    }

private:
    in_bytes b_;
    std::size_t pos_ = 0;
};

std::span<nexus::crypto::argon2_block> work_blocks(void* work, std::size_t work_len) noexcept {
    return {static_cast<nexus::crypto::argon2_block*>(work), work_len / sizeof(nexus::crypto::argon2_block)};
}

bool aligned_work(const void* work) noexcept {
    return reinterpret_cast<std::uintptr_t>(work) % alignof(nexus::crypto::argon2_block) == 0;
}

bool is_bit(int v) noexcept { return v == 0 || v == 1; }

}  // namespace

extern "C" {

nexus_status nexus_identity_from_seed(const uint8_t* seed32, uint8_t* private64) {
    if (seed32 == nullptr || private64 == nullptr) return NEXUS_ERR_NULL_POINTER;
    // The private key layout does not depend on the profile.
    const auto id = nexus::identity<nexus::nexus_profile>::from_ed25519_seed(fixed<32>(seed32));
    id.export_private_key(
        std::span<std::uint8_t, nexus::private_key_size>(private64, nexus::private_key_size));
    return NEXUS_OK;
}

nexus_status nexus_identity_public_key(const uint8_t* private64, uint8_t* public64) {
    if (private64 == nullptr || public64 == nullptr) return NEXUS_ERR_NULL_POINTER;
    copy_out(public64, load<nexus::nexus_profile>(private64).public_key());
    return NEXUS_OK;
}

nexus_status nexus_identity_hash(int profile, const uint8_t* public64, uint8_t* hash16) {
    if (public64 == nullptr || hash16 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_profile(profile, [&]<class P>(P) {
        auto id = nexus::public_identity<P>::from_public_key(in_bytes(public64, nexus::public_key_size));
        if (!id) return to_status(id.error());
        copy_out(hash16, id->hash());
        return NEXUS_OK;
    });
}

nexus_status nexus_name_hash(int profile, const char* full_name, size_t full_name_len, uint8_t* name_hash10) {
    if (!usable(full_name, full_name_len) || name_hash10 == nullptr) return NEXUS_ERR_NULL_POINTER;
    const std::string_view name(full_name == nullptr ? "" : full_name, full_name_len);
    return with_profile(profile, [&]<class P>(P) {
        copy_out(name_hash10, nexus::make_name_hash<P>(name));
        return NEXUS_OK;
    });
}

nexus_status nexus_destination_hash(int profile, const uint8_t* name_hash10, const uint8_t* identity_hash16,
                                    uint8_t* destination16) {
    if (name_hash10 == nullptr || identity_hash16 == nullptr || destination16 == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    const auto name = to_array<nexus::name_hash_size>(name_hash10);
    const auto id = to_array<nexus::truncated_hash_size>(identity_hash16);
    return with_profile(profile, [&]<class P>(P) {
        copy_out(destination16, nexus::make_destination_hash<P>(name, id));
        return NEXUS_OK;
    });
}

nexus_status nexus_plain_destination_hash(int profile, const uint8_t* name_hash10, uint8_t* destination16) {
    if (name_hash10 == nullptr || destination16 == nullptr) return NEXUS_ERR_NULL_POINTER;
    const auto name = to_array<nexus::name_hash_size>(name_hash10);
    return with_profile(profile, [&]<class P>(P) {
        copy_out(destination16, nexus::make_plain_destination_hash<P>(name));
        return NEXUS_OK;
    });
}

nexus_status nexus_identity_sign(const uint8_t* private64, const uint8_t* message, size_t message_len,
                                 uint8_t* signature64) {
    if (private64 == nullptr || !usable(message, message_len) || signature64 == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    load<nexus::nexus_profile>(private64).sign(
        std::span<std::uint8_t, nexus::signature_size>(signature64, nexus::signature_size),
        in_bytes(message, message_len));
    return NEXUS_OK;
}

nexus_status nexus_identity_verify(const uint8_t* public64, const uint8_t* message, size_t message_len,
                                   const uint8_t* signature64) {
    if (public64 == nullptr || !usable(message, message_len) || signature64 == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    auto id = nexus::public_identity<nexus::nexus_profile>::from_public_key(
        in_bytes(public64, nexus::public_key_size));
    if (!id) return NEXUS_ERR_AUTH_FAILED;
    return id->verify(in_bytes(message, message_len), in_bytes(signature64, nexus::signature_size))
               ? NEXUS_OK
               : NEXUS_ERR_AUTH_FAILED;
}

nexus_status nexus_identity_seal(int profile, const uint8_t* private64, const uint8_t* passphrase,
                                 size_t passphrase_len, uint32_t passes, uint32_t memory_kib, uint32_t lanes,
                                 const uint8_t* random28, void* work, size_t work_len, uint8_t* sealed126) {
    if (private64 == nullptr || !usable(passphrase, passphrase_len) || random28 == nullptr ||
        !usable(work, work_len) || sealed126 == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    if (!aligned_work(work)) return NEXUS_ERR_INVALID_ARGUMENT;
    nexus::crypto::argon2_params params;
    params.passes = passes;
    params.memory_kib = memory_kib;
    params.lanes = lanes;
    return with_profile(profile, [&]<class P>(P) {
        const auto id = load<P>(private64);
        given_bytes rng(in_bytes(random28, NEXUS_SEAL_RANDOM_BYTES));
        // Sealed into a local first, so sealed126 is untouched on failure.
        std::array<std::uint8_t, nexus::sealed_key_size> blob{};
        auto r = nexus::seal_identity(std::span<std::uint8_t, nexus::sealed_key_size>(blob), id,
                                      in_bytes(passphrase, passphrase_len), rng, work_blocks(work, work_len),
                                      params);
        if (!r) return to_status(r.error());
        copy_out(sealed126, blob);
        return NEXUS_OK;
    });
}

nexus_status nexus_sealed_key_params(const uint8_t* sealed, size_t sealed_len, uint32_t* passes,
                                     uint32_t* memory_kib, uint32_t* lanes) {
    if (!usable(sealed, sealed_len) || passes == nullptr || memory_kib == nullptr || lanes == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    auto p = nexus::sealed_key_params(in_bytes(sealed, sealed_len));
    if (!p) return to_status(p.error());
    *passes = p->passes;
    *memory_kib = p->memory_kib;
    *lanes = p->lanes;
    return NEXUS_OK;
}

nexus_status nexus_identity_open(int profile, const uint8_t* sealed, size_t sealed_len,
                                 const uint8_t* passphrase, size_t passphrase_len, void* work,
                                 size_t work_len, uint8_t* private64) {
    if (!usable(sealed, sealed_len) || !usable(passphrase, passphrase_len) || !usable(work, work_len) ||
        private64 == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    if (!aligned_work(work)) return NEXUS_ERR_INVALID_ARGUMENT;
    return with_profile(profile, [&]<class P>(P) {
        auto id = nexus::open_identity<P>(in_bytes(sealed, sealed_len), in_bytes(passphrase, passphrase_len),
                                          work_blocks(work, work_len));
        if (!id) return to_status(id.error());
        id->export_private_key(
            std::span<std::uint8_t, nexus::private_key_size>(private64, nexus::private_key_size));
        return NEXUS_OK;
    });
}

nexus_status nexus_packet_decode(const uint8_t* raw, size_t raw_len, nexus_packet* packet) {
    if (!usable(raw, raw_len) || packet == nullptr) return NEXUS_ERR_NULL_POINTER;
    auto v = nw::decode_packet(in_bytes(raw, raw_len));
    if (!v) return to_status(v.error());
    const nw::packet_header& h = v->header;
    nexus_packet p{};
    p.ifac = h.flags.ifac ? 1 : 0;
    p.header_type = static_cast<int>(h.flags.header);
    p.context_flag = h.flags.context_flag ? 1 : 0;
    p.transport_type = static_cast<int>(h.flags.transport);
    p.destination_type = static_cast<int>(h.flags.destination);
    p.packet_type = static_cast<int>(h.flags.type);
    p.hops = h.hops;
    p.context = h.context;
    copy_out(p.transport_id, h.transport_id);
    copy_out(p.destination, h.destination);
    p.data = v->data.data();
    p.data_len = v->data.size();
    *packet = p;
    return NEXUS_OK;
}

nexus_status nexus_packet_encode(const nexus_packet* packet, uint8_t* out, size_t out_cap, size_t* out_len) {
    if (packet == nullptr || !usable(out, out_cap) || !usable(packet->data, packet->data_len))
        return NEXUS_ERR_NULL_POINTER;
    const nexus_packet& p = *packet;
    if (!is_bit(p.ifac) || !is_bit(p.header_type) || !is_bit(p.context_flag) || !is_bit(p.transport_type) ||
        p.destination_type < 0 || p.destination_type > 3 || p.packet_type < 0 || p.packet_type > 3)
        return NEXUS_ERR_INVALID_ARGUMENT;
    nw::packet_header h;
    h.flags.ifac = p.ifac != 0;
    h.flags.header = static_cast<nw::header_type>(p.header_type);
    h.flags.context_flag = p.context_flag != 0;
    h.flags.transport = static_cast<nw::transport_type>(p.transport_type);
    h.flags.destination = static_cast<nw::destination_type>(p.destination_type);
    h.flags.type = static_cast<nw::packet_type>(p.packet_type);
    h.hops = p.hops;
    h.context = p.context;
    h.transport_id = to_array<nexus::truncated_hash_size>(p.transport_id);
    h.destination = to_array<nexus::truncated_hash_size>(p.destination);
    // Checked before writing, so that out is untouched on failure; the size check
    // (data_len first) cannot overflow.
    if (h.flags.ifac) return NEXUS_ERR_UNSUPPORTED;
    if (p.data_len > nw::mtu || h.size() + p.data_len > nw::mtu) return NEXUS_ERR_INVALID_LENGTH;
    auto n = nw::encode_packet(h, in_bytes(p.data, p.data_len), std::span<std::uint8_t>(out, out_cap));
    if (!n) return to_status(n.error());
    if (out_len != nullptr) *out_len = *n;
    return NEXUS_OK;
}

nexus_status nexus_packet_hash(int profile, const uint8_t* raw, size_t raw_len, uint8_t* hash32) {
    if (!usable(raw, raw_len) || hash32 == nullptr) return NEXUS_ERR_NULL_POINTER;
    return with_profile(profile, [&]<class P>(P) {
        auto h = nw::packet_hash<P>(in_bytes(raw, raw_len));
        if (!h) return to_status(h.error());
        copy_out(hash32, *h);
        return NEXUS_OK;
    });
}

nexus_status nexus_random_hash(const uint8_t* random5, uint64_t seconds, uint8_t* random_hash10) {
    if (random5 == nullptr || random_hash10 == nullptr) return NEXUS_ERR_NULL_POINTER;
    given_bytes rng(in_bytes(random5, 5));
    copy_out(random_hash10, nw::make_random_hash(rng, seconds));
    return NEXUS_OK;
}

nexus_status nexus_random_hash_timestamp(const uint8_t* random_hash10, uint64_t* seconds) {
    if (random_hash10 == nullptr || seconds == nullptr) return NEXUS_ERR_NULL_POINTER;
    *seconds = nw::random_hash_timestamp(fixed<nw::random_hash_size>(random_hash10));
    return NEXUS_OK;
}

nexus_status nexus_announce_build(int profile, const uint8_t* private64, const uint8_t* name_hash10,
                                  const uint8_t* random_hash10, const uint8_t* ratchet32,
                                  const uint8_t* app_data, size_t app_data_len, uint8_t context, uint8_t* out,
                                  size_t out_cap, size_t* out_len) {
    if (private64 == nullptr || name_hash10 == nullptr || random_hash10 == nullptr ||
        !usable(app_data, app_data_len) || !usable(out, out_cap))
        return NEXUS_ERR_NULL_POINTER;
    nw::announce_params params;
    params.name = to_array<nexus::name_hash_size>(name_hash10);
    params.random = to_array<nw::random_hash_size>(random_hash10);
    if (ratchet32 != nullptr) params.ratchet = in_bytes(ratchet32, nw::ratchet_size);
    params.app_data = in_bytes(app_data, app_data_len);
    params.context = context;
    return with_profile(profile, [&]<class P>(P) {
        auto n = nw::build_announce(load<P>(private64), params, std::span<std::uint8_t>(out, out_cap));
        if (!n) return to_status(n.error());
        if (out_len != nullptr) *out_len = *n;
        return NEXUS_OK;
    });
}

nexus_status nexus_announce_validate(int profile, const uint8_t* raw, size_t raw_len,
                                     nexus_announce* announce) {
    if (!usable(raw, raw_len)) return NEXUS_ERR_NULL_POINTER;
    return with_profile(profile, [&]<class P>(P) {
        auto v = nw::validate_announce<P>(in_bytes(raw, raw_len));
        if (!v) return to_status(v.error());
        if (announce == nullptr) return NEXUS_OK;
        const nw::announce_view& f = v->fields;
        nexus_announce a{};
        a.timestamp = nw::random_hash_timestamp(f.random);
        a.has_ratchet = f.has_ratchet() ? 1 : 0;
        a.hops = f.header.hops;
        a.context = f.header.context;
        copy_out(a.public_key, f.public_key);
        copy_out(a.name_hash, f.name);
        copy_out(a.random_hash, f.random);
        copy_out(a.destination, f.header.destination);
        if (f.has_ratchet()) copy_out(a.ratchet, fixed<nw::ratchet_size>(f.ratchet.data()));
        copy_out(a.signature, f.signature);
        a.app_data = f.app_data.data();
        a.app_data_len = f.app_data.size();
        *announce = a;
        return NEXUS_OK;
    });
}

}  // extern "C"
