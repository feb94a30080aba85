// The umbrella header: include this to get all of nexus.
#pragma once

#include "nexus/core.hpp"
#include "nexus/crypto.hpp"
#include "nexus/identity/hash_profile.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/identity/sealed_key.hpp"
#include "nexus/link/link.hpp"
#include "nexus/link/replay_window.hpp"
#include "nexus/node.hpp"
#include "nexus/version.hpp"
#include "nexus/wire/announce.hpp"
#include "nexus/wire/announce_ext.hpp"
#include "nexus/wire/hdlc.hpp"
#include "nexus/wire/kiss.hpp"
#include "nexus/wire/packet.hpp"
#include "nexus/wire/path_cost.hpp"
