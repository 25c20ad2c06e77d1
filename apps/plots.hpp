// recgrad/apps/plots.hpp — training curves, attention maps and codebook usage as PNG images, drawn by
// gnuplot (Debian's gnuplot-nox, pngcairo terminal). The notebooks show them inline (apps/display.hpp);
// the CLI writes them into the run directory (`--plots`).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "autograd/tensor.hpp"

namespace recgrad::plots {

// A PNG image written to `path`, with its bytes.
struct Image {
  std::filesystem::path path;
  std::string png;
  std::string base64() const;  // the bytes as Base64 (what a notebook's image/png output holds)
};

struct Labels {
  std::string title, xlabel, ylabel;
  bool log_y = false;  // a logarithmic y axis (values ≤ 0 are not drawn)
};

// One line of a line plot: y[i] at x[i].
struct Series {
  std::string name;
  std::vector<double> x, y;
};

// Lines on one pair of axes (training loss per step, validation metric per epoch, bias per offset).
Image line_plot(const std::vector<Series>& series, const Labels& labels, const std::filesystem::path& path);

// m: (R, C) -> a heat map with row 0 at the top (an attention map: query rows, key columns).
Image heatmap(const Tensor& m, const Labels& labels, const std::filesystem::path& path);

// Heat maps side by side in one picture, each with its own title and colour scale (softmax beside SiLU attention).
// labels.title goes above them all.
Image heatmaps(const std::vector<std::pair<std::string, Tensor>>& panels, const Labels& labels,
               const std::filesystem::path& path);

// One bar per name (codebook usage per level, codes per collision group).
Image bar_plot(const std::vector<std::string>& names, const std::vector<double>& values, const Labels& labels,
               const std::filesystem::path& path);

// The RQ-VAE's codebook usage: per level, the number of items on each code, codes sorted by use, on a log axis (a
// flat line is a well-used codebook, a steep fall a collapse; unused codes are not drawn, the legend counts the used
// ones). codes: row-major (items, levels).
Image codebook_usage(const std::vector<std::int64_t>& codes, int levels, std::int64_t codebook_size,
                     const std::string& title, const std::filesystem::path& path);

}  // namespace recgrad::plots
