// recgrad/tests/tiny_run.hpp — a tiny sequence data set (40 users walking a cycle of 12 items) and a
// SASRec preset small enough to train in well under a second: what the trainer tests run on.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "models/train_config.hpp"

namespace recgrad::test {

// Writes <tmp>/recgrad_tiny_<pid><tag>/seq.txt (one line per user: "user item item ...") and returns the folder.
inline std::filesystem::path tiny_data(const std::string& tag = "", int users = 40) {
  const auto dir = std::filesystem::temp_directory_path() / ("recgrad_tiny_" + std::to_string(::getpid()) + tag);
  std::filesystem::create_directories(dir);
  std::ofstream f(dir / "seq.txt");
  for (int u = 1; u <= users; ++u) {
    f << u;
    for (int t = 0; t < 9 + u % 6; ++t) f << " " << (u + t) % 12 + 1;
    f << "\n";
  }
  return dir;
}

inline models::TrainConfig tiny_config() {
  models::TrainConfig c;
  c.protocol = "paper-hstu";
  c.data_file = "seq.txt";
  c.id_space = "ascending";
  c.sasrec.d = 16;
  c.sasrec.max_len = 8;
  c.sasrec.blocks = 1;
  c.sasrec.dropout = 0.1;
  c.sasrec.zero_padding = true;
  c.loss = "sampled_softmax";
  c.negatives = 6;
  c.l2_normalize = false;
  c.temperature = 1.0;
  c.lr = 0.01;
  c.epochs = 30;
  c.batch_size = 16;
  c.eval_every = 10;
  c.ks = {1, 5};
  c.select_metric = "ndcg@5";
  return c;
}

}  // namespace recgrad::test
