// Tests of TIFF writing and reading: round trips, tags, atomic replacement and error messages.
#include "pygmy/tiff.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>
#include <tiffio.h>

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

std::string file_contents(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Reads one ASCII tag (or a 16-bit tag, as text) straight through libtiff.
struct Tags {
  std::string software;
  std::string description;
  std::string date_time;
  std::uint16_t compression = 0;
  std::uint16_t predictor = 0;
  std::uint16_t bits = 0;
  std::uint16_t orientation = 0;
  std::uint16_t planar = 0;
  std::uint32_t rows_per_strip = 0;
  float x_resolution = 0;
  float y_resolution = 0;
  std::uint16_t resolution_unit = 0;
};

Tags read_tags(const fs::path& file) {
  TIFF* tiff = TIFFOpen(file.c_str(), "r");
  if (tiff == nullptr) {
    throw std::runtime_error("cannot open " + file.string());
  }
  Tags tags;
  char* text = nullptr;
  if (TIFFGetField(tiff, TIFFTAG_SOFTWARE, &text) == 1) tags.software = text;
  if (TIFFGetField(tiff, TIFFTAG_IMAGEDESCRIPTION, &text) == 1) tags.description = text;
  if (TIFFGetField(tiff, TIFFTAG_DATETIME, &text) == 1) tags.date_time = text;
  TIFFGetFieldDefaulted(tiff, TIFFTAG_COMPRESSION, &tags.compression);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_PREDICTOR, &tags.predictor);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &tags.bits);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_ORIENTATION, &tags.orientation);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_PLANARCONFIG, &tags.planar);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_ROWSPERSTRIP, &tags.rows_per_strip);
  TIFFGetField(tiff, TIFFTAG_XRESOLUTION, &tags.x_resolution);
  TIFFGetField(tiff, TIFFTAG_YRESOLUTION, &tags.y_resolution);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_RESOLUTIONUNIT, &tags.resolution_unit);
  TIFFClose(tiff);
  return tags;
}

class TiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("pygmy_tiff_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
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

  // The names in the test directory, to prove nothing is left behind.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  fs::path dir_;
  std::string saved_epoch_;
};

using TiffDeathTest = TiffTest;

TEST_F(TiffTest, EightBitRoundTripIsExact) {
  const Image image = gradient(37, 23);
  write_tiff(dir_ / "out.tif", image);
  EXPECT_EQ(read_tiff(dir_ / "out.tif"), image);
}

TEST_F(TiffTest, DeflateRoundTripIsExactAndUsesThePredictor) {
  const Image image = gradient(64, 40);
  write_tiff(dir_ / "out.tif", image, {.compression = TiffOptions::Compression::deflate});
  EXPECT_EQ(read_tiff(dir_ / "out.tif"), image);
  const Tags tags = read_tags(dir_ / "out.tif");
  EXPECT_EQ(tags.compression, COMPRESSION_ADOBE_DEFLATE);
  EXPECT_EQ(tags.predictor, PREDICTOR_HORIZONTAL);
}

TEST_F(TiffTest, LzwRoundTripIsExactAndUsesThePredictor) {
  const Image image = gradient(64, 40);
  write_tiff(dir_ / "out.tif", image, {.compression = TiffOptions::Compression::lzw});
  EXPECT_EQ(read_tiff(dir_ / "out.tif"), image);
  const Tags tags = read_tags(dir_ / "out.tif");
  EXPECT_EQ(tags.compression, COMPRESSION_LZW);
  EXPECT_EQ(tags.predictor, PREDICTOR_HORIZONTAL);
}

TEST_F(TiffTest, SixteenBitRoundTripIsExact) {
  const Image image = gradient(30, 20);
  for (const auto compression : {TiffOptions::Compression::none, TiffOptions::Compression::deflate,
                                 TiffOptions::Compression::lzw}) {
    write_tiff(dir_ / "deep.tif", image, {.compression = compression, .bits_per_sample = 16});
    EXPECT_EQ(read_tiff(dir_ / "deep.tif"), image);
    EXPECT_EQ(read_tags(dir_ / "deep.tif").bits, 16);
  }
}

