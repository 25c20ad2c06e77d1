// recgrad/models/sequence_model.hpp — what the training loops need from a sequential recommender:
// the outputs F for a batch of item-id sequences, and the item table the scores use (r = F_t · M_iᵀ).
#pragma once
#include "nn/module.hpp"

namespace recgrad::models {

class SequenceModel : public nn::Module {
 public:
  // seq: (B, T) int64 item ids, left-padded with 0 -> F: (B, T, d)
  virtual Tensor forward(const Tensor& seq) const = 0;
  // The item table M: (vocab, d), shared by input and output.
  virtual const Tensor& item_table() const = 0;
};

}  // namespace recgrad::models
