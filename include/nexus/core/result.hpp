// nexus::result<T>: a value or a nexus::error, on tl::expected (DESIGN §3.3).
#pragma once

#include <tl/expected.hpp>

#include "nexus/core/error.hpp"

namespace nexus {

template <class T>
using result = tl::expected<T, error>;

/// The failed state of any result<T>: `return fail(error::truncated);`
constexpr tl::unexpected<error> fail(error e) noexcept { return tl::unexpected<error>(e); }

/// The successful state of result<void>.
constexpr result<void> ok() noexcept { return {}; }

}  // namespace nexus