TEST_F(TiffTest, SixteenBitSamplesAreTheByteTimes257) {
  write_tiff(dir_ / "deep.tif", Image(1, 1, {255, 1, 0}), {.bits_per_sample = 16});
  TIFF* tiff = TIFFOpen((dir_ / "deep.tif").c_str(), "r");
  ASSERT_NE(tiff, nullptr);
  std::uint16_t samples[3] = {};
  ASSERT_EQ(TIFFReadScanline(tiff, samples, 0, 0), 1);
  TIFFClose(tiff);
  EXPECT_EQ(samples[0], 65535);
  EXPECT_EQ(samples[1], 257);
  EXPECT_EQ(samples[2], 0);
}

TEST_F(TiffTest, BigTiffIsChosenOnlyWhereClassicTiffMightNotHoldTheFile) {
  using Compression = TiffOptions::Compression;
  EXPECT_FALSE(uses_bigtiff(300, 200, {}));
  EXPECT_FALSE(uses_bigtiff(30000, 30000, {}));                      // 2.7 GB of pixels
  EXPECT_TRUE(uses_bigtiff(30000, 30000, {.bits_per_sample = 16}));  // 5.4 GB
  EXPECT_TRUE(uses_bigtiff(65536, 65536, {}));
  // 196608 bytes of pixels short of 4 GiB: too few for the strip tables and tags.
  EXPECT_TRUE(uses_bigtiff(65536, 21845, {}));
  EXPECT_FALSE(uses_bigtiff(65536, 21000, {}));
  // LZW may make incompressible pixels half as large again; deflate hardly any larger.
  EXPECT_FALSE(uses_bigtiff(35000, 35000, {}));
  EXPECT_TRUE(uses_bigtiff(35000, 35000, {.compression = Compression::lzw}));
  EXPECT_FALSE(uses_bigtiff(35000, 35000, {.compression = Compression::deflate}));
  EXPECT_TRUE(uses_bigtiff(37838, 37838, {.compression = Compression::deflate}));
  // Asked for.
  EXPECT_TRUE(uses_bigtiff(8, 8, {.variant = TiffOptions::Variant::big}));
  EXPECT_FALSE(uses_bigtiff(65536, 65536, {.variant = TiffOptions::Variant::classic}));
}

TEST_F(TiffTest, ABigTiffRoundTripsExactly) {
  const Image image = gradient(37, 23);
  for (const auto compression : {TiffOptions::Compression::none, TiffOptions::Compression::lzw}) {
    for (const int bits : {8, 16}) {
      write_tiff(dir_ / "big.tif", image,
                 {.compression = compression,
                  .bits_per_sample = bits,
                  .variant = TiffOptions::Variant::big});
      EXPECT_EQ(read_tiff(dir_ / "big.tif"), image) << bits;
      TIFF* tiff = TIFFOpen((dir_ / "big.tif").c_str(), "r");
      ASSERT_NE(tiff, nullptr);
      EXPECT_EQ(TIFFIsBigTIFF(tiff), 1);
      TIFFClose(tiff);
    }
  }
  write_tiff(dir_ / "classic.tif", image);
  TIFF* tiff = TIFFOpen((dir_ / "classic.tif").c_str(), "r");
  ASSERT_NE(tiff, nullptr);
  EXPECT_EQ(TIFFIsBigTIFF(tiff), 0);
  TIFFClose(tiff);
}

TEST_F(TiffTest, TagsDescribeTheImage) {
  write_tiff(dir_ / "out.tif", gradient(8, 8),
             {.software = "pygmy 0.1", .description = "scene pygmy, seed 1"});
  const Tags tags = read_tags(dir_ / "out.tif");
  EXPECT_EQ(tags.software, "pygmy 0.1");
  EXPECT_EQ(tags.description, "scene pygmy, seed 1");
  EXPECT_EQ(tags.compression, COMPRESSION_NONE);
  EXPECT_EQ(tags.bits, 8);
  EXPECT_EQ(tags.orientation, ORIENTATION_TOPLEFT);
  EXPECT_EQ(tags.planar, PLANARCONFIG_CONTIG);
  EXPECT_GE(tags.rows_per_strip, 1U);
}

