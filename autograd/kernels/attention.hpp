// recgrad/autograd/kernels/attention.hpp — fused causal softmax attention, forward and backward, for
// dense (BH, T, dh) Q, K, V. One sequence (b, h) at a time, in parallel over sequences; the T × T
// weights are computed in row blocks that stop at the diagonal (the causal half is never multiplied),
// and Kᵀ, V, Q, dO are packed once per sequence for the block GEMMs.
//
//   S = Q Kᵀ · scale, masked where j > i or key j is padding;  P = softmax_j(S)  (a padding query's row,
//   and a row with no visible key, gets P = 0);  Pd = dropout(P) with element (bh, i, j) drawn from gen.bits(base +
//   (bh·T + i)·T + j); O = Pd V
#pragma once
#include <cstdint>

namespace recgrad::kernels {

struct AttentionDims {
  long B, H, T, dh;  // dh: the width of Q and K
  long dv = 0;       // the width of V (0: the same as dh)
  long v_width() const { return dv > 0 ? dv : dh; }
};

struct AttentionDropout {
  double p = 0.0;          // 0: no dropout (Pd is P)
  std::uint64_t key = 0;   // splitmix64(seed) of the generator
  std::uint64_t base = 0;  // its counter for element 0
};

// key_valid: (B, T) 1/0 or nullptr (every key visible). Writes P and Pd (BH, T, T; Pd may equal P when
// p = 0) and O (BH, T, dh).
template <class T>
void causal_attention_forward(const T* Q, const T* K, const T* V, const T* key_valid, AttentionDims d, T scale,
                              AttentionDropout drop, T* P, T* Pd, T* O);

// dO (BH, T, dh) -> dQ, dK, dV (BH, T, dh), from the saved P and Pd; key_valid as in the forward.
template <class T>
void causal_attention_backward(const T* dO, const T* Q, const T* K, const T* V, const T* P, const T* Pd,
                               const T* key_valid, AttentionDims d, T scale, double p, T* dQ, T* dK, T* dV);

}  // namespace recgrad::kernels
