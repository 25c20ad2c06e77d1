// recgrad/training/config.hpp — everything a training run reads from a preset (configs/*.toml), typed.
// Each TOML table is a struct and each key a field of the same name: `[data] file` is `config.data.file`,
// `[train] lr` is `config.train.lr`. Choices are enums with one word each (their names() tables).
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "autograd/kernels/matmul_precision.hpp"
#include "datasets/time_fill.hpp"
#include "models/content_vectors.hpp"
#include "models/enum_names.hpp"
#include "models/evaluate.hpp"
#include "models/hstu.hpp"
#include "models/rqvae.hpp"
#include "models/sasrec.hpp"
#include "models/tiger.hpp"

namespace recgrad::kernels {  // beside the enum, so that name_of and parse_name find it
inline NameTable<MatmulPrecision> names(MatmulPrecision) {
  return {{MatmulPrecision::float32, "float32"}, {MatmulPrecision::bf16, "bf16"}};
}
}  // namespace recgrad::kernels

namespace recgrad::datasets {  // beside the enum, so that name_of and parse_name find it
inline NameTable<TimeFill> names(TimeFill) {
  return {{TimeFill::none, "none"}, {TimeFill::interpolate, "interpolate"}, {TimeFill::previous, "previous"}};
}
inline NameTable<HideTimes> names(HideTimes) {
  return {{HideTimes::none, "none"}, {HideTimes::like_partial_ts, "like_partial_ts"}};
}
}  // namespace recgrad::datasets

namespace recgrad {  // beside the enum, so that name_of and parse_name find it
inline NameTable<DeviceType> names(DeviceType) { return {{DeviceType::cpu, "cpu"}, {DeviceType::cuda, "cuda"}}; }
}  // namespace recgrad

