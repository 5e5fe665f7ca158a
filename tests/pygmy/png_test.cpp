// Tests of PNG writing and reading: round trips, the texts and resolution, atomic replacement.
#include "pygmy/png.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>
#include <png.h>

#include "pygmy/tiff.hpp"

namespace pygmy {
namespace {

namespace fs = std::filesystem;

// A varied test picture: every byte value appears.
Image gradient(int width, int height) {
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width) * height * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    pixels[i] = static_cast<std::uint8_t>((i * 7 + i / 97) % 256);
  }
  return Image(width, height, std::move(pixels));
}

// A picture that hardly compresses: bytes from a linear congruential generator.
Image noise(int width, int height) {
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width) * height * 3);
  std::uint32_t state = 12345;
  for (std::uint8_t& byte : pixels) {
    state = state * 1664525U + 1013904223U;
    byte = static_cast<std::uint8_t>(state >> 24);
  }
  return Image(width, height, std::move(pixels));
}

// What libpng itself reads of a PNG: its header, texts, resolution and raw samples.
struct Decoded {
  png_uint_32 width = 0;
  png_uint_32 height = 0;
  int bits = 0;
  int colour = 0;
  std::map<std::string, std::string> texts;
  png_uint_32 x_pixels_per_unit = 0;
  png_uint_32 y_pixels_per_unit = 0;
  int unit = -1;
  std::vector<std::vector<png_byte>> rows;
};

struct FileClose {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

// Decodes `file` with libpng's simplest calls, which longjmp to here on an error.
bool decode_with_libpng(const fs::path& file, Decoded& out) {
  const std::unique_ptr<std::FILE, FileClose> in(std::fopen(file.c_str(), "rb"));
  if (!in) return false;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png)) != 0) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_init_io(png, in.get());
  png_read_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  png_get_IHDR(png, info, &out.width, &out.height, &out.bits, &out.colour, nullptr, nullptr,
               nullptr);
  png_textp texts = nullptr;
  const int count = png_get_text(png, info, &texts, nullptr);
  for (int i = 0; i < count; ++i) {
    out.texts[texts[i].key] = std::string(texts[i].text, texts[i].text_length);
  }
  png_get_pHYs(png, info, &out.x_pixels_per_unit, &out.y_pixels_per_unit, &out.unit);
  png_bytepp rows = png_get_rows(png, info);
  const std::size_t row_bytes = png_get_rowbytes(png, info);
  for (png_uint_32 y = 0; y < out.height; ++y) {
    out.rows.emplace_back(rows[y], rows[y] + row_bytes);
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

class PngTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("pygmy_png_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
      saved_epoch_ = epoch;
    }
  }
  void TearDown() override {
    fs::remove_all(dir_);
    if (saved_epoch_.empty()) {
      ::unsetenv("SOURCE_DATE_EPOCH");
    } else {
      ::setenv("SOURCE_DATE_EPOCH", saved_epoch_.c_str(), 1);
    }
  }

  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
  std::string saved_epoch_;
};

using PngDeathTest = PngTest;

TEST_F(PngTest, APngDecodesWithLibpngToThePixelsOfTheTiff) {
  const Image image = gradient(37, 23);
  write_png(dir_ / "out.png", image);
  write_tiff(dir_ / "out.tif", image);
  Decoded decoded;
  ASSERT_TRUE(decode_with_libpng(dir_ / "out.png", decoded));
  EXPECT_EQ(decoded.width, 37U);
  EXPECT_EQ(decoded.height, 23U);
  EXPECT_EQ(decoded.bits, 8);
  EXPECT_EQ(decoded.colour, PNG_COLOR_TYPE_RGB);
  const Image tiff = read_tiff(dir_ / "out.tif");
  ASSERT_EQ(decoded.rows.size(), 23U);
  for (int y = 0; y < 23; ++y) {
    const auto row = tiff.row(y);
    EXPECT_TRUE(std::equal(row.begin(), row.end(), decoded.rows[y].begin(), decoded.rows[y].end()))
        << "row " << y;
  }
  EXPECT_EQ(read_png(dir_ / "out.png"), image);
}

TEST_F(PngTest, SixteenBitSamplesAreTheByteTimes257BigEndian) {
  const Image image = gradient(9, 4);
  write_png(dir_ / "deep.png", image, {.bits_per_sample = 16});
  Decoded decoded;
  ASSERT_TRUE(decode_with_libpng(dir_ / "deep.png", decoded));
  EXPECT_EQ(decoded.bits, 16);
  for (int y = 0; y < 4; ++y) {
    const auto row = image.row(y);
    ASSERT_EQ(decoded.rows[y].size(), row.size() * 2);
    for (std::size_t i = 0; i < row.size(); ++i) {
      const unsigned value = (unsigned{decoded.rows[y][2 * i]} << 8) | decoded.rows[y][2 * i + 1];
      EXPECT_EQ(value, row[i] * 257U) << "row " << y << " sample " << i;
    }
  }
  EXPECT_EQ(read_png(dir_ / "deep.png"), image);
}

TEST_F(PngTest, TextsAndResolutionDescribeTheImage) {
  ::setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  PngOutput output(dir_ / "out.png", {.software = "pygmy 1.2.3", .description = "first"});
  output.describe("scene=pygmy seed=1");
  output.commit(gradient(4, 3));
  Decoded decoded;
  ASSERT_TRUE(decode_with_libpng(dir_ / "out.png", decoded));
  EXPECT_EQ(decoded.texts["Software"], "pygmy 1.2.3");
  EXPECT_EQ(decoded.texts["Description"], "scene=pygmy seed=1");
  EXPECT_EQ(decoded.texts["Creation Time"], "Tue, 14 Nov 2023 22:13:20 +0000");
  // 72 pixels per inch.
  EXPECT_EQ(decoded.unit, PNG_RESOLUTION_METER);
  EXPECT_EQ(decoded.x_pixels_per_unit, 2835U);
  EXPECT_EQ(decoded.y_pixels_per_unit, 2835U);
}

