// The Linux side of the nexus policies (include/nexus/core/policies.hpp) and a small poll(2)
// loop to drive interfaces with:
// - monotonic_ms() and linux_clock (nexus::monotonic_clock): CLOCK_MONOTONIC in milliseconds;
// - urandom_source (nexus::random_source): the kernel CSPRNG through getrandom(2);
// - file_storage (nexus::storage), from file_storage.hpp;
// - basic_event_loop<MaxFds> / event_loop: register descriptors with callbacks, run_once(timeout).
//
// A node loop, per iteration: run_once(min(node.next_deadline() - now, cap)); each interface's
// callback does iface.receive_all([&](auto frame) { node.receive(id, frame, now, ...); }); then
// the node's outputs (id, bytes) go to ifaces[id].send(bytes).
#pragma once

#include <poll.h>
#include <sys/random.h>
#include <time.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

#include "nexus/core/policies.hpp"
#include "nexus/core/time.hpp"
#include "nexus/pi/detail/posix.hpp"
#include "nexus/pi/file_storage.hpp"

namespace nexus::pi {

/// Milliseconds of CLOCK_MONOTONIC (since boot, never jumps with the wall clock).
inline std::uint64_t monotonic_ms() noexcept {
    timespec ts{};
    (void)::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000u +
           static_cast<std::uint64_t>(ts.tv_nsec) / 1'000'000u;
}

/// nexus::monotonic_clock on CLOCK_MONOTONIC.
class linux_clock {
public:
    timestamp now() const noexcept { return timestamp::from_ms(monotonic_ms()); }
};
static_assert(nexus::monotonic_clock<linux_clock>);

/// nexus::random_source from the kernel CSPRNG (getrandom(2), blocking only until the pool is
/// first initialised at boot). Fit for key generation. If the kernel cannot deliver random bytes
/// (no getrandom and no /dev/urandom) the process aborts rather than return weak keys.
class urandom_source {
public:
    void fill(std::span<std::uint8_t> out) noexcept {
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
            if (n > 0) {
                done += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (!fill_from_device(out.subspan(done))) std::abort();
            return;
        }
    }

private:
    static bool fill_from_device(std::span<std::uint8_t> out) noexcept {
        detail::unique_fd fd(::open("/dev/urandom", O_RDONLY | O_CLOEXEC));
        if (!fd.valid()) return false;
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    }
};
static_assert(nexus::random_source<urandom_source>);

/// A poll(2) loop over at most MaxFds descriptors, each with a callback `void(short revents)`.
///
/// Callbacks are stored in place (no heap): they must be trivially copyable and at most
/// callback_size bytes -- a lambda capturing references or pointers, e.g.
/// `[&](short) { (void)udp.receive_all(deliver); }`. Callbacks may add, remove or change
/// registrations (their own too); a descriptor added during run_once is first polled on the next.
template <std::size_t MaxFds = 32>
class basic_event_loop {
public:
    static constexpr std::size_t callback_size = 48;

    /// Registers `fd` for `events` (POLLIN, POLLOUT, ...). invalid_argument: fd < 0 or already
    /// registered; full: MaxFds registrations.
    template <class F>
    result<void> add(int fd, short events, F callback) noexcept {
        static_assert(std::is_trivially_copyable_v<F>, "capture by reference or pointer");
        static_assert(sizeof(F) <= callback_size && alignof(F) <= alignof(std::max_align_t),
                      "callback too big");
        static_assert(std::is_invocable_v<F&, short>, "callback signature: void(short revents)");
        if (fd < 0 || find(fd) != nullptr) return fail(error::invalid_argument);
        if (count_ == MaxFds && !dispatching_) compact();
        if (count_ == MaxFds) return fail(error::full);
        entry& e = entries_[count_++];
        e.fd = fd;
        e.events = events;
        ::new (static_cast<void*>(e.storage.data())) F(callback);
        e.invoke = [](void* storage, short revents) { (*std::launder(static_cast<F*>(storage)))(revents); };
        return ok();
    }

    /// not_found when `fd` is not registered.
    result<void> remove(int fd) noexcept {
        entry* e = find(fd);
        if (e == nullptr) return fail(error::not_found);
        e->fd = -1;
        e->invoke = nullptr;
        if (!dispatching_) compact();
        return ok();
    }

    /// Changes the events polled for `fd` (e.g. add POLLOUT while an interface wants_write()).
    result<void> set_events(int fd, short events) noexcept {
        entry* e = find(fd);
        if (e == nullptr) return fail(error::not_found);
        e->events = events;
        return ok();
    }

    bool contains(int fd) const noexcept { return index_of(fd) != count_; }
    std::size_t size() const noexcept {
        std::size_t n = 0;
        for (std::size_t i = 0; i < count_; ++i) n += entries_[i].fd >= 0 ? 1 : 0;
        return n;
    }

    /// Waits up to timeout_ms (-1: forever, 0: just look) and runs the callback of every
    /// descriptor with events; returns how many ran (0 on timeout or a signal). io_failed when
    /// poll itself fails. POLLHUP/POLLERR/POLLNVAL are passed on to the callback.
    result<int> run_once(int timeout_ms) noexcept {
        compact();
        std::array<pollfd, MaxFds> fds{};
        const std::size_t n = count_;
        for (std::size_t i = 0; i < n; ++i) fds[i] = pollfd{entries_[i].fd, entries_[i].events, 0};
        const int rc = ::poll(fds.data(), static_cast<nfds_t>(n), timeout_ms);
        if (rc < 0) {
            if (errno == EINTR) return 0;
            return fail(error::io_failed);
        }
        int ran = 0;
        dispatching_ = true;
        for (std::size_t i = 0; i < n && rc > 0; ++i) {
            entry& e = entries_[i];
            // Skip entries removed (or replaced) by an earlier callback in this round.
            if (fds[i].revents == 0 || e.fd != fds[i].fd || e.invoke == nullptr) continue;
            e.invoke(e.storage.data(), fds[i].revents);
            ++ran;
        }
        dispatching_ = false;
        compact();
        return ran;
    }

private:
    struct entry {
        int fd = -1;
        short events = 0;
        void (*invoke)(void*, short) = nullptr;
        alignas(std::max_align_t) std::array<unsigned char, callback_size> storage{};
    };

    std::size_t index_of(int fd) const noexcept {
        if (fd < 0) return count_;
        for (std::size_t i = 0; i < count_; ++i)
            if (entries_[i].fd == fd) return i;
        return count_;
    }
    entry* find(int fd) noexcept {
        const std::size_t i = index_of(fd);
        return i == count_ ? nullptr : &entries_[i];
    }

    void compact() noexcept {
        std::size_t out = 0;
        for (std::size_t i = 0; i < count_; ++i) {
            if (entries_[i].fd < 0) continue;
            if (out != i) entries_[out] = entries_[i];  // trivially copyable callbacks: bytes suffice
            ++out;
        }
        count_ = out;
    }

    std::array<entry, MaxFds> entries_{};
    std::size_t count_ = 0;
    bool dispatching_ = false;
};

using event_loop = basic_event_loop<>;

}  // namespace nexus::pi
