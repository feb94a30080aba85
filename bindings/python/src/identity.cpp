// The submodule nexus._nexus.identity: include/nexus/identity and include/nexus/wire/packet.hpp,
// announce.hpp for Python, as plain functions on bytes; nexus/identity.py builds the Identity,
// Packet and Announce classes on them. Identities are passed as their 64-byte private key
// (X25519 private || Ed25519 seed) and rebuilt per call; the profile is a string, "nexus"
// (BLAKE2b-256) or "reticulum" (SHA-256). Failures raise the nexus.errors class of their code (all
// ValueError): InvalidLengthError for bad lengths, InvalidArgumentError for bad profiles and fields,
// the library's own code (TruncatedError, BadEncodingError, AuthFailedError, ...) for bad packets.
#include "bindings.hpp"

#include <nexus/crypto/argon2.hpp>
#include <nexus/identity/hash_profile.hpp>
#include <nexus/identity/identity.hpp>
#include <nexus/identity/sealed_key.hpp>
#include <nexus/wire/announce.hpp>
#include <nexus/wire/packet.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace nexus::python {

namespace {

namespace nw = nexus::wire;

using in_bytes = std::span<const std::uint8_t>;

template <std::size_t N>
py::bytes array_bytes(const std::array<std::uint8_t, N>& a) {
    return to_bytes(std::span<const std::uint8_t>(a));
}

template <std::size_t N>
std::array<std::uint8_t, N> to_array(const py::bytes& b, const char* what) {
    const auto s = exact(b, N, what);
    std::array<std::uint8_t, N> a{};
    for (std::size_t i = 0; i < N; ++i) a[i] = s[i];
    return a;
}

/// Calls fn(P{}) for the named profile.
template <class Fn>
auto with_profile(std::string_view profile, Fn&& fn) {
    if (profile == nexus::nexus_profile::name) return fn(nexus::nexus_profile{});
    if (profile == nexus::reticulum_profile::name) return fn(nexus::reticulum_profile{});
    raise(error::invalid_argument, "profile must be 'nexus' or 'reticulum'");
}

template <class P>
nexus::identity<P> load(const py::bytes& private_key) {
    auto id =
        nexus::identity<P>::from_private_key(exact(private_key, nexus::private_key_size, "private_key"));
    check(id);
    return std::move(*id);
}

/// A random_source handing out the given bytes in order.
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

std::span<const std::uint8_t> text_or_bytes(const py::handle& h, std::string& keep) {
    if (py::isinstance<py::str>(h)) {
        keep = h.cast<std::string>();  // UTF-8
        return {reinterpret_cast<const std::uint8_t*>(keep.data()), keep.size()};
    }
    if (py::isinstance<py::bytes>(h)) return as_span(h.cast<py::bytes>());
    throw py::type_error("expected str or bytes");
}

py::dict packet_dict(const nw::packet_header& h, std::span<const std::uint8_t> data) {
    py::dict d;
    d["ifac"] = h.flags.ifac;
    d["header_type"] = static_cast<int>(h.flags.header);
    d["context_flag"] = h.flags.context_flag;
    d["transport_type"] = static_cast<int>(h.flags.transport);
    d["destination_type"] = static_cast<int>(h.flags.destination);
    d["packet_type"] = static_cast<int>(h.flags.type);
    d["hops"] = h.hops;
    d["transport_id"] = h.flags.header == nw::header_type::header_2 ? py::object(array_bytes(h.transport_id))
                                                                    : py::object(py::none());
    d["destination_hash"] = array_bytes(h.destination);
    d["context"] = h.context;
    d["data"] = to_bytes(data);
    return d;
}

int field(int v, int max, const char* what) {
    if (v < 0 || v > max)
        raise(error::invalid_argument, std::string(what) + " must be between 0 and " + std::to_string(max));
    return v;
}

}  // namespace

