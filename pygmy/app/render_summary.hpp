// The one-line summary a finished render prints, whether it ran here (`pygmy render`) or in a
// background process (`pygmy collect`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pygmy/scene.hpp"
#include "pygmy/schedulers.hpp"

namespace pygmy::app {

// What the summary line reports of a render: the image, who rendered it and what it cost.
// A background render sends it to `pygmy collect` with the image (hence serialize).
//   RenderSummary summary{.scene = "pygmy", .width = 300, .height = 200, ...};
//   print_summary("test.tif", summary);
struct RenderSummary {
  std::string scene;           // the scene's name
  int width = 0;               // pixels
  int height = 0;              // pixels
  std::string scheduler;       // as on the command line
  unsigned processes = 0;      // processes (or threads) at once, as planned
  std::size_t bands = 0;       // bands the image was split into
  int band_rows = 0;           // rows in each band (the last may have fewer); planned: the most
  bool planned = false;        // bands planned by cost, of many sizes
  double seconds = 0;          // from the render's start to its end
  double cpu_seconds = 0;      // user and system, workers included
  std::size_t forks = 0;       // processes forked, every pass included
  std::size_t bands_done = 0;  // bands the image was rendered in (shared out among `workers`)
  std::size_t workers = 0;     // workers that rendered a band
  // The most processes the system allowed at once, when fewer than planned.
  std::optional<unsigned> processes_allowed{};
  // With the mpi scheduler: the bands each rank rendered, rank 0 first; else empty.
  std::vector<std::size_t> bands_per_rank{};
  // The tracer's segments (primary, shadow, reflected, occlusion), every worker's; 0 where not
  // counted (mpi).
  std::uint64_t segments = 0;
  // The CPUs the rendering process may use (pprocess::available_cpus()); 0 when unknown.
  unsigned cpus = 0;

  template <class Archive>
  void serialize(Archive& archive) {
    archive(scene, width, height, scheduler, processes, bands, band_rows, planned, seconds,
            cpu_seconds, forks, bands_done, workers, processes_allowed, bands_per_rank, segments,
            cpus);
  }
};

// The summary of a render of `scene` that `stats` describe, by this process (its CPUs).
//   RenderSummary summary = summary_of(scene, rendered.stats);
[[nodiscard]] RenderSummary summary_of(const Scene& scene, const schedulers::RenderStats& stats);

// Prints, on stderr, the warning of a render that ran with fewer processes than planned; then,
// unless `quiet`, the note of a render with more processes (or threads) than CPUs on stderr (see
// cpus_note) and the summary line on stdout (on stderr when the image went to standard output,
// `output` "-"):
// "pygmy: test.tif 300x200, scene pygmy, 2 processes (pool), 10 bands of 20 rows, 0.512 s, ...".
//   print_summary("test.tif", summary, options.quiet);
void print_summary(const std::string& output, const RenderSummary& summary, bool quiet);

// The note of a render whose processes (or threads) outnumber the CPUs it may use, empty
// otherwise (and for a scheduler without workers of its own, or MPI ranks):
// "note: -j 8 is more than the 2 CPUs this process may use; the processes share them".
//   std::string note = cpus_note(summary);
[[nodiscard]] std::string cpus_note(const RenderSummary& summary);

// Prints on stderr, unless `quiet`, the legend of the worker map `file` of a render that `stats`
// describe: a line per worker with its colour and what it rendered (see legend_line).
//   print_worker_legend("map.tif", rendered.stats, options.quiet);
void print_worker_legend(const std::string& file, const schedulers::RenderStats& stats, bool quiet);

}  // namespace pygmy::app
