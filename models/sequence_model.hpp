// recgrad/models/sequence_model.hpp — what the training loops need from a sequential recommender:
// the outputs F for a batch of item-id sequences, and the item table the scores use (r = F_t · M_iᵀ).
#pragma once
#include "models/enum_names.hpp"
#include "nn/module.hpp"

namespace recgrad::models {

// How the item table M starts: U(±0.05) (the chapter's Keras initialiser) or a truncated normal with std 0.02
// (the HSTU paper's code).
enum class ItemInit { uniform, truncated_normal };
inline NameTable<ItemInit> names(ItemInit) {
  return {{ItemInit::uniform, "uniform"}, {ItemInit::truncated_normal, "truncated_normal"}};
}

// Per-token side inputs of an event stream (datasets/event_stream.hpp), each (B, T) int64 beside seq;
// undefined when the data has none. A model uses what its config asks for and ignores the rest.
struct SideInputs {
  Tensor key_time;    // each token's timestamp (seconds)
  Tensor query_time;  // the next token's timestamp (the time the prediction is asked for)
  Tensor actions;     // each token's action (the rating), 0 for none
};

// The absolute position embeddings of a row of T slots: P[0, T) when positions count from the row's
// start (right padding), else P[max_len − T, max_len) (left padding: the last slot is always the newest).
// P: (max_len, d) -> (T, d)
inline Tensor position_rows(const Tensor& P, std::int64_t T, bool from_start) {
  return from_start ? slice(P, 0, 0, T) : slice(P, 0, P.size(0) - T, P.size(0));
}

class SequenceModel : public nn::Module {
 public:
  // seq: (B, T) int64 item ids, padded with 0 -> F: (B, T, d)
  virtual Tensor forward(const Tensor& seq) const = 0;
  // The same with side inputs; models without any use forward(seq).
  virtual Tensor forward(const Tensor& seq, const SideInputs& side) const {
    (void)side;
    return forward(seq);
  }
  // The item table M: (vocab, d), shared by input and output.
  virtual const Tensor& item_table() const = 0;
};

}  // namespace recgrad::models