namespace recgrad::training {

using models::AttentionNorm;
using models::AttnResidual;
using models::ContentSource;
using models::HSTUInit;
using models::ItemInit;
using models::LrSchedule;
using models::SASRecInit;
using models::Scoring;

enum class ModelKind { sasrec, hstu, tiger };
enum class DataFormat { sequences, pairs };  // one line per user (user item item ...) | one (user item) pair a line
enum class IdSpace { ascending, raw };       // items 1..n by ascending raw id | raw ids (vocabulary max id + 1)
enum class Padding { left, right };          // where rows are padded (right: the HSTU paper's code)
// leave_one_out: train full[:-2], validate full[-2], test full[-1] (docs/PROTOCOLS.md §2.5)
// reference: the HSTU paper code's reading, train full[:-1] and select on the test item (§2.8)
// chapter: users 1..4832 train on full[:-1], every user tested on full[-1], no validation (§1)
enum class Split { leave_one_out, reference, chapter };
enum class Loss { bce, sampled_softmax };  // BCE with one negative a position | softmax over sampled negatives
enum class OptimizerKind { adam, adamw };
enum class Ranking { full, sampled_100 };  // every candidate | the target among 100 sampled negatives (§2.7)

inline NameTable<ModelKind> names(ModelKind) {
  return {{ModelKind::sasrec, "sasrec"}, {ModelKind::hstu, "hstu"}, {ModelKind::tiger, "tiger"}};
}
inline NameTable<DataFormat> names(DataFormat) {
  return {{DataFormat::sequences, "sequences"}, {DataFormat::pairs, "pairs"}};
}
inline NameTable<IdSpace> names(IdSpace) { return {{IdSpace::ascending, "ascending"}, {IdSpace::raw, "raw"}}; }
inline NameTable<Padding> names(Padding) { return {{Padding::left, "left"}, {Padding::right, "right"}}; }
inline NameTable<Split> names(Split) {
  return {{Split::leave_one_out, "leave_one_out"}, {Split::reference, "reference"}, {Split::chapter, "chapter"}};
}
inline NameTable<Loss> names(Loss) { return {{Loss::bce, "bce"}, {Loss::sampled_softmax, "sampled_softmax"}}; }
inline NameTable<OptimizerKind> names(OptimizerKind) {
  return {{OptimizerKind::adam, "adam"}, {OptimizerKind::adamw, "adamw"}};
}
inline NameTable<Ranking> names(Ranking) { return {{Ranking::full, "full"}, {Ranking::sampled_100, "sampled-100"}}; }

// [data]
struct DataConfig {
  std::string file = "ml-1m/ml-1m.seq.txt";  // relative to the data directory
  DataFormat format = DataFormat::sequences;
  IdSpace id_space = IdSpace::ascending;
  std::string candidates;  // e.g. ml-1m/movies.dat: its ids are the candidates (raw ids)
  Padding padding = Padding::left;
  Split split = Split::leave_one_out;
  // The event stream (datasets/event_stream.hpp): with `ratings`, only the users found there are kept and
  // every item gets its timestamp and rating (side inputs); `user_attributes` adds the users.dat tokens
  // in front; an interaction is a training target when its rating >= positive_min_rating (0: always).
  std::string ratings;          // e.g. ml-1m/ratings.users1-2999.dat.gz (raw ids)
  std::string user_attributes;  // e.g. ml-1m/users.dat
  int positive_min_rating = 0;
  // `ratings` with unknown ("NA") timestamps: the rule that fills them (datasets/time_fill.hpp); none refuses
  // them. A filled run is tagged with a protocol that says so (training/protocols.cpp).
  datasets::TimeFill time_fill = datasets::TimeFill::none;
  // Measured times to forget before filling, to measure what a fill costs where the truth is known:
  // like_partial_ts hides those ratings.partial_ts.dat.gz lacks for users >= 3000 by the same pattern
  // (datasets/time_fill.hpp). Tagged protocol = "paper-hstu-u2999-time-hidden".
  datasets::HideTimes hide_times = datasets::HideTimes::none;
  // Cold start (training/cold_items.hpp): this share of the items, drawn with the run's seed, never enters
  // training (not as a target, an input or a negative); the test reports their users apart.
  double cold_item_share = 0.0;
};

// [train]
struct TrainSettings {
  Loss loss = Loss::bce;
  std::int64_t negatives = 128;  // sampled_softmax: negatives drawn for each target position
  double temperature = 0.05;
  bool l2_normalize = true;
  OptimizerKind optimizer = OptimizerKind::adam;
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  int epochs = 1;
  std::int64_t batch_size = 128;
  int eval_every = 1;
  // matmul's products: float32, or bfloat16 with float32 sums (AVX512-BF16; kernels::set_matmul_precision)
  kernels::MatmulPrecision matmul = kernels::MatmulPrecision::float32;
  // where the model trains and evaluates: the CPU, or cuda:0 in a build with -DRECGRAD_CUDA=ON
  DeviceType device = DeviceType::cpu;
  Device where() const { return device == DeviceType::cuda ? Device::cuda(0) : Device::cpu(); }
};

// [eval]
struct EvalConfig {
  Ranking ranking = Ranking::full;
  Scoring scoring = Scoring::dot;
  bool exclude_history = true;  // full ranking: drop the input window's items
  std::vector<int> ks{1, 5, 10, 50, 200};
  std::string select_metric = "ndcg@10";  // hit_rate@k or ndcg@k for a k in ks
  int eval_users_max = 10000;             // sampled-100: at most this many users (kang205/SASRec)
};

struct TrainConfig {
  std::string preset;                // the preset's file name
  std::string protocol = "chapter";  // a printed tag, one of protocol_tags() (training/protocols.hpp)
  ModelKind model = ModelKind::sasrec;
  DataConfig data;
  models::SASRecConfig sasrec;  // [sasrec]
  models::HSTUConfig hstu;      // [hstu]
  // TIGER: item content, the RQ-VAE of the semantic IDs, the encoder-decoder ([content], [rqvae], [tiger])
  models::ContentConfig content;
  models::RQVAEConfig rqvae;
  models::TigerConfig tiger;
  TrainSettings train;  // [train]
  EvalConfig eval;      // [eval]
  std::int64_t max_len() const { return model == ModelKind::hstu ? hstu.max_len : sasrec.max_len; }
};

// How a run is done, beside what its preset says: the seed, where the data is and where results go.
struct TrainOptions {
  std::uint64_t seed = 42;
  std::filesystem::path data_dir;
  std::filesystem::path run_dir;   // best.safetensors and last.safetensors are written here (empty: none)
  std::filesystem::path resume;    // a last.safetensors to continue from (empty: start fresh)
  bool progress = true;            // a progress line per epoch (and a live bar on a terminal)
  bool detect_anomaly = false;     // stop at the first op whose forward or backward makes a NaN or an Inf
  double time_budget_minutes = 0;  // stop cleanly with a resumable checkpoint after this long (0: no limit)
  std::function<bool(int, std::size_t)> stop_request;  // LoopOptions::stop_request (tests stop at a given step)
  std::filesystem::path cache_dir = "runs/cache";      // TIGER: content vectors and RQ-VAE codes are cached here
};

}  // namespace recgrad::training
