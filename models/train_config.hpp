// recgrad/models/train_config.hpp — everything a training run reads from a preset (configs/*.toml).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/content_vectors.hpp"
#include "models/hstu.hpp"
#include "models/rqvae.hpp"
#include "models/sasrec.hpp"
#include "models/tiger.hpp"

namespace recgrad::models {

struct TrainConfig {
  std::string preset;                 // file name of the preset
  std::string protocol = "chapter";   // chapter | paper-hstu | paper-hstu-u2999 | paper-hstu-refsplit | sasrec-sampled
  std::string model = "sasrec";       // sasrec | hstu | tiger
  // ---- data ----
  std::string data_file = "ml-1m/ml-1m.seq.txt";  // relative to the data directory
  std::string data_format = "sequences";          // sequences (user item item ...) | pairs (user item)
  std::string id_space = "ascending";             // ascending: 1..n by raw id | raw: raw ids, vocab max + 1
  std::string candidates_file;                    // e.g. ml-1m/movies.dat: its ids are the candidates (raw ids)
  std::string padding = "left";                   // left | right (the HSTU paper's code): where rows are padded
  // leave_one_out (train full[:-2], validate full[-2], test full[-1]) | reference (the HSTU paper code's
  // reading: train full[:-1], select on the test item; only with protocol paper-hstu-refsplit)
  std::string split = "leave_one_out";
  // The event stream (datasets/event_stream.hpp): with `ratings`, only the users found there are kept and
  // every item gets its timestamp and rating (side inputs); `user_attributes` adds the users.dat tokens
  // in front; an interaction is a training target when its rating >= positive_min_rating (0: always).
  std::string ratings_file;                       // e.g. ml-1m/ratings.users1-2999.dat.gz (raw ids)
  std::string user_attributes_file;               // e.g. ml-1m/users.dat
  int positive_min_rating = 0;
  // ---- model ----
  SASRecConfig sasrec;
  HSTUConfig hstu;
  // TIGER: item content, the RQ-VAE of the semantic IDs, the encoder-decoder ([content], [rqvae], [tiger])
  ContentConfig content;
  RQVAEConfig rqvae;
  TigerConfig tiger;
  std::int64_t max_len() const { return model == "hstu" ? hstu.max_len : sasrec.max_len; }
  // ---- training ----
  std::string loss = "bce";           // bce (one negative per position) | sampled_softmax
  std::int64_t negatives = 128;       // sampled_softmax: negatives drawn for each target position
  double temperature = 0.05;
  bool l2_normalize = true;
  std::string optimizer = "adam";     // adam | adamw
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  int epochs = 1;
  std::int64_t batch_size = 128;
  int eval_every = 1;
  // ---- evaluation ----
  std::string ranking = "full";       // full | sampled-100
  std::string scoring = "dot";        // dot | cosine
  bool exclude_history = true;        // full ranking: drop the input window's items
  std::vector<int> ks{1, 5, 10, 50, 200};
  std::string select_metric = "ndcg@10";
  int eval_users_max = 10000;         // sampled-100: at most this many users (kang205/SASRec)
};

}  // namespace recgrad::models
