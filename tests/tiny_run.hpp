// recgrad/tests/tiny_run.hpp — a tiny sequence data set (40 users walking a cycle of 12 items) and a
// SASRec preset small enough to train in well under a second: what the trainer tests run on.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "training/config.hpp"

namespace recgrad::test {

// Writes <tmp>/recgrad_tiny_<pid><tag>/seq.txt (one line per user: "user item item ...") and returns the folder.
// User u walks 9 + u % spread steps: with spread > 3 some users see all 12 items.
inline std::filesystem::path tiny_data(const std::string& tag = "", int users = 40, int spread = 6) {
  const auto dir = std::filesystem::temp_directory_path() / ("recgrad_tiny_" + std::to_string(::getpid()) + tag);
  std::filesystem::create_directories(dir);
  std::ofstream f(dir / "seq.txt");
  for (int u = 1; u <= users; ++u) {
    f << u;
    for (int t = 0; t < 9 + u % spread; ++t) f << " " << (u + t) % 12 + 1;
    f << "\n";
  }
  return dir;
}

inline training::TrainConfig tiny_config() {
  training::TrainConfig c;
  c.protocol = "paper-hstu";
  c.data.file = "seq.txt";
  c.data.id_space = training::IdSpace::ascending;
  c.sasrec.d = 16;
  c.sasrec.max_len = 8;
  c.sasrec.layers = 1;
  c.sasrec.dropout = 0.1;
  c.sasrec.zero_padding = true;
  c.train.loss = training::Loss::sampled_softmax;
  c.train.negatives = 6;
  c.train.l2_normalize = false;
  c.train.temperature = 1.0;
  c.train.lr = 0.01;
  c.train.epochs = 30;
  c.train.batch_size = 16;
  c.train.eval_every = 10;
  c.eval.ks = {1, 5};
  c.eval.select_metric = "ndcg@5";
  return c;
}

// The tiny preset with a one-layer HSTU (d 16, dropout 0.1) instead of SASRec.
inline training::TrainConfig tiny_hstu_config() {
  training::TrainConfig c = tiny_config();
  c.model = training::ModelKind::hstu;
  c.hstu.d = 16;
  c.hstu.d_qk = c.hstu.d_v = 8;
  c.hstu.max_len = 8;
  c.hstu.layers = 1;
  c.hstu.dropout = c.hstu.input_dropout = 0.1;
  c.hstu.norm_constant = 8;
  return c;
}

// 40 users walking a cycle of 12 items; each item's attributes are its group (i mod 4) and parity.
inline training::TrainConfig tiny_tiger(const std::filesystem::path& dir) {
  std::ofstream f(dir / "attrs.tsv");
  f << "item_id\tasin\tattributes\n";
  for (int i = 1; i <= 12; ++i) f << i << "\tA" << i << "\tgroup" << i % 4 << "|parity" << i % 2 << "\n";
  f.close();
  training::TrainConfig c = tiny_config();
  c.protocol = "tiger";
  c.model = training::ModelKind::tiger;
  c.content.file = "attrs.tsv";
  c.content.dim = 8;
  c.content.epochs = 5;
  c.content.batch_size = 16;
  c.rqvae.hidden = {16};
  c.rqvae.latent = 4;
  c.rqvae.levels = 2;
  c.rqvae.codebook_size = 4;
  c.rqvae.epochs = 20;
  c.rqvae.batch_size = 12;
  c.tiger.d = 16;
  c.tiger.heads = 2;
  c.tiger.d_kv = 8;
  c.tiger.d_ff = 32;
  c.tiger.encoder_layers = c.tiger.decoder_layers = 1;
  c.tiger.dropout = 0.0;
  c.tiger.max_items = 4;
  c.tiger.user_buckets = 5;
  c.tiger.beam = 5;
  c.tiger.warmup_steps = 1;
  c.tiger.lr_schedule = training::LrSchedule::constant;
  c.train.lr = 0.01;
  c.train.epochs = 25;
  c.train.eval_every = 25;
  c.train.batch_size = 32;
  c.eval.exclude_history = false;
  c.eval.ks = {1, 5};
  c.eval.select_metric = "ndcg@5";
  return c;
}

}  // namespace recgrad::test
