// The framing, path cost and announce extension part of the C ABI (bindings/c/include/nexus_wire.h),
// on nexus/wire/hdlc.hpp, kiss.hpp, path_cost.hpp and announce_ext.hpp. The stream decoders are
// the core's fixed-capacity decoders in a heap block allocated here (the core never allocates).
#include "nexus.h"

#include <nexus/core/bytes.hpp>
#include <nexus/wire/announce_ext.hpp>
#include <nexus/wire/hdlc.hpp>
#include <nexus/wire/kiss.hpp>
#include <nexus/wire/path_cost.hpp>

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <span>

namespace {

namespace nw = nexus::wire;

using in_bytes = std::span<const std::uint8_t>;

static_assert(NEXUS_PATH_COST_BYTES == nw::compact_path_cost::wire_size);
static_assert(NEXUS_MAX_FINITE_COST_CODE == nw::max_finite_cost_code);
static_assert(NEXUS_ANNOUNCE_EXT_MAGIC == nw::announce_ext_magic);
static_assert(NEXUS_ANNOUNCE_EXT_VERSION == nw::announce_ext_version);
static_assert(NEXUS_ANNOUNCE_EXT_HEADER_BYTES == nw::announce_ext_header_size);
static_assert(NEXUS_KISS_ANY_PORT == nw::kiss::any_port);
static_assert(NEXUS_TLV_LAMPORT_TIMESTAMP == static_cast<int>(nw::announce_tlv::lamport_timestamp) &&
              NEXUS_TLV_PATH_MTU == static_cast<int>(nw::announce_tlv::path_mtu) &&
              NEXUS_TLV_CAPABILITIES == static_cast<int>(nw::announce_tlv::capabilities));

// bindings/wasm/wire.js reads and writes these structs at fixed offsets (wasm32).
static_assert(sizeof(nexus_path_cost) == 6 && offsetof(nexus_path_cost, worst_latency_ms) == 2 &&
              offsetof(nexus_path_cost, bottleneck_bps) == 4 && offsetof(nexus_path_cost, hop_count) == 5);
#if defined(__EMSCRIPTEN__)
static_assert(offsetof(nexus_tlv, data) == 4 && offsetof(nexus_tlv, len) == 8 && sizeof(nexus_tlv) == 12);
static_assert(offsetof(nexus_announce_ext, path_cost) == 2 && offsetof(nexus_announce_ext, tlvs) == 8 &&
              offsetof(nexus_announce_ext, tlvs_len) == 12 && offsetof(nexus_announce_ext, tlv_count) == 16 &&
              sizeof(nexus_announce_ext) == 20);
#endif

constexpr nexus_status to_status(nexus::error e) noexcept { return static_cast<nexus_status>(e); }
constexpr bool usable(const void* p, std::size_t n) noexcept { return p != nullptr || n == 0; }

nw::compact_path_cost from_c(const nexus_path_cost& c) noexcept {
    return {c.cumulative_cost, c.worst_latency_ms, c.bottleneck_bps, c.hop_count};
}
nexus_path_cost to_c(const nw::compact_path_cost& c) noexcept {
    return {c.cumulative_cost, c.worst_latency_ms, c.bottleneck_bps, c.hop_count};
}

// Runs a decoder over input until one frame completes (see nexus_hdlc_decoder_feed).
template <class D>
nexus_status feed_one(D& d, const std::uint8_t* in, std::size_t in_len, std::size_t* consumed,
                      const std::uint8_t** frame, std::size_t* frame_len) noexcept {
    std::size_t i = 0;
    while (i < in_len) {
        const auto f = d.push(in[i++]);
        if (f) {
            *consumed = i;
            *frame = f->data();
            *frame_len = f->size();
            return NEXUS_OK;
        }
    }
    *consumed = i;
    *frame = nullptr;
    *frame_len = 0;
    return NEXUS_OK;
}

template <class D>
nexus_framing_stats stats_of(const D& d) noexcept {
    nexus_framing_stats s{};
    s.frames = d.frames();
    s.oversized = d.oversized();
    s.invalid_escapes = d.invalid_escapes();
    s.discarded = d.discarded();
    return s;
}

}  // namespace

