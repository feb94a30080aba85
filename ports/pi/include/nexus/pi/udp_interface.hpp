// nexus::pi::udp_interface: packets as UDP datagrams, one packet per datagram and no framing, as
// Reticulum's UDPInterface does. Receives on a socket bound to a local "host:port"; sends to one
// configured target: a unicast peer, or a broadcast address (SO_BROADCAST; e.g.
// 192.168.1.255:4242 or 255.255.255.255:4242, every node listening on that port).
//
// Sending uses a second socket on an ephemeral port. That makes our own broadcasts recognisable
// when the kernel loops them back (source = one of this host's addresses and our sending port),
// and lets several nodes on one host share a broadcast port (the receive socket sets
// SO_REUSEADDR in broadcast mode). Both sockets are non-blocking; fd() is the one to poll.
// Datagrams longer than nexus::wire::mtu are dropped and counted. Nothing allocates per packet.
#pragma once

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "nexus/core/policies.hpp"
#include "nexus/pi/detail/posix.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus::pi {

inline constexpr std::uint32_t default_udp_bitrate_bps = 10'000'000;  // a guess, as Reticulum makes

/// Satisfies nexus::network_interface.
class udp_interface {
public:
    static constexpr std::size_t max_local_addresses = 32;

    /// `listen`: local "host:port" to receive on (":port" or "0.0.0.0:port" for every address;
    /// broadcasts only reach sockets bound to the any-address). `target`: "host:port" every
    /// packet goes to. `broadcast`: target is a broadcast address (enables SO_BROADCAST and
    /// SO_REUSEADDR). invalid_argument (bad syntax), not_found (no such host), io_failed (socket,
    /// bind or option refused, e.g. port in use).
    static result<udp_interface> open(std::string_view listen, std::string_view target,
                                      bool broadcast = false) {
        auto local = detail::resolve(listen, SOCK_DGRAM);
        if (!local) return fail(local.error());
        auto remote = detail::resolve(target, SOCK_DGRAM);
        if (!remote) return fail(remote.error());

        udp_interface u;
        u.target_ = *remote;
        u.rx_.reset(::socket(local->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        u.tx_.reset(::socket(remote->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (!u.rx_.valid() || !u.tx_.valid()) return fail(error::io_failed);
        const int one = 1;
        if (broadcast) {
            if (::setsockopt(u.rx_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
                ::setsockopt(u.tx_.get(), SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0)
                return fail(error::io_failed);
        }
        if (::bind(u.rx_.get(), local->sa(), local->len) != 0) return fail(error::io_failed);
        // Bind the sending socket now so its port is known for recognising our own datagrams.
        detail::endpoint any{};
        any.addr.ss_family = static_cast<sa_family_t>(remote->family());
        any.len = remote->family() == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
        if (::bind(u.tx_.get(), any.sa(), any.len) != 0) return fail(error::io_failed);
        u.tx_port_ = detail::local_port(u.tx_.get());
        u.load_local_addresses();
        return u;
    }

    udp_interface(udp_interface&&) noexcept = default;
    udp_interface& operator=(udp_interface&&) noexcept = default;

    /// One datagram to the target. invalid_length (> mtu), full (kernel buffer full: dropped, as
    /// on a busy radio), io_failed (anything else, e.g. network unreachable).
    result<void> send(std::span<const std::uint8_t> packet) noexcept {
        if (packet.size() > nexus::wire::mtu) return fail(error::invalid_length);
        for (;;) {
            const ssize_t n =
                ::sendto(tx_.get(), packet.data(), packet.size(), MSG_DONTWAIT, target_.sa(), target_.len);
            if (n >= 0) {
                ++sent_;
                return ok();
            }
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return fail(error::full);
            return fail(error::io_failed);
        }
    }

    /// Drains every pending datagram, calling on_packet(std::span<const std::uint8_t>) for each
    /// one of 1..mtu bytes (the span is valid during the call only). Longer datagrams are dropped
    /// (oversized()), empty ones and, when ignore_own is on, our own looped-back broadcasts
    /// skipped. ok when drained; io_failed on a socket error.
    template <class F>
    result<void> receive_all(F&& on_packet) {
        for (;;) {
            sockaddr_storage from{};
            socklen_t from_len = sizeof from;
            // MSG_TRUNC: the return value is the datagram's real length even when it was cut.
            const ssize_t n = ::recvfrom(rx_.get(), rx_buf_.data(), rx_buf_.size(), MSG_TRUNC | MSG_DONTWAIT,
                                         reinterpret_cast<sockaddr*>(&from), &from_len);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return ok();
                if (errno == ECONNREFUSED) continue;  // a stale ICMP error; nothing to do
                return fail(error::io_failed);
            }
            const auto size = static_cast<std::size_t>(n);
            if (size > nexus::wire::mtu) {
                ++oversized_;
                continue;
            }
            if (size == 0) continue;
            if (ignore_own_ && is_own(from)) {
                ++own_;
                continue;
            }
            ++received_;
            on_packet(std::span<const std::uint8_t>(rx_buf_.data(), size));
        }
    }

    int fd() const noexcept { return rx_.get(); }
    std::size_t mtu() const noexcept { return nexus::wire::mtu; }
    std::uint32_t bitrate_bps() const noexcept { return bitrate_; }
    void set_bitrate_bps(std::uint32_t bps) noexcept { bitrate_ = bps; }

    /// Skip datagrams we sent ourselves (default on).
    void set_ignore_own(bool on) noexcept { ignore_own_ = on; }

    std::uint16_t local_port() const noexcept { return detail::local_port(rx_.get()); }
    std::uint16_t send_port() const noexcept { return tx_port_; }
    std::uint32_t received() const noexcept { return received_; }    ///< delivered datagrams
    std::uint32_t sent() const noexcept { return sent_; }            ///< datagrams sent
    std::uint32_t oversized() const noexcept { return oversized_; }  ///< dropped: longer than mtu
    std::uint32_t own_ignored() const noexcept { return own_; }      ///< skipped: our own

private:
    udp_interface() noexcept = default;

    struct local_address {
        int family = 0;
        std::array<std::uint8_t, 16> bytes{};
    };

    void load_local_addresses() noexcept {
        ifaddrs* list = nullptr;
        if (::getifaddrs(&list) != 0) return;
        for (ifaddrs* a = list; a != nullptr && n_local_ < max_local_addresses; a = a->ifa_next) {
            if (a->ifa_addr == nullptr) continue;
            local_address la;
            la.family = a->ifa_addr->sa_family;
            if (la.family == AF_INET) {
                std::memcpy(la.bytes.data(), &reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr, 4);
            } else if (la.family == AF_INET6) {
                std::memcpy(la.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr,
                            16);
            } else {
                continue;
            }
            local_[n_local_++] = la;
        }
        ::freeifaddrs(list);
    }

    bool is_own(const sockaddr_storage& from) const noexcept {
        local_address la;
        la.family = from.ss_family;
        std::uint16_t port = 0;
        if (from.ss_family == AF_INET) {
            const auto* s = reinterpret_cast<const sockaddr_in*>(&from);
            port = ntohs(s->sin_port);
            std::memcpy(la.bytes.data(), &s->sin_addr, 4);
        } else if (from.ss_family == AF_INET6) {
            const auto* s = reinterpret_cast<const sockaddr_in6*>(&from);
            port = ntohs(s->sin6_port);
            std::memcpy(la.bytes.data(), &s->sin6_addr, 16);
        } else {
            return false;
        }
        if (port != tx_port_) return false;
        for (std::size_t i = 0; i < n_local_; ++i)
            if (local_[i].family == la.family && local_[i].bytes == la.bytes) return true;
        return false;
    }

    detail::unique_fd rx_;
    detail::unique_fd tx_;
    detail::endpoint target_{};
    std::uint16_t tx_port_ = 0;
    std::array<local_address, max_local_addresses> local_{};
    std::size_t n_local_ = 0;
    std::array<std::uint8_t, nexus::wire::mtu> rx_buf_{};
    std::uint32_t bitrate_ = default_udp_bitrate_bps;
    std::uint32_t received_ = 0;
    std::uint32_t sent_ = 0;
    std::uint32_t oversized_ = 0;
    std::uint32_t own_ = 0;
    bool ignore_own_ = true;
};

static_assert(nexus::network_interface<udp_interface>);

}  // namespace nexus::pi