TEST_F(PngTest, AnEmptyDescriptionIsLeftOut) {
  write_png(dir_ / "out.png", gradient(2, 2));
  Decoded decoded;
  ASSERT_TRUE(decode_with_libpng(dir_ / "out.png", decoded));
  EXPECT_EQ(decoded.texts.count("Description"), 0U);
  EXPECT_EQ(decoded.texts.count("Creation Time"), 1U);
}

TEST_F(PngTest, ABadSourceDateEpochFailsBeforeAnyFileExists) {
  ::setenv("SOURCE_DATE_EPOCH", "soon", 1);
  EXPECT_THROW(PngOutput(dir_ / "out.png"), std::runtime_error);
  EXPECT_TRUE(entries().empty());
}

TEST_F(PngTest, AnOutputHoldsOnlyATemporaryBesideTheFileUntilCommitted) {
  std::ofstream(dir_ / "out.png") << "precious";
  PngOutput output(dir_ / "out.png");
  EXPECT_EQ(output.temporary_path().parent_path(), dir_);
  EXPECT_EQ(entries().size(), 2U);
  output.commit(gradient(6, 5));
  EXPECT_EQ(entries(), std::vector<std::string>{"out.png"});
  EXPECT_EQ(read_png(dir_ / "out.png"), gradient(6, 5));
}

TEST_F(PngTest, AnOutputNeverCommittedLeavesTheFileUntouchedAndNoTemporary) {
  std::ofstream(dir_ / "out.png") << "precious";
  { const PngOutput output(dir_ / "out.png"); }
  EXPECT_EQ(entries(), std::vector<std::string>{"out.png"});
}

TEST_F(PngTest, ADeviceIsWrittenInPlaceWithNoTemporary) {
  fs::path device = "/dev/null";
  if (::geteuid() == 0) {
    device = dir_ / "null";
    if (::mknod(device.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) {
      GTEST_SKIP() << "cannot make a device node: " << std::strerror(errno);
    }
  }
  PngOutput output(device);
  EXPECT_TRUE(output.in_place());
  EXPECT_TRUE(output.temporary_path().empty());
  output.commit(gradient(4, 3));
  struct stat status {};
  ASSERT_EQ(::lstat(device.c_str(), &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode));
}

TEST_F(PngTest, AFullDeviceIsAnErrorNamingTheFile) {
  fs::path full = "/dev/full";
  if (::geteuid() == 0) {
    full = dir_ / "full";
    if (::mknod(full.c_str(), S_IFCHR | 0666, ::makedev(1, 7)) != 0) {
      GTEST_SKIP() << "cannot make a device node: " << std::strerror(errno);
    }
  }
  try {
    write_png(full, gradient(40, 30));
    ADD_FAILURE() << "no error";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), std::errc::no_space_on_device);
    EXPECT_EQ(std::string(error.what()).rfind(full.string() + ": ", 0), 0U) << error.what();
  }
}

TEST_F(PngTest, CommittingAnOutputTwiceIsALogicError) {
  PngOutput output(dir_ / "out.png");
  output.commit(gradient(4, 4));
  EXPECT_THROW(output.commit(gradient(4, 4)), std::logic_error);
}

TEST_F(PngTest, BitsOtherThan8Or16AreRejected) {
  EXPECT_THROW(PngOutput(dir_ / "out.png", {.bits_per_sample = 12}), std::invalid_argument);
  EXPECT_TRUE(entries().empty());
}

TEST_F(PngTest, ReadingAMissingACorruptOrATiffFileThrowsNamingIt) {
  std::ofstream(dir_ / "corrupt.png") << "\x89PNG\r\n\x1a\nnot really";
  write_tiff(dir_ / "image.tif", gradient(3, 3));
  for (const char* name : {"missing.png", "corrupt.png", "image.tif"}) {
    try {
      static_cast<void>(read_png(dir_ / name));
      ADD_FAILURE() << name << ": no error";
    } catch (const std::runtime_error& error) {
      EXPECT_NE(std::string(error.what()).find((dir_ / name).string()), std::string::npos)
          << error.what();
    }
  }
}

// Runs in a death-test child: limits file sizes so that writing fails part way, as a full disk
// would, then exits 0 only if `file` still holds "precious" and nothing else is in `dir`.
[[noreturn]] void fail_a_write_over(const fs::path& dir, const fs::path& file) {
  std::signal(SIGXFSZ, SIG_IGN);
  const rlimit limit{4096, 4096};
  ::setrlimit(RLIMIT_FSIZE, &limit);
  try {
    write_png(file, noise(300, 200));
  } catch (const std::runtime_error&) {
    std::ifstream in(file);
    std::string text;
    std::getline(in, text);
    const bool untouched = text == "precious";
    const bool alone = std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1;
    fs::remove_all(dir);
    std::_Exit(untouched && alone ? 0 : 2);
  }
  fs::remove_all(dir);
  std::_Exit(3);
}

TEST_F(PngDeathTest, AFailedWriteLeavesTheExistingFileUntouchedAndNoTemporary) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const fs::path file = dir_ / "out.png";
  std::ofstream(file) << "precious";
  EXPECT_EXIT(fail_a_write_over(dir_, file), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace pygmy
