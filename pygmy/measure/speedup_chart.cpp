// A chart of speedup against processes, as SVG: a panel per image, a line per scheduler, the
// ideal line, labelled axes and a caption. Drawn by `pygmy speedup --svg` and the bench report.
#include "pygmy/measure/speedup_chart.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <initializer_list>
#include <sstream>
#include <string_view>
#include <utility>

namespace pygmy::measure {

namespace {

// The sizes of the drawing, in pixels.
constexpr double kPanelWidth = 400;
constexpr double kPanelHeight = 300;
constexpr double kPlotLeft = 52;    // within a panel: room for the speedup axis
constexpr double kPlotRight = 16;   //
constexpr double kPlotTop = 30;     // room for the panel's title
constexpr double kPlotBottom = 44;  // room for the processes axis
constexpr double kTitleHeight = 34;
constexpr double kLegendWidth = 150;
constexpr double kCaptionLine = 16;
constexpr double kCaptionCharacter = 6.4;  // the width of a character of the caption, about
constexpr double kDodge = 5;               // how far apart the markers of lines that meet are moved

// Okabe and Ito's colours, which colour-blind readers tell apart too (their yellow left out: it
// fades on white).
constexpr std::array<std::string_view, 7> kColours{"#0072b2", "#d55e00", "#009e73", "#cc79a7",
                                                   "#e69f00", "#56b4e9", "#000000"};
constexpr int kShapes = 5;  // circle, square, triangle, diamond, inverted triangle

std::string escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A coordinate or value with at most one decimal.
std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  std::string out = text;
  if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) {
    out.resize(out.size() - 2);
  }
  return out == "-0" ? "0" : out;
}

// The step between ticks so that at most `most` of them cover [0, top]: 1, 2 or 5 times a power
// of ten, at least 1.
double tick_step(double top, int most) {
  for (double scale = 1;; scale *= 10) {
    for (const double step : {1.0, 2.0, 5.0}) {
      if (top / (step * scale) <= most) {
        return step * scale;
      }
    }
  }
}

// A marker of shape `shape` centred on (x, y).
std::string marker(int shape, double x, double y, std::string_view colour) {
  const std::string fill = "fill=\"" + std::string(colour) + "\" stroke=\"white\"";
  auto polygon = [&](std::initializer_list<std::pair<double, double>> corners) {
    std::string points;
    for (const auto& [dx, dy] : corners) {
      points += number(x + dx) + "," + number(y + dy) + " ";
    }
    points.pop_back();
    return "<polygon points=\"" + points + "\" " + fill + "/>";
  };
  switch (shape % kShapes) {
    case 0:
      return "<circle cx=\"" + number(x) + "\" cy=\"" + number(y) + "\" r=\"4.5\" " + fill + "/>";
    case 1:
      return "<rect x=\"" + number(x - 4) + "\" y=\"" + number(y - 4) +
             "\" width=\"8\" height=\"8\" " + fill + "/>";
    case 2:
      return polygon({{0, -5.5}, {5, 4}, {-5, 4}});
    case 3:
      return polygon({{0, -5.5}, {5.5, 0}, {0, 5.5}, {-5.5, 0}});
    default:
      return polygon({{0, 5.5}, {5, -4}, {-5, -4}});
  }
}

// Words of `text` in lines of at most `width` characters.
std::vector<std::string> wrapped(const std::string& text, std::size_t width) {
  std::vector<std::string> lines;
  std::istringstream words(text);
  std::string line;
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) {
    lines.push_back(line);
  }
  return lines;
}

// A line from (x1, y1) to (x2, y2), with `attributes` (its stroke).
std::string line_element(double x1, double y1, double x2, double y2, std::string_view attributes) {
  return "<line x1=\"" + number(x1) + "\" y1=\"" + number(y1) + "\" x2=\"" + number(x2) +
         "\" y2=\"" + number(y2) + "\" " + std::string(attributes) + "/>\n";
}

// `text` at (x, y), escaped, with `attributes`.
std::string text_element(double x, double y, std::string_view text,
                         std::string_view attributes = "") {
  return "<text x=\"" + number(x) + "\" y=\"" + number(y) + "\"" + (attributes.empty() ? "" : " ") +
         std::string(attributes) + ">" + escaped(text) + "</text>\n";
}

