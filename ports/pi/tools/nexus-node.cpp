// nexus-node: runs a nexus node (include/nexus/node.hpp) on Linux interfaces from a config file,
// announces its destination, and is driven line by line on stdin; events go to stdout, one per
// line, so it can be scripted (tests/e2e/three_nodes.py does) or used by hand.
//
// Config file (key = value, '#' comments, one [TYPE NAME] section per interface):
//   identity = PATH               sealed key made by nexus-keygen (required)
//   passphrase_env = VAR | passphrase_file = PATH | no_passphrase = yes   (exactly one)
//   profile = nexus               only the NEXUS profile is built into nexus-node
//   destination = APP.ASPECT...   register, announce at start and every announce_interval
//   announce_interval = 1800      seconds
//   transport = no                yes: forward for others (bridge between interfaces)
//   require_identify = no         yes: incoming links must identify before sending data
//   [udp NAME]    listen = HOST:PORT   peer = HOST:PORT   (or broadcast = ADDR:PORT)
//   [tcp NAME]    connect = HOST:PORT  |  listen = HOST:PORT
//   [serial NAME] device = PATH   baud = 115200
//
// Commands (stdin):  announce | link DEST | identify LINK | send LINK TEXT | sendhex LINK HEX |
//                    rsend LINK TEXT | rsendhex LINK HEX (reliable: acknowledged, repeated, in
//                    order) | close LINK | paths | links | quit
// Events (stdout):   ready ... | announce dest=.. hops=.. iface=.. | link-request id=.. |
//                    link-up id=.. | link-identified id=.. identity=.. | data id=.. ctx=.. text=..
//                    (or hex=..; a reliable message adds seq=..) | queued id=.. seq=.. (rsend) |
//                    delivered id=.. seq=.. (the peer has it) | link-closed id=.. reason=.. |
//                    reject iface=.. type=.. error=.. | error ... (a command failed)
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "nexus/core/hex.hpp"
#include "nexus/identity/sealed_key.hpp"
#include "nexus/node.hpp"
#include "nexus/pi/event_loop.hpp"
#include "nexus/pi/serial_interface.hpp"
#include "nexus/pi/tcp_interface.hpp"
#include "nexus/pi/udp_interface.hpp"

namespace {

using P = nexus::nexus_profile;
using rng_t = nexus::pi::urandom_source;
using node_t = nexus::node<P, rng_t, nexus::presets::pi_bridge>;

constexpr const char* usage = R"(usage: nexus-node --config FILE

Runs a nexus node on the interfaces of FILE and announces its destination. Reads commands on
stdin, writes events on stdout (one per line); see the header of ports/pi/tools/nexus-node.cpp
or ports/pi/README.md for both lists and the config format.

  --config FILE   the node's configuration (required)
  -h, --help      this text
)";

[[noreturn]] void die(const std::string& msg, int code = 1) {
    std::cerr << "nexus-node: " << msg << "\n";
    std::exit(code);
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

struct section {
    std::string type, name;
    std::map<std::string, std::string> values;
    int line = 0;
};

struct config {
    std::map<std::string, std::string> node;
    std::vector<section> interfaces;
};

config read_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) die("cannot read config " + path);
    config c;
    std::string line;
    int n = 0;
    section* current = nullptr;
    while (std::getline(in, line)) {
        ++n;
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        line = trim(line);
        if (line.empty()) continue;
        if (line.front() == '[') {
            if (line.back() != ']') die(path + ":" + std::to_string(n) + ": unterminated section");
            std::istringstream ss(line.substr(1, line.size() - 2));
            section s;
            ss >> s.type >> s.name;
            if (s.type != "udp" && s.type != "tcp" && s.type != "serial")
                die(path + ":" + std::to_string(n) + ": unknown interface type '" + s.type + "'");
            if (s.name.empty()) s.name = s.type + std::to_string(c.interfaces.size());
            s.line = n;
            c.interfaces.push_back(s);
            current = &c.interfaces.back();
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string::npos) die(path + ":" + std::to_string(n) + ": expected key = value");
        const std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
        (current ? current->values : c.node)[key] = value;
    }
    return c;
}

std::string hex(std::span<const std::uint8_t> b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(b.size() * 2, '\0');
    for (std::size_t i = 0; i < b.size(); ++i) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    return out;
}

