// recgrad/apps/reproduce.hpp — `recgrad reproduce chapter --model sasrec --seeds N`.
#pragma once
#include <string>

namespace recgrad::apps {

struct ReproduceOptions {
  std::string protocol = "chapter";
  std::string model = "sasrec";
  int seeds = 10;
  int first_seed = 0;
  std::string data_dir;
  std::string device;  // "cpu" or "cuda" (empty: the preset's)
  int threads = 0;
  std::string metrics_out;              // JSON lines, one per seed, when set
  bool funrec_no_ffn_residual = false;  // reproduce fun-rec's defect: the FFN without its residual
  bool baselines = false;               // popularity and random rankings, and what each seed's table hides
};

int run_reproduce(const ReproduceOptions& opt);

}  // namespace recgrad::apps
