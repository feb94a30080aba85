// The umbrella header: include this to get all of nexus.
#pragma once

#include "nexus/core.hpp"
#include "nexus/crypto.hpp"
#include "nexus/version.hpp"
