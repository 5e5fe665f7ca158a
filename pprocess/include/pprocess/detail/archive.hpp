// How values become frame payloads and back: cereal's binary format, decoded by an archive that
// trusts no size it reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <span>
#include <streambuf>
#include <string>
#include <type_traits>
#include <vector>

#include <cereal/archives/binary.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/tuple.hpp>
#include <cereal/types/unordered_map.hpp>
#include <cereal/types/utility.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

namespace pprocess::detail {

/// Numbers that may travel as their raw bytes: every arithmetic type but bool, which a byte other
/// than 0 or 1 would make undefined.
template <class T>
concept RawNumber = std::is_arithmetic_v<T> && !std::is_same_v<std::remove_cv_t<T>, bool>;

/// Vectors of numbers and strings travel as one block of bytes, without an archive.
template <class T>
struct is_block : std::false_type {};
template <class A>
struct is_block<std::vector<A>> : std::bool_constant<RawNumber<A>> {};
template <>
struct is_block<std::string> : std::true_type {};

/// True when every type can be written with cereal's binary archive.
template <class... T>
inline constexpr bool serialisable =
    (cereal::traits::is_output_serializable<T, cereal::BinaryOutputArchive>::value && ...);

/// An output stream buffer that appends to a string (cereal writes through std::ostream).
class StringSink : public std::streambuf {
 public:
  explicit StringSink(std::string& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof()))
      out_.push_back(traits_type::to_char_type(c));
    return traits_type::not_eof(c);
  }

 private:
  std::string& out_;
};

/// Appends `value`, written with cereal's binary archive, to `out`.
template <class T>
void encode(const T& value, std::string& out) {
  static_assert(serialisable<T>,
                "pprocess: this type cannot cross a channel; give it a cereal serialize()");
  StringSink sink(out);
  std::ostream stream(&sink);
  cereal::BinaryOutputArchive archive(stream);
  archive(value);
}

/// Reads what cereal's BinaryOutputArchive wrote, from the bytes of one whole frame, believing no
/// count it reads: a container may not claim more elements than bytes remain, a block more bytes,
/// and a bool is 0 or 1. So a hostile frame costs at most about its own size in memory, and a
/// malformed one is a cereal::Exception, never undefined behaviour.
class FrameInputArchive
    : public cereal::InputArchive<FrameInputArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit FrameInputArchive(std::span<const char> bytes)
      : cereal::InputArchive<FrameInputArchive, cereal::AllowEmptyClassElision>(this),
        bytes_(bytes) {}

  void loadBinary(void* data, std::size_t size) {
    expect_bytes(size);
    if (size > 0) std::memcpy(data, bytes_.data() + used_, size);
    used_ += size;
  }

  /// Reads `count` bools, one byte each; any byte but 0 or 1 is refused before one is stored, so
  /// no bool ever holds another value (reading it would be undefined behaviour).
  void load_bools(bool* data, std::size_t count) {
    expect_bytes(count);
    const auto* bytes = reinterpret_cast<const unsigned char*>(bytes_.data() + used_);
    for (std::size_t i = 0; i < count; ++i) {
      if (bytes[i] > 1) throw cereal::Exception("a bool of value " + std::to_string(bytes[i]));
    }
    for (std::size_t i = 0; i < count; ++i) data[i] = bytes[i] == 1;
    used_ += count;
  }

  /// Bytes of the frame not read yet.
  [[nodiscard]] std::size_t remaining() const noexcept { return bytes_.size() - used_; }

  /// Throws unless `count` more bytes remain.
  void expect_bytes(std::uint64_t count) const {
    if (count > remaining()) {
      throw cereal::Exception("the value claims " + std::to_string(count) + " bytes where " +
                              std::to_string(remaining()) + " remain in the frame");
    }
  }

 private:
  std::span<const char> bytes_;
  std::size_t used_ = 0;
};

template <class T>
requires std::is_arithmetic_v<T>
void CEREAL_LOAD_FUNCTION_NAME(FrameInputArchive& archive, T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    archive.load_bools(&value, 1);
  } else {
    archive.loadBinary(&value, sizeof value);
  }
}

template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(FrameInputArchive& archive, cereal::NameValuePair<T>& pair) {
  archive(pair.value);
}

/// Every container's element count: each element takes at least a byte, except those of empty
/// types, which are not worth sending in their billions.
template <class T>
void CEREAL_SERIALIZE_FUNCTION_NAME(FrameInputArchive& archive, cereal::SizeTag<T>& tag) {
  archive(tag.size);
  archive.expect_bytes(static_cast<std::uint64_t>(tag.size));
}

/// Blocks of numbers; a block of bools (a std::array<bool, N>) is checked like a single bool.
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(FrameInputArchive& archive, cereal::BinaryData<T>& data) {
  if constexpr (std::is_same_v<std::remove_cv_t<std::remove_pointer_t<std::decay_t<T>>>, bool>) {
    archive.load_bools(static_cast<bool*>(data.data), static_cast<std::size_t>(data.size));
  } else {
    archive.loadBinary(data.data, static_cast<std::size_t>(data.size));
  }
}

/// Vectors grow as their elements are decoded, so a claimed size costs nothing until the bytes
/// for it are there; numbers are checked against the bytes left, then read as one block.
template <class T, class A>
requires(!std::is_same_v<T, bool>) void CEREAL_LOAD_FUNCTION_NAME(FrameInputArchive& archive,
                                                                  std::vector<T, A>& vector) {
  cereal::size_type size = 0;
  archive(cereal::make_size_tag(size));
  if constexpr (std::is_arithmetic_v<T>) {
    archive.expect_bytes(size * sizeof(T));
    vector.resize(static_cast<std::size_t>(size));
    archive.loadBinary(vector.data(), vector.size() * sizeof(T));
  } else {
    vector.clear();
    for (cereal::size_type i = 0; i < size; ++i) archive(vector.emplace_back());
  }
}

}  // namespace pprocess::detail

namespace cereal::traits::detail {
/// Minimal (enum) loads look up the output archive that wrote the value.
template <>
struct get_output_from_input<pprocess::detail::FrameInputArchive> {
  using type = cereal::BinaryOutputArchive;
};
}  // namespace cereal::traits::detail
