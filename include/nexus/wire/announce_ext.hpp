// The NEXUS announce extension, carried in a Reticulum announce's app-data field
// (../shared/spec/protocol.md "NEXUS announce extension"):
//
//   offset 0  magic      u8   0x4E ('N')
//   offset 1  version    u8   1 (announce_ext_version)
//   offset 2  path cost  6    compact_path_cost (wire/path_cost.hpp)
//   offset 8  TLVs       rest type u8, length u8, data (length bytes), repeated to the end
//
// Parsing is a view over the caller's bytes (no copy). Unknown TLV types are skipped by readers;
// an extension of a higher version is reported as `unsupported`, and nodes that cannot read it
// forward the app data untouched (the parser never modifies its input). TLV registry and rules:
// docs/wire/path_cost.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

#include "nexus/core/bytes.hpp"
#include "nexus/core/result.hpp"
#include "nexus/wire/path_cost.hpp"

namespace nexus::wire {

inline constexpr std::uint8_t announce_ext_magic = 0x4E;
inline constexpr std::uint8_t announce_ext_version = 1;
/// magic + version + compact_path_cost.
inline constexpr std::size_t announce_ext_header_size = 2 + compact_path_cost::wire_size;

/// TLV types of version 1. A reader skips types it does not know.
enum class announce_tlv : std::uint8_t {
    lamport_timestamp =
        0x01,         ///< u64 LE: the origin's Lamport clock (orders announces, protocol.md "Open points")
    path_mtu = 0x02,  ///< u16 LE: bottleneck MTU of the path, bytes
    capabilities = 0x03,  ///< u16 LE: bit flags; no bit assigned yet (send 0, ignore unknown bits)
};

/// One TLV entry; `data` points into the parsed bytes.
struct tlv_entry {
    std::uint8_t type = 0;
    std::span<const std::uint8_t> data{};
};

/// Checks that `bytes` is a whole number of TLV entries; returns how many. truncated when the
/// last entry's header or data runs past the end.
constexpr result<std::size_t> validate_tlvs(std::span<const std::uint8_t> bytes) noexcept {
    std::size_t count = 0;
    std::size_t i = 0;
    while (i < bytes.size()) {
        if (bytes.size() - i < 2) return fail(error::truncated);
        const std::size_t len = bytes[i + 1];
        if (bytes.size() - i - 2 < len) return fail(error::truncated);
        i += 2 + len;
        ++count;
    }
    return count;
}

/// Forward range over TLV entries of validated bytes. On bytes that do not validate, iteration
/// stops before the first incomplete entry (it never reads past the end).
class tlv_range {
public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = tlv_entry;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = tlv_entry;

        constexpr iterator() noexcept = default;
        constexpr tlv_entry operator*() const noexcept { return {rest_[0], rest_.subspan(2, rest_[1])}; }
        constexpr iterator& operator++() noexcept {
            rest_ = rest_.subspan(2 + std::size_t{rest_[1]});
            settle();
            return *this;
        }
        constexpr iterator operator++(int) noexcept {
            iterator old = *this;
            ++*this;
            return old;
        }
        friend constexpr bool operator==(const iterator& a, const iterator& b) noexcept {
            return a.rest_.size() == b.rest_.size();
        }

    private:
        friend class tlv_range;
        constexpr explicit iterator(std::span<const std::uint8_t> rest) noexcept : rest_(rest) { settle(); }
        // An incomplete trailing entry counts as the end.
        constexpr void settle() noexcept {
            if (rest_.size() < 2 || rest_.size() - 2 < rest_[1]) rest_ = {};
        }
        std::span<const std::uint8_t> rest_{};
    };

    constexpr tlv_range() noexcept = default;
    constexpr explicit tlv_range(std::span<const std::uint8_t> bytes) noexcept : bytes_(bytes) {}

    constexpr iterator begin() const noexcept { return iterator(bytes_); }
    constexpr iterator end() const noexcept { return iterator(); }
    constexpr std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

    /// The first entry of this type, if any.
    constexpr std::optional<tlv_entry> find(std::uint8_t type) const noexcept {
        for (const tlv_entry e : *this)
            if (e.type == type) return e;
        return std::nullopt;
    }
    constexpr std::optional<tlv_entry> find(announce_tlv type) const noexcept {
        return find(static_cast<std::uint8_t>(type));
    }

private:
    std::span<const std::uint8_t> bytes_{};
};

/// A parsed extension; spans point into the app data that was parsed.
struct announce_ext_view {
    std::uint8_t version = announce_ext_version;
    compact_path_cost path_cost{};
    tlv_range tlvs{};
    std::span<const std::uint8_t> raw{};  ///< the whole extension (the app data)

    /// Value of the first lamport_timestamp TLV: not_found if absent, invalid_length unless 8 bytes.
    constexpr result<std::uint64_t> lamport_timestamp() const noexcept {
        const auto e = tlvs.find(announce_tlv::lamport_timestamp);
        if (!e) return fail(error::not_found);
        if (e->data.size() != 8) return fail(error::invalid_length);
        byte_reader r{e->data};
        return r.u64_le();
    }
    /// Value of the first path_mtu TLV: not_found if absent, invalid_length unless 2 bytes.
    constexpr result<std::uint16_t> path_mtu() const noexcept { return u16_tlv(announce_tlv::path_mtu); }
    /// Value of the first capabilities TLV: not_found if absent, invalid_length unless 2 bytes.
    constexpr result<std::uint16_t> capabilities() const noexcept {
        return u16_tlv(announce_tlv::capabilities);
    }

private:
    constexpr result<std::uint16_t> u16_tlv(announce_tlv type) const noexcept {
        const auto e = tlvs.find(type);
        if (!e) return fail(error::not_found);
        if (e->data.size() != 2) return fail(error::invalid_length);
        byte_reader r{e->data};
        return r.u16_le();
    }
};

