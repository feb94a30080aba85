// The C ABI of bindings/c/include/nexus.h, implemented on the header-only C++ library.
#include "nexus.h"

#include <nexus/nexus.hpp>

#include <string_view>

namespace {

constexpr nexus_status to_status(nexus::error e) noexcept { return static_cast<nexus_status>(e); }

static_assert(static_cast<int>(nexus::error::buffer_too_small) == NEXUS_ERR_BUFFER_TOO_SMALL);
static_assert(static_cast<int>(nexus::error::unsupported) == NEXUS_ERR_UNSUPPORTED);
static_assert(static_cast<int>(nexus::error::bad_state) == NEXUS_ERR_BAD_STATE);

template <class T>
nexus_status status_of(const nexus::result<T>& r) noexcept {
    return r ? NEXUS_OK : to_status(r.error());
}

}  // namespace

extern "C" {

const char* nexus_status_string(int status) {
    switch (status) {
        case NEXUS_OK:
            return "ok";
        case NEXUS_ERR_NULL_POINTER:
            return "null pointer";
        default:
            break;
    }
    if (status >= NEXUS_ERR_BUFFER_TOO_SMALL && status <= NEXUS_ERR_BAD_STATE) {
        // to_string returns views of string literals, so data() is NUL-terminated.
        return nexus::to_string(static_cast<nexus::error>(status)).data();
    }
    return "unknown status";
}

const char* nexus_status_name(int status) {
    switch (status) {
        case NEXUS_OK:
            return "ok";
        case NEXUS_ERR_NULL_POINTER:
            return "null_pointer";
        default:
            break;
    }
    if (status >= NEXUS_ERR_BUFFER_TOO_SMALL && status <= NEXUS_ERR_BAD_STATE) {
        // name returns views of string literals, so data() is NUL-terminated.
        return nexus::name(static_cast<nexus::error>(status)).data();
    }
    return "unknown";
}

const char* nexus_version_string(void) { return nexus::version_string.data(); }
uint32_t nexus_version_number(void) { return nexus::version_number; }

nexus_status nexus_hex_encode(const uint8_t* in, size_t in_len, char* out, size_t out_cap, size_t* out_len) {
    if ((in == nullptr && in_len != 0) || out == nullptr) return NEXUS_ERR_NULL_POINTER;
    if (out_cap < 1 || (out_cap - 1) / 2 < in_len) return NEXUS_ERR_BUFFER_TOO_SMALL;
    auto r = nexus::hex_encode({in, in_len}, {out, out_cap - 1});
    if (!r) return to_status(r.error());
    out[*r] = '\0';
    if (out_len != nullptr) *out_len = *r;
    return NEXUS_OK;
}

nexus_status nexus_hex_decode(const char* in, size_t in_len, uint8_t* out, size_t out_cap, size_t* out_len) {
    if ((in == nullptr && in_len != 0) || (out == nullptr && out_cap != 0)) return NEXUS_ERR_NULL_POINTER;
    auto r = nexus::hex_decode(std::string_view(in == nullptr ? "" : in, in_len), {out, out_cap});
    if (!r) return to_status(r.error());
    if (out_len != nullptr) *out_len = *r;
    return NEXUS_OK;
}

nexus_status nexus_load_uint(const uint8_t* in, size_t in_len, size_t width, nexus_byte_order order,
                             uint64_t* value) {
    if ((in == nullptr && in_len != 0) || value == nullptr) return NEXUS_ERR_NULL_POINTER;
    if (order != NEXUS_BIG_ENDIAN && order != NEXUS_LITTLE_ENDIAN) return NEXUS_ERR_INVALID_ARGUMENT;
    nexus::byte_reader r({in, in_len});
    const bool be = order == NEXUS_BIG_ENDIAN;
    nexus::result<uint64_t> v = nexus::fail(nexus::error::invalid_argument);
    switch (width) {
        case 1:
            v = r.u8();
            break;
        case 2:
            v = be ? r.u16_be() : r.u16_le();
            break;
        case 4:
            v = be ? r.u32_be() : r.u32_le();
            break;
        case 8:
            v = be ? r.u64_be() : r.u64_le();
            break;
        default:
            return NEXUS_ERR_INVALID_ARGUMENT;
    }
    if (!v) return to_status(v.error());
    *value = *v;
    return NEXUS_OK;
}

nexus_status nexus_store_uint(uint64_t value, size_t width, nexus_byte_order order, uint8_t* out,
                              size_t out_cap) {
    if (out == nullptr && out_cap != 0) return NEXUS_ERR_NULL_POINTER;
    if (order != NEXUS_BIG_ENDIAN && order != NEXUS_LITTLE_ENDIAN) return NEXUS_ERR_INVALID_ARGUMENT;
    if (width != 1 && width != 2 && width != 4 && width != 8) return NEXUS_ERR_INVALID_ARGUMENT;
    if (width < 8 && (value >> (8 * width)) != 0) return NEXUS_ERR_OUT_OF_RANGE;
    nexus::byte_writer w({out, out_cap});
    const bool be = order == NEXUS_BIG_ENDIAN;
    nexus::result<void> r;
    switch (width) {
        case 1:
            r = w.u8(static_cast<uint8_t>(value));
            break;
        case 2:
            r = be ? w.u16_be(static_cast<uint16_t>(value)) : w.u16_le(static_cast<uint16_t>(value));
            break;
        case 4:
            r = be ? w.u32_be(static_cast<uint32_t>(value)) : w.u32_le(static_cast<uint32_t>(value));
            break;
        default:
            r = be ? w.u64_be(value) : w.u64_le(value);
            break;
    }
    return status_of(r);
}

}  // extern "C"