constexpr std::string_view kGrid = "stroke=\"#e4e4e4\"";
constexpr std::string_view kIdeal = "stroke=\"#888\" stroke-dasharray=\"6 4\"";
constexpr std::string_view kCapacityColour = "#555555";
constexpr std::string_view kCapacity =
    "stroke=\"#555555\" stroke-width=\"2\" stroke-dasharray=\"2 3\"";

// What every panel shares: its scales, and a style (colour and marker) for each line's name.
struct Layout {
  unsigned most_processes = 2;  // the right end of the processes axis, at least 2
  unsigned ideal_up_to = 2;     // where the ideal line stops: the CPUs, or the axis's end
  double x_step = 1;
  double y_step = 1;
  double y_top = 1;                // the top of the speedup axis, at least ideal_up_to
  std::vector<std::string> names;  // of the lines other than capacity
  bool capacity = false;           // whether a panel has a capacity line

  explicit Layout(const SpeedupChart& chart) {
    double most_speedup = 0;
    for (const SpeedupPanel& panel : chart.panels) {
      for (const SpeedupLine& line : panel.lines) {
        capacity = capacity || line.capacity;
        if (!line.capacity && std::find(names.begin(), names.end(), line.name) == names.end()) {
          names.push_back(line.name);
        }
        for (const SpeedupPoint& point : line.points) {
          most_processes = std::max(most_processes, point.processes);
          most_speedup = std::max(most_speedup, point.speedup);
          if (point.interval) most_speedup = std::max(most_speedup, point.interval->high);
        }
      }
    }
    ideal_up_to = std::clamp(chart.cpus.value_or(most_processes), 1U, most_processes);
    const double highest = std::max<double>(ideal_up_to, most_speedup);
    x_step = tick_step(most_processes, 10);
    y_step = tick_step(highest, 8);
    y_top = std::ceil(highest / y_step) * y_step;
  }

  [[nodiscard]] std::size_t style_of(const std::string& name) const {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  }
};