/// Quick check: does this app data start like a NEXUS extension (magic, at least 8 bytes)? Says
/// nothing about the version or the TLVs; parse_announce_ext does.
constexpr bool is_nexus_extension(std::span<const std::uint8_t> app_data) noexcept {
    return app_data.size() >= announce_ext_header_size && app_data[0] == announce_ext_magic;
}

/// Parses app data as a NEXUS extension. Errors, in this order: truncated for empty input;
/// bad_encoding when the first byte is not the magic; truncated below 8 bytes; bad_encoding for
/// version 0; unsupported for a version above announce_ext_version (the bytes are still valid app
/// data to forward); truncated when the TLV area ends inside an entry. Duplicate TLV types are
/// accepted (find() returns the first) so the bytes stay exactly as sent.
constexpr result<announce_ext_view> parse_announce_ext(std::span<const std::uint8_t> app_data) noexcept {
    if (app_data.empty()) return fail(error::truncated);
    if (app_data[0] != announce_ext_magic) return fail(error::bad_encoding);
    if (app_data.size() < announce_ext_header_size) return fail(error::truncated);
    const std::uint8_t version = app_data[1];
    if (version == 0) return fail(error::bad_encoding);
    if (version > announce_ext_version) return fail(error::unsupported);
    byte_reader r{app_data.subspan(2)};
    auto cost = compact_path_cost::read(r);
    if (!cost) return fail(cost.error());
    const auto tlv_bytes = r.rest();
    if (auto n = validate_tlvs(tlv_bytes); !n) return fail(n.error());
    announce_ext_view v;
    v.version = version;
    v.path_cost = *cost;
    v.tlvs = tlv_range(tlv_bytes);
    v.raw = app_data;
    return v;
}

/// Writes an extension into a caller buffer: header first (create), then TLVs in call order.
/// A failed add leaves the bytes written so far intact and usable.
class announce_ext_builder {
public:
    /// Writes magic, version 1 and the path cost; buffer_too_small below 8 bytes.
    static constexpr result<announce_ext_builder> create(std::span<std::uint8_t> out,
                                                         const compact_path_cost& cost) noexcept {
        announce_ext_builder b(out);
        if (out.size() < announce_ext_header_size) return fail(error::buffer_too_small);
        (void)b.w_.u8(announce_ext_magic);
        (void)b.w_.u8(announce_ext_version);
        (void)cost.write(b.w_);
        return b;
    }

    /// Appends one entry. invalid_length above 255 data bytes; buffer_too_small when it does not
    /// fit (nothing written either way).
    constexpr result<void> add_tlv(std::uint8_t type, std::span<const std::uint8_t> data) noexcept {
        if (data.size() > 255) return fail(error::invalid_length);
        if (w_.remaining() < 2 + data.size()) return fail(error::buffer_too_small);
        (void)w_.u8(type);
        (void)w_.u8(static_cast<std::uint8_t>(data.size()));
        (void)w_.bytes(data);
        return ok();
    }
    constexpr result<void> add_tlv(announce_tlv type, std::span<const std::uint8_t> data) noexcept {
        return add_tlv(static_cast<std::uint8_t>(type), data);
    }
    constexpr result<void> add_lamport_timestamp(std::uint64_t t) noexcept {
        std::uint8_t b[8]{};
        byte_writer w{std::span<std::uint8_t>(b)};
        (void)w.u64_le(t);
        return add_tlv(announce_tlv::lamport_timestamp, b);
    }
    constexpr result<void> add_path_mtu(std::uint16_t mtu) noexcept {
        return add_u16(announce_tlv::path_mtu, mtu);
    }
    constexpr result<void> add_capabilities(std::uint16_t flags) noexcept {
        return add_u16(announce_tlv::capabilities, flags);
    }

    /// The extension written so far.
    constexpr std::span<const std::uint8_t> bytes() const noexcept { return w_.written(); }
    constexpr std::size_t size() const noexcept { return w_.size(); }

private:
    constexpr explicit announce_ext_builder(std::span<std::uint8_t> out) noexcept : w_(out) {}

    constexpr result<void> add_u16(announce_tlv type, std::uint16_t v) noexcept {
        std::uint8_t b[2]{};
        byte_writer w{std::span<std::uint8_t>(b)};
        (void)w.u16_le(v);
        return add_tlv(type, b);
    }

    byte_writer w_;
};

/// The Lamport time an announce carries (docs/routing.md "Lamport"): the NEXUS extension's TLV 0x01
/// when its app data has one, else `emitted`, the emission time of its random hash (seconds,
/// monotonic per origin).
constexpr std::uint64_t announce_lamport(std::span<const std::uint8_t> app_data, std::uint64_t emitted) noexcept {
    if (is_nexus_extension(app_data))
        if (auto ext = parse_announce_ext(app_data))
            if (auto l = ext->lamport_timestamp()) return *l;
    return emitted;
}

}  // namespace nexus::wire
