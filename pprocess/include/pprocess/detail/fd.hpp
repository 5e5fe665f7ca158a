// Fd: owns one descriptor and closes it; the member every pprocess handle is built on.
#pragma once

namespace pprocess::detail {

/// Owns one descriptor; closes it on destruction. Move-only.
///   Fd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
///   if (socket.get() < 0) throw_errno("socket");
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  ~Fd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] explicit operator bool() const noexcept { return fd_ >= 0; }
  /// Gives the descriptor up without closing it.
  [[nodiscard]] int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  /// Closes the descriptor (never retried: after EINTR it is already gone on Linux).
  void reset() noexcept;

 private:
  int fd_ = -1;
};

}  // namespace pprocess::detail