TEST_F(TiffTest, TheResolutionIs72PixelsPerInchUnlessAskedOtherwise) {
  write_tiff(dir_ / "default.tif", gradient(4, 4));
  const Tags tags = read_tags(dir_ / "default.tif");
  EXPECT_EQ(tags.x_resolution, 72.0F);
  EXPECT_EQ(tags.y_resolution, 72.0F);
  EXPECT_EQ(tags.resolution_unit, RESUNIT_INCH);
  write_tiff(dir_ / "print.tif", gradient(4, 4), {.pixels_per_inch = 300});
  const Tags print = read_tags(dir_ / "print.tif");
  EXPECT_EQ(print.x_resolution, 300.0F);
  EXPECT_EQ(print.y_resolution, 300.0F);
}

TEST_F(TiffTest, AResolutionNotAboveZeroIsRejectedNamingTheFile) {
  for (const double resolution : {0.0, -72.0, std::nan("")}) {
    try {
      TiffOutput output(dir_ / "out.tif", {.pixels_per_inch = resolution});
      ADD_FAILURE() << "accepted " << resolution << " pixels per inch";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("out.tif: TIFF resolution must be above 0"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_TRUE(entries().empty());
}

TEST_F(TiffTest, DescribeSetsTheDescriptionCommitWrites) {
  TiffOutput output(dir_ / "out.tif", {.description = "before"});
  output.describe("scene pygmy, seed 2");
  output.commit(gradient(4, 4));
  EXPECT_EQ(read_tags(dir_ / "out.tif").description, "scene pygmy, seed 2");
}

TEST_F(TiffTest, DateTimeComesFromSourceDateEpoch) {
  ::setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  write_tiff(dir_ / "out.tif", gradient(4, 4));
  EXPECT_EQ(read_tags(dir_ / "out.tif").date_time, "2023:11:14 22:13:20");
}

TEST_F(TiffTest, DateTimeWithoutSourceDateEpochIsNow) {
  ::unsetenv("SOURCE_DATE_EPOCH");
  write_tiff(dir_ / "out.tif", gradient(4, 4));
  const std::string date_time = read_tags(dir_ / "out.tif").date_time;
  ASSERT_EQ(date_time.size(), 19U) << date_time;
  EXPECT_EQ(date_time[4], ':');
  EXPECT_EQ(date_time[10], ' ');
  EXPECT_GE(date_time.substr(0, 4), "2024");
}

TEST_F(TiffTest, MalformedSourceDateEpochIsAnError) {
  ::setenv("SOURCE_DATE_EPOCH", "yesterday", 1);
  EXPECT_THROW(write_tiff(dir_ / "out.tif", gradient(4, 4)), std::runtime_error);
  EXPECT_TRUE(entries().empty());
}

TEST_F(TiffTest, SourceDateEpochFromZeroToTheEndOfYear9999IsAccepted) {
  ::setenv("SOURCE_DATE_EPOCH", "253402300799", 1);
  EXPECT_EQ(source_date_epoch(), 253402300799);
  write_tiff(dir_ / "out.tif", gradient(4, 4));
  EXPECT_EQ(read_tags(dir_ / "out.tif").date_time, "9999:12:31 23:59:59");
  ::setenv("SOURCE_DATE_EPOCH", "0", 1);
  EXPECT_EQ(source_date_epoch(), 0);
  ::setenv("SOURCE_DATE_EPOCH", "", 1);
  EXPECT_EQ(source_date_epoch(), std::nullopt);
  ::unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_EQ(source_date_epoch(), std::nullopt);
}

TEST_F(TiffTest, SourceDateEpochOutOfRangeOrNotADecimalIntegerFailsBeforeAnyFileExists) {
  for (const std::string value : {"253402300800", "9223372036854775807", "99999999999999999999",
                                  "-1", "+1", " 1", "1 ", "0x10", "1e3", "1.5"}) {
    ::setenv("SOURCE_DATE_EPOCH", value.c_str(), 1);
    try {
      static_cast<void>(source_date_epoch());
      ADD_FAILURE() << "no error for '" << value << "'";
    } catch (const std::runtime_error& error) {
      EXPECT_EQ(std::string(error.what()).rfind("SOURCE_DATE_EPOCH: ", 0), 0U) << error.what();
      EXPECT_NE(std::string(error.what()).find("'" + value + "'"), std::string::npos)
          << error.what();
    }
    EXPECT_THROW(TiffOutput(dir_ / "out.tif"), std::runtime_error) << value;
    EXPECT_TRUE(entries().empty()) << value;
  }
}

TEST_F(TiffTest, SuccessfulWriteLeavesOnlyTheFinishedFile) {
  write_tiff(dir_ / "out.tif", gradient(4, 4));
  EXPECT_EQ(entries(), std::vector<std::string>{"out.tif"});
}

TEST_F(TiffTest, WriteReplacesAnExistingFile) {
  write_tiff(dir_ / "out.tif", gradient(4, 4));
  const Image second = gradient(5, 3);
  write_tiff(dir_ / "out.tif", second);
  EXPECT_EQ(read_tiff(dir_ / "out.tif"), second);
}

TEST_F(TiffTest, WritingIntoAMissingDirectoryThrowsNamingTheFileAndLeavesNothing) {
  const fs::path file = dir_ / "missing" / "out.tif";
  try {
    write_tiff(file, gradient(4, 4));
    FAIL() << "no error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(file.string()), std::string::npos) << error.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "missing"));
  EXPECT_TRUE(entries().empty());
}

TEST_F(TiffTest, AnOutputInAMissingDirectoryFailsBeforeAnyImageIsWritten) {
  const fs::path file = dir_ / "missing" / "out.tif";
  try {
    const TiffOutput output(file);
    FAIL() << "no error";
  } catch (const std::system_error& error) {
    EXPECT_EQ(std::string(error.what()).rfind(file.string() + ": ", 0), 0U) << error.what();
  }
  EXPECT_TRUE(entries().empty());
}

TEST_F(TiffTest, AnOutputHoldsOnlyATemporaryBesideTheFileUntilCommitted) {
  TiffOutput output(dir_ / "out.tif");
  EXPECT_EQ(output.temporary_path().parent_path(), dir_);
  ASSERT_EQ(entries(), std::vector<std::string>{output.temporary_path().filename().string()});
  const Image image = gradient(6, 5);
  output.commit(image);
  EXPECT_EQ(entries(), std::vector<std::string>{"out.tif"});
  EXPECT_EQ(read_tiff(dir_ / "out.tif"), image);
}

TEST_F(TiffTest, TheTemporaryIsAHiddenFileNamedAfterTheFileAndThisProcess) {
  const TiffOutput output(dir_ / "out.tif");
  EXPECT_EQ(output.temporary_path(),
            dir_ / (".out.tif.pygmy-" + std::to_string(::getpid()) + ".tmp"));
}

TEST_F(TiffTest, AFileNameOf255BytesHasAShorterTemporaryInTheSameDirectory) {
  const std::string name = std::string(251, 'n') + ".tif";
  TiffOutput output(dir_ / name);
  const std::string temporary = output.temporary_path().filename();
  EXPECT_EQ(output.temporary_path().parent_path(), dir_);
  EXPECT_LE(temporary.size(), 255U);
  EXPECT_EQ(temporary.rfind("." + name.substr(0, 200), 0), 0U) << temporary;
  EXPECT_NE(temporary.find(".pygmy-" + std::to_string(::getpid())), std::string::npos) << temporary;
  const Image image = gradient(4, 3);
  output.commit(image);
  EXPECT_EQ(entries(), std::vector<std::string>{name});
  EXPECT_EQ(read_tiff(dir_ / name), image);
}

TEST_F(TiffTest, TemporariesNoProcessHoldsAreRemovedButOnesInUseAndOtherFilesAreKept) {
  const std::string own = ".out.tif.pygmy-" + std::to_string(::getpid()) + ".tmp";
  // Left by a process that is gone, one of them by an earlier process with this very pid.
  std::ofstream(dir_ / ".out.tif.pygmy-4000001.tmp") << "abandoned";
  std::ofstream(dir_ / own) << "abandoned";
  // Being written: its writer holds a lock on it.
  std::ofstream(dir_ / ".out.tif.pygmy-4000002.tmp") << "in use";
  const int in_use = ::open((dir_ / ".out.tif.pygmy-4000002.tmp").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(in_use, 0);
  ASSERT_EQ(::flock(in_use, LOCK_EX), 0);
  // Another file's temporary, and names that only look like temporaries.
  std::ofstream(dir_ / ".other.tif.pygmy-4000001.tmp") << "other";
  std::ofstream(dir_ / ".out.tif.pygmy-x.tmp") << "other";
  std::ofstream(dir_ / "out.tif.pygmy-4000001.tmp") << "other";

  const TiffOutput output(dir_ / "out.tif");
  ::close(in_use);
  std::vector<std::string> left = entries();
  std::vector<std::string> kept = {".other.tif.pygmy-4000001.tmp", ".out.tif.pygmy-4000002.tmp",
                                   own, ".out.tif.pygmy-x.tmp", "out.tif.pygmy-4000001.tmp"};
  std::sort(left.begin(), left.end());
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(left, kept);
  EXPECT_EQ(output.temporary_path().filename(), own);
  EXPECT_EQ(fs::file_size(output.temporary_path()), 0U);
}

TEST_F(TiffTest, TwoOutputsOfOneFileInOneProcessHaveTemporariesOfTheirOwn) {
  TiffOutput first(dir_ / "out.tif");
  TiffOutput second(dir_ / "out.tif");
  EXPECT_NE(first.temporary_path(), second.temporary_path());
  first.commit(gradient(4, 4));
  second.commit(gradient(3, 2));
  EXPECT_EQ(entries(), std::vector<std::string>{"out.tif"});
  EXPECT_EQ(read_tiff(dir_ / "out.tif"), gradient(3, 2));
}

TEST_F(TiffTest, ASymbolicLinkIsWrittenThroughAndStaysALink) {
  fs::create_directory(dir_ / "images");
  std::ofstream(dir_ / "images" / "real.tif") << "old";
  fs::create_symlink("images/real.tif", dir_ / "link.tif");
  fs::create_symlink(dir_ / "images" / "new.tif", dir_ / "dangling.tif");
  {
    TiffOutput output(dir_ / "link.tif");
    EXPECT_EQ(output.temporary_path().parent_path(), dir_ / "images");
    output.commit(gradient(4, 3));
  }
  write_tiff(dir_ / "dangling.tif", gradient(5, 2));
  EXPECT_EQ(fs::read_symlink(dir_ / "link.tif"), "images/real.tif");
  EXPECT_EQ(fs::read_symlink(dir_ / "dangling.tif"), dir_ / "images" / "new.tif");
  EXPECT_EQ(read_tiff(dir_ / "images" / "real.tif"), gradient(4, 3));
  EXPECT_EQ(read_tiff(dir_ / "images" / "new.tif"), gradient(5, 2));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "images"), fs::directory_iterator()), 2);
}

TEST_F(TiffTest, ADeviceIsWrittenInPlaceWithNoTemporary) {
  // Root could replace /dev/null for the whole machine if this failed: it uses a node of its own.
  fs::path device = "/dev/null";
  if (::geteuid() == 0) {
    device = dir_ / "null";
    if (::mknod(device.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) {
      GTEST_SKIP() << "cannot make a device node: " << std::strerror(errno);
    }
  }
  TiffOutput output(device);
  EXPECT_TRUE(output.in_place());
  EXPECT_TRUE(output.temporary_path().empty());
  output.commit(gradient(4, 3));
  struct stat status {};
  ASSERT_EQ(::lstat(device.c_str(), &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode));
  EXPECT_FALSE(TiffOutput(dir_ / "out.tif").in_place());
}

TEST_F(TiffTest, ADirectoryAsTheFileIsRefusedAtOnce) {
  fs::create_directory(dir_ / "out.tif");
  EXPECT_THROW(TiffOutput(dir_ / "out.tif"), std::system_error);
  EXPECT_EQ(entries(), std::vector<std::string>{"out.tif"});
}

TEST_F(TiffTest, ReplacingAFileKeepsItsPermissionBitsAndOwner) {
  std::ofstream(dir_ / "out.tif") << "old";
  fs::permissions(dir_ / "out.tif", fs::perms(0604));
  // Root may give a file away, and keeps the owner of the file it replaces.
  const bool root = ::geteuid() == 0;
  if (root) {
    ASSERT_EQ(::chown((dir_ / "out.tif").c_str(), 65534, 65534), 0);
  }
  write_tiff(dir_ / "out.tif", gradient(4, 3));
  struct stat status {};
  ASSERT_EQ(::stat((dir_ / "out.tif").c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0604U);
  if (root) {
    EXPECT_EQ(status.st_uid, 65534U);
    EXPECT_EQ(status.st_gid, 65534U);
  }
  EXPECT_EQ(read_tiff(dir_ / "out.tif"), gradient(4, 3));
}

TEST_F(TiffTest, AReadOnlyFileIsNotReplacedEvenByRootOrThroughALink) {
  std::ofstream(dir_ / "out.tif") << "precious";
  fs::permissions(dir_ / "out.tif", fs::perms(0444));
  fs::create_symlink("out.tif", dir_ / "link.tif");
  for (const char* name : {"out.tif", "link.tif"}) {
    try {
      const TiffOutput output(dir_ / name);
      ADD_FAILURE() << name << ": no error";
    } catch (const std::system_error& error) {
      EXPECT_EQ(error.code(), std::errc::permission_denied);
      EXPECT_EQ(std::string(error.what()).rfind((dir_ / name).string() + ": ", 0), 0U)
          << error.what();
      EXPECT_NE(std::string(error.what()).find("read-only"), std::string::npos) << error.what();
    }
  }
  EXPECT_EQ(file_contents(dir_ / "out.tif"), "precious");
  EXPECT_EQ(entries().size(), 2U);
}

TEST_F(TiffTest, AnOutputNeverCommittedLeavesTheFileUntouchedAndNoTemporary) {
  std::ofstream(dir_ / "out.tif") << "precious";
  { const TiffOutput output(dir_ / "out.tif"); }
  EXPECT_EQ(entries(), std::vector<std::string>{"out.tif"});
  EXPECT_EQ(file_contents(dir_ / "out.tif"), "precious");
}

TEST_F(TiffTest, CommittingAnOutputTwiceIsALogicError) {
  TiffOutput output(dir_ / "out.tif");
  output.commit(gradient(4, 4));
  EXPECT_THROW(output.commit(gradient(4, 4)), std::logic_error);
  EXPECT_EQ(entries(), std::vector<std::string>{"out.tif"});
}

TEST_F(TiffTest, BitsOtherThan8Or16AreRejected) {
  EXPECT_THROW(write_tiff(dir_ / "out.tif", gradient(4, 4), {.bits_per_sample = 12}),
               std::invalid_argument);
  EXPECT_THROW(TiffOutput(dir_ / "out.tif", {.bits_per_sample = 12}), std::invalid_argument);
  EXPECT_TRUE(entries().empty());
}

// Runs in a death-test child: limits file sizes so that writing fails part way, as a full disk
// would, then exits 0 only if `file` still holds "precious" and nothing else is in `dir`. The
// child ran SetUp itself, so `dir` is its own: it removes it, for TearDown never runs there.
[[noreturn]] void fail_a_write_over(const fs::path& dir, const fs::path& file) {
  std::signal(SIGXFSZ, SIG_IGN);
  const rlimit limit{4096, 4096};
  ::setrlimit(RLIMIT_FSIZE, &limit);
  try {
    write_tiff(file, gradient(300, 200));
  } catch (const std::runtime_error&) {
    const bool untouched = file_contents(file) == "precious";
    const bool alone = std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1;
    fs::remove_all(dir);
    std::_Exit(untouched && alone ? 0 : 2);
  }
  fs::remove_all(dir);
  std::_Exit(3);
}

TEST_F(TiffDeathTest, FailedWriteLeavesTheExistingFileUntouchedAndNoTemporary) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const fs::path file = dir_ / "out.tif";
  std::ofstream(file) << "precious";
  EXPECT_EXIT(fail_a_write_over(dir_, file), ::testing::ExitedWithCode(0), "");
}

TEST_F(TiffTest, ReadingAMissingFileThrowsNamingIt) {
  const fs::path file = dir_ / "absent.tif";
  try {
    static_cast<void>(read_tiff(file));
    FAIL() << "no error";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()).rfind(file.string() + ": ", 0), 0U) << error.what();
  }
}

TEST_F(TiffTest, ReadingACorruptFileThrowsNamingIt) {
  const fs::path file = dir_ / "corrupt.tif";
  std::ofstream(file) << "II*\0 this is not really a TIFF file at all";
  try {
    static_cast<void>(read_tiff(file));
    FAIL() << "no error";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()).rfind(file.string() + ": ", 0), 0U) << error.what();
  }
}

TEST_F(TiffTest, ReadingATruncatedFileThrows) {
  const fs::path file = dir_ / "cut.tif";
  write_tiff(file, gradient(100, 100));
  fs::resize_file(file, fs::file_size(file) / 2);
  EXPECT_THROW(static_cast<void>(read_tiff(file)), std::runtime_error);
}

}  // namespace
}  // namespace pygmy
