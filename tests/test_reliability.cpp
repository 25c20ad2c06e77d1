// Reliability: anomaly mode names the op, a diverging run stops before it poisons a checkpoint, a full
// disk keeps the old checkpoint, a run killed with SIGKILL resumes to the metrics of an uninterrupted run,
// and bad --resume / --run-dir arguments are explained before any training.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cmath>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "apps/outputs.hpp"
#include "autograd/autograd.hpp"
#include "datasets/movielens.hpp"
#include "training/optimizer_step.hpp"
#include "training/evaluation.hpp"
#include "training/sequential_task.hpp"
#include "nn/checkpoint.hpp"
#include "nn/optim.hpp"
#include "tests/expect_error.hpp"
#include "tests/tiny_run.hpp"

extern char** environ;

namespace recgrad {
namespace {

using test::expect_error;

Tensor leaf(std::vector<float> v) {
  const auto n = static_cast<std::int64_t>(v.size());
  Tensor t = Tensor::from_vector(v, {n});
  t.requires_grad_();
  return t;
}

// ---- anomaly mode ----------------------------------------------------------------------------------

TEST(Anomaly, ForwardNaNNamesTheOpAndTheShapes) {
  DetectAnomalyGuard on;
  const Tensor x = leaf({1.0f, -1.0f, 2.0f});
  expect_error([&] { (void)log(x); }, {"forward of 'log'", "output (3,)", "NaN at flat index 1", "inputs (3,)"});
  EXPECT_THROW((void)log(x), AnomalyError);
}

TEST(Anomaly, BackwardInfNamesTheOp) {
  DetectAnomalyGuard on;
  const Tensor x = leaf({0.0f, 4.0f});
  const Tensor y = sum(sqrt(x), {0});  // forward finite; d sqrt(x)/dx = 1/(2 sqrt(x)) is +Inf at 0
  expect_error([&] { y.backward(); }, {"backward of 'sqrt'", "gradient for input 0 (2,)", "+Inf at flat index 0"});
}

TEST(Anomaly, OffByDefaultAndTheGuardRestoresIt) {
  EXPECT_FALSE(is_anomaly_enabled());
  {
    DetectAnomalyGuard on;
    EXPECT_TRUE(is_anomaly_enabled());
  }
  EXPECT_FALSE(is_anomaly_enabled());
  const Tensor y = log(leaf({-1.0f}));  // without the mode a NaN passes, as in PyTorch
  EXPECT_TRUE(std::isnan(y.item()));
  EXPECT_EQ(first_non_finite(y), 0);
}

// ---- the optimizer step refuses non-finite losses and gradients -------------------------------------

TEST(Reliability, NaNLossNamesItsOpAndLeavesTheParametersAlone) {
  Tensor w = leaf({-1.0f, 2.0f});
  nn::SGD sgd({w}, 0.1);
  expect_error(
      [&] {
        training::optimizer_step(sum(log(w), {0}), sgd, {{"w", w}});
      },
      {"training loss is NaN", "output of 'sum'", "stopped before the optimizer step", "--detect-anomaly"});
  EXPECT_EQ(w.to_vector<float>(), (std::vector<float>{-1.0f, 2.0f}));
}

TEST(Reliability, NonFiniteGradientNamesTheParameter) {
  Tensor w = leaf({0.0f, 1.0f});
  nn::SGD sgd({w}, 0.1);
  expect_error(
      [&] {
        training::optimizer_step(sum(sqrt(w), {0}), sgd, {{"blocks.0.w", w}});
      },
      {"gradient of blocks.0.w (2,)", "NaN or an Inf", "stopped before the optimizer step"});
  EXPECT_EQ(w.to_vector<float>(), (std::vector<float>{0.0f, 1.0f}));
}

// A run that trained one good epoch, then resumes with a learning rate that blows the weights up.
struct DivergingRun {
  training::TrainConfig c = test::tiny_config();
  training::TrainOptions opt;
  DivergingRun(const std::string& tag) {
    opt.data_dir = test::tiny_data(tag);
    opt.progress = false;
    opt.run_dir = opt.data_dir / "run";
    c.train.epochs = 1;
    c.train.eval_every = 1;
    c.train.batch_size = 8;  // 5 steps an epoch
    training::train_sequential(c, opt);
    c.train.epochs = 3;
    c.train.lr = 1e30;
    opt.resume = opt.run_dir / "last.safetensors";
  }
  ~DivergingRun() { std::filesystem::remove_all(opt.data_dir); }
  // last.safetensors still holds epoch 1 and only finite numbers.
  void expect_last_checkpoint_intact() const {
    const auto ck = nn::load_safetensors(opt.run_dir / "last.safetensors");
    EXPECT_EQ(ck.metadata.at("epoch"), "1");
    for (const auto& [name, t] : ck.tensors) EXPECT_EQ(first_non_finite(t), -1) << name;
  }
};

TEST(Reliability, DivergingRunStopsWithTheLastGoodCheckpointIntact) {
  DivergingRun run("_nan");
  expect_error([&] { training::train_sequential(run.c, run.opt); },
               {"epoch 2 step", "stopped before the optimizer step", "last.safetensors holds the last finished epoch"});
  run.expect_last_checkpoint_intact();
}

TEST(Reliability, DivergingRunUnderAnomalyModeNamesTheFirstOp) {
  DivergingRun run("_anomaly");
  run.opt.detect_anomaly = true;
  try {
    training::train_sequential(run.c, run.opt);
    ADD_FAILURE() << "no exception";
  } catch (const AnomalyError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("epoch 2 step"), std::string::npos) << m;
    EXPECT_TRUE(m.find("forward of '") != std::string::npos || m.find("backward of '") != std::string::npos) << m;
  }
  EXPECT_FALSE(is_anomaly_enabled()) << "the trainer switches the mode back off";
  run.expect_last_checkpoint_intact();
}

// ---- output safety -----------------------------------------------------------------------------------

TEST(Reliability, FullDiskKeepsTheOldCheckpoint) {
  const auto dir = test::tiny_data("_full");
  const auto path = dir / "ck.safetensors";
  nn::save_safetensors(path, {{"w", Tensor::from_vector(std::vector<float>{1, 2, 3}, {3})}});
  // The writer's temporary file is a link to /dev/full: every write fails with ENOSPC, as on a full disk.
  std::filesystem::create_symlink("/dev/full", path.string() + ".tmp");
  expect_error(
      [&] {
        nn::save_safetensors(path, {{"w", Tensor::from_vector(std::vector<float>{7, 8, 9}, {3})}});
      },
      {"ck.safetensors.tmp", "write failed", "No space left on device"});
  EXPECT_EQ(nn::load_safetensors(path).tensors.at("w").to_vector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(path.string() + ".tmp")));
  std::filesystem::remove_all(dir);
}

