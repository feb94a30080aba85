// nexus::pi::tcp_interface and tcp_server: packets over a TCP connection, each one HDLC-framed
// as Reticulum's TCP interfaces do (../shared/spec/reticulum-framing.md "Framing on byte streams":
// 7E, payload with 7D/7E escaped as 7D, byte ^ 0x20, 7E; include/nexus/wire/hdlc.hpp).
//
// Non-blocking after connect. send() encodes into a fixed output buffer (OutCapacity bytes) and
// writes what the kernel takes; the rest goes out on the next send/flush/receive_all, or when the
// loop sees POLLOUT (wants_write()). A frame that does not fit is refused whole (error::full).
// A peer that goes away is reported, not fatal: closed() turns true, fd() becomes -1, send and
// receive_all return io_failed. Reconnecting is the caller's business.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "nexus/core/policies.hpp"
#include "nexus/pi/detail/posix.hpp"
#include "nexus/wire/hdlc.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus::pi {

namespace detail {
struct hdlc_codec {
    using decoder = nexus::wire::hdlc_decoder<nexus::wire::mtu>;
    static decoder make_decoder() noexcept { return decoder{}; }
    static std::size_t encoded_size(std::span<const std::uint8_t> p) noexcept {
        return nexus::wire::hdlc::encoded_size(p);
    }
    static result<std::size_t> encode(std::span<const std::uint8_t> p, std::span<std::uint8_t> out) noexcept {
        return nexus::wire::hdlc::encode(p, out);
    }
};
}  // namespace detail

inline constexpr std::size_t default_tcp_out_capacity = 16 * 1024;
inline constexpr std::uint32_t default_tcp_bitrate_bps = 10'000'000;  // a guess, as Reticulum makes

/// One TCP connection carrying HDLC-framed packets. Satisfies nexus::network_interface.
template <std::size_t OutCapacity = default_tcp_out_capacity>
class basic_tcp_interface {
public:
    /// Adopts a connected socket (made non-blocking here).
    explicit basic_tcp_interface(detail::unique_fd fd) noexcept : stream_(adopt(std::move(fd)), true) {}

    /// Connects to "host:port" ("[v6]:port" for IPv6), trying each address the name resolves to;
    /// gives up on an address after 5 s. not_found (no such host), io_failed (refused, timeout).
    static result<basic_tcp_interface> connect(std::string_view host_and_port) {
        auto hp = detail::split_host_port(host_and_port);
        if (!hp) return fail(hp.error());
        return connect(hp->host, hp->port);
    }

