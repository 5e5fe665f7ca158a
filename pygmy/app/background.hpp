// A render in a background process (`pygmy render --background ADDRESS`) and its collection
// (`pygmy collect ADDRESS`): the messages the one sends the other, and the record a collected
// render leaves beside its address.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "pprocess/channel.hpp"
#include "pygmy/image.hpp"
#include "render_summary.hpp"

namespace pygmy::app {

// Rows rendered so far, sent as each band arrives.
struct BackgroundProgress {
  int done = 0;
  int total = 0;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(done, total);
  }
};

// The finished image, with the summary and the TIFF description of its render. One message,
// which a collect acknowledges only once it has written the image's file: a collect that fails
// or is interrupted before then leaves all of it to the next.
struct BackgroundImage {
  RenderSummary summary;
  std::string description;  // the TIFF's ImageDescription, as a render here writes it
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // width × height × 3, rows top to bottom

  template <class Archive>
  void serialize(Archive& archive) {
    archive(summary, description, width, height, pixels);
  }
};

// The last message, after the image: once a collect has it, the background process ends.
struct BackgroundEnd {
  template <class Archive>
  void serialize(Archive& /*archive*/) {}
};

// What a background render sends: progress, any number of times (the first, 0 rows done, as soon
// as it begins: `render --background` waits for it), then the image, then the end.
// A failed render sends an error instead (the collect receives pprocess::RemoteError).
using BackgroundMessage = std::variant<BackgroundProgress, BackgroundImage, BackgroundEnd>;

// The image message as the render sends it: the bytes of BackgroundMessage{BackgroundImage{...}},
// with the pixels read from the image in place rather than from a copy of them, so that sending
// holds one copy of the image fewer.
//   channel.send(BackgroundImageSent{summary, description, image});  // received as BackgroundImage
struct BackgroundImageSent {
  const RenderSummary& summary;
  const std::string& description;
  const Image& image;

  template <class Archive>
  void save(Archive& archive) const {
    static_assert(
        std::is_same_v<std::variant_alternative_t<1, BackgroundMessage>, BackgroundImage>);
    // As cereal writes the variant (the index of its alternative, then the value) and the
    // vector of bytes (its size, then the bytes).
    archive(std::int32_t{1});
    archive(summary, description, image.width(), image.height());
    const std::span<const std::uint8_t> pixels = image.pixels();
    archive(cereal::make_size_tag(static_cast<cereal::size_type>(pixels.size())));
    archive(cereal::binary_data(pixels.data(), pixels.size()));
  }
};

// The most bytes of pixels a background render may send: its image travels as one frame.
inline constexpr std::uint64_t kMostBackgroundImageBytes =
    pprocess::kMaxMessageBytes - (std::uint64_t{1} << 20);

// Why `text` cannot be the address of a background render (empty when it can): a UNIX socket
// path of 1 to 107 bytes. A CLI11 check.
//   collect->add_option("address", address)->check(address_problem);
[[nodiscard]] std::string address_problem(const std::string& text);

// "user 65534 (nobody)": a user as messages name one, by number and, when it has one, name.
//   std::string owner = user_named(status.st_uid);
[[nodiscard]] std::string user_named(uid_t uid);

// Where `pygmy collect` records that the render at `address` was collected: the file
// "ADDRESS.collected" beside the socket, holding the path of the TIFF it wrote. A new render at
// the address removes it.
//   std::filesystem::path marker = collected_marker("render.socket");  // render.socket.collected
[[nodiscard]] std::filesystem::path collected_marker(const std::string& address);

// Records that the render at `address` was collected into `output` ("-": standard output),
// atomically, as an image is
// written (see OutputFile), except that a symbolic link at the record's name is replaced, never
// followed. Throws std::system_error naming the record when it cannot be written; that only makes
// a later collect's message less precise.
//   record_collected("render.socket", "test.tif");
void record_collected(const std::string& address, const std::filesystem::path& output);

// The file the render at `address` was collected into, when it was; nullopt otherwise (a
// symbolic link or anything but a regular file at the record's name is no record). An empty
// string when a record is there but names no file (a disk that filled up while it was written).
//   if (auto into = collected_into("render.socket")) std::cerr << "already collected\n";
[[nodiscard]] std::optional<std::string> collected_into(const std::string& address);

}  // namespace pygmy::app
