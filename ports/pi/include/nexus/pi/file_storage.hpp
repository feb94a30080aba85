// nexus::pi::file_storage: the nexus::storage policy as a directory with one file per key.
// store() is atomic (write a temporary file, fsync, rename over the key, fsync the directory), so a
// crash leaves the old value or the new one, never a mix; files are created with mode 0600.
// Keys are 1..128 characters of [A-Za-z0-9._-], not starting with '.' (temporary files do), so a
// key can never name a path outside the directory. Nothing allocates after open().
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

#include "nexus/core/policies.hpp"
#include "nexus/pi/detail/posix.hpp"

namespace nexus::pi {

class file_storage {
public:
    static constexpr std::size_t max_key = 128;

    /// Uses directory `dir`, creating it (mode 0700) when `create` and it does not exist.
    /// not_found: no such directory (and not creating); io_failed: not a directory or not usable.
    static result<file_storage> open(std::string_view dir, bool create = true) {
        if (dir.empty() || dir.size() > 3000) return fail(error::invalid_argument);
        file_storage s;
        s.dir_.assign(dir);
        while (s.dir_.size() > 1 && s.dir_.back() == '/') s.dir_.pop_back();
        if (create && ::mkdir(s.dir_.c_str(), 0700) != 0 && errno != EEXIST) return fail(error::io_failed);
        struct stat st {};
        if (::stat(s.dir_.c_str(), &st) != 0)
            return fail(errno == ENOENT ? error::not_found : error::io_failed);
        if (!S_ISDIR(st.st_mode)) return fail(error::io_failed);
        return s;
    }

    result<void> store(std::string_view key, std::span<const std::uint8_t> value) noexcept {
        if (!valid_key(key)) return fail(error::invalid_argument);
        path final_path;
        path temp_path;
        if (!make_path(final_path, key, false) || !make_path(temp_path, key, true))
            return fail(error::invalid_argument);
        detail::unique_fd fd(
            ::open(temp_path.data(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd.valid()) return fail(error::io_failed);
        bool good = ::fchmod(fd.get(), 0600) == 0;  // whatever the file was or the umask is
        std::size_t done = 0;
        while (good && done < value.size()) {
            const ssize_t n = ::write(fd.get(), value.data() + done, value.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                good = false;
                break;
            }
            done += static_cast<std::size_t>(n);
        }
        good = good && ::fsync(fd.get()) == 0;
        fd.reset();
        if (!good || ::rename(temp_path.data(), final_path.data()) != 0) {
            (void)::unlink(temp_path.data());
            return fail(error::io_failed);
        }
        sync_dir();
        return ok();
    }

    /// The value's length; not_found when missing, buffer_too_small when longer than `out`.
    result<std::size_t> load(std::string_view key, std::span<std::uint8_t> out) noexcept {
        if (!valid_key(key)) return fail(error::invalid_argument);
        path p;
        if (!make_path(p, key, false)) return fail(error::invalid_argument);
        detail::unique_fd fd(::open(p.data(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd.valid()) return fail(errno == ENOENT ? error::not_found : error::io_failed);
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return fail(error::io_failed);
        const auto size = static_cast<std::size_t>(st.st_size);
        if (size > out.size()) return fail(error::buffer_too_small);
        std::size_t done = 0;
        while (done < size) {
            const ssize_t n = ::read(fd.get(), out.data() + done, size - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return fail(error::io_failed);
            done += static_cast<std::size_t>(n);
        }
        return done;
    }

    /// not_found when there is no such key.
    result<void> erase(std::string_view key) noexcept {
        if (!valid_key(key)) return fail(error::invalid_argument);
        path p;
        if (!make_path(p, key, false)) return fail(error::invalid_argument);
        if (::unlink(p.data()) != 0) return fail(errno == ENOENT ? error::not_found : error::io_failed);
        sync_dir();
        return ok();
    }

    const std::string& directory() const noexcept { return dir_; }

    static constexpr bool valid_key(std::string_view key) noexcept {
        if (key.empty() || key.size() > max_key || key.front() == '.') return false;
        for (const char c : key) {
            const bool okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                             c == '.' || c == '_' || c == '-';
            if (!okc) return false;
        }
        return true;
    }

private:
    using path = std::array<char, 4096>;

    file_storage() = default;

    // dir/key, or dir/.key.tmp-PID for the temporary file.
    bool make_path(path& out, std::string_view key, bool temp) const noexcept {
        const int n =
            temp ? std::snprintf(out.data(), out.size(), "%s/.%.*s.tmp-%ld", dir_.c_str(),
                                 static_cast<int>(key.size()), key.data(), static_cast<long>(::getpid()))
                 : std::snprintf(out.data(), out.size(), "%s/%.*s", dir_.c_str(),
                                 static_cast<int>(key.size()), key.data());
        return n > 0 && static_cast<std::size_t>(n) < out.size();
    }

    void sync_dir() const noexcept {
        detail::unique_fd d(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (d.valid()) (void)::fsync(d.get());
    }

    std::string dir_;
};

static_assert(nexus::storage<file_storage>);

}  // namespace nexus::pi