    static result<basic_tcp_interface> connect(std::string_view host, std::uint16_t port,
                                               int timeout_ms = 5000) {
        detail::unique_fd connected;
        bool resolved = false;
        auto r =
            detail::for_each_address(std::string(host), port, SOCK_STREAM, [&](const detail::endpoint& e) {
                resolved = true;
                detail::unique_fd s(::socket(e.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
                if (!s.valid()) return false;
                if (::connect(s.get(), e.sa(), e.len) != 0) {
                    if (errno != EINPROGRESS) return false;
                    pollfd p{s.get(), POLLOUT, 0};
                    int rc;
                    do {
                        rc = ::poll(&p, 1, timeout_ms);
                    } while (rc < 0 && errno == EINTR);
                    if (rc <= 0) return false;
                    int err = 0;
                    socklen_t len = sizeof err;
                    if (::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
                        return false;
                }
                connected = std::move(s);
                return true;
            });
        if (!r) return fail(resolved ? error::io_failed : error::not_found);
        return basic_tcp_interface(std::move(connected));
    }

    basic_tcp_interface(basic_tcp_interface&&) noexcept = default;
    basic_tcp_interface& operator=(basic_tcp_interface&&) noexcept = default;

    /// One packet (at most nexus::wire::mtu bytes, else invalid_length) as one HDLC frame.
    /// full: the output buffer cannot take the frame now (nothing queued); io_failed: closed.
    result<void> send(std::span<const std::uint8_t> packet) noexcept { return stream_.send(packet); }

    /// Reads all that is available; on_packet(std::span<const std::uint8_t>) per decoded frame.
    /// ok when drained, io_failed when the connection closed (see closed()).
    template <class F>
    result<void> receive_all(F&& on_packet) {
        return stream_.receive_all(std::forward<F>(on_packet));
    }

    /// Writes pending output; call when poll reports POLLOUT (see wants_write()).
    result<void> flush() noexcept { return stream_.flush(); }
    bool wants_write() const noexcept { return stream_.pending_bytes() != 0; }
    std::size_t pending_bytes() const noexcept { return stream_.pending_bytes(); }

    int fd() const noexcept { return stream_.fd(); }
    bool closed() const noexcept { return stream_.closed(); }
    void close() noexcept { stream_.close(); }

    std::size_t mtu() const noexcept { return nexus::wire::mtu; }
    std::uint32_t bitrate_bps() const noexcept { return bitrate_; }
    void set_bitrate_bps(std::uint32_t bps) noexcept { bitrate_ = bps; }

    /// Decoder counters: frames(), oversized(), invalid_escapes(), discarded().
    const auto& decoder() const noexcept { return stream_.decoder(); }
    std::uint32_t frames_sent() const noexcept { return stream_.frames_sent(); }
    static constexpr std::size_t out_capacity() noexcept { return OutCapacity; }

private:
    static detail::unique_fd adopt(detail::unique_fd fd) noexcept {
        if (fd.valid()) {
            (void)detail::set_nonblocking(fd.get());
            const int one = 1;
            (void)::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        return fd;
    }

    detail::framed_stream<detail::hdlc_codec, OutCapacity> stream_;
    std::uint32_t bitrate_ = default_tcp_bitrate_bps;
};

using tcp_interface = basic_tcp_interface<>;
static_assert(nexus::network_interface<tcp_interface>);

/// A listening TCP socket; every accepted connection becomes a tcp_interface.
class tcp_server {
public:
    /// Listens on "host:port" (":port" or "*:port" for every IPv4 address; port 0 picks one, see
    /// port()). Non-blocking: poll fd() for POLLIN, then accept().
    static result<tcp_server> listen(std::string_view host_and_port, int backlog = 8) {
        auto hp = detail::split_host_port(host_and_port);
        if (!hp) return fail(hp.error());
        return listen(hp->host, hp->port, backlog);
    }

    static result<tcp_server> listen(std::string_view host, std::uint16_t port, int backlog = 8) {
        detail::unique_fd fd;
        auto r =
            detail::for_each_address(std::string(host), port, SOCK_STREAM, [&](const detail::endpoint& e) {
                detail::unique_fd s(::socket(e.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
                if (!s.valid()) return false;
                const int one = 1;
                (void)::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
                if (::bind(s.get(), e.sa(), e.len) != 0 || ::listen(s.get(), backlog) != 0) return false;
                fd = std::move(s);
                return true;
            });
        if (!r) return fail(error::io_failed);
        tcp_server out;
        out.fd_ = std::move(fd);
        return out;
    }

    /// The next pending connection, or nullptr when there is none right now. One allocation per
    /// connection (the interface holds its output buffer), none per packet.
    template <std::size_t OutCapacity = default_tcp_out_capacity>
    result<std::unique_ptr<basic_tcp_interface<OutCapacity>>> accept() {
        for (;;) {
            const int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (c >= 0) return std::make_unique<basic_tcp_interface<OutCapacity>>(detail::unique_fd(c));
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return std::unique_ptr<basic_tcp_interface<OutCapacity>>();
            return fail(error::io_failed);
        }
    }

    int fd() const noexcept { return fd_.get(); }
    std::uint16_t port() const noexcept { return detail::local_port(fd_.get()); }

private:
    detail::unique_fd fd_;
};

}  // namespace nexus::pi