// One panel, its plot's top left corner at (left, top): grid, axes, the ideal line, the lines.
std::string panel_svg(const SpeedupPanel& panel, const Layout& layout, double left, double top) {
  const double width = kPanelWidth - kPlotLeft - kPlotRight;
  const double height = kPanelHeight - kPlotTop - kPlotBottom;
  const auto x = [&](double processes) {
    return left + (processes - 1) / (layout.most_processes - 1) * width;
  };
  const auto y = [&](double speedup) { return top + height - speedup / layout.y_top * height; };
  const double right = x(layout.most_processes);

  std::string svg =
      "<g>\n" + text_element(left, top - 10, panel.title, "font-size=\"13\" font-weight=\"bold\"");
  for (double s = 0; s <= layout.y_top + 1e-9; s += layout.y_step) {
    svg += line_element(left, y(s), right, y(s), kGrid) +
           text_element(left - 16, y(s) + 4, number(s), "text-anchor=\"end\"");
  }
  const double step = layout.x_step;
  for (double n = 1; n <= layout.most_processes + 1e-9; n = n == 1 && step > 1 ? step : n + step) {
    svg += line_element(x(n), y(0), x(n), y(layout.y_top), kGrid) +
           text_element(x(n), y(0) + 16, number(n), "text-anchor=\"middle\"");
  }
  svg += text_element(left + width / 2, y(0) + 34, "processes", "text-anchor=\"middle\"") +
         "<text transform=\"translate(" + number(left - 40) + " " + number(top + height / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">speedup over sequential</text>\n" +
         line_element(x(1), y(1), x(layout.ideal_up_to), y(layout.ideal_up_to), kIdeal) +
         "<path fill=\"none\" stroke=\"#444\" d=\"M" + number(left) + "," +
         number(y(layout.y_top)) + " V" + number(y(0)) + " H" + number(right) + "\"/>\n";

  for (std::size_t l = 0; l < panel.lines.size(); ++l) {
    const SpeedupLine& line = panel.lines[l];
    const std::size_t style = layout.style_of(line.name);
    const std::string_view colour =
        line.capacity ? kCapacityColour : kColours[style % kColours.size()];
    // Lines that meet would hide each other's markers: each line is set a little to the side.
    const double dodge =
        (static_cast<double>(l) - static_cast<double>(panel.lines.size() - 1) / 2) * kDodge;
    std::vector<SpeedupPoint> points = line.points;
    std::sort(points.begin(), points.end(), [](const SpeedupPoint& a, const SpeedupPoint& b) {
      return a.processes < b.processes;
    });
    std::string corners;
    std::string markers;
    std::string highs;  // the band of the intervals: along the tops, then back along the bottoms
    std::string lows;
    for (const SpeedupPoint& point : points) {
      const double px = x(point.processes) + (line.capacity ? 0 : dodge);
      if (!corners.empty()) corners += ' ';
      corners += number(px) + ',' + number(y(point.speedup));
      if (point.interval) {
        highs += number(px) + ',' + number(y(point.interval->high)) + ' ';
        lows = number(px) + ',' + number(y(point.interval->low)) + ' ' + lows;
      }
      if (!line.capacity) {
        markers += marker(static_cast<int>(style), px, y(point.speedup), colour) + "\n";
      }
    }
    if (!highs.empty()) {
      const std::string band = highs + lows;
      svg += "<polygon fill=\"" + std::string(colour) + "\" fill-opacity=\"0.15\" points=\"" +
             band.substr(0, band.size() - 1) + "\"><title>" + escaped(line.name) +
             ": 95% interval</title></polygon>\n";
    }
    svg += "<polyline fill=\"none\" " +
           (line.capacity ? std::string(kCapacity)
                          : "stroke=\"" + std::string(colour) + "\" stroke-width=\"2\"") +
           " points=\"" + corners + "\"><title>" + escaped(line.name) + "</title></polyline>\n" +
           markers;
  }
  return svg + "</g>\n";
}

// The key to the lines' styles and the ideal line, from (left, top) down.
std::string legend_svg(const Layout& layout, double left, double top) {
  std::string svg = "<g>\n";
  double y = top;
  for (std::size_t i = 0; i < layout.names.size(); ++i, y += 20) {
    const std::string colour(kColours[i % kColours.size()]);
    svg += line_element(left, y, left + 28, y, "stroke=\"" + colour + "\" stroke-width=\"2\"") +
           marker(static_cast<int>(i), left + 14, y, colour) + "\n" +
           text_element(left + 36, y + 4, layout.names[i]);
  }
  if (layout.capacity) {
    svg +=
        line_element(left, y, left + 28, y, kCapacity) + text_element(left + 36, y + 4, "capacity");
    y += 20;
  }
  return svg + line_element(left, y, left + 28, y, kIdeal) +
         text_element(left + 36, y + 4, "ideal") + "</g>\n";
}

}  // namespace

std::string speedup_svg(const SpeedupChart& chart) {
  const Layout layout(chart);
  const std::size_t columns = std::clamp<std::size_t>(chart.panels.size(), 1, 2);
  const std::size_t rows = std::max<std::size_t>(1, (chart.panels.size() + columns - 1) / columns);
  const double width = static_cast<double>(columns) * kPanelWidth + kLegendWidth;
  const double panels_bottom = kTitleHeight + static_cast<double>(rows) * kPanelHeight;
  const std::vector<std::string> caption = wrapped(
      chart.caption, static_cast<std::size_t>((width - kPlotLeft - 10) / kCaptionCharacter));
  const double height = panels_bottom + kCaptionLine * static_cast<double>(caption.size() + 1);

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(width) +
                    "\" height=\"" + number(height) + "\" viewBox=\"0 0 " + number(width) + " " +
                    number(height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n" +
                    "<title>" + escaped(chart.title) + "</title>\n" +
                    "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" +
                    text_element(kPlotLeft, 22, chart.title, "font-size=\"15\"");
  for (std::size_t p = 0; p < chart.panels.size(); ++p) {
    svg += panel_svg(chart.panels[p], layout,
                     static_cast<double>(p % columns) * kPanelWidth + kPlotLeft,
                     kTitleHeight + static_cast<double>(p / columns) * kPanelHeight + kPlotTop);
  }
  svg += legend_svg(layout, static_cast<double>(columns) * kPanelWidth + 10,
                    kTitleHeight + kPlotTop + 6);
  double caption_y = panels_bottom + kCaptionLine;
  for (const std::string& line : caption) {
    svg += text_element(kPlotLeft, caption_y, line, "font-size=\"11\" fill=\"#444\"");
    caption_y += kCaptionLine;
  }
  return svg + "</svg>\n";
}

}  // namespace pygmy::measure
