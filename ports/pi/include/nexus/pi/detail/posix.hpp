// Linux plumbing shared by the nexus::pi interfaces: an owning file descriptor, "host:port"
// parsing and name resolution (getaddrinfo; used when an interface is opened, never per packet),
// and the buffered, framed byte stream behind tcp_interface and serial_interface.
#pragma once

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "nexus/core/result.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus::pi::detail {

/// Owns one file descriptor; closes it on destruction. Move-only.
class unique_fd {
public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& o) noexcept {
        if (this != &o) reset(std::exchange(o.fd_, -1));
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) (void)::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

inline bool set_nonblocking(int fd) noexcept {
    const int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

/// A resolved socket address.
struct endpoint {
    sockaddr_storage addr{};
    socklen_t len = 0;
    int family() const noexcept { return addr.ss_family; }
    const sockaddr* sa() const noexcept { return reinterpret_cast<const sockaddr*>(&addr); }
};

/// "host:port", "[v6addr]:port", ":port" or "*:port" (any address: 0.0.0.0).
struct host_port {
    std::string host;
    std::uint16_t port = 0;
};

inline result<std::uint16_t> parse_port(std::string_view s) noexcept {
    if (s.empty() || s.size() > 5) return fail(error::invalid_argument);
    std::uint32_t v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return fail(error::invalid_argument);
        v = v * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (v > 65535) return fail(error::invalid_argument);
    return static_cast<std::uint16_t>(v);
}

inline result<host_port> split_host_port(std::string_view s) {
    host_port out;
    std::string_view host;
    std::string_view port;
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
            return fail(error::invalid_argument);
        host = s.substr(1, close - 1);
        port = s.substr(close + 2);
    } else {
        const auto colon = s.rfind(':');
        if (colon == std::string_view::npos) return fail(error::invalid_argument);
        host = s.substr(0, colon);
        if (host.find(':') != std::string_view::npos) return fail(error::invalid_argument);  // bare v6
        port = s.substr(colon + 1);
    }
    auto p = parse_port(port);
    if (!p) return fail(p.error());
    out.host = (host.empty() || host == "*") ? std::string("0.0.0.0") : std::string(host);
    out.port = *p;
    return out;
}

/// Calls `f(const endpoint&)` for each address `host` resolves to (numeric or by name) until it
/// returns true. not_found when the name does not resolve or no address was accepted.
template <class F>
result<void> for_each_address(const std::string& host, std::uint16_t port, int socktype, F&& f) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = socktype;
    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    std::array<char, 8> service{};
    (void)std::snprintf(service.data(), service.size(), "%u", static_cast<unsigned>(port));
    addrinfo* list = nullptr;
    int rc = ::getaddrinfo(host.c_str(), service.data(), &hints, &list);
    if (rc != 0) {
        // AI_ADDRCONFIG hides loopback-only hosts (no configured non-loopback address): retry.
        hints.ai_flags = AI_NUMERICSERV;
        rc = ::getaddrinfo(host.c_str(), service.data(), &hints, &list);
        if (rc != 0) return fail(error::not_found);
    }
    bool done = false;
    for (addrinfo* ai = list; ai != nullptr && !done; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
        endpoint e;
        std::memcpy(&e.addr, ai->ai_addr, ai->ai_addrlen);
        e.len = ai->ai_addrlen;
        done = f(static_cast<const endpoint&>(e));
    }
    ::freeaddrinfo(list);
    if (!done) return fail(error::not_found);
    return ok();
}

/// The first address `host:port` resolves to.
inline result<endpoint> resolve(std::string_view host_and_port, int socktype) {
    auto hp = split_host_port(host_and_port);
    if (!hp) return fail(hp.error());
    endpoint out;
    auto r = for_each_address(hp->host, hp->port, socktype, [&](const endpoint& e) {
        out = e;
        return true;
    });
    if (!r) return fail(r.error());
    return out;
}

/// The port a bound socket has (0 on failure).
inline std::uint16_t local_port(int fd) noexcept {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
    if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
    return 0;
}

