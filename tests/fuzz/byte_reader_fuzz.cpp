// libFuzzer target for nexus::byte_reader / byte_writer (nexus/core/bytes.hpp). Input: op count,
// that many op bytes (some followed by a length byte), then the data the reader reads. Every read
// is checked against an independent model: values equal the bytes decoded by hand, a read that
// does not fit fails with `truncated` and leaves the cursor (and any output) unchanged, and no
// view ever reaches past the data (an exact-size heap copy, so ASan sees overreads). Each
// successful read is mirrored into a byte_writer of the data's size, which must reproduce
// exactly the bytes consumed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/core/bytes.hpp"

namespace {

constexpr std::uint8_t sentinel = 0xa5;

enum op : std::uint8_t {
    u8,
    u16le,
    u16be,
    u32le,
    u32be,
    u64le,
    u64be,
    bytes,
    copy_to,
    skip,
    take_rest,
    op_count
};

std::uint64_t by_hand(const std::uint8_t* p, std::size_t width, bool big_endian) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) {
        const std::size_t shift = 8 * (big_endian ? width - 1 - i : i);
        v |= std::uint64_t{p[i]} << shift;
    }
    return v;
}

// One fixed-width integer read, checked against the model and mirrored into the writer; returns
// whether it fitted.
template <class T>
bool int_op(nexus::byte_reader& reader, nexus::byte_writer& writer, std::span<const std::uint8_t> data,
            std::size_t& pos, nexus::result<T> (nexus::byte_reader::*read)() noexcept,
            nexus::result<void> (nexus::byte_writer::*write)(T) noexcept, bool big_endian) {
    const auto r = (reader.*read)();
    if (data.size() - pos < sizeof(T)) {
        NEXUS_FUZZ_CHECK(!r && r.error() == nexus::error::truncated);
        return false;
    }
    NEXUS_FUZZ_CHECK(r && *r == by_hand(data.data() + pos, sizeof(T), big_endian));
    NEXUS_FUZZ_CHECK((writer.*write)(*r));
    pos += sizeof(T);
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* input, std::size_t size) {
    nexus::fuzz::input in(input, size);
    const std::size_t op_bytes = in.byte() % 64;
    const auto program = in.take(op_bytes);
    const auto rest = in.rest();
    const std::vector<std::uint8_t> data(rest.begin(), rest.end());
    const std::span<const std::uint8_t> view(data);

    nexus::byte_reader reader(view);
    std::vector<std::uint8_t> written(data.size(), sentinel);
    nexus::byte_writer writer(written);
    std::size_t pos = 0;  // the model's cursor

    nexus::fuzz::input ops(program);
    while (ops.remaining() > 0) {
        const auto kind = static_cast<op>(ops.byte() % op_count);
        const std::size_t before = pos;
        const std::size_t left = data.size() - pos;
        bool fits = true;
        switch (kind) {
            case u8: {
                const auto r = reader.u8();
                fits = left >= 1;
                if (fits) {
                    NEXUS_FUZZ_CHECK(r && *r == data[pos]);
                    NEXUS_FUZZ_CHECK(writer.u8(*r));
                    pos += 1;
                } else {
                    NEXUS_FUZZ_CHECK(!r && r.error() == nexus::error::truncated);
                }
                break;
            }
            case u16le:
                fits = int_op(reader, writer, view, pos, &nexus::byte_reader::u16_le,
                              &nexus::byte_writer::u16_le, false);
                break;
            case u16be:
                fits = int_op(reader, writer, view, pos, &nexus::byte_reader::u16_be,
                              &nexus::byte_writer::u16_be, true);
                break;
            case u32le:
                fits = int_op(reader, writer, view, pos, &nexus::byte_reader::u32_le,
                              &nexus::byte_writer::u32_le, false);
                break;
            case u32be:
                fits = int_op(reader, writer, view, pos, &nexus::byte_reader::u32_be,
                              &nexus::byte_writer::u32_be, true);
                break;
            case u64le:
                fits = int_op(reader, writer, view, pos, &nexus::byte_reader::u64_le,
                              &nexus::byte_writer::u64_le, false);
                break;
            case u64be:
                fits = int_op(reader, writer, view, pos, &nexus::byte_reader::u64_be,
                              &nexus::byte_writer::u64_be, true);
                break;
            case bytes: {
                const std::size_t n = ops.byte();
                const auto r = reader.bytes(n);
                fits = left >= n;
                if (fits) {
                    NEXUS_FUZZ_CHECK(r && r->data() == view.data() + pos && r->size() == n);
                    NEXUS_FUZZ_CHECK(writer.bytes(*r));
                    pos += n;
                } else {
                    NEXUS_FUZZ_CHECK(!r && r.error() == nexus::error::truncated);
                }
                break;
            }
            case copy_to: {
                const std::size_t n = ops.byte();
                std::vector<std::uint8_t> out(n, sentinel);
                const auto r = reader.copy_to(out);
                fits = left >= n;
                if (fits) {
                    NEXUS_FUZZ_CHECK(r && std::equal(out.begin(), out.end(),
                                                     data.begin() + static_cast<std::ptrdiff_t>(pos)));
                    NEXUS_FUZZ_CHECK(writer.bytes(out));
                    pos += n;
                } else {
                    NEXUS_FUZZ_CHECK(!r && r.error() == nexus::error::truncated);
                    NEXUS_FUZZ_CHECK(
                        std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == sentinel; }));
                }
                break;
            }
            case skip: {
                const std::size_t n = ops.byte();
                const auto r = reader.skip(n);
                fits = left >= n;
                if (fits) {
                    NEXUS_FUZZ_CHECK(r.has_value());
                    NEXUS_FUZZ_CHECK(writer.bytes(view.subspan(pos, n)));
                    pos += n;
                } else {
                    NEXUS_FUZZ_CHECK(!r && r.error() == nexus::error::truncated);
                }
                break;
            }
            case take_rest: {
                const auto r = reader.take_rest();
                NEXUS_FUZZ_CHECK(r.data() == view.data() + pos && r.size() == left);
                NEXUS_FUZZ_CHECK(writer.bytes(r));
                pos = data.size();
                break;
            }
            case op_count:
                break;
        }
        if (!fits) NEXUS_FUZZ_CHECK(pos == before);
        NEXUS_FUZZ_CHECK(reader.position() == pos);
        NEXUS_FUZZ_CHECK(reader.remaining() == data.size() - pos);
        NEXUS_FUZZ_CHECK(reader.empty() == (pos == data.size()));
        NEXUS_FUZZ_CHECK(reader.rest().data() == view.data() + pos &&
                         reader.rest().size() == data.size() - pos);
        NEXUS_FUZZ_CHECK(writer.size() == pos);
    }

    // The writer reproduced exactly the consumed bytes and touched nothing after them.
    NEXUS_FUZZ_CHECK(
        std::equal(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(pos), written.begin()));
    NEXUS_FUZZ_CHECK(std::all_of(written.begin() + static_cast<std::ptrdiff_t>(pos), written.end(),
                                 [](std::uint8_t b) { return b == sentinel; }));
    NEXUS_FUZZ_CHECK(writer.written().size() == pos && writer.written().data() == written.data());

    // Writes that do not fit fail and change nothing.
    const std::size_t room = writer.remaining();
    NEXUS_FUZZ_CHECK(!writer.fill(0, room + 1));
    if (room < 8) NEXUS_FUZZ_CHECK(!writer.u64_be(0) && !writer.u64_le(0));
    if (room < 4) NEXUS_FUZZ_CHECK(!writer.u32_be(0) && !writer.u32_le(0));
    if (room < 2) NEXUS_FUZZ_CHECK(!writer.u16_be(0) && !writer.u16_le(0));
    if (room < 1) NEXUS_FUZZ_CHECK(!writer.u8(0));
    NEXUS_FUZZ_CHECK(writer.size() == pos && writer.remaining() == room);
    NEXUS_FUZZ_CHECK(std::all_of(written.begin() + static_cast<std::ptrdiff_t>(pos), written.end(),
                                 [](std::uint8_t b) { return b == sentinel; }));
    return 0;
}
