// Identities and destination addresses (../shared/spec/protocol.md "Identity and addressing",
// ../shared/spec/reticulum-framing.md "Identities and destinations").
//
// Public key (64 bytes, Reticulum's layout, used by both profiles on the wire):
//     X25519 public (32) || Ed25519 public (32)
// Private key (64 bytes, Reticulum's export layout):
//     X25519 private (32) || Ed25519 seed (32)
//
// A NEXUS identity is one Ed25519 keypair; its X25519 half is derived (RFC 7748 §4.1 map for the
// public key, the clamped SHA-512 seed expansion for the secret), so a generated identity always
// has matching halves. A Reticulum private key has two independent halves and loads as it is.
//
// identity hash      = profile_hash(public key)[0, 16)
// name hash          = profile_hash("app.aspect1.aspect2...")[0, 10)
// destination hash   = profile_hash(name hash || identity hash)[0, 16)
// plain destination  = profile_hash(name hash)[0, 16)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "nexus/core/policies.hpp"
#include "nexus/core/result.hpp"
#include "nexus/crypto/ct.hpp"
#include "nexus/crypto/ed25519.hpp"
#include "nexus/crypto/x25519.hpp"
#include "nexus/identity/hash_profile.hpp"

namespace nexus {

inline constexpr std::size_t public_key_size = 64;
inline constexpr std::size_t private_key_size = 64;
inline constexpr std::size_t signature_size = 64;

using public_key_bytes = std::array<std::uint8_t, public_key_size>;
using private_key_bytes = std::array<std::uint8_t, private_key_size>;
using signature_bytes = std::array<std::uint8_t, signature_size>;
using x25519_key = std::array<std::uint8_t, 32>;

namespace identity_detail {

inline std::span<const std::uint8_t> as_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace identity_detail

// ------------------------------------------------------------------------------------------------
// Names

/// A name component (app name or aspect) is valid when it is non-empty and has no '.'.
constexpr bool valid_name_component(std::string_view c) noexcept {
    return !c.empty() && c.find('.') == std::string_view::npos;
}

/// Name hash of "app.aspect1.aspect2...", hashed piecewise (no buffer). invalid_argument when a
/// component is empty or contains a dot.
template <hash_profile P>
result<name_hash> make_name_hash(std::string_view app, std::initializer_list<std::string_view> aspects) noexcept {
    if (!valid_name_component(app)) return fail(error::invalid_argument);
    for (auto a : aspects)
        if (!valid_name_component(a)) return fail(error::invalid_argument);
    typename P::hasher h;
    h.update(identity_detail::as_bytes(app));
    static constexpr std::uint8_t dot = '.';
    for (auto a : aspects) {
        h.update(std::span<const std::uint8_t>(&dot, 1));
        h.update(identity_detail::as_bytes(a));
    }
    full_hash d{};
    h.finish(d);
    name_hash out{};
    for (std::size_t i = 0; i < name_hash_size; ++i) out[i] = d[i];
    return out;
}

/// Name hash of an already joined full name (not validated: any UTF-8 bytes are hashed).
template <hash_profile P>
name_hash make_name_hash(std::string_view full_name) noexcept {
    return profile_hash_prefix<P, name_hash_size>(identity_detail::as_bytes(full_name));
}

/// Destination hash of a destination owned by an identity.
template <hash_profile P>
truncated_hash make_destination_hash(const name_hash& name, const truncated_hash& identity_hash) noexcept {
    return profile_hash_prefix<P, truncated_hash_size>(name, identity_hash);
}

/// Destination hash of a PLAIN destination (no identity).
template <hash_profile P>
truncated_hash make_plain_destination_hash(const name_hash& name) noexcept {
    return profile_hash_prefix<P, truncated_hash_size>(name);
}

// ------------------------------------------------------------------------------------------------
// Public identities (what a peer learns from an announce)

template <hash_profile P>
class identity;

template <hash_profile P>
class public_identity {
public:
    using profile = P;

    /// From the 64-byte public key. bad_encoding when the Ed25519 half is not a valid point of
    /// large order (no signature could ever verify under it).
    static result<public_identity> from_public_key(std::span<const std::uint8_t> key) noexcept {
        if (key.size() != public_key_size) return fail(error::invalid_length);
        public_identity id;
        for (std::size_t i = 0; i < public_key_size; ++i) id.key_[i] = key[i];
        if (!key_usable(id.ed25519_public())) return fail(error::bad_encoding);
        id.hash_ = profile_hash_prefix<P, truncated_hash_size>(id.key_);
        return id;
    }

    const public_key_bytes& public_key() const noexcept { return key_; }
    std::span<const std::uint8_t, 32> x25519_public() const noexcept {
        return std::span<const std::uint8_t, public_key_size>(key_).template first<32>();
    }
    std::span<const std::uint8_t, 32> ed25519_public() const noexcept {
        return std::span<const std::uint8_t, public_key_size>(key_).template last<32>();
    }
    const truncated_hash& hash() const noexcept { return hash_; }

    [[nodiscard]] bool verify(std::span<const std::uint8_t> message,
                              std::span<const std::uint8_t> signature) const noexcept {
        if (signature.size() != signature_size) return false;
        const std::span<const std::uint8_t, signature_size> sig(signature.data(), signature_size);
        if constexpr (requires { P::ed25519_verify(sig, ed25519_public(), message); })
            return P::ed25519_verify(sig, ed25519_public(), message);
        else
            return crypto::ed25519_verify(sig, ed25519_public(), message);
    }