// A resumed run must be the run it continues (issue 25, class 3 and 6): its seed, an epoch inside its budget,
// finite parameters and moments. A NaN is never written into a checkpoint either.
TEST(Reliability, ResumeChecksSeedEpochsAndFiniteTensors) {
  auto c = test::tiny_config();
  c.train.epochs = 2;
  c.train.eval_every = 1;
  training::TrainOptions opt;
  opt.data_dir = test::tiny_data("_resume_checks");
  opt.progress = false;
  opt.run_dir = opt.data_dir / "run";
  training::train_sequential(c, opt);
  const auto last = opt.run_dir / "last.safetensors";
  opt.resume = last;
  opt.seed = 43;
  expect_error([&] { training::train_sequential(c, opt); }, {"was started with --seed 42", "this run has --seed 43"});
  opt.seed = 42;
  c.train.epochs = 1;
  expect_error([&] { training::train_sequential(c, opt); }, {"saved after epoch", "beyond this run's 1 epochs"});
  c.train.epochs = 3;
  auto loaded = nn::load_safetensors(last);
  auto param = std::find_if(loaded.tensors.begin(), loaded.tensors.end(),
                            [](const auto& t) { return t.second.dtype() == DType::f32; });
  ASSERT_NE(param, loaded.tensors.end());
  param->second.data<float>()[0] = NAN;  // a damaged parameter
  nn::NamedTensors named(loaded.tensors.begin(), loaded.tensors.end());
  const auto damaged = opt.run_dir / "damaged.safetensors";
  nn::save_safetensors(damaged, named, loaded.metadata);
  opt.resume = damaged;
  expect_error([&] { training::train_sequential(c, opt); },
               {"damaged.safetensors: corrupt checkpoint", param->first, "NaN or an Inf"});
  std::filesystem::remove_all(opt.data_dir);
}

