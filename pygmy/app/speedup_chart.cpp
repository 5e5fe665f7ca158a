// A chart of speedup against processes, as SVG: a panel per image, a line per scheduler, the
// ideal line, labelled axes and a caption. Drawn by `pygmy speedup --svg` and the bench report.
#include "speedup_chart.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string_view>

namespace pygmy::app {

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

}  // namespace

std::string speedup_svg(const SpeedupChart& chart) {
  // Every panel on the same scales, and every name in the same style wherever it appears.
  unsigned most_processes = 2;
  double most_speedup = 0;
  std::vector<std::string> names;
  for (const SpeedupPanel& panel : chart.panels) {
    for (const SpeedupLine& line : panel.lines) {
      if (std::find(names.begin(), names.end(), line.name) == names.end()) {
        names.push_back(line.name);
      }
      for (const SpeedupPoint& point : line.points) {
        most_processes = std::max(most_processes, point.processes);
        most_speedup = std::max(most_speedup, point.speedup);
      }
    }
  }
  const double x_step = tick_step(most_processes, 10);
  const double y_step = tick_step(std::max<double>(most_processes, most_speedup), 8);
  const double y_top = std::ceil(std::max<double>(most_processes, most_speedup) / y_step) * y_step;
  const auto style_of = [&names](const std::string& name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };

  const std::size_t columns = std::clamp<std::size_t>(chart.panels.size(), 1, 2);
  const std::size_t rows = std::max<std::size_t>(1, (chart.panels.size() + columns - 1) / columns);
  const double width = static_cast<double>(columns) * kPanelWidth + kLegendWidth;
  const std::vector<std::string> caption = wrapped(
      chart.caption, static_cast<std::size_t>((width - kPlotLeft - 10) / kCaptionCharacter));
  const double height = kTitleHeight + static_cast<double>(rows) * kPanelHeight +
                        kCaptionLine * static_cast<double>(caption.size() + 1);

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << number(width) << "\" height=\""
      << number(height) << "\" viewBox=\"0 0 " << number(width) << " " << number(height)
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<title>" << escaped(chart.title) << "</title>\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << number(kPlotLeft) << "\" y=\"22\" font-size=\"15\">"
      << escaped(chart.title) << "</text>\n";

  for (std::size_t p = 0; p < chart.panels.size(); ++p) {
    const SpeedupPanel& panel = chart.panels[p];
    const double left = static_cast<double>(p % columns) * kPanelWidth + kPlotLeft;
    const double top = kTitleHeight + static_cast<double>(p / columns) * kPanelHeight + kPlotTop;
    const double plot_width = kPanelWidth - kPlotLeft - kPlotRight;
    const double plot_height = kPanelHeight - kPlotTop - kPlotBottom;
    const auto x = [&](double processes) {
      return left + (processes - 1) / (most_processes - 1) * plot_width;
    };
    const auto y = [&](double speedup) {
      return top + plot_height - speedup / y_top * plot_height;
    };

    svg << "<g>\n<text x=\"" << number(left) << "\" y=\"" << number(top - 10)
        << "\" font-size=\"13\" font-weight=\"bold\">" << escaped(panel.title) << "</text>\n";
    for (double s = 0; s <= y_top + 1e-9; s += y_step) {
      svg << "<line x1=\"" << number(x(1)) << "\" y1=\"" << number(y(s)) << "\" x2=\""
          << number(x(most_processes)) << "\" y2=\"" << number(y(s))
          << "\" stroke=\"#e4e4e4\"/>\n<text x=\"" << number(left - 16) << "\" y=\""
          << number(y(s) + 4) << "\" text-anchor=\"end\">" << number(s) << "</text>\n";
    }
    for (double n = 1; n <= most_processes + 1e-9; n = n == 1 && x_step > 1 ? x_step : n + x_step) {
      svg << "<line x1=\"" << number(x(n)) << "\" y1=\"" << number(y(0)) << "\" x2=\""
          << number(x(n)) << "\" y2=\"" << number(y(y_top)) << "\" stroke=\"#e4e4e4\"/>\n<text x=\""
          << number(x(n)) << "\" y=\"" << number(y(0) + 16) << "\" text-anchor=\"middle\">"
          << number(n) << "</text>\n";
    }
    svg << "<text x=\"" << number(left + plot_width / 2) << "\" y=\"" << number(y(0) + 34)
        << "\" text-anchor=\"middle\">processes</text>\n"
        << "<text transform=\"translate(" << number(left - 40) << " "
        << number(top + plot_height / 2)
        << ") rotate(-90)\" text-anchor=\"middle\">speedup over sequential</text>\n"
        << "<line x1=\"" << number(x(1)) << "\" y1=\"" << number(y(1)) << "\" x2=\""
        << number(x(most_processes)) << "\" y2=\"" << number(y(most_processes))
        << "\" stroke=\"#888\" stroke-dasharray=\"6 4\"/>\n"
        << "<path fill=\"none\" stroke=\"#444\" d=\"M" << number(x(1)) << "," << number(y(y_top))
        << " V" << number(y(0)) << " H" << number(x(most_processes)) << "\"/>\n";
    for (std::size_t l = 0; l < panel.lines.size(); ++l) {
      const SpeedupLine& line = panel.lines[l];
      const std::size_t style = style_of(line.name);
      const std::string_view colour = kColours[style % kColours.size()];
      const double dodge =
          (static_cast<double>(l) - static_cast<double>(panel.lines.size() - 1) / 2) * kDodge;
      std::vector<SpeedupPoint> points = line.points;
      std::sort(points.begin(), points.end(), [](const SpeedupPoint& a, const SpeedupPoint& b) {
        return a.processes < b.processes;
      });
      svg << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
      for (std::size_t i = 0; i < points.size(); ++i) {
        svg << (i == 0 ? "" : " ") << number(x(points[i].processes) + dodge) << ","
            << number(y(points[i].speedup));
      }
      svg << "\"><title>" << escaped(line.name) << "</title></polyline>\n";
      for (const SpeedupPoint& point : points) {
        svg << marker(static_cast<int>(style), x(point.processes) + dodge, y(point.speedup), colour)
            << "\n";
      }
    }
    svg << "</g>\n";
  }

  const double legend_x = static_cast<double>(columns) * kPanelWidth + 10;
  double legend_y = kTitleHeight + kPlotTop + 6;
  svg << "<g>\n";
  for (std::size_t i = 0; i < names.size(); ++i, legend_y += 20) {
    const std::string_view colour = kColours[i % kColours.size()];
    svg << "<line x1=\"" << number(legend_x) << "\" y1=\"" << number(legend_y) << "\" x2=\""
        << number(legend_x + 28) << "\" y2=\"" << number(legend_y) << "\" stroke=\"" << colour
        << "\" stroke-width=\"2\"/>\n"
        << marker(static_cast<int>(i), legend_x + 14, legend_y, colour) << "\n<text x=\""
        << number(legend_x + 36) << "\" y=\"" << number(legend_y + 4) << "\">" << escaped(names[i])
        << "</text>\n";
  }
  svg << "<line x1=\"" << number(legend_x) << "\" y1=\"" << number(legend_y) << "\" x2=\""
      << number(legend_x + 28) << "\" y2=\"" << number(legend_y)
      << "\" stroke=\"#888\" stroke-dasharray=\"6 4\"/>\n<text x=\"" << number(legend_x + 36)
      << "\" y=\"" << number(legend_y + 4) << "\">ideal</text>\n</g>\n";

  double caption_y = kTitleHeight + static_cast<double>(rows) * kPanelHeight + kCaptionLine;
  for (const std::string& line : caption) {
    svg << "<text x=\"" << number(kPlotLeft) << "\" y=\"" << number(caption_y)
        << "\" font-size=\"11\" fill=\"#444\">" << escaped(line) << "</text>\n";
    caption_y += kCaptionLine;
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace pygmy::app
