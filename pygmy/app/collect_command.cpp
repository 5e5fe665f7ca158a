// `pygmy collect`: collects a render started with `pygmy render --background`, writing its image.
#include "collect_command.hpp"

#include <poll.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

#include "background.hpp"
#include "command_line.hpp"
#include "outputs.hpp"
#include "pprocess/error.hpp"
#include "pprocess/persistent.hpp"
#include "progress.hpp"
#include "pygmy/image.hpp"
#include "pygmy/tiff.hpp"
#include "render_summary.hpp"
#include "signals.hpp"

namespace pygmy::app {

namespace {

// How long a collect that has written its image waits for the background process to end.
constexpr std::chrono::seconds kEndWait{10};

std::string quoted(const std::string& address) { return "'" + address + "'"; }

// "the render at 'ADDRESS' was already collected, into FILE", when its record says so.
std::optional<std::string> collected_problem(const std::string& address) {
  const std::optional<std::string> into = collected_into(address);
  if (!into) {
    return std::nullopt;
  }
  const std::string collected = "the render at " + quoted(address) + " was already collected";
  if (into->empty()) {
    return collected + " (its record " + quoted(collected_marker(address)) +
           " is empty: the file it went into is not known)";
  }
  return collected + ", into " + *into;
}

// Why there is no render to collect at `address` any more: collected, or ended some other way
// without delivering its image.
std::string ended_problem(const std::string& address) {
  return collected_problem(address).value_or("the render at " + quoted(address) +
                                             " ended without delivering its image");
}

// Why connecting to `address` found no render, from connect_persistent's error.
std::string connect_problem(const std::string& address, const std::system_error& error) {
  if (error.code() == std::errc::no_such_file_or_directory) {
    return collected_problem(address).value_or(
        "nothing renders at " + quoted(address) +
        ": no background render was started there ('pygmy render --background " + address + "')");
  }
  struct stat there {};
  if (::lstat(address.c_str(), &there) != 0) {
    return error.what();
  }
  if (!S_ISSOCK(there.st_mode)) {
    return quoted(address) + " is not a render's socket but " + kind_of(there.st_mode);
  }
  if (there.st_uid != ::geteuid()) {
    return quoted(address) + " is the socket of " + user_named(there.st_uid) +
           ", not a render of yours";
  }
  if (error.code() == std::errc::connection_refused) {
    return "the render at " + quoted(address) +
           " was killed before it delivered its image: its socket is there, but no process "
           "listens on it (render it again)";
  }
  return error.what();
}

// A connection to the background render at `address`; std::runtime_error saying why there is
// none.
pprocess::Channel connect_to_render(const std::string& address) {
  try {
    return pprocess::connect_persistent(address);
  } catch (const std::system_error& e) {
    throw std::runtime_error(connect_problem(address, e));
  } catch (const pprocess::ChannelClosed&) {
    throw std::runtime_error(ended_problem(address));  // it was ending as we connected
  } catch (const pprocess::ProtocolError& e) {
    throw std::runtime_error(quoted(address) + " is not a pygmy background render: " + e.what());
  }
}

// Waits until the render has a message for us (or has gone). Signals are not held meanwhile:
// Ctrl-C ends the command here, and the render keeps every message it has not delivered. The
// socket tells it all: the render sends a message only once the previous one was acknowledged,
// so the channel never holds a whole message read ahead.
void wait_for_message(const pprocess::Channel& render) {
  pollfd watched{render.fileno(), POLLIN, 0};
  while (::poll(&watched, 1, -1) < 0) {
    if (errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "poll");
    }
  }
}

// A message of the render, received so that its image is written before the render learns that
// it arrived. A channel acknowledges a value only once it has decoded it, so the image is written
// (and the collect recorded) while it is decoded: a collect that cannot write it (a full disk,
// -o /dev/full) or that is killed meanwhile never acknowledges it, and the render keeps it for
// the next collect. Its bytes are those of a BackgroundMessage, which the render sends.
//   WrittenBeforeReceipt received([&](BackgroundImage& image) { write(image); });
//   render.receive_into(received);
class WrittenBeforeReceipt {
 public:
  using Writer = std::function<void(BackgroundImage&)>;

  explicit WrittenBeforeReceipt(Writer write) : write_(std::move(write)) {}

  template <class Archive>
  void load(Archive& archive) {
    archive(message_);
    if (auto* image = std::get_if<BackgroundImage>(&message_)) {
      try {
        write_(*image);
      } catch (...) {
        // The channel reports a failed decode as its own error: the writer's is the one to show.
        failure_ = std::current_exception();
        throw;
      }
    }
  }

  [[nodiscard]] BackgroundMessage& message() { return message_; }
  // What the writer threw, when it failed; null otherwise.
  [[nodiscard]] std::exception_ptr failure() const { return failure_; }