TEST(Reliability, WeightsOnlyCheckpointCannotBeResumed) {
  auto c = test::tiny_config();
  c.train.epochs = 1;
  c.train.eval_every = 1;
  training::TrainOptions opt;
  opt.data_dir = test::tiny_data("_best");
  opt.progress = false;
  opt.run_dir = opt.data_dir / "run";
  training::train_sequential(c, opt);
  opt.resume = opt.run_dir / "best.safetensors";
  expect_error([&] { training::train_sequential(c, opt); },
               {"best.safetensors", "--resume takes the last.safetensors"});
  std::filesystem::remove_all(opt.data_dir);
}

TEST(Reliability, TruncatedGzipIsAReadErrorNotAShortFile) {
  const auto dir = test::tiny_data("_gz");
  const auto cut = dir / "ratings.dat.gz";
  std::ifstream in(std::filesystem::path(RECGRAD_FIXTURES) / "ratings_small.dat.gz", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_error([&] { datasets::read_ratings(cut); }, {cut.string(), "read error"});
  std::filesystem::remove_all(dir);
}

// ---- the CLI, killed and resumed ---------------------------------------------------------------------

// Starts build/recgrad with `args`, stdout and stderr into `log`; returns its pid.
pid_t spawn_cli(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<std::string> all{RECGRAD_CLI};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error(std::string("cannot start ") + RECGRAD_CLI + ": " + std::strerror(rc));
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// The tiny preset as a TOML file (what a user would write).
std::filesystem::path write_tiny_preset(const std::filesystem::path& dir, int epochs) {
  std::ofstream f(dir / "tiny.toml");
  f << "protocol = \"paper-hstu\"\nmodel = \"sasrec\"\n[data]\nfile = \"seq.txt\"\n"
    << "[sasrec]\nd = 16\nmax_len = 8\nlayers = 1\ndropout = 0.1\nzero_padding = true\n"
    << "[train]\nloss = \"sampled_softmax\"\nnegatives = 6\nl2_normalize = false\ntemperature = 1.0\nlr = 0.01\n"
    << "epochs = " << epochs << "\nbatch_size = 8\neval_every = 3\n"
    << "[eval]\nks = [1, 5]\nselect_metric = \"ndcg@5\"\n";
  return dir / "tiny.toml";
}

// `recgrad train` on the tiny preset, one thread, seed 5, run directory and metrics file named by `run`.
std::vector<std::string> train_args(const std::filesystem::path& preset, const std::filesystem::path& dir,
                                    const std::string& run) {
  return {"train",
          "--config",
          preset.string(),
          "--data-dir",
          dir.string(),
          "--threads",
          "1",
          "--seed",
          "5",
          "--run-dir",
          (dir / run).string(),
          "--metrics-out",
          (dir / (run + ".json")).string()};
}

TEST(Reliability, RunKilledMidEpochResumesToTheSameMetrics) {
  const auto dir = test::tiny_data("_kill", 400);
  const auto preset = write_tiny_preset(dir, 12);
  const auto common = [&](const std::string& run) { return train_args(preset, dir, run); };
  ASSERT_EQ(wait_exit(spawn_cli(common("whole"), dir / "whole.log")), 0) << read_file(dir / "whole.log");

  // Kill the second run with SIGKILL as soon as its first epoch's checkpoint is in place: mid-epoch 2.
  const pid_t pid = spawn_cli(common("killed"), dir / "killed.log");
  const auto last = dir / "killed" / "last.safetensors";
  const auto t0 = std::chrono::steady_clock::now();
  while (!std::filesystem::exists(last) && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::kill(pid, SIGKILL);
  ASSERT_EQ(wait_exit(pid), 128 + SIGKILL)
      << "the run ended before it could be killed: " << read_file(dir / "killed.log");
  ASSERT_FALSE(std::filesystem::exists(dir / "killed.json")) << "a killed run wrote its metrics";

  auto resume = common("killed");
  resume.insert(resume.end(), {"--resume", last.string()});
  ASSERT_EQ(wait_exit(spawn_cli(resume, dir / "resumed.log")), 0) << read_file(dir / "resumed.log");
  EXPECT_NE(read_file(dir / "resumed.log").find("resumed from"), std::string::npos);
  const auto whole = nlohmann::json::parse(read_file(dir / "whole.json"));
  const auto resumed = nlohmann::json::parse(read_file(dir / "killed.json"));
  EXPECT_EQ(whole["history"].size(), 12u) << "one row per epoch";
  for (const char* key : {"best_epoch", "valid", "test", "history"}) EXPECT_EQ(resumed[key], whole[key]) << key;
  std::filesystem::remove_all(dir);
}

// --time-budget: the run stops cleanly (exit 0, a resumable last.safetensors, a metrics file that says where
// it stopped), and --resume, with another budget or none, ends with the uninterrupted run's metrics.
TEST(Reliability, TimeBudgetStopsCleanlyAndResumesToTheSameMetrics) {
  const auto dir = test::tiny_data("_budget", 400);
  const auto preset = write_tiny_preset(dir, 6);
  const auto common = [&](const std::string& run) { return train_args(preset, dir, run); };
  ASSERT_EQ(wait_exit(spawn_cli(common("whole"), dir / "whole.log")), 0) << read_file(dir / "whole.log");
  auto budget = common("budget");
  budget.insert(budget.end(), {"--time-budget", "0.000001"});  // 60 µs: stops after the first step
  ASSERT_EQ(wait_exit(spawn_cli(budget, dir / "budget.log")), 0) << read_file(dir / "budget.log");
  EXPECT_NE(read_file(dir / "budget.log").find("stopped by --time-budget"), std::string::npos)
      << read_file(dir / "budget.log");
  const auto stopped = nlohmann::json::parse(read_file(dir / "budget.json"));
  EXPECT_EQ(stopped["stopped"], "epoch 1 step 1/50");
  EXPECT_FALSE(stopped.contains("test"));
  auto resume = common("budget");
  resume.insert(resume.end(), {"--resume", (dir / "budget" / "last.safetensors").string()});
  ASSERT_EQ(wait_exit(spawn_cli(resume, dir / "resumed.log")), 0) << read_file(dir / "resumed.log");
  const auto whole = nlohmann::json::parse(read_file(dir / "whole.json"));
  const auto resumed = nlohmann::json::parse(read_file(dir / "budget.json"));
  for (const char* key : {"best_epoch", "valid", "test", "history"}) EXPECT_EQ(resumed[key], whole[key]) << key;
  std::filesystem::remove_all(dir);
}

TEST(Reliability, UnwritableRunDirIsReportedBeforeTraining) {
  const auto dir = test::tiny_data("_unwritable");
  const auto preset = write_tiny_preset(dir, 1);
  // A run directory below a regular file can never be created (this holds for root too).
  const auto bad = dir / "seq.txt" / "run";
  const pid_t pid = spawn_cli(
      {"train", "--config", preset.string(), "--data-dir", dir.string(), "--run-dir", bad.string()}, dir / "log");
  EXPECT_EQ(wait_exit(pid), 2);
  const std::string log = read_file(dir / "log");
  EXPECT_NE(log.find("--run-dir " + (bad / "last.safetensors").string() + ": cannot write in"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("epoch"), std::string::npos) << "it stopped before training: " << log;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace recgrad

// ---- outputs: checked before any work (apps/outputs.hpp) ------------------------------------------------

namespace recgrad {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& tag) {
  const fs::path d = fs::temp_directory_path() / ("recgrad_outputs_" + std::to_string(::getpid()) + tag);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(Outputs, PreflightRefusesWhatCannotTakeAFileAndSaysSo) {
  const fs::path d = fresh_dir("_refuse");
  fs::create_directories(d / "a_dir");
  fs::create_symlink(d / "nowhere" / "x.json", d / "dangling.json");
  const auto refused = [](const std::string& file, const std::string& why) {
    test::expect_error([&] { apps::preflight_output(file, "--metrics-out"); }, {"--metrics-out " + file, why});
  };
  refused((d / "a_dir").string(), "is a directory");
  refused((d / "new").string() + "/", "ends in '/'");
  refused("/dev/null", "not a regular file");
  refused((d / "dangling.json").string(), "symbolic link to nothing");
  refused("", "empty file name");
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directories(d / "read_only");
    fs::permissions(d / "read_only", fs::perms::owner_read | fs::perms::owner_exec);
    refused((d / "read_only" / "m.json").string(), "cannot write in");
  }
  fs::remove_all(d);
}

TEST(Outputs, ALinkIsFollowedAndStaysALink) {
  const fs::path d = fresh_dir("_link");
  std::ofstream(d / "real.json") << "old\n";
  fs::create_symlink(d / "real.json", d / "link.json");
  const fs::path target = apps::preflight_output((d / "link.json").string(), "--metrics-out");
  EXPECT_EQ(target, fs::canonical(d / "real.json"));
  apps::write_text_atomically(target, "new\n");
  EXPECT_TRUE(fs::is_symlink(d / "link.json"));
  std::string text;
  std::getline(std::ifstream(d / "link.json"), text);
  EXPECT_EQ(text, "new");
  EXPECT_EQ(apps::preflight_output((d / "sub" / "m.json").string(), "--metrics-out"), d / "sub" / "m.json")
      << "an absent file in a new directory is fine";
  fs::remove_all(d);
}

TEST(Outputs, ASecondRunInTheSameRunDirIsRefused) {
  const fs::path d = fresh_dir("_lock");
  {
    apps::RunDirLock first(d);
    test::expect_error([&] { apps::RunDirLock second(d); },
                       {"--run-dir " + d.string(), "another run (pid " + std::to_string(::getpid()) + ")"});
  }
  apps::RunDirLock again(d);  // released with the first
  fs::remove_all(d);
}

// `--seed -1` used to wrap to 2^64 − 1, and 2^64 to saturate; both are refused, naming the flag.
TEST(Outputs, SeedsAreUnsignedSixtyFourBitIntegers) {
  const fs::path d = fresh_dir("_seed");
  for (const std::string bad : {"-1", "18446744073709551616", "1e3", "+5"}) {
    const pid_t pid = spawn_cli({"demo", "--steps", "1", "--seed", bad}, d / "log.txt");
    EXPECT_NE(wait_exit(pid), 0) << bad;
    EXPECT_NE(read_file(d / "log.txt").find("--seed: a seed"), std::string::npos) << read_file(d / "log.txt");
  }
  const pid_t pid = spawn_cli({"demo", "--steps", "1", "--seed", "18446744073709551615"}, d / "log.txt");
  wait_exit(pid);
  EXPECT_EQ(read_file(d / "log.txt").find("--seed: a seed"), std::string::npos) << "2^64 - 1 is a seed";
  fs::remove_all(d);
}

TEST(Outputs, PlotsWithoutGnuplotAreRefusedFirst) {
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  const fs::path d = fresh_dir("_nognuplot");
  ::setenv("PATH", d.c_str(), 1);
  EXPECT_THROW(apps::require_gnuplot("--plots"), std::runtime_error);
  ::setenv("PATH", saved.c_str(), 1);
  fs::remove_all(d);
}

}  // namespace
}  // namespace recgrad
