// Tests of the Linux port (ports/pi/include/nexus/pi): UDP unicast and broadcast, TCP with HDLC
// framing, serial KISS over a pseudo-terminal, file_storage, urandom_source, linux_clock and
// event_loop. Framing is checked against byte layouts written out by hand from
// ../shared/spec/reticulum-framing.md and against a small model encoder/decoder in this file,
// never against the codecs under test.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "nexus/pi/event_loop.hpp"
#include "nexus/pi/file_storage.hpp"
#include "nexus/pi/serial_interface.hpp"
#include "nexus/pi/tcp_interface.hpp"
#include "nexus/pi/udp_interface.hpp"
#include "support/alloc_counter.hpp"

namespace {

using bytes = std::vector<std::uint8_t>;
using nexus::error;

static_assert(nexus::network_interface<nexus::pi::udp_interface>);
static_assert(nexus::network_interface<nexus::pi::tcp_interface>);
static_assert(nexus::network_interface<nexus::pi::serial_interface>);
static_assert(nexus::monotonic_clock<nexus::pi::linux_clock>);
static_assert(nexus::random_source<nexus::pi::urandom_source>);
static_assert(nexus::storage<nexus::pi::file_storage>);

bool wait_readable(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) > 0;
}

std::uint16_t free_udp_port() {
    const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    const std::uint16_t port = nexus::pi::detail::local_port(s);
    ::close(s);
    return port;
}

std::string loopback(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// Payloads rich in the framing bytes of both codecs.
bytes special_bytes(std::mt19937& rng, std::size_t n) {
    static constexpr std::uint8_t pick[] = {0x7E, 0x7D, 0xC0, 0xDB, 0xDC, 0xDD, 0x5E, 0x5D, 0x00, 0x20};
    bytes b(n);
    for (auto& x : b) x = (rng() % 2) ? pick[rng() % sizeof pick] : static_cast<std::uint8_t>(rng());
    return b;
}

// Model codecs written from the spec, independent of include/nexus/wire.
bytes model_hdlc(const bytes& p) {
    bytes out{0x7E};
    for (auto b : p) {
        if (b == 0x7E || b == 0x7D) {
            out.push_back(0x7D);
            out.push_back(static_cast<std::uint8_t>(b ^ 0x20));
        } else {
            out.push_back(b);
        }
    }
    out.push_back(0x7E);
    return out;
}

bytes model_kiss(const bytes& p, std::uint8_t command = 0x00) {
    bytes out{0xC0, command};
    for (auto b : p) {
        if (b == 0xC0) {
            out.push_back(0xDB);
            out.push_back(0xDC);
        } else if (b == 0xDB) {
            out.push_back(0xDB);
            out.push_back(0xDD);
        } else {
            out.push_back(b);
        }
    }
    out.push_back(0xC0);
    return out;
}

// Splits a well-formed HDLC stream into payloads (model decoder).
std::vector<bytes> model_hdlc_split(const bytes& s) {
    std::vector<bytes> out;
    bytes cur;
    bool in = false, esc = false;
    for (auto b : s) {
        if (b == 0x7E) {
            if (in && !cur.empty()) out.push_back(cur);
            cur.clear();
            in = true;
        } else if (esc) {
            cur.push_back(static_cast<std::uint8_t>(b ^ 0x20));
            esc = false;
        } else if (b == 0x7D) {
            esc = true;
        } else {
            cur.push_back(b);
        }
    }
    return out;
}

std::vector<bytes> model_kiss_split(const bytes& s) {
    std::vector<bytes> out;
    bytes cur;
    int state = 0;  // 0 hunting, 1 command, 2 data, 3 escape
    for (auto b : s) {
        if (b == 0xC0) {
            if (state >= 2 && !cur.empty()) out.push_back(cur);
            cur.clear();
            state = 1;
        } else if (state == 1) {
            state = (b & 0x0F) == 0 ? 2 : 0;
        } else if (state == 3) {
            cur.push_back(b == 0xDC ? 0xC0 : 0xDB);
            state = 2;
        } else if (state == 2) {
            if (b == 0xDB) {
                state = 3;
            } else {
                cur.push_back(b);
            }
        }
    }
    return out;
}

void write_all(int fd, const bytes& b) {
    std::size_t done = 0;
    while (done < b.size()) {
        const ssize_t n = ::write(fd, b.data() + done, b.size() - done);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            pollfd p{fd, POLLOUT, 0};
            ::poll(&p, 1, 100);
            continue;
        }
        REQUIRE(n > 0);
        done += static_cast<std::size_t>(n);
    }
}

