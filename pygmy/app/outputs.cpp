// The files a render leaves: the image and, when asked for, the worker map.
#include "outputs.hpp"

#include <cctype>
#include <filesystem>
#include <new>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "build_info.hpp"
#include "pygmy/output_file.hpp"
#include "worker_map.hpp"

namespace pygmy::app {

namespace {

// The worker map's options: deflate (its colours compress to little), described after the image.
TiffOptions map_options(const TiffOptions& image_options) {
  return {.compression = TiffOptions::Compression::deflate,
          .software = image_options.software,
          .description = "worker map: " + image_options.description,
          .pixels_per_inch = image_options.pixels_per_inch};
}

ImageFormat map_format(const OutputRequest& request) {
  return format_of_name(request.worker_map).value_or(ImageFormat::tiff);
}

// `options` with the command's own Software: every image names the build that wrote it.
TiffOptions stamped(TiffOptions options) {
  options.software = software();
  return options;
}

std::optional<ImageOutput> open_map(const OutputRequest& request) {
  if (request.worker_map.empty()) return std::nullopt;
  return std::optional<ImageOutput>(std::in_place, request.worker_map, map_format(request),
                                    map_options(stamped(request.image_options)));
}

// The name in lower case.
std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::vector<std::filesystem::path> temporaries_of(const ImageOutput& image,
                                                  const std::optional<ImageOutput>& map) {
  std::vector<std::filesystem::path> temporaries{image.temporary_path()};
  if (map) temporaries.push_back(map->temporary_path());
  return temporaries;
}

// Writes `image` to `output`. Only a rename needs the signals held: a device or FIFO is written
// in place, and Ctrl-C must still end a command whose FIFO nobody reads.
void commit_holding_signals(ImageOutput& output, const std::string& file, const Image& image) {
  std::optional<SignalsHeld> held;
  if (!output.in_place()) held.emplace();
  try {
    output.commit(image);
  } catch (const std::bad_alloc&) {
    throw std::runtime_error(file + ": not enough memory to write it");
  }
}

}  // namespace

std::optional<ImageFormat> format_of_name(const std::string& file) {
  const std::string extension = lower(std::filesystem::path(file).extension().string());
  if (extension.empty()) return std::nullopt;
  if (extension == ".tif" || extension == ".tiff") return ImageFormat::tiff;
  if (extension == ".png") return ImageFormat::png;
  throw std::invalid_argument("expected a name ending .tif or .tiff (TIFF) or .png (PNG), got '" +
                              file + "'");
}

std::string name_of(ImageFormat format) { return format == ImageFormat::png ? "png" : "tiff"; }

ImageOutput::ImageOutput(const std::filesystem::path& file, ImageFormat format,
                         const TiffOptions& options) {
  if (format == ImageFormat::png) {
    png_.emplace(file, PngOptions{.bits_per_sample = options.bits_per_sample,
                                  .software = options.software,
                                  .description = options.description,
                                  .pixels_per_inch = options.pixels_per_inch});
  } else {
    tiff_.emplace(file, options);
  }
}

const std::filesystem::path& ImageOutput::temporary_path() const {
  return png_ ? png_->temporary_path() : tiff_->temporary_path();
}

bool ImageOutput::in_place() const { return png_ ? png_->in_place() : tiff_->in_place(); }

void ImageOutput::describe(std::string description) {
  if (png_) {
    png_->describe(std::move(description));
  } else {
    tiff_->describe(std::move(description));
  }
}

void ImageOutput::commit(const Image& image) {
  if (png_) {
    png_->commit(image);
  } else {
    tiff_->commit(image);
  }
}

std::string description_of(const Scene& scene, const schedulers::Layout& layout) {
  std::ostringstream description;
  description << "scene=" << scene.name << " seed=" << scene.seed
              << " bands=" << layout.bands.size()
              << " band_rows=" << (layout.planned ? "planned" : std::to_string(layout.band_rows))
              << " processes=" << layout.processes << " scheduler=" << layout.scheduler->name;
  if (layout.scheduler->workers == schedulers::Workers::ranks) {
    description << " ranks=" << layout.ranks;
  }
  return description.str();
}

void Outputs::check(const OutputRequest& request) {
  OutputFile::check(request.image);
  if (!request.worker_map.empty()) {
    OutputFile::check(request.worker_map);
  }
}

Outputs::Outputs(const OutputRequest& request)
    : image_file_(request.image),
      map_file_(request.worker_map),
      image_(request.image, request.image_format, stamped(request.image_options)),
      map_(open_map(request)),
      remove_on_signal_(temporaries_of(image_, map_)) {}

void Outputs::write(const Image& image, const schedulers::RenderStats& stats) {
  commit_holding_signals(image_, image_file_, image);
  if (map_) {
    Image map = worker_map(image.width(), image.height(), stats.band_list, stats.band_worker);
    draw_legend(map, legend_of(stats));
    commit_holding_signals(*map_, map_file_, map);
  }
}

void Outputs::write(const Image& image) {
  if (map_) throw std::logic_error("Outputs::write: the worker map needs the render's stats");
  commit_holding_signals(image_, image_file_, image);
}

}  // namespace pygmy::app
