// Shared pieces of the libFuzzer targets in tests/fuzz: a cursor that carves fields out of the
// fuzz input, an invariant check that aborts (so libFuzzer keeps the input as a crash artifact),
// and, under NEXUS_FUZZ_REPLAY, a main that replays files without libFuzzer (any compiler).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

// A violated invariant must stop the process: libFuzzer reports abort() as a crash and saves the
// input, while the replay main exits non-zero on it.
#define NEXUS_FUZZ_CHECK(cond)                                                                       \
    do {                                                                                             \
        if (!(cond)) {                                                                               \
            std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                            \
        }                                                                                            \
    } while (0)

namespace nexus::fuzz {

/// Reads fields from the front of the fuzz input. Past the end every read yields zeros, so any
/// input, even an empty one, gives every field a value and the targets need no length checks.
class input {
public:
    input(const std::uint8_t* data, std::size_t size) noexcept : data_(data, size) {}
    explicit input(std::span<const std::uint8_t> data) noexcept : data_(data) {}

    std::size_t remaining() const noexcept { return data_.size() - pos_; }

    std::uint8_t byte() noexcept { return pos_ < data_.size() ? data_[pos_++] : 0; }

    std::uint16_t u16() noexcept {
        const std::uint16_t hi = byte();
        return static_cast<std::uint16_t>(hi << 8 | byte());
    }

    /// Fills `out` from the input, zero-filling whatever the input does not cover.
    void fill(std::span<std::uint8_t> out) noexcept {
        const std::size_t n = std::min(out.size(), remaining());
        std::copy_n(data_.data() + pos_, n, out.data());
        std::fill(out.begin() + static_cast<std::ptrdiff_t>(n), out.end(), std::uint8_t{0});
        pos_ += n;
    }

    /// Up to n bytes as a view into the input (fewer near the end).
    std::span<const std::uint8_t> take(std::size_t n) noexcept {
        const auto s = data_.subspan(pos_, std::min(n, remaining()));
        pos_ += s.size();
        return s;
    }

    /// Everything left, consumed.
    std::span<const std::uint8_t> rest() noexcept { return take(remaining()); }

private:
    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
};

}  // namespace nexus::fuzz

#ifdef NEXUS_FUZZ_REPLAY
// Replay: every argument is a file or a directory of files (not recursive), each run once through
// the target, as `./target crash-123` or `./target corpus/` would with libFuzzer. Each input sits
// in a heap buffer of exactly its size so that a sanitizer, if enabled, sees any overread.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace nexus::fuzz {
inline bool replay_file(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return false;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.data(), data.size());
    return true;
}
}  // namespace nexus::fuzz

int main(int argc, char** argv) {
    std::size_t runs = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        std::error_code ec;
        if (std::filesystem::is_directory(arg, ec)) {
            for (const auto& entry : std::filesystem::directory_iterator(arg)) {
                if (!entry.is_regular_file()) continue;
                ok = nexus::fuzz::replay_file(entry.path()) && ok;
                ++runs;
            }
        } else {
            ok = nexus::fuzz::replay_file(arg) && ok;
            ++runs;
        }
    }
    std::printf("replayed %zu inputs\n", runs);
    return ok ? 0 : 1;
}
#endif