void bind_identity(py::module_& m) {
    py::module_ c = m.def_submodule(
        "identity",
        "Identities, address hashes, sealed keys, packets and announces of nexus (low level: see the "
        "Identity, Packet and Announce classes of the nexus package). bytes in and out; the profile is "
        "'nexus' (BLAKE2b-256) or 'reticulum' (SHA-256); a nexus.NexusError (a ValueError) for bad input.");

    c.def(
        "from_seed",
        [](const py::bytes& seed) {
            const auto s = exact(seed, 32, "seed");
            const auto id =
                nexus::node_identity::from_ed25519_seed(std::span<const std::uint8_t, 32>(s.data(), 32));
            std::array<std::uint8_t, nexus::private_key_size> key{};
            id.export_private_key(key);
            py::bytes out = array_bytes(key);
            nexus::crypto::secure_wipe_object(key);
            return out;
        },
        py::arg("seed"),
        "The 64-byte private key (X25519 secret derived from the seed || seed) of a 32-byte Ed25519 seed.");
    c.def(
        "public_key",
        [](const py::bytes& private_key) {
            return array_bytes(load<nexus::nexus_profile>(private_key).public_key());
        },
        py::arg("private_key"), "The 64-byte public key (X25519 public || Ed25519 public) of a private key.");
    c.def(
        "identity_hash",
        [](const py::bytes& public_key, std::string_view profile) {
            return with_profile(profile, [&]<class P>(P) {
                auto id = nexus::public_identity<P>::from_public_key(
                    exact(public_key, nexus::public_key_size, "public_key"));
                check(id);
                return array_bytes(id->hash());
            });
        },
        py::arg("public_key"), py::arg("profile") = "nexus",
        "The 16-byte identity hash of a 64-byte public key; BadEncodingError when its Ed25519 half is "
        "unusable.");
    c.def(
        "name_hash",
        [](const py::object& full_name, std::string_view profile) {
            std::string keep;
            const auto name = text_or_bytes(full_name, keep);
            const std::string_view s(reinterpret_cast<const char*>(name.data()), name.size());
            return with_profile(profile,
                                [&]<class P>(P) { return array_bytes(nexus::make_name_hash<P>(s)); });
        },
        py::arg("full_name"), py::arg("profile") = "nexus",
        "The 10-byte name hash of a full name ('app.aspect1.aspect2', str as UTF-8, or bytes).");
    c.def(
        "destination_hash",
        [](const py::bytes& name_hash, const py::bytes& identity_hash, std::string_view profile) {
            const auto n = to_array<nexus::name_hash_size>(name_hash, "name_hash");
            const auto h = to_array<nexus::truncated_hash_size>(identity_hash, "identity_hash");
            return with_profile(
                profile, [&]<class P>(P) { return array_bytes(nexus::make_destination_hash<P>(n, h)); });
        },
        py::arg("name_hash"), py::arg("identity_hash"), py::arg("profile") = "nexus",
        "The 16-byte destination hash of a name hash and an identity hash.");
    c.def(
        "plain_destination_hash",
        [](const py::bytes& name_hash, std::string_view profile) {
            const auto n = to_array<nexus::name_hash_size>(name_hash, "name_hash");
            return with_profile(
                profile, [&]<class P>(P) { return array_bytes(nexus::make_plain_destination_hash<P>(n)); });
        },
        py::arg("name_hash"), py::arg("profile") = "nexus",
        "The 16-byte destination hash of a PLAIN destination (no identity) with this name hash.");
    c.def(
        "sign",
        [](const py::bytes& private_key, const py::bytes& message) {
            return array_bytes(load<nexus::nexus_profile>(private_key).sign(as_span(message)));
        },
        py::arg("private_key"), py::arg("message"),
        "Ed25519 signature (64 bytes) of message by the identity.");
    c.def(
        "verify",
        [](const py::bytes& public_key, const py::bytes& message, const py::bytes& signature) {
            auto id = nexus::public_identity<nexus::nexus_profile>::from_public_key(
                exact(public_key, nexus::public_key_size, "public_key"));
            return id && id->verify(as_span(message), exact(signature, nexus::signature_size, "signature"));
        },
        py::arg("public_key"), py::arg("message"), py::arg("signature"),
        "True when signature is valid for message under the 64-byte public key (False also for an unusable "
        "key).");

    c.def(
        "seal",
        [](const py::bytes& private_key, const py::bytes& passphrase, std::string_view profile,
           std::uint32_t passes, std::uint32_t memory_kib, std::uint32_t lanes, const py::bytes& random) {
            nexus::crypto::argon2_params params;
            params.passes = passes;
            params.memory_kib = memory_kib;
            params.lanes = lanes;
            const auto pw = as_span(passphrase);
            const auto rnd = exact(random, 28, "random");
            return with_profile(profile, [&]<class P>(P) {
                const auto id = load<P>(private_key);
                std::array<std::uint8_t, nexus::sealed_key_size> blob{};
                given_bytes rng(rnd);
                // Without work memory the parameters are still checked first, so bad ones are
                // reported before a large allocation is attempted.
                auto r = nexus::seal_identity(std::span<std::uint8_t, nexus::sealed_key_size>(blob), id, pw,
                                              rng, {}, params);
                if (!r && r.error() == nexus::error::buffer_too_small) {
                    const std::size_t blocks = nexus::sealed_key_work_blocks(params);
                    std::unique_ptr<nexus::crypto::argon2_block[]> work(
                        new nexus::crypto::argon2_block[blocks]);
                    given_bytes again(rnd);
                    py::gil_scoped_release unlocked;  // only C++ objects and immutable bytes are touched
                    r = nexus::seal_identity(std::span<std::uint8_t, nexus::sealed_key_size>(blob), id, pw,
                                             again, std::span(work.get(), blocks), params);
                }
                check(r);
                return array_bytes(blob);
            });
        },
        py::arg("private_key"), py::arg("passphrase"), py::arg("profile"), py::arg("passes"),
        py::arg("memory_kib"), py::arg("lanes"), py::arg("random"),
        "The 126-byte sealed key of a private key under passphrase (Argon2id + ChaCha20-Poly1305); random: "
        "28 fresh random bytes (salt || nonce). Releases the GIL while Argon2id runs.");
    c.def(
        "sealed_key_params",
        [](const py::bytes& sealed) {
            auto p = nexus::sealed_key_params(as_span(sealed));
            check(p);
            return py::make_tuple(p->passes, p->memory_kib, p->lanes);
        },
        py::arg("sealed"), "(passes, memory_kib, lanes) recorded in a sealed key.");
    c.def(
        "open",
        [](const py::bytes& sealed, const py::bytes& passphrase,
           std::string_view profile) -> std::optional<py::bytes> {
            const auto s = as_span(sealed);
            const auto pw = as_span(passphrase);
            auto params = nexus::sealed_key_params(s);
            check(params);
            return with_profile(profile, [&]<class P>(P) -> std::optional<py::bytes> {
                const std::size_t blocks = nexus::sealed_key_work_blocks(*params);
                std::unique_ptr<nexus::crypto::argon2_block[]> work(new nexus::crypto::argon2_block[blocks]);
                std::array<std::uint8_t, nexus::private_key_size> key{};
                nexus::result<void> r = nexus::ok();
                {
                    py::gil_scoped_release unlocked;
                    auto id = nexus::open_identity<P>(s, pw, std::span(work.get(), blocks));
                    if (id)
                        id->export_private_key(key);
                    else
                        r = nexus::fail(id.error());
                }
                if (!r && r.error() == nexus::error::auth_failed) return std::nullopt;
                check(r);
                py::bytes out = array_bytes(key);
                nexus::crypto::secure_wipe_object(key);
                return out;
            });
        },
        py::arg("sealed"), py::arg("passphrase"), py::arg("profile"),
        "The private key of a sealed key, or None when the passphrase is wrong or a byte was modified; "
        "a NexusError (a ValueError) for a malformed file or one sealed for the other profile.");

    c.def(
        "packet_decode",
        [](const py::bytes& raw) {
            auto v = nw::decode_packet(as_span(raw));
            check(v);
            return packet_dict(v->header, v->data);
        },
        py::arg("raw"),
        "The fields of a packet, as a dict; a NexusError (a ValueError) when it does not decode.");
    c.def(
        "packet_encode",
        [](bool ifac, int header_type, bool context_flag, int transport_type, int destination_type,
           int packet_type, int hops, const std::optional<py::bytes>& transport_id,
           const py::bytes& destination_hash, int context, const py::bytes& data) {
            nw::packet_header h;
            h.flags.ifac = ifac;
            h.flags.header = static_cast<nw::header_type>(field(header_type, 1, "header_type"));
            h.flags.context_flag = context_flag;
            h.flags.transport = static_cast<nw::transport_type>(field(transport_type, 1, "transport_type"));
            h.flags.destination =
                static_cast<nw::destination_type>(field(destination_type, 3, "destination_type"));
            h.flags.type = static_cast<nw::packet_type>(field(packet_type, 3, "packet_type"));
            h.hops = static_cast<std::uint8_t>(field(hops, 255, "hops"));
            h.context = static_cast<std::uint8_t>(field(context, 255, "context"));
            if (h.flags.header == nw::header_type::header_2) {
                if (!transport_id) raise(error::invalid_argument, "a HEADER_2 packet needs a transport_id");
                h.transport_id = to_array<nexus::truncated_hash_size>(*transport_id, "transport_id");
            } else if (transport_id) {
                raise(error::invalid_argument, "transport_id is only carried by HEADER_2 packets");
            }
            h.destination = to_array<nexus::truncated_hash_size>(destination_hash, "destination_hash");
            std::array<std::uint8_t, nw::mtu> out{};
            auto n = nw::encode_packet(h, as_span(data), out);
            check(n);
            return to_bytes(std::span<const std::uint8_t>(out.data(), *n));
        },
        py::arg("ifac"), py::arg("header_type"), py::arg("context_flag"), py::arg("transport_type"),
        py::arg("destination_type"), py::arg("packet_type"), py::arg("hops"), py::arg("transport_id"),
        py::arg("destination_hash"), py::arg("context"), py::arg("data"),
        "The bytes of a packet from its fields; a NexusError (a ValueError) for fields out of range, IFAC "
        "or over the MTU.");
    c.def(
        "packet_hash",
        [](const py::bytes& raw, std::string_view profile) {
            return with_profile(profile, [&]<class P>(P) {
                auto h = nw::packet_hash<P>(as_span(raw));
                check(h);
                return array_bytes(*h);
            });
        },
        py::arg("raw"), py::arg("profile") = "nexus",
        "The 32-byte packet hash: profile digest of (flags & 0x0F) || the packet from the destination hash "
        "on.");

    c.def(
        "random_hash",
        [](const py::bytes& random5, std::uint64_t seconds) {
            given_bytes rng(exact(random5, 5, "random"));
            return array_bytes(nw::make_random_hash(rng, seconds));
        },
        py::arg("random"), py::arg("seconds"),
        "A 10-byte random hash: 5 random bytes || seconds as 5 big-endian bytes (mod 2**40).");
    c.def(
        "random_hash_timestamp",
        [](const py::bytes& random_hash) {
            const auto h = exact(random_hash, nw::random_hash_size, "random_hash");
            return nw::random_hash_timestamp(
                std::span<const std::uint8_t, nw::random_hash_size>(h.data(), h.size()));
        },
        py::arg("random_hash"), "The timestamp (seconds) in the last 5 bytes of a random hash.");
    c.def(
        "announce_build",
        [](const py::bytes& private_key, std::string_view profile, const py::bytes& name_hash,
           const py::bytes& random_hash, const std::optional<py::bytes>& ratchet, const py::bytes& app_data,
           int context) {
            nw::announce_params params;
            params.name = to_array<nexus::name_hash_size>(name_hash, "name_hash");
            params.random = to_array<nw::random_hash_size>(random_hash, "random_hash");
            if (ratchet) params.ratchet = exact(*ratchet, nw::ratchet_size, "ratchet");
            params.app_data = as_span(app_data);
            params.context = static_cast<std::uint8_t>(field(context, 255, "context"));
            return with_profile(profile, [&]<class P>(P) {
                std::array<std::uint8_t, nw::mtu> out{};
                auto n = nw::build_announce(load<P>(private_key), params, out);
                check(n);
                return to_bytes(std::span<const std::uint8_t>(out.data(), *n));
            });
        },
        py::arg("private_key"), py::arg("profile"), py::arg("name_hash"), py::arg("random_hash"),
        py::arg("ratchet") = py::none(), py::arg("app_data") = py::bytes(), py::arg("context") = 0,
        "The bytes of a HEADER_1 announce of the identity's destination with name_hash, signed.");
    c.def(
        "announce_validate",
        [](const py::bytes& raw, std::string_view profile) {
            return with_profile(profile, [&]<class P>(P) {
                auto v = nw::validate_announce<P>(as_span(raw));
                check(v);
                const nw::announce_view& f = v->fields;
                py::dict d;
                d["public_key"] = to_bytes(f.public_key);
                d["name_hash"] = to_bytes(f.name);
                d["random_hash"] = to_bytes(f.random);
                d["timestamp"] = nw::random_hash_timestamp(f.random);
                d["ratchet"] = f.has_ratchet() ? py::object(to_bytes(f.ratchet)) : py::object(py::none());
                d["signature"] = to_bytes(f.signature);
                d["app_data"] = to_bytes(f.app_data);
                d["destination_hash"] = array_bytes(f.header.destination);
                d["identity_hash"] = array_bytes(v->identity.hash());
                d["hops"] = f.header.hops;
                d["context"] = f.header.context;
                return d;
            });
        },
        py::arg("raw"), py::arg("profile") = "nexus",
        "The fields of an authenticated announce, as a dict; a NexusError (a ValueError) when it does not "
        "validate.");
}

}  // namespace nexus::python
