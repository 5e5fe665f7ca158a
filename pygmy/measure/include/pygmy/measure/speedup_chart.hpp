// A chart of speedup against processes, as SVG: a panel per image, a line per scheduler, the
// ideal line, labelled axes and a caption. Drawn by `pygmy speedup --svg` and the bench report.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pygmy/measure/statistics.hpp"

namespace pygmy::measure {

// One measured speedup: how many times faster than the sequential render, with `processes`.
struct SpeedupPoint {
  unsigned processes = 1;
  double speedup = 0;
  std::optional<Interval> interval{};  // its 95% interval, drawn as a band round the line
};

// The speedups of one scheduler, drawn as a line through its points.
struct SpeedupLine {
  std::string name{};  // the scheduler, in the legend
  std::vector<SpeedupPoint> points{};
  // The machine's capacity (what a compute-bound loop gains), drawn grey and dotted, beside the
  // ideal line: the ceiling the schedulers' lines are measured against.
  bool capacity = false;
};

// The lines measured on one image (or one scene).
struct SpeedupPanel {
  std::string title{};  // above the panel: "1500x1000", say
  std::vector<SpeedupLine> lines{};
};

// What speedup_svg() draws.
//   SpeedupChart chart{.title = "Speedup of the built-in scene",
//                      .panels = {{"300x200", {{"pool", {{1, 0.98}, {2, 1.9}}}}}},
//                      .caption = "AMD EPYC 7B13, 2 physical cores; 2026-12-02"};
struct SpeedupChart {
  std::string title{};
  std::vector<SpeedupPanel> panels{};
  std::string caption{};  // below the panels: the machine, the date, the commit
  // The CPUs there are: the ideal line (as many times as processes) stops there, for no more
  // can run at once. Unset: it runs to the last point.
  std::optional<unsigned> cpus{};
};

// `chart` as an SVG document: the panels two to a row on the same scales, processes across and
// speedup up; each line in a colour and marker shape of its own (the same for its name in every
// panel), the markers of lines that meet moved a few pixels apart so that none hides another,
// its points' intervals a pale band round it; the capacity grey and dotted; the ideal speedup
// (as many times as processes, up to the CPUs) dashed; one legend. Text is escaped for XML.
//   std::ofstream("speedup.svg") << speedup_svg(chart);
[[nodiscard]] std::string speedup_svg(const SpeedupChart& chart);

}  // namespace pygmy::measure