 private:
  Writer write_;
  BackgroundMessage message_;
  std::exception_ptr failure_;
};

// Receives the render's next message into `received` (an image is written there, see
// WrittenBeforeReceipt); std::runtime_error saying why there is none, or the writer's error.
void receive_from(pprocess::Channel& render, const std::string& address,
                  WrittenBeforeReceipt& received) {
  try {
    render.receive_into(received);
  } catch (const pprocess::RemoteError& e) {
    throw std::runtime_error("the render at " + quoted(address) + " failed: " + e.type_name() +
                             ": " + e.message());
  } catch (const pprocess::ChannelClosed&) {
    throw std::runtime_error(ended_problem(address));
  } catch (const pprocess::ProtocolError&) {
    if (received.failure()) std::rethrow_exception(received.failure());
    throw;
  }
}

// Waits (a while) for the render to end once it has delivered everything: it removes its
// socket first, so nothing of it is left when the command returns.
void wait_until_gone(pprocess::Channel& render) {
  try {
    static_cast<void>(render.receive<BackgroundMessage>(kEndWait));
  } catch (const pprocess::Error&) {
    // End-of-file, as expected (or, past the wait, the command returns all the same).
  }
}

}  // namespace

CLI::App* add_collect_command(CLI::App& app, CollectOptions& options) {
  CLI::App* collect = app.add_subcommand(
      "collect", "Collect a background render: show its progress, then write its image");
  collect
      ->add_option("address", options.address,
                   "The UNIX socket path given to 'pygmy render --background'")
      ->required()
      ->check(address_problem);
  collect
      ->add_option("-o,--output", options.output,
                   "Image file to write: .tif or .tiff for TIFF, .png for PNG; - for standard "
                   "output (a pipe), in the format --format names, TIFF by default")
      ->capture_default_str()
      ->check(image_output_problem);
  collect
      ->add_option("--format", options.format,
                   "The image's format: tiff or png (default: the one -o's extension names; "
                   "TIFF for a name without one, such as -)")
      ->check(CLI::IsMember({"tiff", "png"}));
  collect->add_option("--compression", options.compression, "TIFF compression (PNG has its own)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "deflate", "lzw"}));
  collect->add_option("--bits", options.bits, "Bits per sample (TIFF or PNG)")
      ->capture_default_str()
      ->check(CLI::IsMember({8, 16}))
      ->transform(decimal());
  collect->add_flag("-q,--quiet", options.quiet, "No progress bar and no summary line");
  collect->footer(
      "Examples:\n"
      "  pygmy render scenes/showcase.json --background r.socket\n"
      "  pygmy collect r.socket                    waits for it, then writes test.tif\n"
      "  pygmy collect r.socket -o big.tif --compression deflate\n"
      "Progress: a bar on stderr when it is a terminal, from the rows the render has done.\n"
      "Ctrl-C (or another signal) ends this command, not the render: a later collect resumes.\n"
      "The render keeps its image until a collect has written it: one that cannot (a full disk)\n"
      "leaves it to the next.\n"
      "Output: as 'pygmy render' writes it (a temporary beside it, renamed), with the render's\n"
      "summary line. Then ADDRESS.collected records where the image went, and the render ends,\n"
      "removing its socket; a new render at ADDRESS removes the record.\n"
      "Exit status: 0 written; 1 nothing to collect (none started at ADDRESS, already collected,\n"
      "killed, failed) or a file error; 2 usage error.");
  return collect;
}

int run_collect(const CollectOptions& options) {
  try {
    static_cast<void>(source_date_epoch());
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  const ImageFormat format = image_format_for(options.output, options.format, options.compression);
  check_standard_output("-o", options.output);
  pprocess::Channel render = connect_to_render(options.address);
  // Opened before anything is received: an unusable output fails while the render still has
  // its image for a later collect.
  Outputs output({.image = options.output,
                  .image_format = format,
                  .image_options = {.compression = compression_named(options.compression),
                                    .bits_per_sample = options.bits,
                                    .software = "pygmy " PYGMY_VERSION}});
  ProgressBar bar(!options.quiet);
  const auto write_image = [&](BackgroundImage& image) {
    bar.clear();
    output.describe(std::move(image.description));
    try {
      output.write(Image(image.width, image.height, std::move(image.pixels)));
    } catch (const std::bad_alloc&) {
      throw std::runtime_error(options.output + ": not enough memory to write it");
    }
    try {
      record_collected(options.address, options.output);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pygmy: warning: the collect is not recorded: %s\n", e.what());
    }
  };
  for (;;) {
    wait_for_message(render);
    // From here until the image is written, the render recorded as collected and the end
    // received, a signal waits (a device or FIFO, written in place, may wait for a reader:
    // Ctrl-C must still end the command there).
    std::optional<SignalsHeld> held;
    if (!output.image_in_place()) {
      held.emplace();
    }
    WrittenBeforeReceipt received(write_image);
    receive_from(render, options.address, received);
    BackgroundMessage& message = received.message();
    if (const auto* progress = std::get_if<BackgroundProgress>(&message)) {
      bar.update(progress->done, progress->total);
      continue;
    }
    const auto* image = std::get_if<BackgroundImage>(&message);
    if (image == nullptr) {
      // The end without the image: an earlier collect wrote it.
      throw std::runtime_error(collected_problem(options.address)
                                   .value_or("the render at " + quoted(options.address) +
                                             " was already collected, by a collect that could "
                                             "not record where it wrote the image"));
    }
    static_cast<void>(render.receive<BackgroundMessage>());  // the end: the render may go
    held.reset();
    wait_until_gone(render);
    print_summary(options.output, image->summary, options.quiet);
    return 0;
  }
}

}  // namespace pygmy::app