    /// Destination hash of this identity's destination with the given name hash.
    truncated_hash destination_hash(const name_hash& name) const noexcept {
        return make_destination_hash<P>(name, hash_);
    }

    friend bool operator==(const public_identity& a, const public_identity& b) noexcept {
        return a.key_ == b.key_;
    }

private:
    template <hash_profile>
    friend class identity;
    public_identity() = default;

    // Whether an Ed25519 public key is a valid point of large order (the profile's check when it
    // has one, see hash_profile.hpp).
    static bool key_usable(std::span<const std::uint8_t, 32> ed_public) noexcept {
        if constexpr (requires { P::ed25519_key_usable(ed_public); }) {
            return P::ed25519_key_usable(ed_public);
        } else {
            x25519_key probe{};
            return crypto::ed25519_public_to_x25519(probe, ed_public);
        }
    }
    public_key_bytes key_{};
    truncated_hash hash_{};
};

// ------------------------------------------------------------------------------------------------
// Private identities

/// An identity with its secrets. Move-only; the secrets are wiped on destruction and from a
/// moved-from object.
template <hash_profile P>
class identity {
public:
    using profile = P;

    /// A NEXUS identity: a fresh Ed25519 seed from the random source, X25519 derived from it.
    template <random_source R>
    static identity generate(R& rng) noexcept {
        std::array<std::uint8_t, 32> seed{};
        rng.fill(seed);
        identity id = from_ed25519_seed(seed);
        crypto::secure_wipe_object(seed);
        return id;
    }

    /// A NEXUS identity from its Ed25519 seed; the X25519 secret is derived from it.
    static identity from_ed25519_seed(std::span<const std::uint8_t, 32> seed) noexcept {
        identity id;
        id.set_ed25519(seed);
        crypto::ed25519_secret_to_x25519(id.x_secret_, id.ed_secret_);
        id.finish_public();
        return id;
    }

    /// A Reticulum-style private key: X25519 private (32) || Ed25519 seed (32), independent halves.
    static result<identity> from_private_key(std::span<const std::uint8_t> key) noexcept {
        if (key.size() != private_key_size) return fail(error::invalid_length);
        identity id;
        for (std::size_t i = 0; i < 32; ++i) id.x_secret_[i] = key[i];
        id.set_ed25519(std::span<const std::uint8_t, 32>(key.data() + 32, 32));
        id.finish_public();
        return id;
    }

    identity(identity&& o) noexcept { take(o); }
    identity& operator=(identity&& o) noexcept {
        if (this != &o) take(o);
        return *this;
    }
    identity(const identity&) = delete;
    identity& operator=(const identity&) = delete;
    ~identity() { wipe(); }

    /// The 64-byte private key in Reticulum's layout; the caller must wipe it after use.
    void export_private_key(std::span<std::uint8_t, private_key_size> out) const noexcept {
        for (std::size_t i = 0; i < 32; ++i) out[i] = x_secret_[i];
        for (std::size_t i = 0; i < 32; ++i) out[32 + i] = ed_secret_[i];
    }

    const public_identity<P>& public_id() const noexcept { return public_; }
    const public_key_bytes& public_key() const noexcept { return public_.public_key(); }
    const truncated_hash& hash() const noexcept { return public_.hash(); }
    truncated_hash destination_hash(const name_hash& name) const noexcept {
        return public_.destination_hash(name);
    }

    void sign(std::span<std::uint8_t, signature_size> out, std::span<const std::uint8_t> message) const noexcept {
        crypto::ed25519_sign(out, ed_secret_, message);
        if constexpr (requires { P::ed25519_signed(out, public_.ed25519_public(), message); })
            P::ed25519_signed(out, public_.ed25519_public(), message);
    }
    signature_bytes sign(std::span<const std::uint8_t> message) const noexcept {
        signature_bytes s{};
        sign(s, message);
        return s;
    }

    /// X25519 of this identity's long-term secret with a peer's X25519 public key; weak_key when
    /// the result is all zero (small-order peer key).
    result<void> agree(std::span<std::uint8_t, 32> shared, std::span<const std::uint8_t, 32> peer) const noexcept {
        if (!crypto::x25519(shared, x_secret_, peer)) return fail(error::weak_key);
        return ok();
    }

private:
    identity() = default;

    void set_ed25519(std::span<const std::uint8_t, 32> seed) noexcept {
        std::array<std::uint8_t, 32> ed_public{};
        crypto::ed25519_keypair(ed_public, ed_secret_, seed);
    }
    void finish_public() noexcept {
        public_key_bytes pk{};
        crypto::x25519_public_key(std::span<std::uint8_t, 32>(pk.data(), 32), x_secret_);
        for (std::size_t i = 0; i < 32; ++i) pk[32 + i] = ed_secret_[32 + i];
        // The Ed25519 half comes from a seed, so it is always a valid point of large order.
        public_ = *public_identity<P>::from_public_key(pk);
    }
    void take(identity& o) noexcept {
        x_secret_ = o.x_secret_;
        ed_secret_ = o.ed_secret_;
        public_ = o.public_;
        o.wipe();
    }
    void wipe() noexcept {
        crypto::secure_wipe_object(x_secret_);
        crypto::secure_wipe_object(ed_secret_);
    }

    std::array<std::uint8_t, 32> x_secret_{};
    std::array<std::uint8_t, 64> ed_secret_{};  // seed || Ed25519 public (libsodium layout)
    public_identity<P> public_{};
};

/// The identity type a node uses by default: the NEXUS profile.
using node_identity = identity<nexus_profile>;

}  // namespace nexus
