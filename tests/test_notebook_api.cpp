// recgrad/tests/test_notebook_api.cpp — what the notebooks and `--plots` stand on: the chapter's five steps
// (apps/steps.hpp) on the bundled synthetic data, the plots (apps/plots.hpp), the training history and the
// attention map of a saved model.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "apps/plots.hpp"
#include "apps/steps.hpp"
#include "training/evaluation.hpp"
#include "training/sequential_task.hpp"
#include "tests/tiny_run.hpp"

using namespace recgrad;

namespace {

const std::string kSynthetic = std::string(RECGRAD_SOURCE_DIR) + "/notebooks_cpp/synthetic_data";

bool have_gnuplot() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

}  // namespace

TEST(NotebookApi, SyntheticDataIsMarkedAndLoaded) {
  const Dataset data = load_data(kSynthetic);
  EXPECT_TRUE(data.synthetic);
  EXPECT_EQ(data.sequences.users.size(), 600u);
  EXPECT_NE(data.describe().find("SYNTHETIC"), std::string::npos) << data.describe();
  EXPECT_THROW(load_data("/nonexistent/recgrad"), std::runtime_error) << "an explicit directory never falls back";
  EXPECT_THROW(load_config("gru4rec"), std::invalid_argument);
}

TEST(NotebookApi, FiveStepsEqualRunChapterAndAreSeeded) {
  const Dataset data = load_data(kSynthetic);
  const auto config = load_config("sasrec");
  const auto features = prepare_features(data, config);
  EXPECT_EQ(features.train_rows.size(), 480u);  // floor(0.8 × 600) users train
  EXPECT_EQ(features.test_seqs.size(), 600u);
  auto a = train(features, config, 3);
  auto b = train(features, config, 3);
  EXPECT_EQ(a.step_losses, b.step_losses) << "same seed, same thread count: same losses";
  EXPECT_EQ(a.step_losses.size(), 4u);  // ceil(480 / 128) Adam steps
  const auto metrics = evaluate(a, features);
  const auto whole = training::run_chapter(data.sequences, config, 3);  // the CLI's path
  for (const char* k : {"hit_rate@10", "hit_rate@5", "ndcg@10", "ndcg@5"})
    EXPECT_EQ(metrics.at(k), whole.test.at(k)) << k;
  EXPECT_EQ(whole.step_losses, a.step_losses);
}

TEST(Plots, Base64MatchesTheStandardVectors) {
  auto base64 = [](const std::string& bytes) { return plots::Image{"", bytes}.base64(); };
  EXPECT_EQ(base64("Man"), "TWFu");
  EXPECT_EQ(base64("Ma"), "TWE=");
  EXPECT_EQ(base64("M"), "TQ==");
  EXPECT_EQ(base64(std::string("\xff\x00\x10", 3)), "/wAQ");
}

TEST(Plots, BadInputsAreRefusedWithTheirShapes) {
  EXPECT_THROW(plots::line_plot({{"loss", {1, 2}, {1}}}, {}, "/tmp/never.png"), std::invalid_argument);
  EXPECT_THROW(plots::heatmap(Tensor::zeros({2, 2, 2}), {}, "/tmp/never.png"), std::invalid_argument);
  EXPECT_THROW(plots::bar_plot({"a"}, {1, 2}, {}, "/tmp/never.png"), std::invalid_argument);
}

TEST(Plots, GnuplotWritesPngs) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed (apt-get install gnuplot-nox)";
  const auto dir = std::filesystem::temp_directory_path() / ("recgrad_plots_" + std::to_string(::getpid()));
  const auto line =
      plots::line_plot({{"it's a loss", {1, 2, 3}, {3, 2, 1}}}, {"a 'quoted' title", "x", "y"}, dir / "line.png");
  const auto heat = plots::heatmap(Tensor::ones({3, 4}), {"heat", "key", "query"}, dir / "heat.png");
  const auto bars = plots::bar_plot({"level 1", "level 2"}, {256, 12}, {"usage", "", "codes"}, dir / "bars.png");
  const auto usage = plots::codebook_usage({0, 1, 0, 1, 2, 1}, 2, 4, "usage", dir / "usage.png");
  for (const auto* im : {&line, &heat, &bars, &usage}) {
    ASSERT_GT(im->png.size(), 100u) << im->path;
    EXPECT_EQ(im->png.substr(1, 3), "PNG") << im->path;
    EXPECT_TRUE(std::filesystem::exists(im->path));
  }
  std::filesystem::remove_all(dir);
}

TEST(Trainer, HistoryAndAttentionMapOfASavedModel) {
  auto c = test::tiny_config();
  c.train.epochs = 4;
  c.train.eval_every = 2;
  training::TrainOptions opt;
  opt.progress = false;
  opt.data_dir = test::tiny_data("_attn");
  opt.run_dir = opt.data_dir / "run";
  const auto r = training::train_sequential(c, opt);
  ASSERT_EQ(r.history.size(), 4u);
  EXPECT_EQ(r.history[0].valid, -1) << "epoch 1 is not validated";
  EXPECT_GE(r.history[1].valid, 0);
  EXPECT_TRUE(std::isfinite(r.history[3].loss));
  const Tensor A = training::attention_map(c, opt, opt.run_dir / "best.safetensors", 0);  // (L, L) softmax rows
  const std::int64_t L = A.size(0);
  ASSERT_EQ(A.size(1), L);
  EXPECT_EQ(L, 8) << "user 1's test history (9 items) cut to max_len";
  for (std::int64_t i = 0; i < L; ++i) {
    double row = 0;
    for (std::int64_t j = 0; j < L; ++j) {
      row += A.at({i, j});
      if (j > i) {
        EXPECT_EQ(A.at({i, j}), 0.0) << "causal: query " << i << " sees no key " << j;
      }
    }
    EXPECT_NEAR(row, 1.0, 1e-5) << "softmax row " << i;
  }
  EXPECT_THROW(training::attention_map(c, opt, opt.run_dir / "best.safetensors", 1000), std::invalid_argument);
  std::filesystem::remove_all(opt.data_dir);
}
