// `pygmy render --scheduler mpi`: one render spread over the ranks of an MPI job (docs/cluster.md).
#include "mpi_render.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "command_line.hpp"
#include "memory.hpp"
#include "mpi_bands.hpp"
#include "progress.hpp"
#include "pygmy/scene_file.hpp"
#include "resource_usage.hpp"
#include "signals.hpp"
#include "worker_map.hpp"

namespace pygmy::app {

namespace {

// What rank 0 sends to every rank before the bands: the scene as its file's text (nothing for the
// built-in scene), the size and seed asked for, and the band rows settled on. Each rank builds
// the same Scene from it with the same code, so no rank needs the file, and no second
// description of every shape and light has to be kept in step with the scene format.
struct Job {
  std::string source;                 // the scene file's name as given; empty: the built-in scene
  std::string text;                   // the file's JSON
  std::string size;                   // --size, "WxH"; empty: the scene's own
  std::optional<std::uint64_t> seed;  // --seed; unset: the scene's own
  int band_rows = 1;
};

std::string encode(const Job& job) {
  nlohmann::json json{{"source", job.source},
                      {"text", job.text},
                      {"size", job.size},
                      {"seed", nullptr},
                      {"band_rows", job.band_rows}};
  if (job.seed) json["seed"] = *job.seed;
  return json.dump();
}

Job decode(const std::string& message) {
  const nlohmann::json json = nlohmann::json::parse(message);
  Job job{json.at("source").get<std::string>(), json.at("text").get<std::string>(),
          json.at("size").get<std::string>(), std::nullopt, json.at("band_rows").get<int>()};
  if (!json.at("seed").is_null()) job.seed = json.at("seed").get<std::uint64_t>();
  return job;
}

// The scene `job` describes.
Scene scene_of(const Job& job) {
  Scene scene = job.source.empty() ? builtin_scene() : parse_scene(job.text, job.source);
  if (!job.size.empty()) {
    const auto [width, height] = parse_size(job.size).value();
    scene = with_size(std::move(scene), width, height);
  }
  if (job.seed) scene = with_seed(std::move(scene), *job.seed);
  return scene;
}

// The rows of each band when --band-rows is not given: about 16 bands for every rank, so that the
// last bands, handed out as ranks free up, finish close together; each band is one message.
int default_band_rows(const Scene& scene, int ranks) {
  const int bands = std::max(ranks, 1) * 16;
  return std::clamp((scene.height + bands - 1) / bands, 1,
                    std::min(scene.height, schedulers::most_band_rows(scene.width)));
}

// A fault for the tests, PYGMY_MPI_KILL_AT=RANK:BAND: rank RANK kills itself as it starts its
// BAND-th band (1, 2, ...).
std::optional<int> kill_at(int rank) {
  const char* text = std::getenv("PYGMY_MPI_KILL_AT");
  int at_rank = -1;
  int band = 0;
  if (text == nullptr || std::sscanf(text, "%d:%d", &at_rank, &band) != 2 || at_rank != rank) {
    return std::nullopt;
  }
  return band;
}

double cpu_seconds() { return resource_usage().cpu_seconds; }

// "bands per rank 11 10 11".
std::string bands_per_rank(const std::vector<int>& band_rank, int ranks) {
  std::vector<int> counts(static_cast<std::size_t>(ranks), 0);
  for (int rank : band_rank) ++counts[static_cast<std::size_t>(rank)];
  std::string text = "bands per rank";
  for (int count : counts) text += " " + std::to_string(count);
  return text;
}

// Finds out before rendering whether `file` can be written, as TiffOutput would: makes its
// temporary and removes it again. A device or FIFO is left alone (opening a FIFO would hand its
// reader an empty file); it is opened when the image is done.
void check_writable(const std::string& file, const TiffOptions& options) {
  std::error_code ignored;
  const std::filesystem::file_status status = std::filesystem::status(file, ignored);
  if (std::filesystem::is_fifo(status) || std::filesystem::is_character_file(status) ||
      std::filesystem::is_block_file(status)) {
    return;
  }
  const TiffOutput probe(file, options);
}

// Rank 0's render once the job is sent: gathers the bands, writes the files, prints the summary.
// The temporaries are made only once every band is in. While bands travel, Open MPI may end this
// process without running any handler (a rank that died, mpirun gone), which would leave a
// temporary behind; once they are in, only a signal can, and RemoveOnSignal removes it.
void render_and_write(const mpi::Session& session, const RenderOptions& options, const Scene& scene,
                      const std::vector<Band>& bands, int band_rows,
                      const TiffOptions& output_options, const TiffOptions& map_options) {
  ProgressBar bar(!options.quiet && ProgressBar::stderr_is_terminal());
  const double cpu_before = cpu_seconds();
  const auto started = std::chrono::steady_clock::now();
  Image image(scene.width, scene.height);
  const std::vector<int> band_rank = mpi::gather_bands(
      session, {.scene = scene, .bands = bands, .jobs = options.jobs, .kill_at = kill_at(0)}, image,
      [&bar](int done, int total) { bar.update(done, total); });
  const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
  const double cpu = session.sum_on_rank_zero(cpu_seconds() - cpu_before);
  bar.clear();

  TiffOutput output(options.output, output_options);
  std::optional<TiffOutput> map_output;
  if (!options.worker_map.empty()) map_output.emplace(options.worker_map, map_options);
  std::vector<std::filesystem::path> temporaries{output.temporary_path()};
  if (map_output) temporaries.push_back(map_output->temporary_path());
  const RemoveOnSignal remove_on_signal(std::move(temporaries));
  commit_holding_signals(output, image);
  if (map_output) {
    commit_holding_signals(*map_output, worker_map(scene.width, scene.height, bands, band_rank));
  }
  if (!options.quiet) {
    std::printf(
        "pygmy: %s %dx%d, scene %s, %s of %s (mpi), %s of %d rows, %.3f s, CPU %.3f s, %s\n",
        options.output.c_str(), scene.width, scene.height, scene.name.c_str(),
        count_of(static_cast<std::size_t>(session.ranks()), "rank", "ranks").c_str(),
        count_of(options.jobs, "process", "processes").c_str(),
        count_of(bands.size(), "band", "bands").c_str(), band_rows, seconds.count(), cpu,
        bands_per_rank(band_rank, session.ranks()).c_str());
  }
}

int run_rank_zero(const mpi::Session& session, const RenderOptions& options) {
  Job job;
  std::string message;
  Scene scene;
  TiffOptions output_options;
  TiffOptions map_options;
  // Until the job is sent, a failure is told to the other ranks by sending them nothing: they
  // end, and this rank reports it as a render without MPI would.
  try {
    check_before_rendering(options);
    if (options.band_timeout) {
      throw UsageError(
          "--band-timeout: not used by --scheduler mpi, where a rank that dies "
          "ends the job (see docs/cluster.md)");
    }
    job.source = options.scene_file;
    if (!options.scene_file.empty()) job.text = read_scene_text(options.scene_file);
    job.size = options.size;
    job.seed = options.seed;
    scene = scene_of(job);
    job.band_rows =
        std::clamp(options.band_rows.value_or(default_band_rows(scene, session.ranks())), 1,
                   std::min(scene.height, schedulers::most_band_rows(scene.width)));
    const int copies = options.worker_map.empty() ? 1 : 2;
    if (const std::string problem =
            memory_problem(scene.width, scene.height, copies, memory_limits());
        !problem.empty()) {
      throw std::runtime_error(problem);
    }
    std::ostringstream description;
    description << "scene=" << scene.name << " seed=" << scene.seed
                << " bands=" << split_rows(scene.height, job.band_rows).size()
                << " band_rows=" << job.band_rows << " processes=" << options.jobs
                << " scheduler=mpi ranks=" << session.ranks();
    output_options = {.compression = compression_named(options.compression),
                      .bits_per_sample = options.bits,
                      .software = "pygmy " PYGMY_VERSION,
                      .description = description.str()};
    check_writable(options.output, output_options);
    if (!options.worker_map.empty()) {
      map_options = {.compression = TiffOptions::Compression::deflate,
                     .software = "pygmy " PYGMY_VERSION,
                     .description = "worker map (ranks): " + description.str()};
      check_writable(options.worker_map, map_options);
    }
    message = encode(job);
  } catch (...) {
    static_cast<void>(session.broadcast(std::nullopt));
    throw;
  }
  static_cast<void>(session.broadcast(std::move(message)));
  // From here the other ranks wait on this one: a failure must end the job, not this rank alone.
  try {
    render_and_write(session, options, scene, split_rows(scene.height, job.band_rows),
                     job.band_rows, output_options, map_options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pygmy: error: %s\n", e.what());
    session.abort(kRenderError);
  }
  return 0;
}

int run_other_rank(const mpi::Session& session, const RenderOptions& options) {
  const std::optional<std::string> message = session.broadcast(std::nullopt);
  // Rank 0 failed before the render: it says why, and its exit status is the job's.
  if (!message) return 0;
  try {
    const Job job = decode(*message);
    const Scene scene = scene_of(job);
    const std::vector<Band> bands = split_rows(scene.height, job.band_rows);
    const double cpu_before = cpu_seconds();
    mpi::render_bands(
        {.scene = scene, .bands = bands, .jobs = options.jobs, .kill_at = kill_at(session.rank())});
    static_cast<void>(session.sum_on_rank_zero(cpu_seconds() - cpu_before));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pygmy: rank %d: error: %s\n", session.rank(), e.what());
    session.abort(kRenderError);
  }
  return 0;
}

}  // namespace

int run_mpi_render(const RenderOptions& options) {
  const mpi::Session session;
  return session.rank() == 0 ? run_rank_zero(session, options) : run_other_rank(session, options);
}

}  // namespace pygmy::app
