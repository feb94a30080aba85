// Everything in nexus/core: results and errors, byte codecs, containers, time and policies.
#pragma once

#include "nexus/core/bytes.hpp"
#include "nexus/core/endian.hpp"
#include "nexus/core/error.hpp"
#include "nexus/core/hex.hpp"
#include "nexus/core/lru_cache.hpp"
#include "nexus/core/policies.hpp"
#include "nexus/core/reference_policies.hpp"
#include "nexus/core/result.hpp"
#include "nexus/core/ring_buffer.hpp"
#include "nexus/core/static_map.hpp"
#include "nexus/core/static_vector.hpp"
#include "nexus/core/time.hpp"