// Reads what is available within timeout_ms (stops after a quiet 20 ms once something came).
bytes read_some(int fd, int timeout_ms) {
    bytes out;
    std::uint8_t buf[4096];
    int wait = timeout_ms;
    while (wait_readable(fd, wait)) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.insert(out.end(), buf, buf + n);
        wait = 20;
    }
    return out;
}

struct collector {
    std::vector<bytes> got;
    void operator()(std::span<const std::uint8_t> f) { got.emplace_back(f.begin(), f.end()); }
};

// Collects frames from `iface` until `count` arrived or timeout_ms passed.
template <class I>
std::vector<bytes> receive_n(I& iface, std::size_t count, int timeout_ms = 2000) {
    collector c;
    const auto end = nexus::pi::monotonic_ms() + static_cast<std::uint64_t>(timeout_ms);
    while (c.got.size() < count && nexus::pi::monotonic_ms() < end) {
        if (iface.fd() < 0 || !wait_readable(iface.fd(), 50)) continue;
        (void)iface.receive_all([&](std::span<const std::uint8_t> f) { c(f); });
    }
    return c.got;
}

}  // namespace

TEST_CASE("udp_interface: unicast between two sockets on 127.0.0.1") {
    const auto pa = free_udp_port();
    const auto pb = free_udp_port();
    auto a = nexus::pi::udp_interface::open(loopback(pa), loopback(pb));
    auto b = nexus::pi::udp_interface::open(loopback(pb), loopback(pa));
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->local_port() == pa);
    CHECK(a->mtu() == 500u);
    CHECK(a->bitrate_bps() > 0u);

    std::mt19937 rng(1);
    std::vector<bytes> sent;
    std::vector<bytes> got;
    // Sizes 1..500, in batches so the receive buffer never overflows.
    for (std::size_t size = 1; size <= 500; ++size) {
        sent.push_back(special_bytes(rng, size));
        const auto& p = sent.back();
        NEXUS_CHECK_NO_ALLOC(REQUIRE(a->send(p)));
        if (size % 50 == 0) {
            auto batch = receive_n(*b, 50);
            got.insert(got.end(), batch.begin(), batch.end());
        }
    }
    REQUIRE(got.size() == sent.size());
    CHECK(got == sent);
    CHECK(b->received() == 500u);
    CHECK(a->sent() == 500u);

    // The other way, and receive_all itself does not allocate.
    const bytes back{0x01, 0x02, 0x03};
    REQUIRE(b->send(back));
    REQUIRE(wait_readable(a->fd(), 1000));
    std::size_t n = 0;
    bool same = false;
    NEXUS_CHECK_NO_ALLOC(REQUIRE(a->receive_all([&](std::span<const std::uint8_t> f) {
        ++n;
        same = std::equal(f.begin(), f.end(), back.begin(), back.end());
    })));
    CHECK(same);
    CHECK(n == 1u);

    // 501 bytes: refused by send; sent by someone else, dropped and counted.
    const bytes big(501, 0xAB);
    CHECK(a->send(big).error() == error::invalid_length);
    const int raw = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(pb);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bytes huge(1400, 0x11);
    const bytes ok500(500, 0x22);
    REQUIRE(::sendto(raw, big.data(), big.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == 501);
    REQUIRE(::sendto(raw, huge.data(), huge.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == 1400);
    REQUIRE(::sendto(raw, ok500.data(), ok500.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == 500);
    auto after = receive_n(*b, 1);
    ::close(raw);
    REQUIRE(after.size() == 1u);
    CHECK(after[0] == ok500);
    CHECK(b->oversized() == 2u);

    // Nothing pending: receive_all returns ok at once.
    CHECK(b->receive_all([](std::span<const std::uint8_t>) { FAIL("unexpected datagram"); }));
}

TEST_CASE("udp_interface: bad addresses") {
    CHECK(nexus::pi::udp_interface::open("127.0.0.1", "127.0.0.1:1").error() == error::invalid_argument);
    CHECK(nexus::pi::udp_interface::open("127.0.0.1:99999", "127.0.0.1:1").error() ==
          error::invalid_argument);
    CHECK(nexus::pi::udp_interface::open("127.0.0.1:0", "no-such-host.invalid:1").error() ==
          error::not_found);
    const auto p = free_udp_port();
    auto first = nexus::pi::udp_interface::open(loopback(p), "127.0.0.1:9");
    REQUIRE(first);
    CHECK(nexus::pi::udp_interface::open(loopback(p), "127.0.0.1:9").error() == error::io_failed);  // in use
}

TEST_CASE("udp_interface: broadcast") {
    const auto port = free_udp_port();
    const std::string listen = "0.0.0.0:" + std::to_string(port);
    bool delivered = false;
    for (const char* addr : {"127.255.255.255", "255.255.255.255"}) {
        const std::string target = std::string(addr) + ":" + std::to_string(port);
        auto a = nexus::pi::udp_interface::open(listen, target, true);
        auto b = nexus::pi::udp_interface::open(listen, target, true);  // same port: SO_REUSEADDR
        if (!a || !b) {
            MESSAGE("broadcast sockets refused for " << addr);
            continue;
        }
        const bytes hello{0x10, 0x7E, 0xC0, 0x20};
        if (!a->send(hello)) {
            MESSAGE("kernel refused a broadcast to " << addr);
            continue;
        }
        auto got = receive_n(*b, 1, 500);
        if (got.empty()) {
            MESSAGE("broadcast to " << addr << " did not arrive on this host; skipped");
            continue;
        }
        CHECK(got[0] == hello);
        // Our own copy came back to a and was recognised.
        if (wait_readable(a->fd(), 200)) {
            CHECK(a->receive_all([](std::span<const std::uint8_t>) { FAIL("own broadcast delivered"); }));
            CHECK(a->own_ignored() == 1u);
        }
        // b's broadcast reaches a; with ignore_own off, b sees its own too.
        b->set_ignore_own(false);
        REQUIRE(b->send(bytes{0x42}));
        auto at_a = receive_n(*a, 1, 500);
        auto at_b = receive_n(*b, 1, 500);
        REQUIRE(at_a.size() == 1u);
        CHECK(at_a[0] == bytes{0x42});
        REQUIRE(at_b.size() == 1u);
        CHECK(at_b[0] == bytes{0x42});
        delivered = true;
        break;
    }
    if (!delivered) MESSAGE("UDP broadcast not available in this environment: test skipped");
}

namespace {

// A connected pair of tcp_interfaces: a client and the connection its server accepted.
struct tcp_pair {
    nexus::pi::tcp_server server;
    nexus::pi::tcp_interface client;
    std::unique_ptr<nexus::pi::tcp_interface> accepted;
};

tcp_pair make_tcp_pair() {
    auto server = nexus::pi::tcp_server::listen("127.0.0.1:0");
    REQUIRE(server);
    REQUIRE(server->port() != 0);
    // Nothing to accept yet: nullptr, not an error.
    auto none = server->accept();
    REQUIRE(none);
    CHECK(*none == nullptr);
    auto client = nexus::pi::tcp_interface::connect("127.0.0.1", server->port());
    REQUIRE(client);
    REQUIRE(wait_readable(server->fd(), 1000));
    auto acc = server->accept();
    REQUIRE(acc);
    REQUIRE(*acc != nullptr);
    return tcp_pair{std::move(*server), std::move(*client), std::move(*acc)};
}

// A client tcp_interface and the raw socket of the connection it made (the test reads and writes
// bytes on it directly).
template <std::size_t Cap = nexus::pi::default_tcp_out_capacity>
std::pair<int, nexus::pi::basic_tcp_interface<Cap>> raw_and_client() {
    auto server = nexus::pi::tcp_server::listen(":0");
    REQUIRE(server);
    auto client = nexus::pi::basic_tcp_interface<Cap>::connect(loopback(server->port()));
    REQUIRE(client);
    REQUIRE(wait_readable(server->fd(), 1000));
    const int raw = ::accept(server->fd(), nullptr, nullptr);
    REQUIRE(raw >= 0);
    return {raw, std::move(*client)};
}

}  // namespace

TEST_CASE("tcp_interface: HDLC both ways, framing bytes, back-to-back frames") {
    auto p = make_tcp_pair();
    auto& a = p.client;
    auto& b = *p.accepted;
    CHECK(a.mtu() == 500u);

    const bytes tricky{0x7E, 0x01, 0x7D, 0x02, 0x7E, 0x7E, 0x7D, 0x5E, 0x5D};
    NEXUS_CHECK_NO_ALLOC(REQUIRE(a.send(tricky)));
    auto got = receive_n(b, 1);
    REQUIRE(got.size() == 1u);
    CHECK(got[0] == tricky);

    REQUIRE(b.send(bytes{0x7D}));
    got = receive_n(a, 1);
    REQUIRE(got.size() == 1u);
    CHECK(got[0] == bytes{0x7D});

    // 300 packets back-to-back each way, sizes 1..500, without reading in between.
    std::mt19937 rng(7);
    std::vector<bytes> ab, ba;
    for (int i = 0; i < 300; ++i) {
        ab.push_back(special_bytes(rng, 1 + rng() % 500));
        ba.push_back(special_bytes(rng, 1 + rng() % 500));
        // The kernel buffers are large on loopback; if the output buffer fills, drain and retry.
        while (true) {
            auto r = a.send(ab.back());
            if (r) break;
            REQUIRE(r.error() == error::full);
            (void)b.receive_all(
                [&](std::span<const std::uint8_t> f) { got.emplace_back(f.begin(), f.end()); });
        }
        REQUIRE(b.send(ba.back()));
    }
    got.clear();
    auto rest_b = receive_n(b, 300, 3000);
    auto rest_a = receive_n(a, 300, 3000);
    CHECK(rest_b == ab);
    CHECK(rest_a == ba);
    CHECK(b.decoder().invalid_escapes() == 0u);
    CHECK(a.frames_sent() == 301u);

    CHECK(a.send(bytes(501, 1)).error() == error::invalid_length);
}

TEST_CASE("tcp_interface: exact bytes on the wire and partial reads") {
    auto [raw, c] = raw_and_client();

    // Spec layout, written out by hand: 7E 01 7D 5E 02 7D 5D 7E.
    REQUIRE(c.send(bytes{0x01, 0x7E, 0x02, 0x7D}));
    CHECK(read_some(raw, 1000) == bytes{0x7E, 0x01, 0x7D, 0x5E, 0x02, 0x7D, 0x5D, 0x7E});

    // A stream of frames arriving in pieces of every size, split anywhere (inside escapes too).
    std::mt19937 rng(3);
    std::vector<bytes> frames;
    bytes stream{0x55, 0x66};  // noise before the first flag is discarded
    for (int i = 0; i < 60; ++i) {
        frames.push_back(special_bytes(rng, 1 + rng() % 500));
        auto e = model_hdlc(frames.back());
        stream.insert(stream.end(), e.begin(), e.end());
    }
    std::vector<bytes> got;
    std::size_t off = 0;
    while (off < stream.size()) {
        const std::size_t n = std::min<std::size_t>(stream.size() - off, 1 + rng() % 97);
        write_all(raw, bytes(stream.begin() + static_cast<std::ptrdiff_t>(off),
                             stream.begin() + static_cast<std::ptrdiff_t>(off + n)));
        off += n;
        if (wait_readable(c.fd(), 100))
            REQUIRE(c.receive_all(
                [&](std::span<const std::uint8_t> f) { got.emplace_back(f.begin(), f.end()); }));
    }
    auto tail = receive_n(c, frames.size() - got.size(), 1000);
    got.insert(got.end(), tail.begin(), tail.end());
    CHECK(got == frames);
    CHECK(c.decoder().discarded() == 2u);

    // Oversized frame on the wire: dropped by the decoder, the next one still arrives.
    bytes over = model_hdlc(bytes(600, 0x33));
    auto next = model_hdlc(bytes{0x44});
    over.insert(over.end(), next.begin(), next.end());
    write_all(raw, over);
    auto after = receive_n(c, 1);
    REQUIRE(after.size() == 1u);
    CHECK(after[0] == bytes{0x44});
    CHECK(c.decoder().oversized() == 1u);

    // The peer goes away: reported, not fatal.
    ::close(raw);
    REQUIRE(wait_readable(c.fd(), 1000));
    CHECK(c.receive_all([](std::span<const std::uint8_t>) {}).error() == error::io_failed);
    CHECK(c.closed());
    CHECK(c.fd() == -1);
    CHECK(c.send(bytes{1}).error() == error::io_failed);
    CHECK(c.receive_all([](std::span<const std::uint8_t>) {}).error() == error::io_failed);
}

TEST_CASE("tcp_interface: full output buffer refuses whole frames") {
    auto [raw, c] = raw_and_client<2048>();
    const int small = 4096;
    (void)::setsockopt(c.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    (void)::setsockopt(raw, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);

    // Frames of 400 bytes (sequence number first) until the output buffer is full.
    std::vector<bytes> accepted;
    bool full = false;
    for (std::uint32_t i = 0; i < 100000 && !full; ++i) {
        bytes p(400, static_cast<std::uint8_t>(i * 7));
        std::memcpy(p.data(), &i, 4);
        p[10] = 0x7E;
        auto r = c.send(p);
        if (r) {
            accepted.push_back(p);
        } else {
            REQUIRE(r.error() == error::full);
            full = true;
        }
    }
    REQUIRE(full);
    const std::size_t pending = c.pending_bytes();
    CHECK(pending <= 2048u);
    CHECK(c.wants_write());
    CHECK(c.send(bytes(400, 9)).error() == error::full);
    CHECK(c.pending_bytes() == pending);  // nothing half-queued

    // Drain: every accepted frame arrives whole and in order, nothing else.
    bytes stream;
    std::uint8_t buf[65536];
    for (int k = 0; k < 2000 && (c.wants_write() || wait_readable(raw, 0)); ++k) {
        (void)c.flush();
        while (wait_readable(raw, 5)) {
            const ssize_t n = ::read(raw, buf, sizeof buf);
            if (n <= 0) break;
            stream.insert(stream.end(), buf, buf + n);
        }
    }
    CHECK_FALSE(c.wants_write());
    CHECK(model_hdlc_split(stream) == accepted);
    ::close(raw);
}

TEST_CASE("tcp: connect failures") {
    // A port nobody listens on (bound but not listening).
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    const auto port = nexus::pi::detail::local_port(s);
    CHECK(nexus::pi::tcp_interface::connect("127.0.0.1", port).error() == error::io_failed);
    ::close(s);
    CHECK(nexus::pi::tcp_interface::connect("no-such-host.invalid:80").error() == error::not_found);
    CHECK(nexus::pi::tcp_interface::connect("127.0.0.1").error() == error::invalid_argument);
}

namespace {

struct pty_pair {
    int master = -1;
    std::string slave_path;
    pty_pair() {
        master = ::posix_openpt(O_RDWR | O_NOCTTY);
        REQUIRE(master >= 0);
        REQUIRE(::grantpt(master) == 0);
        REQUIRE(::unlockpt(master) == 0);
        slave_path = ::ptsname(master);
        REQUIRE(nexus::pi::detail::set_nonblocking(master));
    }
    ~pty_pair() {
        if (master >= 0) ::close(master);
    }
};

}  // namespace

TEST_CASE("serial_interface: KISS over a pseudo-terminal") {
    pty_pair pty;
    CHECK(nexus::pi::serial_interface::open(pty.slave_path, 12345).error() == error::invalid_argument);
    CHECK(nexus::pi::serial_interface::open("/dev/no-such-tty").error() == error::not_found);
    auto s = nexus::pi::serial_interface::open(pty.slave_path, 115200);
    REQUIRE(s);
    CHECK(s->bitrate_bps() == 115200u);
    CHECK(s->mtu() == 500u);

    // Node -> radio. Spec layout by hand: C0 00 DB DC DB DD 11 C0.
    const bytes to_radio{0xC0, 0xDB, 0x11};
    NEXUS_CHECK_NO_ALLOC(REQUIRE(s->send(to_radio)));
    CHECK(read_some(pty.master, 1000) == bytes{0xC0, 0x00, 0xDB, 0xDC, 0xDB, 0xDD, 0x11, 0xC0});

    // Radio -> node: C0 00 01 DB DC 02 DB DD 03 C0 is 01 C0 02 DB 03; a TXDELAY command frame
    // (C0 01 ..) is not data; a data frame on KISS port 1 (command 0x10) is accepted.
    write_all(pty.master, bytes{0xC0, 0x00, 0x01, 0xDB, 0xDC, 0x02, 0xDB, 0xDD, 0x03, 0xC0, 0xC0, 0x01, 0x32,
                                0xC0, 0xC0, 0x10, 0x77, 0xC0});
    auto got = receive_n(*s, 2);
    REQUIRE(got.size() == 2u);
    CHECK(got[0] == bytes{0x01, 0xC0, 0x02, 0xDB, 0x03});
    CHECK(got[1] == bytes{0x77});
    CHECK(s->decoder().ignored() == 1u);

    // Many frames both ways, written in odd-sized chunks.
    std::mt19937 rng(11);
    std::vector<bytes> to_node, from_node;
    for (int i = 0; i < 40; ++i) {
        to_node.push_back(special_bytes(rng, 1 + rng() % 500));
        from_node.push_back(special_bytes(rng, 1 + rng() % 500));
    }
    std::vector<bytes> at_node;
    bytes at_radio;
    for (std::size_t i = 0; i < to_node.size(); ++i) {
        const auto e = model_kiss(to_node[i]);
        for (std::size_t off = 0; off < e.size();) {
            const std::size_t n = std::min<std::size_t>(e.size() - off, 1 + rng() % 200);
            write_all(pty.master, bytes(e.begin() + static_cast<std::ptrdiff_t>(off),
                                        e.begin() + static_cast<std::ptrdiff_t>(off + n)));
            off += n;
        }
        REQUIRE(s->send(from_node[i]));
        auto part = receive_n(*s, 1, 1000);
        at_node.insert(at_node.end(), part.begin(), part.end());
        auto r = read_some(pty.master, 200);
        at_radio.insert(at_radio.end(), r.begin(), r.end());
    }
    auto tail = receive_n(*s, to_node.size() - at_node.size(), 1000);
    at_node.insert(at_node.end(), tail.begin(), tail.end());
    auto more = read_some(pty.master, 100);
    at_radio.insert(at_radio.end(), more.begin(), more.end());
    CHECK(at_node == to_node);
    CHECK(model_kiss_split(at_radio) == from_node);

    // The radio goes away: the interface reports it closed.
    ::close(pty.master);
    pty.master = -1;
    (void)wait_readable(s->fd(), 1000);
    CHECK(s->receive_all([](std::span<const std::uint8_t>) {}).error() == error::io_failed);
    CHECK(s->closed());
    CHECK(s->fd() == -1);
}

TEST_CASE("file_storage: round trip, 0600, not_found, overwrite, atomic") {
    char tmpl[] = "/tmp/nexus-pi-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    const std::string dir = std::string(tmpl) + "/store";
    CHECK(nexus::pi::file_storage::open(dir, false).error() == error::not_found);
    auto st = nexus::pi::file_storage::open(dir);
    REQUIRE(st);

    std::array<std::uint8_t, 512> out{};
    CHECK(st->load("identity", out).error() == error::not_found);
    CHECK(st->erase("identity").error() == error::not_found);

    const bytes v1{1, 2, 3, 4, 5, 0, 0xFF};
    const mode_t old_umask = ::umask(0);  // a permissive umask must not widen the mode
    NEXUS_CHECK_NO_ALLOC(REQUIRE(st->store("identity", v1)));
    ::umask(old_umask);
    struct stat sb {};
    REQUIRE(::stat((dir + "/identity").c_str(), &sb) == 0);
    CHECK((sb.st_mode & 0777) == 0600);
    auto n = st->load("identity", out);
    REQUIRE(n);
    CHECK(bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n)) == v1);

    // Overwrite with a shorter value; the old bytes must not survive.
    REQUIRE(st->store("identity", bytes{9}));
    n = st->load("identity", out);
    REQUIRE(n);
    CHECK(*n == 1u);
    CHECK(out[0] == 9);
    // Empty value.
    REQUIRE(st->store("empty", {}));
    CHECK(st->load("empty", out).value() == 0u);

    // Too small a buffer.
    REQUIRE(st->store("big", bytes(100, 7)));
    std::array<std::uint8_t, 99> small{};
    CHECK(st->load("big", small).error() == error::buffer_too_small);

    // Keys that could escape the directory are refused.
    for (const char* bad : {"", "../x", "a/b", ".hidden", "sp ace"})
        CHECK(st->store(bad, v1).error() == error::invalid_argument);
    CHECK(st->store(std::string(129, 'k'), v1).error() == error::invalid_argument);

    // No temporary files remain; exactly the three keys.
    std::set<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    REQUIRE(d != nullptr);
    while (dirent* e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.insert(e->d_name);
    ::closedir(d);
    CHECK(names == std::set<std::string>{"big", "empty", "identity"});

    REQUIRE(st->erase("identity"));
    CHECK(st->load("identity", out).error() == error::not_found);
    // Another handle on the same directory sees the same data.
    auto again = nexus::pi::file_storage::open(dir + "/");
    REQUIRE(again);
    CHECK(again->load("big", out).value() == 100u);

    REQUIRE(st->erase("big"));
    REQUIRE(st->erase("empty"));
    ::rmdir(dir.c_str());
    ::rmdir(tmpl);
}

TEST_CASE("urandom_source and linux_clock") {
    nexus::pi::urandom_source rng;
    std::array<std::uint8_t, 64> a{}, b{};
    NEXUS_CHECK_NO_ALLOC(rng.fill(a));
    rng.fill(b);
    CHECK(a != b);
    CHECK(a != std::array<std::uint8_t, 64>{});
    rng.fill(std::span<std::uint8_t>{});  // nothing to do

    // A large fill: every byte value appears (2^-1900 odds of a false failure).
    std::vector<std::uint8_t> big(1 << 16);
    rng.fill(big);
    std::array<int, 256> seen{};
    for (auto x : big) ++seen[x];
    for (int c : seen) CHECK(c > 0);

    nexus::pi::linux_clock clk;
    const auto t0 = clk.now();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto t1 = clk.now();
    CHECK((t1 - t0).count_ms() >= 19);
    CHECK((t1 - t0).count_ms() < 2000);
    CHECK(nexus::pi::monotonic_ms() >= t1.ms());
}

TEST_CASE("event_loop: dispatch, removal from a callback, capacity") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    int tv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, tv) == 0);

    nexus::pi::event_loop loop;
    int hits0 = 0, hits1 = 0;
    short last = 0;
    REQUIRE(loop.add(sv[0], POLLIN, [&](short revents) {
        ++hits0;
        last = revents;
        char c;
        if (revents & POLLIN) (void)::read(sv[0], &c, 1);
    }));
    REQUIRE(loop.add(tv[0], POLLIN, [&loop, &hits1, fd = tv[0]](short) {
        ++hits1;
        (void)loop.remove(fd);  // removes itself
    }));
    CHECK(loop.add(sv[0], POLLIN, [](short) {}).error() == error::invalid_argument);
    CHECK(loop.add(-1, POLLIN, [](short) {}).error() == error::invalid_argument);
    CHECK(loop.size() == 2u);

    CHECK(loop.run_once(0).value() == 0);  // nothing ready
    REQUIRE(::write(sv[1], "x", 1) == 1);
    REQUIRE(::write(tv[1], "y", 1) == 1);
    CHECK(loop.run_once(1000).value() == 2);
    CHECK(hits0 == 1);
    CHECK(hits1 == 1);
    CHECK((last & POLLIN) != 0);
    CHECK(loop.size() == 1u);
    CHECK_FALSE(loop.contains(tv[0]));
    REQUIRE(::write(tv[1], "y", 1) == 1);  // no longer watched
    CHECK(loop.run_once(20).value() == 0);

    CHECK(loop.set_events(sv[0], POLLOUT));
    CHECK(loop.run_once(1000).value() == 1);  // writable at once
    CHECK(loop.set_events(tv[0], POLLIN).error() == error::not_found);
    CHECK(loop.remove(tv[0]).error() == error::not_found);

    nexus::pi::basic_event_loop<2> tiny;
    REQUIRE(tiny.add(sv[0], POLLIN, [](short) {}));
    REQUIRE(tiny.add(sv[1], POLLIN, [](short) {}));
    CHECK(tiny.add(tv[0], POLLIN, [](short) {}).error() == error::full);
    REQUIRE(tiny.remove(sv[1]));
    CHECK(tiny.add(tv[0], POLLIN, [](short) {}));

    for (int fd : {sv[0], sv[1], tv[0], tv[1]}) ::close(fd);
}

