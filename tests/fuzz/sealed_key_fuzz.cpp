// libFuzzer target for the sealed identity-key decoder (nexus/identity/sealed_key.hpp): arbitrary
// bytes as a sealed key file. Invariants: nothing crashes; sealed_key_params accepts only 126-byte
// files with the magic, version 1 and bounded Argon2id parameters; open_identity never succeeds on
// input that was not sealed under the passphrase (the fuzzer cannot forge the Poly1305 tag), and
// with too little work memory it refuses before doing any work.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "nexus/identity/sealed_key.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::vector<std::uint8_t> input(data, data + size);  // exact-size copy for ASan
    const std::span<const std::uint8_t> in(input);

    auto params = nexus::sealed_key_params(in);
    if (!params) return 0;
    NEXUS_FUZZ_CHECK(in.size() == nexus::sealed_key_size);
    NEXUS_FUZZ_CHECK(params->passes >= 1 && params->passes <= nexus::sealed_key_max_passes);
    NEXUS_FUZZ_CHECK(params->lanes >= 1 && params->lanes <= nexus::sealed_key_max_lanes);
    NEXUS_FUZZ_CHECK(params->memory_kib <= nexus::sealed_key_max_memory_kib);

    // Only cheap parameters are opened (a fuzzer run must stay fast); the rest must be refused
    // for lack of work memory, before any hashing.
    std::vector<nexus::crypto::argon2_block> work(64);
    const std::uint8_t pass[] = {'p', 'w'};
    auto id = nexus::open_identity<nexus::nexus_profile>(in, pass, work);
    NEXUS_FUZZ_CHECK(!id.has_value());
    if (nexus::sealed_key_work_blocks(*params) > work.size())
        NEXUS_FUZZ_CHECK(id.error() == nexus::error::buffer_too_small || id.error() == nexus::error::invalid_argument);
    return 0;
}
