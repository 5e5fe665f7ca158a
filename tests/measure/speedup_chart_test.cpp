// The speedup chart: a line per scheduler in each panel, labelled axes, escaped text, and markers
// that do not hide each other.
#include "pygmy/measure/speedup_chart.hpp"

#include <cstddef>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace pygmy::measure {
namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

SpeedupChart two_panels() {
  const std::vector<SpeedupLine> lines{{"pool", {{1, 0.95}, {2, 1.9}}},
                                       {"exchange", {{1, 0.9}, {2, 1.7}}},
                                       {"threads", {{1, 1.0}, {2, 1.95}}}};
  return {.title = "Speedup",
          .panels = {{"300x200", lines}, {"1500x1000", lines}},
          .caption = "AMD EPYC, 2 physical cores, 2 available CPUs; 2026-12-02T12:00:00Z"};
}

TEST(SpeedupChartTest, IsAnSvgDocumentWithAPolylinePerLineInEveryPanel) {
  const std::string svg = speedup_svg(two_panels());
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0U);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count_of(svg, "<polyline"), 6U);
  EXPECT_EQ(count_of(svg, "<svg"), 1U);
}

TEST(SpeedupChartTest, LabelsItsAxesTheIdealLineEachPanelAndTheCaption) {
  const std::string svg = speedup_svg(two_panels());
  EXPECT_EQ(count_of(svg, ">processes</text>"), 2U);
  EXPECT_EQ(count_of(svg, ">speedup over sequential</text>"), 2U);
  EXPECT_EQ(count_of(svg, ">ideal</text>"), 1U);
  EXPECT_EQ(count_of(svg, "stroke-dasharray"), 3U);  // the ideal line of each panel, and its key
  EXPECT_NE(svg.find(">1500x1000</text>"), std::string::npos);
  EXPECT_NE(svg.find("2026-12-02T12:00:00Z"), std::string::npos);
  for (const std::string name : {"pool", "exchange", "threads"}) {
    EXPECT_EQ(count_of(svg, ">" + name + "</text>"), 1U) << name << ": once in the legend";
  }
}

TEST(SpeedupChartTest, TextIsEscapedForXml) {
  const SpeedupChart chart{
      .title = "a < b & c", .panels = {{"\"quoted\"", {{"<script>", {{1, 1}}}}}}, .caption = "R&D"};
  const std::string svg = speedup_svg(chart);
  EXPECT_NE(svg.find("a &lt; b &amp; c"), std::string::npos);
  EXPECT_NE(svg.find("&quot;quoted&quot;"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("R&amp;D"), std::string::npos);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
}

TEST(SpeedupChartTest, LinesThatMeetHaveMarkersOfOtherShapesSetApart) {
  // Two schedulers with the same speedups: their markers must not cover each other.
  const SpeedupChart chart{
      .title = "t", .panels = {{"p", {{"first", {{1, 1}, {2, 2}}}, {"second", {{1, 1}, {2, 2}}}}}}};
  const std::string svg = speedup_svg(chart);
  std::smatch circle;
  std::smatch square;
  ASSERT_TRUE(std::regex_search(svg, circle, std::regex(R"re(<circle cx="([0-9.]+)")re")));
  ASSERT_TRUE(std::regex_search(svg, square,
                                std::regex(R"re(<rect x="([0-9.]+)" y="[0-9.]+" width="8")re")));
  EXPECT_GE(std::stod(square[1]) + 4 - std::stod(circle[1]), 4.0);
}

TEST(SpeedupChartTest, ALongCaptionIsWrappedOntoLinesThatFit) {
  SpeedupChart chart = two_panels();
  chart.caption = std::string(300, 'x').replace(100, 1, " ").replace(200, 1, " ");
  const std::string svg = speedup_svg(chart);
  EXPECT_EQ(count_of(svg, "font-size=\"11\""), 3U);
}

}  // namespace
}  // namespace pygmy::measure
