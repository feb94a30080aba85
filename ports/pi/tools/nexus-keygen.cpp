// nexus-keygen: make, show and export a nexus identity kept in a sealed key file
// (include/nexus/identity/sealed_key.hpp: the private key under ChaCha20-Poly1305 with an
// Argon2id passphrase key). Never overwrites an existing file.
//
//   nexus-keygen new FILE [options]      create an identity (file mode 0600)
//   nexus-keygen show FILE [options]     print public key, identity hash, destination hash
//   nexus-keygen export FILE [options]   print the 64-byte private key (Reticulum layout) or,
//                                        with --public, the 64-byte public key
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "nexus/core/hex.hpp"
#include "nexus/identity/identity.hpp"
#include "nexus/identity/sealed_key.hpp"

namespace {

constexpr const char* usage = R"(usage: nexus-keygen COMMAND FILE [options]

commands:
  new FILE       create a new identity in FILE (refuses to overwrite; mode 0600)
  show FILE      print the public key, identity hash and (with --name) a destination hash
  export FILE    print the private key as hex (64 bytes: X25519 private || Ed25519 seed)
                 or, with --public, the public key (X25519 public || Ed25519 public)

options:
  --profile nexus|reticulum   address hash profile (default nexus; fixed in the file)
  --passphrase-file PATH      read the passphrase from the first line of PATH
  --passphrase-env VAR        read the passphrase from environment variable VAR
  --no-passphrase             use an empty passphrase (the key is then only obfuscated)
  --kdf-memory KIB            Argon2id memory for `new` (default 65536 = 64 MiB)
  --kdf-passes N              Argon2id passes for `new` (default 3)
  --name APP.ASPECT...        with `show`: also print this destination's hash
  --from-private HEX          with `new`: import a 64-byte private key instead of generating
  --public                    with `export`: the public key instead of the private key
  -h, --help                  this text

Exactly one passphrase option is required. Exit status: 0 ok, 1 error, 2 usage.
)";

struct options {
    std::string command, file, profile = "nexus", name, from_private;
    std::optional<std::string> passphrase;
    std::uint32_t kdf_memory = 64 * 1024, kdf_passes = 3;
    bool public_only = false;
};

[[noreturn]] void die(const std::string& msg, int code = 1) {
    std::cerr << "nexus-keygen: " << msg << "\n";
    std::exit(code);
}

std::string read_first_line(const std::string& path) {
    std::ifstream in(path);
    if (!in) die("cannot read passphrase file " + path);
    std::string line;
    std::getline(in, line);
    return line;
}

std::uint32_t parse_u32(const std::string& s, const char* what) {
    char* end = nullptr;
    errno = 0;
    const unsigned long v = std::strtoul(s.c_str(), &end, 10);
    if (errno != 0 || end == s.c_str() || *end != '\0' || v > 0xFFFFFFFFul)
        die(std::string("bad number for ") + what + ": " + s, 2);
    return static_cast<std::uint32_t>(v);
}

options parse(int argc, char** argv) {
    options o;
    std::vector<std::string> args(argv + 1, argv + argc);
    std::vector<std::string> positional;
    int passphrase_options = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) die("option " + a + " needs a value", 2);
            return args[++i];
        };
        if (a == "-h" || a == "--help") {
            std::cout << usage;
            std::exit(0);
        } else if (a == "--profile") {
            o.profile = value();
        } else if (a == "--passphrase-file") {
            o.passphrase = read_first_line(value());
            ++passphrase_options;
        } else if (a == "--passphrase-env") {
            const std::string var = value();
            const char* v = std::getenv(var.c_str());
            if (v == nullptr) die("environment variable " + var + " is not set");
            o.passphrase = v;
            ++passphrase_options;
        } else if (a == "--no-passphrase") {
            o.passphrase = "";
            ++passphrase_options;
        } else if (a == "--kdf-memory") {
            o.kdf_memory = parse_u32(value(), "--kdf-memory");
        } else if (a == "--kdf-passes") {
            o.kdf_passes = parse_u32(value(), "--kdf-passes");
        } else if (a == "--name") {
            o.name = value();
        } else if (a == "--from-private") {
            o.from_private = value();
        } else if (a == "--public") {
            o.public_only = true;
        } else if (!a.empty() && a[0] == '-') {
            die("unknown option " + a + " (see --help)", 2);
        } else {
            positional.push_back(a);
        }
    }
    if (positional.size() != 2) die("expected COMMAND FILE (see --help)", 2);
    o.command = positional[0];
    o.file = positional[1];
    if (o.command != "new" && o.command != "show" && o.command != "export")
        die("unknown command " + o.command + " (see --help)", 2);
    if (o.profile != "nexus" && o.profile != "reticulum") die("--profile must be nexus or reticulum", 2);
    if (passphrase_options != 1) die("give exactly one of --passphrase-file, --passphrase-env, --no-passphrase", 2);
    return o;
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string hex(std::span<const std::uint8_t> b) {
    std::string out(b.size() * 2, '\0');
    static constexpr char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < b.size(); ++i) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    return out;
}