std::optional<nexus::truncated_hash> parse_hash(const std::string& s) {
    nexus::truncated_hash h{};
    auto n = nexus::hex_decode(s, h);
    if (!n || *n != h.size()) return std::nullopt;
    return h;
}

bool yes(const std::map<std::string, std::string>& m, const std::string& key) {
    auto it = m.find(key);
    return it != m.end() && (it->second == "yes" || it->second == "true" || it->second == "1");
}

std::string packet_type_name(std::span<const std::uint8_t> raw) {
    if (raw.empty()) return "empty";
    static constexpr const char* names[] = {"data", "announce", "link_request", "proof"};
    return names[raw[0] & 3];
}

bool printable(std::span<const std::uint8_t> d) {
    for (auto c : d)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

// One interface of any kind behind one face.
struct iface {
    std::string name;
    std::unique_ptr<nexus::pi::udp_interface> udp;
    std::unique_ptr<nexus::pi::tcp_interface> tcp;
    std::unique_ptr<nexus::pi::tcp_server> server;
    std::unique_ptr<nexus::pi::serial_interface> serial;
};

class app {
public:
    app(node_t& node, std::vector<iface>& ifaces, std::optional<nexus::truncated_hash> dest,
        nexus::duration announce_interval)
        : node_(node), ifaces_(ifaces), dest_(dest), announce_interval_(announce_interval) {}

    int run() {
        const auto now = clock_.now();
        if (dest_) (void)node_.announce(*dest_, now);
        next_announce_ = now + announce_interval_;
        std::string input;
        bool stdin_open = true;
        while (!quit_) {
            std::vector<pollfd> fds;
            std::vector<std::pair<std::size_t, bool>> owners;  // (interface, is the listening socket)
            if (stdin_open) fds.push_back({STDIN_FILENO, POLLIN, 0});
            for (std::size_t j = 0; j < ifaces_.size(); ++j) {
                auto& i = ifaces_[j];
                if (i.server) {
                    fds.push_back({i.server->fd(), POLLIN, 0});
                    owners.emplace_back(j, true);
                }
                const int fd = stream_fd(i);
                if (fd >= 0) {
                    fds.push_back({fd, static_cast<short>(POLLIN | (wants_write(i) ? POLLOUT : 0)), 0});
                    owners.emplace_back(j, false);
                }
            }
            const int timeout = timeout_ms();
            if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) die("poll failed");
            const auto t = clock_.now();
            std::size_t k = 0;
            if (stdin_open) {
                if (fds[k].revents & (POLLIN | POLLHUP)) stdin_open = read_stdin(input);
                ++k;
            }
            for (const auto& [j, listening] : owners) {
                const short ev = fds[k++].revents;
                if (listening) {
                    if (ev & POLLIN) accept_on(ifaces_[j]);
                    continue;
                }
                if (ev & POLLOUT) flush(ifaces_[j]);
                if (ev & (POLLIN | POLLHUP | POLLERR)) receive_from(static_cast<nexus::interface_id>(j), t);
            }
            if (dest_ && t >= next_announce_) {
                (void)node_.announce(*dest_, t);
                next_announce_ = t + announce_interval_;
            }
            run_commands(t);
            pump(t);
            std::cout.flush();
        }
        return 0;
    }

private:
    // The socket or tty carrying packets (-1 for a server that has no connection yet).
    static int stream_fd(const iface& i) {
        if (i.udp) return i.udp->fd();
        if (i.tcp) return i.tcp->fd();
        if (i.serial) return i.serial->fd();
        return -1;
    }

    // One connection per server interface in this first cut: a new one replaces the old.
    static void accept_on(iface& i) {
        auto accepted = i.server->accept();
        if (accepted && *accepted) i.tcp = std::move(*accepted);
    }

    // Stream interfaces buffer what the kernel did not take; poll for POLLOUT while they do.
    static bool wants_write(const iface& i) {
        if (i.tcp) return i.tcp->wants_write();
        if (i.serial) return i.serial->wants_write();
        return false;
    }
    static bool has_room(const iface& i) {
        constexpr std::size_t frame = 2 * nexus::wire::mtu + 3;  // worst-case escaped frame
        if (i.tcp) return i.tcp->out_capacity() - i.tcp->pending_bytes() >= frame;
        if (i.serial) return i.serial->out_capacity() - i.serial->pending_bytes() >= frame;
        return true;
    }
    static void flush(iface& i) {
        if (i.tcp) (void)i.tcp->flush();
        if (i.serial) (void)i.serial->flush();
    }

    int timeout_ms() {
        if (!commands_.empty()) return 5;
        const auto now = clock_.now();
        auto deadline = node_.next_deadline();
        if (dest_ && next_announce_ < deadline) deadline = next_announce_;
        if (deadline <= now) return 0;
        const auto ms = (deadline - now).count_ms();
        return static_cast<int>(ms > 1000 ? 1000 : ms);
    }

    bool read_stdin(std::string& buffer) {
        char chunk[4096];
        const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = buffer.find('\n')) != std::string::npos) {
            commands_.push_back(buffer.substr(0, nl));
            buffer.erase(0, nl + 1);
        }
        return true;
    }

    void receive_from(nexus::interface_id id, nexus::timestamp now) {
        auto& i = ifaces_[id];
        auto on_frame = [&](std::span<const std::uint8_t> frame) { handle(id, frame, now); };
        if (i.udp) (void)i.udp->receive_all(on_frame);
        if (i.tcp) (void)i.tcp->receive_all(on_frame);
        if (i.serial) (void)i.serial->receive_all(on_frame);
    }

    void handle(nexus::interface_id id, std::span<const std::uint8_t> frame, nexus::timestamp now) {
        if (auto r = node_.receive(id, frame, now); !r) {
            std::cout << "reject iface=" << ifaces_[id].name << " type=" << packet_type_name(frame)
                      << " error=" << nexus::to_string(r.error()) << "\n";
            return;
        }
        drain_events(now);
    }

    void drain_events(nexus::timestamp now) {
        for (auto ev = node_.poll(now); ev.kind != nexus::node_event_kind::none; ev = node_.poll(now)) report(ev);
    }

    void report(const nexus::node_event& ev) {
        using k = nexus::node_event_kind;
        switch (ev.kind) {
            case k::none:
            case k::forwarded:
            case k::link_rotated:
                return;
            case k::announce:
                std::cout << "announce dest=" << hex(ev.id) << " hops=" << int(ev.hops)
                          << " iface=" << ifaces_[ev.iface].name << "\n";
                return;
            case k::link_request:
                std::cout << "link-request id=" << hex(ev.id) << "\n";
                return;
            case k::link_established:
                std::cout << "link-up id=" << hex(ev.id) << "\n";
                return;
            case k::link_identified: {
                const auto* l = node_.find_link_object(ev.id);
                std::string who = "?";
                if (l != nullptr)
                    if (auto r = l->remote_identity()) who = hex(r->hash());
                std::cout << "link-identified id=" << hex(ev.id) << " identity=" << who << "\n";
                return;
            }
            case k::link_data:
                std::cout << "data id=" << hex(ev.id) << " ctx=" << int(ev.context)
                          << (ev.reliable ? " seq=" + std::to_string(ev.sequence) : std::string())
                          << (printable(ev.data) ? " text=" + std::string(ev.data.begin(), ev.data.end())
                                                 : " hex=" + hex(ev.data))
                          << "\n";
                return;
            case k::link_delivered:
                std::cout << "delivered id=" << hex(ev.id) << " seq=" << ev.sequence << "\n";
                return;
            case k::link_closed:
                std::cout << "link-closed id=" << hex(ev.id) << " reason=" << nexus::to_string(ev.reason) << "\n";
                return;
        }
    }

    // Runs queued commands in order; stops at one that must wait (outbox full).
    void run_commands(nexus::timestamp now) {
        while (!commands_.empty()) {
            std::istringstream ss(commands_.front());
            std::string cmd, arg;
            ss >> cmd >> arg;
            std::string rest;
            std::getline(ss, rest);
            if (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
            if (cmd == "send" || cmd == "sendhex" || cmd == "rsend" || cmd == "rsendhex") {
                const bool reliable = cmd[0] == 'r';
                auto id = parse_hash(arg);
                std::vector<std::uint8_t> data;
                if (cmd == "send" || cmd == "rsend") {
                    data.assign(rest.begin(), rest.end());
                } else {
                    data.resize(rest.size() / 2);
                    auto n = nexus::hex_decode(rest, data);
                    if (!n) id.reset();
                }
                if (!id) {
                    std::cout << "error bad arguments: " << commands_.front() << "\n";
                } else if (reliable) {
                    auto r = node_.send_reliable(*id, data, now);
                    if (!r && r.error() == nexus::error::full) return;  // the window: after a delivery
                    if (!r) std::cout << "error rsend: " << nexus::to_string(r.error()) << "\n";
                    else std::cout << "queued id=" << hex(*id) << " seq=" << *r << "\n";
                } else if (auto r = node_.send(*id, data, now); !r) {
                    if (r.error() == nexus::error::full) return;  // retry after the outbox drains
                    std::cout << "error send: " << nexus::to_string(r.error()) << "\n";
                }
            } else if (cmd == "link") {
                auto dest = parse_hash(arg);
                auto r = dest ? node_.open_link(*dest, now) : nexus::result<nexus::truncated_hash>(nexus::fail(nexus::error::invalid_argument));
                if (!r) std::cout << "error link: " << nexus::to_string(r.error()) << "\n";
                else std::cout << "link-opening id=" << hex(*r) << "\n";
            } else if (cmd == "identify") {
                auto id = parse_hash(arg);
                auto r = id ? node_.identify(*id) : nexus::result<void>(nexus::fail(nexus::error::invalid_argument));
                if (!r) std::cout << "error identify: " << nexus::to_string(r.error()) << "\n";
            } else if (cmd == "close") {
                auto id = parse_hash(arg);
                auto r = id ? node_.close(*id) : nexus::result<void>(nexus::fail(nexus::error::invalid_argument));
                if (!r) std::cout << "error close: " << nexus::to_string(r.error()) << "\n";
            } else if (cmd == "announce") {
                if (!dest_) std::cout << "error announce: no destination configured\n";
                else if (auto r = node_.announce(*dest_, now); !r) {
                    if (r.error() == nexus::error::full) return;
                    std::cout << "error announce: " << nexus::to_string(r.error()) << "\n";
                }
            } else if (cmd == "quit") {
                quit_ = true;
            } else if (!cmd.empty()) {
                std::cout << "error unknown command: " << cmd << "\n";
            }
            commands_.pop_front();
            if (quit_) return;
        }
    }

    // Drains the node: events, then packets to the interfaces.
    void pump(nexus::timestamp now) {
        drain_events(now);
        for (;;) {
            // Backpressure: take a packet from the node only when every stream interface can
            // queue a whole frame; otherwise it waits in the node (whose outbox then pushes back
            // on `send` commands) until POLLOUT drains the streams.
            for (auto& i : ifaces_)
                if (!has_room(i)) return;
            std::array<std::uint8_t, nexus::wire::mtu> buf{};
            auto o = node_.pop_outgoing(now, buf);
            if (!o || o->size == 0) break;
            const std::span<const std::uint8_t> pkt(buf.data(), o->size);
            for (std::size_t j = 0; j < ifaces_.size(); ++j) {
                const bool goes = o->iface == nexus::all_interfaces ? j != o->except : j == o->iface;
                if (goes) transmit(ifaces_[j], pkt);
            }
        }
    }

    static void transmit(iface& i, std::span<const std::uint8_t> pkt) {
        if (i.udp) (void)i.udp->send(pkt);
        if (i.tcp) (void)i.tcp->send(pkt);
        if (i.serial) (void)i.serial->send(pkt);
    }

    node_t& node_;
    std::vector<iface>& ifaces_;
    std::optional<nexus::truncated_hash> dest_;
    nexus::duration announce_interval_;
    nexus::timestamp next_announce_{};
    nexus::pi::linux_clock clock_{};
    std::deque<std::string> commands_;
    bool quit_ = false;
};

