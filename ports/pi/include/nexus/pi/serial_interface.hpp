// nexus::pi::serial_interface: packets over a serial port (a UART, a USB serial adapter, a KISS
// TNC or radio modem, a pseudo-terminal), each one KISS-framed as Reticulum's serial and KISS
// interfaces do (../shared/spec/reticulum-framing.md "Framing on byte streams": C0, command 00,
// payload with DB -> DB DD and C0 -> DB DC, C0; include/nexus/wire/kiss.hpp). Data frames for any
// KISS port are accepted, as Reticulum does; we send on port 0.
//
// The tty is put in raw mode (cfmakeraw: no echo, no line editing, no CR/LF translation, 8N1),
// CLOCAL|CREAD, no flow control, at the given baud rate, and used non-blocking. Output buffering,
// error::full and closing behave as in tcp_interface (detail::framed_stream).
#pragma once

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "nexus/core/policies.hpp"
#include "nexus/pi/detail/posix.hpp"
#include "nexus/wire/kiss.hpp"
#include "nexus/wire/packet.hpp"

namespace nexus::pi {

namespace detail {
struct kiss_codec {
    using decoder = nexus::wire::kiss_decoder<nexus::wire::mtu>;
    static decoder make_decoder() noexcept { return decoder{nexus::wire::kiss::any_port}; }
    static std::size_t encoded_size(std::span<const std::uint8_t> p) noexcept {
        return nexus::wire::kiss::encoded_size(p);
    }
    static result<std::size_t> encode(std::span<const std::uint8_t> p, std::span<std::uint8_t> out) noexcept {
        return nexus::wire::kiss::encode(p, out);
    }
};

/// The termios speed constant for a baud rate; B0 when there is none.
inline speed_t baud_constant(std::uint32_t baud) noexcept {
    switch (baud) {
        case 1200:
            return B1200;
        case 2400:
            return B2400;
        case 4800:
            return B4800;
        case 9600:
            return B9600;
        case 19200:
            return B19200;
        case 38400:
            return B38400;
        case 57600:
            return B57600;
        case 115200:
            return B115200;
        case 230400:
            return B230400;
        case 460800:
            return B460800;
        case 500000:
            return B500000;
        case 576000:
            return B576000;
        case 921600:
            return B921600;
        case 1000000:
            return B1000000;
        case 1500000:
            return B1500000;
        case 2000000:
            return B2000000;
        case 3000000:
            return B3000000;
        case 4000000:
            return B4000000;
        default:
            return B0;
    }
}
}  // namespace detail

inline constexpr std::size_t default_serial_out_capacity = 8 * 1024;

/// A tty carrying KISS-framed packets. Satisfies nexus::network_interface.
template <std::size_t OutCapacity = default_serial_out_capacity>
class basic_serial_interface {
public:
    /// Opens `path` (e.g. /dev/ttyUSB0, /dev/serial0, a pty slave) in raw mode at `baud`, one of
    /// the standard rates 1200..4000000 (else invalid_argument). not_found when the path does not
    /// exist, io_failed when it cannot be opened or is not a terminal.
    static result<basic_serial_interface> open(std::string_view path, std::uint32_t baud = 115200) {
        const speed_t speed = detail::baud_constant(baud);
        if (speed == B0) return fail(error::invalid_argument);
        std::array<char, 4096> cpath{};
        if (path.empty() || path.size() >= cpath.size()) return fail(error::invalid_argument);
        for (std::size_t i = 0; i < path.size(); ++i) cpath[i] = path[i];
        detail::unique_fd fd(::open(cpath.data(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
        if (!fd.valid()) return fail(errno == ENOENT ? error::not_found : error::io_failed);
        termios t{};
        if (::tcgetattr(fd.get(), &t) != 0) return fail(error::io_failed);
        ::cfmakeraw(&t);
        t.c_cflag |= CLOCAL | CREAD;
        t.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | CRTSCTS);
        t.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY);
        // VMIN 1 / VTIME 0 with O_NONBLOCK: read gives EAGAIN when empty and 0 only on hang-up.
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        if (::cfsetispeed(&t, speed) != 0 || ::cfsetospeed(&t, speed) != 0) return fail(error::io_failed);
        if (::tcsetattr(fd.get(), TCSANOW, &t) != 0) return fail(error::io_failed);
        return basic_serial_interface(std::move(fd), baud);
    }

    basic_serial_interface(basic_serial_interface&&) noexcept = default;
    basic_serial_interface& operator=(basic_serial_interface&&) noexcept = default;

    /// One packet (at most nexus::wire::mtu bytes, else invalid_length) as one KISS data frame.
    /// full: the output buffer cannot take the frame now (nothing queued); io_failed: closed.
    result<void> send(std::span<const std::uint8_t> packet) noexcept { return stream_.send(packet); }

    /// Reads all that is available; on_packet(std::span<const std::uint8_t>) per decoded frame.
    /// ok when drained, io_failed when the device went away (see closed()).
    template <class F>
    result<void> receive_all(F&& on_packet) {
        return stream_.receive_all(std::forward<F>(on_packet));
    }

    result<void> flush() noexcept { return stream_.flush(); }
    bool wants_write() const noexcept { return stream_.pending_bytes() != 0; }
    std::size_t pending_bytes() const noexcept { return stream_.pending_bytes(); }

    int fd() const noexcept { return stream_.fd(); }
    bool closed() const noexcept { return stream_.closed(); }
    void close() noexcept { stream_.close(); }

    std::size_t mtu() const noexcept { return nexus::wire::mtu; }
    /// The line rate: the baud rate (8N1 carries 80 % of it as payload; Reticulum reports baud).
    std::uint32_t bitrate_bps() const noexcept { return baud_; }

    /// Decoder counters: frames(), oversized(), invalid_escapes(), ignored(), discarded().
    const auto& decoder() const noexcept { return stream_.decoder(); }
    std::uint32_t frames_sent() const noexcept { return stream_.frames_sent(); }
    static constexpr std::size_t out_capacity() noexcept { return OutCapacity; }

private:
    basic_serial_interface(detail::unique_fd fd, std::uint32_t baud) noexcept
        : stream_(std::move(fd), false), baud_(baud) {}

    detail::framed_stream<detail::kiss_codec, OutCapacity> stream_;
    std::uint32_t baud_;
};

using serial_interface = basic_serial_interface<>;
static_assert(nexus::network_interface<serial_interface>);

}  // namespace nexus::pi