TEST_CASE("a node-style loop: UDP and TCP interfaces through event_loop") {
    const auto pa = free_udp_port();
    const auto pb = free_udp_port();
    auto ua = nexus::pi::udp_interface::open(loopback(pa), loopback(pb));
    auto ub = nexus::pi::udp_interface::open(loopback(pb), loopback(pa));
    REQUIRE(ua);
    REQUIRE(ub);
    auto tp = make_tcp_pair();

    // "Node" on side b: what arrives on one interface is forwarded on the other (id 0 = udp,
    // 1 = tcp), from inside the receive callback.
    std::vector<std::pair<int, bytes>> log;
    nexus::pi::event_loop loop;
    auto on_udp = [&](std::span<const std::uint8_t> f) {
        log.emplace_back(0, bytes(f.begin(), f.end()));
        REQUIRE(tp.accepted->send(f));
    };
    auto on_tcp = [&](std::span<const std::uint8_t> f) {
        log.emplace_back(1, bytes(f.begin(), f.end()));
        REQUIRE(ub->send(f));
    };
    REQUIRE(loop.add(ub->fd(), POLLIN, [&](short) { (void)ub->receive_all(on_udp); }));
    REQUIRE(loop.add(tp.accepted->fd(), POLLIN, [&](short) { (void)tp.accepted->receive_all(on_tcp); }));

    REQUIRE(ua->send(bytes{0xAA, 0x7E}));
    REQUIRE(tp.client.send(bytes{0xBB, 0xC0}));
    const auto end = nexus::pi::monotonic_ms() + 2000;
    while (log.size() < 2 && nexus::pi::monotonic_ms() < end) REQUIRE(loop.run_once(50));
    REQUIRE(log.size() == 2u);
    auto via_tcp = receive_n(tp.client, 1);
    auto via_udp = receive_n(*ua, 1);
    REQUIRE(via_tcp.size() == 1u);
    REQUIRE(via_udp.size() == 1u);
    CHECK(via_tcp[0] == bytes{0xAA, 0x7E});
    CHECK(via_udp[0] == bytes{0xBB, 0xC0});
}
