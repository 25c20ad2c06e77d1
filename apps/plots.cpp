#include "apps/plots.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace recgrad::plots {

namespace {

// gnuplot strings are single-quoted: a quote inside is doubled.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string header(const Labels& labels, const std::filesystem::path& path) {
  std::ostringstream gp;
  gp << "set terminal pngcairo size 720,440 font 'DejaVu Sans,10'\n"
     << "set output " << quoted(path.string()) << "\n"
     << "set title " << quoted(labels.title) << " noenhanced\n"
     << "set xlabel " << quoted(labels.xlabel) << " noenhanced\n"
     << "set ylabel " << quoted(labels.ylabel) << " noenhanced\n";
  if (labels.log_y) gp << "set logscale y\n";
  return gp.str();
}

// Runs a gnuplot script and reads back the PNG it wrote.
Image render(const std::string& script, const std::filesystem::path& path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  const std::filesystem::path script_path = path.string() + ".gp";
  {
    std::ofstream out(script_path);
    if (!out) throw std::runtime_error(script_path.string() + ": cannot write the plot script");
    out << script;
  }
  const std::string cmd = "gnuplot " + quoted(script_path.string()) + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("plots: cannot start gnuplot");
  std::string messages;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe)) messages += buf;
  const int status = pclose(pipe);
  if (status != 0)
    throw std::runtime_error("plots: gnuplot failed for " + path.string() +
                             (messages.find("not found") != std::string::npos || status == 127 << 8
                                  ? " (is gnuplot installed? apt-get install gnuplot-nox)"
                                  : "") +
                             ":\n" + messages);
  std::filesystem::remove(script_path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": gnuplot wrote no image");
  return Image{path, std::string(std::istreambuf_iterator<char>(in), {})};
}

}  // namespace

std::string Image::base64() const {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < png.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(png[i]) << 16 | static_cast<unsigned char>(png[i + 1]) << 8 |
                       static_cast<unsigned char>(png[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += table[(v >> s) & 63];
  }
  if (i < png.size()) {  // one or two bytes left: pad with '='
    unsigned v = static_cast<unsigned char>(png[i]) << 16;
    if (i + 1 < png.size()) v |= static_cast<unsigned char>(png[i + 1]) << 8;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < png.size() ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Image line_plot(const std::vector<Series>& series, const Labels& labels, const std::filesystem::path& path) {
  std::ostringstream gp;
  gp << header(labels, path) << "set key below noenhanced\nset grid\n";  // under the axes: it never hides data
  for (std::size_t s = 0; s < series.size(); ++s) {
    if (series[s].x.size() != series[s].y.size())
      throw std::invalid_argument("line_plot: series '" + series[s].name + "' has " +
                                  std::to_string(series[s].x.size()) + " x and " + std::to_string(series[s].y.size()) +
                                  " y values");
    gp << "$S" << s << " << EOD\n";
    for (std::size_t i = 0; i < series[s].x.size(); ++i) gp << series[s].x[i] << ' ' << series[s].y[i] << '\n';
    gp << "EOD\n";
  }
  gp << "plot ";
  for (std::size_t s = 0; s < series.size(); ++s)
    gp << (s ? ", " : "") << "$S" << s << " using 1:2 with linespoints pt 7 ps 0.5 lw 2 title "
       << quoted(series[s].name);
  gp << '\n';
  return render(gp.str(), path);
}

// The axes, palette and data block of one (R, C) map, then its plot command; `name` names the data block.
static std::string heatmap_panel(const Tensor& m, const std::string& name) {
  if (m.dim() != 2) throw std::invalid_argument("heatmap: expects a (R, C) tensor, got " + m.str());
  const std::int64_t R = m.size(0), C = m.size(1);
  const auto v = m.to(DType::f64).to_vector<double>();
  std::ostringstream gp;
  gp << "set yrange [" << R - 0.5 << ":-0.5]\nset xrange [-0.5:" << C - 0.5
     << "]\nset palette defined (0 'white', 1 '#3b6fb6', 2 '#08306b')\nset size ratio -1\n$" << name << " << EOD\n";
  for (std::int64_t r = 0; r < R; ++r) {
    for (std::int64_t c = 0; c < C; ++c) gp << (c ? " " : "") << v[r * C + c];
    gp << '\n';
  }
  gp << "EOD\nplot $" << name << " matrix with image notitle\n";
  return gp.str();
}

Image heatmap(const Tensor& m, const Labels& labels, const std::filesystem::path& path) {
  return render(header(labels, path) + heatmap_panel(m, "M"), path);
}

Image heatmaps(const std::vector<std::pair<std::string, Tensor>>& panels, const Labels& labels,
               const std::filesystem::path& path) {
  std::ostringstream gp;
  gp << "set terminal pngcairo size " << 420 * panels.size() << ",440 font 'DejaVu Sans,10'\n"
     << "set output " << quoted(path.string()) << "\nset multiplot layout 1," << panels.size() << " title "
     << quoted(labels.title) << " noenhanced\nset xlabel " << quoted(labels.xlabel) << " noenhanced\nset ylabel "
     << quoted(labels.ylabel) << " noenhanced\n";
  for (std::size_t k = 0; k < panels.size(); ++k)
    gp << "set title " << quoted(panels[k].first) << " noenhanced\n"
       << heatmap_panel(panels[k].second, "M" + std::to_string(k));
  gp << "unset multiplot\n";
  return render(gp.str(), path);
}

Image bar_plot(const std::vector<std::string>& names, const std::vector<double>& values, const Labels& labels,
               const std::filesystem::path& path) {
  if (names.size() != values.size())
    throw std::invalid_argument("bar_plot: " + std::to_string(names.size()) + " names for " +
                                std::to_string(values.size()) + " values");
  std::ostringstream gp;
  gp << header(labels, path) << "set style fill solid 0.8\nset boxwidth 0.7\nset yrange [0:*]\nset grid ytics\n"
     << "$B << EOD\n";
  for (std::size_t i = 0; i < names.size(); ++i)
    gp << i << " \"" << names[i] << "\" " << values[i] << '\n';  // data-block strings are double-quoted
  gp << "EOD\nplot $B using 1:3:xtic(2) with boxes lc rgb '#3b6fb6' notitle\n";
  return render(gp.str(), path);
}

Image codebook_usage(const std::vector<std::int64_t>& codes, int levels, std::int64_t codebook_size,
                     const std::string& title, const std::filesystem::path& path) {
  std::vector<Series> per_level;
  for (int level = 0; level < levels; ++level) {
    std::vector<double> count(static_cast<std::size_t>(codebook_size), 0.0);
    for (std::size_t i = static_cast<std::size_t>(level); i < codes.size(); i += static_cast<std::size_t>(levels))
      count.at(static_cast<std::size_t>(codes[i])) += 1;
    std::sort(count.rbegin(), count.rend());
    const auto used = std::count_if(count.begin(), count.end(), [](double c) { return c > 0; });
    Series s{"level " + std::to_string(level + 1) + ": " + std::to_string(used) + " codes used", {}, count};
    for (std::size_t k = 0; k < count.size(); ++k) s.x.push_back(static_cast<double>(k + 1));
    per_level.push_back(s);
  }
  return line_plot(per_level, {title, "code rank (by items)", "items on the code (log scale)", true}, path);
}

}  // namespace recgrad::plots