struct nexus_hdlc_decoder {
    nw::hdlc_decoder<NEXUS_FRAME_CAPACITY> d;
};
struct nexus_kiss_decoder {
    explicit nexus_kiss_decoder(std::uint8_t port) noexcept : d(port) {}
    nw::kiss_decoder<NEXUS_FRAME_CAPACITY> d;
};

extern "C" {

nexus_status nexus_hdlc_encode(const uint8_t* payload, size_t payload_len, uint8_t* out, size_t out_cap,
                               size_t* out_len) {
    if (!usable(payload, payload_len) || !usable(out, out_cap)) return NEXUS_ERR_NULL_POINTER;
    auto n = nw::hdlc::encode(in_bytes(payload, payload_len), std::span<std::uint8_t>(out, out_cap));
    if (!n) return to_status(n.error());
    if (out_len != nullptr) *out_len = *n;
    return NEXUS_OK;
}

nexus_status nexus_kiss_encode(const uint8_t* payload, size_t payload_len, int port, uint8_t* out,
                               size_t out_cap, size_t* out_len) {
    if (!usable(payload, payload_len) || !usable(out, out_cap)) return NEXUS_ERR_NULL_POINTER;
    if (port < 0 || port > 15) return NEXUS_ERR_INVALID_ARGUMENT;
    auto n = nw::kiss::encode(in_bytes(payload, payload_len), std::span<std::uint8_t>(out, out_cap),
                              static_cast<std::uint8_t>(port));
    if (!n) return to_status(n.error());
    if (out_len != nullptr) *out_len = *n;
    return NEXUS_OK;
}

nexus_status nexus_hdlc_decoder_new(nexus_hdlc_decoder** decoder) {
    if (decoder == nullptr) return NEXUS_ERR_NULL_POINTER;
    auto* d = new (std::nothrow) nexus_hdlc_decoder{};
    if (d == nullptr) return NEXUS_ERR_FULL;
    *decoder = d;
    return NEXUS_OK;
}

void nexus_hdlc_decoder_free(nexus_hdlc_decoder* decoder) { delete decoder; }

nexus_status nexus_hdlc_decoder_feed(nexus_hdlc_decoder* decoder, const uint8_t* in, size_t in_len,
                                     size_t* consumed, const uint8_t** frame, size_t* frame_len) {
    if (decoder == nullptr || !usable(in, in_len) || consumed == nullptr || frame == nullptr ||
        frame_len == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    return feed_one(decoder->d, in, in_len, consumed, frame, frame_len);
}

nexus_status nexus_hdlc_decoder_reset(nexus_hdlc_decoder* decoder) {
    if (decoder == nullptr) return NEXUS_ERR_NULL_POINTER;
    decoder->d.reset();
    return NEXUS_OK;
}

nexus_status nexus_hdlc_decoder_stats(const nexus_hdlc_decoder* decoder, nexus_framing_stats* stats) {
    if (decoder == nullptr || stats == nullptr) return NEXUS_ERR_NULL_POINTER;
    *stats = stats_of(decoder->d);
    return NEXUS_OK;
}

nexus_status nexus_kiss_decoder_new(int port, nexus_kiss_decoder** decoder) {
    if (decoder == nullptr) return NEXUS_ERR_NULL_POINTER;
    if ((port < 0 || port > 15) && port != NEXUS_KISS_ANY_PORT) return NEXUS_ERR_INVALID_ARGUMENT;
    auto* d = new (std::nothrow) nexus_kiss_decoder(static_cast<std::uint8_t>(port));
    if (d == nullptr) return NEXUS_ERR_FULL;
    *decoder = d;
    return NEXUS_OK;
}

void nexus_kiss_decoder_free(nexus_kiss_decoder* decoder) { delete decoder; }

nexus_status nexus_kiss_decoder_feed(nexus_kiss_decoder* decoder, const uint8_t* in, size_t in_len,
                                     size_t* consumed, const uint8_t** frame, size_t* frame_len) {
    if (decoder == nullptr || !usable(in, in_len) || consumed == nullptr || frame == nullptr ||
        frame_len == nullptr)
        return NEXUS_ERR_NULL_POINTER;
    return feed_one(decoder->d, in, in_len, consumed, frame, frame_len);
}

nexus_status nexus_kiss_decoder_reset(nexus_kiss_decoder* decoder) {
    if (decoder == nullptr) return NEXUS_ERR_NULL_POINTER;
    decoder->d.reset();
    return NEXUS_OK;
}

nexus_status nexus_kiss_decoder_stats(const nexus_kiss_decoder* decoder, nexus_framing_stats* stats) {
    if (decoder == nullptr || stats == nullptr) return NEXUS_ERR_NULL_POINTER;
    nexus_framing_stats s = stats_of(decoder->d);
    s.ignored = decoder->d.ignored();
    *stats = s;
    return NEXUS_OK;
}

nexus_status nexus_encode_cost(uint64_t micro_nxs_per_byte, uint16_t* code) {
    if (code == nullptr) return NEXUS_ERR_NULL_POINTER;
    *code = nw::encode_cost(micro_nxs_per_byte);
    return NEXUS_OK;
}

nexus_status nexus_decode_cost(uint16_t code, uint64_t* micro_nxs_per_byte) {
    if (micro_nxs_per_byte == nullptr) return NEXUS_ERR_NULL_POINTER;
    *micro_nxs_per_byte = nw::decode_cost(code);
    return NEXUS_OK;
}

nexus_status nexus_encode_bandwidth(uint64_t bps, uint8_t* code) {
    if (code == nullptr) return NEXUS_ERR_NULL_POINTER;
    *code = nw::encode_bandwidth(bps);
    return NEXUS_OK;
}

nexus_status nexus_decode_bandwidth(uint8_t code, uint64_t* bps) {
    if (bps == nullptr) return NEXUS_ERR_NULL_POINTER;
    *bps = nw::decode_bandwidth(code);
    return NEXUS_OK;
}

nexus_status nexus_path_cost_origin(nexus_path_cost* cost) {
    if (cost == nullptr) return NEXUS_ERR_NULL_POINTER;
    *cost = to_c(nw::compact_path_cost::origin());
    return NEXUS_OK;
}

nexus_status nexus_path_cost_encode(const nexus_path_cost* cost, uint8_t* out6) {
    if (cost == nullptr || out6 == nullptr) return NEXUS_ERR_NULL_POINTER;
    auto n = from_c(*cost).encode(std::span<std::uint8_t>(out6, NEXUS_PATH_COST_BYTES));
    return n ? NEXUS_OK : to_status(n.error());
}

nexus_status nexus_path_cost_decode(const uint8_t* in, size_t in_len, nexus_path_cost* cost) {
    if (!usable(in, in_len) || cost == nullptr) return NEXUS_ERR_NULL_POINTER;
    auto c = nw::compact_path_cost::decode(in_bytes(in, in_len));
    if (!c) return to_status(c.error());
    *cost = to_c(*c);
    return NEXUS_OK;
}

nexus_status nexus_path_cost_relay_update(const nexus_path_cost* in, uint64_t cost_per_byte,
                                          uint32_t latency_ms, uint64_t bps, nexus_path_cost* out) {
    if (in == nullptr || out == nullptr) return NEXUS_ERR_NULL_POINTER;
    nw::hop_metrics hop;
    hop.cost_per_byte = cost_per_byte;
    hop.latency_ms = latency_ms;
    hop.bps = bps;
    *out = to_c(nw::relay_update(from_c(*in), hop));
    return NEXUS_OK;
}

nexus_status nexus_announce_ext_build(const nexus_path_cost* cost, const nexus_tlv* tlvs, size_t tlv_count,
                                      uint8_t* out, size_t out_cap, size_t* out_len) {
    if (cost == nullptr || !usable(tlvs, tlv_count) || !usable(out, out_cap)) return NEXUS_ERR_NULL_POINTER;
    // Everything is checked, and the size computed, before a byte is written.
    std::size_t size = nw::announce_ext_header_size;
    for (std::size_t i = 0; i < tlv_count; ++i) {
        if (!usable(tlvs[i].data, tlvs[i].len)) return NEXUS_ERR_NULL_POINTER;
        if (tlvs[i].len > 255) return NEXUS_ERR_INVALID_LENGTH;
        size += 2 + tlvs[i].len;
    }
    if (out_cap < size) return NEXUS_ERR_BUFFER_TOO_SMALL;
    auto b = nw::announce_ext_builder::create(std::span<std::uint8_t>(out, out_cap), from_c(*cost));
    if (!b) return to_status(b.error());
    for (std::size_t i = 0; i < tlv_count; ++i) {
        auto r = b->add_tlv(tlvs[i].type, in_bytes(tlvs[i].data, tlvs[i].len));
        if (!r) return to_status(r.error());
    }
    if (out_len != nullptr) *out_len = b->size();
    return NEXUS_OK;
}

nexus_status nexus_announce_ext_parse(const uint8_t* app_data, size_t app_data_len, nexus_announce_ext* ext) {
    if (!usable(app_data, app_data_len) || ext == nullptr) return NEXUS_ERR_NULL_POINTER;
    auto v = nw::parse_announce_ext(in_bytes(app_data, app_data_len));
    if (!v) return to_status(v.error());
    nexus_announce_ext e{};
    e.version = v->version;
    e.path_cost = to_c(v->path_cost);
    const auto area = v->tlvs.bytes();
    e.tlvs = area.data();
    e.tlvs_len = area.size();
    e.tlv_count = *nw::validate_tlvs(area);
    *ext = e;
    return NEXUS_OK;
}

nexus_status nexus_tlv_next(const uint8_t* tlvs, size_t tlvs_len, size_t* offset, nexus_tlv* entry) {
    if (!usable(tlvs, tlvs_len) || offset == nullptr || entry == nullptr) return NEXUS_ERR_NULL_POINTER;
    const std::size_t at = *offset;
    if (at >= tlvs_len) return NEXUS_ERR_EMPTY;
    nexus::byte_reader r{in_bytes(tlvs + at, tlvs_len - at)};
    const auto type = r.u8();
    const auto len = r.u8();
    if (!type || !len) return NEXUS_ERR_TRUNCATED;
    const auto data = r.bytes(*len);
    if (!data) return NEXUS_ERR_TRUNCATED;
    nexus_tlv e{};
    e.type = *type;
    e.data = data->data();
    e.len = data->size();
    *entry = e;
    *offset = at + 2 + *len;
    return NEXUS_OK;
}

nexus_status nexus_announce_ext_lamport_timestamp(const uint8_t* app_data, size_t app_data_len,
                                                  uint64_t* value) {
    if (!usable(app_data, app_data_len) || value == nullptr) return NEXUS_ERR_NULL_POINTER;
    auto v = nw::parse_announce_ext(in_bytes(app_data, app_data_len));
    if (!v) return to_status(v.error());
    auto t = v->lamport_timestamp();
    if (!t) return to_status(t.error());
    *value = *t;
    return NEXUS_OK;
}

nexus_status nexus_announce_ext_path_mtu(const uint8_t* app_data, size_t app_data_len, uint16_t* value) {
    if (!usable(app_data, app_data_len) || value == nullptr) return NEXUS_ERR_NULL_POINTER;
    auto v = nw::parse_announce_ext(in_bytes(app_data, app_data_len));
    if (!v) return to_status(v.error());
    auto t = v->path_mtu();
    if (!t) return to_status(t.error());
    *value = *t;
    return NEXUS_OK;
}

nexus_status nexus_announce_ext_capabilities(const uint8_t* app_data, size_t app_data_len, uint16_t* value) {
    if (!usable(app_data, app_data_len) || value == nullptr) return NEXUS_ERR_NULL_POINTER;
    auto v = nw::parse_announce_ext(in_bytes(app_data, app_data_len));
    if (!v) return to_status(v.error());
    auto t = v->capabilities();
    if (!t) return to_status(t.error());
    *value = *t;
    return NEXUS_OK;
}

}  // extern "C"
