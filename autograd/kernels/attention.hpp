// recgrad/autograd/kernels/attention.hpp — fused softmax attention, forward and backward, for every
// attention the models use: causal self-attention (SASRec, TIGER's decoder), bidirectional
// self-attention over padded sequences (TIGER's encoder) and cross-attention (TIGER's decoder reading
// the encoder's memory). One (batch, head) at a time, in parallel over them; the Tq × Tk weights are
// computed in row blocks (a causal block stops at the diagonal: the causal half is never multiplied),
// and Kᵀ, V, Q, dO are packed once per (batch, head) for the block GEMMs. Only the live windows count:
// the queries and keys from the first to the last real one.
//
//   S = Q Kᵀ · scale, masked where key j is padding (and where j > i when causal);  P = softmax_j(S)
//   (a padding query's row, and a row with no visible key, gets P = 0);  Pd = dropout(P) with element
//   (b, h, i, j) drawn from gen.bits(base + ((b·H + h)·Tq + i)·Tk + j);  O = Pd V
//
// Q, K, V and O are read and written in place through a HeadLayout, so both (B, H, T, d) tensors and the
// (B, T, H·d) outputs of the projections (heads side by side, no split or merge copy) are accepted.
#pragma once
#include <cstdint>

#include "autograd/tensor.hpp"

namespace recgrad::kernels {

// Element (b, h, i, c) of a 4-d operand is at b·batch + h·head + i·row + c.
struct HeadLayout {
  long batch, head, row;
  static HeadLayout heads_first(long H, long T, long d) { return {H * T * d, T * d, d}; }   // (B, H, T, d)
  static HeadLayout heads_inside(long H, long T, long d) { return {T * H * d, d, H * d}; }  // (B, T, H·d)
};

struct AttentionDims {
  long B, H, Tq, Tk;
  long dh;              // the width of Q and K per head
  long dv;              // the width of V and O per head
  bool causal = false;  // query i sees keys j ≤ i (needs Tq == Tk; the query mask is then the key mask)
  HeadLayout q, k, v, o;
};

struct AttentionDropout {
  double p = 0.0;          // 0: no dropout (Pd is P)
  std::uint64_t key = 0;   // splitmix64(seed) of the generator
  std::uint64_t base = 0;  // its counter for element 0
};

// query_valid: (B, Tq), key_valid: (B, Tk), 1/0 or nullptr (all real; query_valid is ignored when causal).
// Writes P and Pd (B·H, Tq, Tk; Pd may equal P when p = 0) and O (layout d.o).
template <class T>
void attention_forward(const T* Q, const T* K, const T* V, const T* query_valid, const T* key_valid, AttentionDims d,
                       T scale, AttentionDropout drop, T* P, T* Pd, T* O);

// dO (layout d.o) -> dQ, dK, dV (layouts d.q, d.k, d.v), from the saved P and Pd; masks as in the forward.
template <class T>
void attention_backward(const T* dO, const T* Q, const T* K, const T* V, const T* P, const T* Pd, const T* query_valid,
                        const T* key_valid, AttentionDims d, T scale, double p, T* dQ, T* dK, T* dV);

// The same two on Tensors (dense operands; P, Pd, O and dQ, dK, dV allocated by the caller on the operands' device):
// the CPU kernels above, or the GPU's (kernels/cuda/attention.cu). The operands must share one device.
void attention_forward(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& query_valid,
                       const Tensor& key_valid, const AttentionDims& d, double scale, const AttentionDropout& drop,
                       Tensor& P, Tensor& Pd, Tensor& O);
void attention_backward(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& P,
                        const Tensor& Pd, const Tensor& query_valid, const Tensor& key_valid, const AttentionDims& d,
                        double scale, double p, Tensor& dQ, Tensor& dK, Tensor& dV);

}  // namespace recgrad::kernels