struct urandom {
    void fill(std::span<std::uint8_t> out) {
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                die(std::string("getrandom failed: ") + std::strerror(errno));
            }
            done += static_cast<std::size_t>(n);
        }
    }
};

std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) die("cannot read " + path);
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

template <class P>
int run(const options& o) {
    std::vector<nexus::crypto::argon2_block> work;
    if (o.command == "new") {
        urandom rng;
        std::optional<nexus::identity<P>> id;
        if (!o.from_private.empty()) {
            std::array<std::uint8_t, 64> key{};
            auto n = nexus::hex_decode(o.from_private, key);
            if (!n || *n != 64) die("--from-private needs 128 hex digits");
            auto r = nexus::identity<P>::from_private_key(key);
            nexus::crypto::secure_wipe_object(key);
            if (!r) die("invalid private key");
            id.emplace(std::move(*r));
        } else {
            id.emplace(nexus::identity<P>::generate(rng));
        }
        const nexus::crypto::argon2_params kdf{o.kdf_passes, o.kdf_memory, 1};
        work.resize(nexus::sealed_key_work_blocks(kdf));
        if (work.empty()) die("invalid --kdf-memory / --kdf-passes");
        std::array<std::uint8_t, nexus::sealed_key_size> blob{};
        auto sealed = nexus::seal_identity(std::span<std::uint8_t, nexus::sealed_key_size>(blob), *id,
                                           bytes_of(*o.passphrase), rng, work, kdf);
        if (!sealed) die(std::string("cannot seal: ") + std::string(nexus::to_string(sealed.error())));
        const int fd = ::open(o.file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST) die(o.file + " exists; refusing to overwrite it");
            die("cannot create " + o.file + ": " + std::strerror(errno));
        }
        const bool written = ::write(fd, blob.data(), blob.size()) == static_cast<ssize_t>(blob.size());
        const bool synced = ::fsync(fd) == 0;
        ::close(fd);
        if (!written || !synced) {
            ::unlink(o.file.c_str());
            die("cannot write " + o.file);
        }
        std::cout << "identity " << hex(id->hash()) << "\n";
        std::cout << "public_key " << hex(id->public_key()) << "\n";
        return 0;
    }

    const auto blob = read_file(o.file);
    auto params = nexus::sealed_key_params(blob);
    if (!params) die(o.file + " is not a nexus sealed key (" + std::string(nexus::to_string(params.error())) + ")");
    work.resize(nexus::sealed_key_work_blocks(*params));
    auto id = nexus::open_identity<P>(blob, bytes_of(*o.passphrase), work);
    if (!id) {
        if (id.error() == nexus::error::auth_failed) die("wrong passphrase or damaged file");
        if (id.error() == nexus::error::invalid_argument) die("file was sealed for the other profile or with bad parameters");
        die(std::string("cannot open: ") + std::string(nexus::to_string(id.error())));
    }
    if (o.command == "show") {
        std::cout << "profile " << P::name << "\n";
        std::cout << "identity " << hex(id->hash()) << "\n";
        std::cout << "public_key " << hex(id->public_key()) << "\n";
        if (!o.name.empty()) {
            const auto nh = nexus::make_name_hash<P>(o.name);
            std::cout << "destination " << hex(id->destination_hash(nh)) << " " << o.name << "\n";
        }
        return 0;
    }
    if (o.public_only) {
        std::cout << hex(id->public_key()) << "\n";
        return 0;
    }
    std::array<std::uint8_t, 64> key{};
    id->export_private_key(key);
    std::cerr << "nexus-keygen: printing the PRIVATE key; anyone who sees it can act as this identity\n";
    std::cout << hex(key) << "\n";
    nexus::crypto::secure_wipe_object(key);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const options o = parse(argc, argv);
    return o.profile == "reticulum" ? run<nexus::reticulum_profile>(o) : run<nexus::nexus_profile>(o);
}
