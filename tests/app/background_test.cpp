// The messages of a background render: what the render sends is what a collect receives.
#include "background.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "pprocess/detail/archive.hpp"
#include "pygmy/image.hpp"

namespace pygmy::app {
namespace {

TEST(BackgroundMessageTest, TheImageSentInPlaceHasTheBytesOfABackgroundImageMessage) {
  std::vector<std::uint8_t> pixels(5 * 3 * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7);
  const Image image(5, 3, pixels);
  RenderSummary summary;
  summary.scene = "pygmy";
  summary.width = 5;
  summary.height = 3;
  summary.processes = 2;
  const std::string description = "scene=pygmy seed=1";

  std::string sent;
  pprocess::detail::encode(BackgroundImageSent{summary, description, image}, sent);
  std::string copied;
  pprocess::detail::encode(BackgroundMessage{BackgroundImage{.summary = summary,
                                                             .description = description,
                                                             .width = 5,
                                                             .height = 3,
                                                             .pixels = pixels}},
                           copied);
  EXPECT_EQ(sent, copied);

  BackgroundMessage received;
  pprocess::detail::FrameInputArchive archive(sent);
  archive(received);
  EXPECT_EQ(archive.remaining(), 0U);
  const auto* got = std::get_if<BackgroundImage>(&received);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->pixels, pixels);
  EXPECT_EQ(got->description, description);
  EXPECT_EQ(got->width, 5);
  EXPECT_EQ(got->height, 3);
  EXPECT_EQ(got->summary.processes, 2U);
}

}  // namespace
}  // namespace pygmy::app