std::string need(const section& s, const std::string& key) {
    auto it = s.values.find(key);
    if (it == s.values.end()) die("[" + s.type + " " + s.name + "] needs " + key);
    return it->second;
}

iface open_interface(const section& s) {
    iface i;
    i.name = s.name;
    std::string what = "[" + s.type + " " + s.name + "]";
    if (s.type == "udp") {
        auto listen = need(s, "listen");
        auto peer = s.values.count("peer") ? s.values.at("peer") : "";
        auto broadcast = s.values.count("broadcast") ? s.values.at("broadcast") : "";
        if (peer.empty() == broadcast.empty()) die(what + " needs exactly one of peer, broadcast");
        auto r = nexus::pi::udp_interface::open(listen, peer.empty() ? broadcast : peer, !broadcast.empty());
        if (!r) die(what + ": " + std::string(nexus::to_string(r.error())));
        i.udp = std::make_unique<nexus::pi::udp_interface>(std::move(*r));
    } else if (s.type == "tcp") {
        if (s.values.count("connect")) {
            auto r = nexus::pi::tcp_interface::connect(s.values.at("connect"));
            if (!r) die(what + ": " + std::string(nexus::to_string(r.error())));
            i.tcp = std::make_unique<nexus::pi::tcp_interface>(std::move(*r));
        } else {
            auto r = nexus::pi::tcp_server::listen(need(s, "listen"));
            if (!r) die(what + ": " + std::string(nexus::to_string(r.error())));
            i.server = std::make_unique<nexus::pi::tcp_server>(std::move(*r));
        }
    } else {
        const std::uint32_t baud = s.values.count("baud") ? static_cast<std::uint32_t>(std::stoul(s.values.at("baud"))) : 115200;
        auto r = nexus::pi::serial_interface::open(need(s, "device"), baud);
        if (!r) die(what + ": " + std::string(nexus::to_string(r.error())));
        i.serial = std::make_unique<nexus::pi::serial_interface>(std::move(*r));
    }
    return i;
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_path;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::cout << usage;
            return 0;
        }
        if (a == "--config" && i + 1 < argc) {
            config_path = argv[++i];
        } else {
            die("unknown argument " + a + " (see --help)", 2);
        }
    }
    if (config_path.empty()) die("--config FILE is required (see --help)", 2);
    const config c = read_config(config_path);
    if (c.interfaces.empty()) die("no interfaces in " + config_path);
    if (c.node.count("profile") && c.node.at("profile") != "nexus") die("nexus-node supports profile = nexus only");

    // Identity.
    if (!c.node.count("identity")) die("identity = PATH is required");
    std::string passphrase;
    int pass_options = 0;
    if (c.node.count("passphrase_env")) {
        const char* v = std::getenv(c.node.at("passphrase_env").c_str());
        if (v == nullptr) die("passphrase variable " + c.node.at("passphrase_env") + " is not set");
        passphrase = v;
        ++pass_options;
    }
    if (c.node.count("passphrase_file")) {
        std::ifstream in(c.node.at("passphrase_file"));
        if (!in) die("cannot read passphrase file");
        std::getline(in, passphrase);
        ++pass_options;
    }
    if (yes(c.node, "no_passphrase")) ++pass_options;
    if (pass_options != 1) die("give exactly one of passphrase_env, passphrase_file, no_passphrase = yes");
    std::ifstream key_in(c.node.at("identity"), std::ios::binary);
    if (!key_in) die("cannot read identity " + c.node.at("identity"));
    const std::vector<std::uint8_t> blob(std::istreambuf_iterator<char>(key_in), {});
    auto params = nexus::sealed_key_params(blob);
    if (!params) die("identity file is not a nexus sealed key");
    std::vector<nexus::crypto::argon2_block> work(nexus::sealed_key_work_blocks(*params));
    auto id = nexus::open_identity<P>(
        blob, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(passphrase.data()), passphrase.size()),
        work);
    if (!id) die("cannot open identity: " + std::string(nexus::to_string(id.error())));
    nexus::crypto::secure_wipe(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(passphrase.data()), passphrase.size()));
    work.clear();

    nexus::node_config nc;
    nc.transport = yes(c.node, "transport");
    nc.link.require_identify = yes(c.node, "require_identify");
    static rng_t rng;
    auto node = std::make_unique<node_t>(std::move(*id), rng, nc);

    std::vector<iface> ifaces;
    for (const auto& s : c.interfaces) {
        ifaces.push_back(open_interface(s));
        if (!node->add_interface()) die("too many interfaces");
    }
    std::optional<nexus::truncated_hash> dest;
    std::string dest_name;
    if (c.node.count("destination")) {
        dest_name = c.node.at("destination");
        const auto nh = nexus::make_name_hash<P>(dest_name);
        auto d = node->add_destination(nh);
        if (!d) die("cannot register destination");
        dest = *d;
    }
    const long interval_s = c.node.count("announce_interval") ? std::stol(c.node.at("announce_interval")) : 1800;
    std::cout << "ready identity=" << hex(node->self().hash());
    if (dest) std::cout << " destination=" << hex(*dest) << " name=" << dest_name;
    std::cout << " interfaces=" << ifaces.size() << (nc.transport ? " transport" : "") << std::endl;
    app a(*node, ifaces, dest, nexus::duration::seconds(interval_s));
    return a.run();
}