/// A non-blocking byte stream (a connected TCP socket or a tty) carrying framed packets.
///
/// Outgoing: each packet is encoded straight into a fixed buffer of OutCapacity bytes and written
/// as far as the kernel takes it; the rest waits for flush(). A frame that does not fit in the
/// free space is refused whole (error::full), so the stream never carries half a frame.
/// Incoming: receive_all reads until the kernel has nothing more and feeds a streaming decoder.
/// When the peer goes away (EOF, reset, hang-up, EIO) the descriptor is closed: closed() turns
/// true and fd() becomes -1, which poll(2) ignores. Nothing here allocates.
///
/// Codec: static size_t encoded_size(span); static result<size_t> encode(span, span out);
/// type decoder with feed(span, on_frame); static decoder make_decoder().
template <class Codec, std::size_t OutCapacity>
class framed_stream {
    static_assert(OutCapacity >= 2 * nexus::wire::mtu + 3, "the output buffer must hold one largest frame");

public:
    using decoder_type = typename Codec::decoder;

    framed_stream() noexcept : decoder_(Codec::make_decoder()) {}
    framed_stream(unique_fd fd, bool is_socket) noexcept
        : fd_(std::move(fd)), decoder_(Codec::make_decoder()), is_socket_(is_socket) {}

    int fd() const noexcept { return fd_.get(); }
    bool closed() const noexcept { return !fd_.valid(); }
    /// Encoded bytes accepted by send but not yet taken by the kernel.
    std::size_t pending_bytes() const noexcept { return end_ - begin_; }
    static constexpr std::size_t out_capacity() noexcept { return OutCapacity; }
    const decoder_type& decoder() const noexcept { return decoder_; }
    std::uint32_t frames_sent() const noexcept { return frames_sent_; }

    result<void> send(std::span<const std::uint8_t> packet) noexcept {
        if (packet.size() > nexus::wire::mtu) return fail(error::invalid_length);
        if (closed()) return fail(error::io_failed);
        const std::size_t size = Codec::encoded_size(packet);
        if (OutCapacity - pending_bytes() < size) {
            (void)flush();  // make room if the kernel takes some now
            if (closed()) return fail(error::io_failed);
            if (OutCapacity - pending_bytes() < size) return fail(error::full);
        }
        if (OutCapacity - end_ < size) {  // compact: move the pending bytes to the front
            std::memmove(out_.data(), out_.data() + begin_, pending_bytes());
            end_ -= begin_;
            begin_ = 0;
        }
        auto n = Codec::encode(packet, std::span<std::uint8_t>(out_.data() + end_, OutCapacity - end_));
        if (!n) return fail(n.error());
        end_ += *n;
        ++frames_sent_;
        if (auto r = flush(); !r && closed()) return r;
        return ok();
    }

    /// Writes pending output until done or the kernel would block. io_failed (and closed) when
    /// the peer is gone.
    result<void> flush() noexcept {
        while (begin_ < end_ && !closed()) {
            const ssize_t n = is_socket_ ? ::send(fd_.get(), out_.data() + begin_, end_ - begin_,
                                                  MSG_NOSIGNAL | MSG_DONTWAIT)
                                         : ::write(fd_.get(), out_.data() + begin_, end_ - begin_);
            if (n > 0) {
                begin_ += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return ok();
            mark_closed();
            return fail(error::io_failed);
        }
        if (begin_ == end_) begin_ = end_ = 0;
        if (closed()) return fail(error::io_failed);
        return ok();
    }

    /// Flushes, then reads everything available, calling on_packet(std::span<const uint8_t>) for
    /// every complete frame (the span is valid during the call only). ok when the kernel buffer is
    /// drained; io_failed when the stream closed (frames received before the close are
    /// delivered first). on_packet may call send() on this same stream.
    template <class F>
    result<void> receive_all(F&& on_packet) {
        (void)flush();
        std::array<std::uint8_t, 1024> chunk;
        while (!closed()) {
            const ssize_t n = ::read(fd_.get(), chunk.data(), chunk.size());
            if (n > 0) {
                decoder_.feed(std::span<const std::uint8_t>(chunk.data(), static_cast<std::size_t>(n)),
                              [&](std::span<const std::uint8_t> frame) { on_packet(frame); });
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return ok();
            mark_closed();  // n == 0: end of stream; otherwise ECONNRESET, EIO, ...
        }
        return fail(error::io_failed);
    }

    /// Closes the descriptor now (pending output is discarded).
    void close() noexcept { mark_closed(); }

private:
    void mark_closed() noexcept {
        fd_.reset();
        begin_ = end_ = 0;
    }

    unique_fd fd_;
    decoder_type decoder_;
    std::array<std::uint8_t, OutCapacity> out_{};
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::uint32_t frames_sent_ = 0;
    bool is_socket_ = true;
};

}  // namespace nexus::pi::detail
