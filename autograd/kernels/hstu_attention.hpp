// recgrad/autograd/kernels/hstu_attention.hpp — HSTU's pointwise attention, fused, forward and backward,
// for dense (BH, T, dh) Q, K and (BH, T, dv) V. Same blocking as kernels/attention.hpp (row blocks stop at the
// diagonal, operands packed once per sequence), but no softmax: each weight is its own SiLU.
//
//   Z = Q Kᵀ + rab,  A = SiLU(Z) · inv_n[b] where j ≤ i and key j and query i are real, 0 elsewhere,  O = A V
//   (only each sequence's live window is computed; see live_window in scratch.hpp)
#pragma once
#include <cstdint>

#include "autograd/tensor.hpp"

namespace recgrad::kernels {

struct HstuAttentionDims {
  long B, H, T, dh;  // dh: the width of Q and K
  long dv = 0;       // the width of V (0: the same as dh)
  long v_width() const { return dv > 0 ? dv : dh; }
};

// rab: (B or 1, T, T), rab_batched says which; inv_n: (B) the normaliser 1/N per sequence; key_valid:
// (B, T) 1/0 or nullptr. Writes Z and A (BH, T, T; zero above the diagonal) and O (BH, T, dv).
template <class T>
void hstu_attention_forward(const T* Q, const T* K, const T* V, const T* rab, bool rab_batched, const T* inv_n,
                            const T* key_valid, HstuAttentionDims d, T* Z, T* A, T* O);

// dO (BH, T, dv) -> dQ, dK (BH, T, dh), dV (BH, T, dv) and dZ (BH, T, T) = ∂L/∂(Q Kᵀ + rab), from the saved Z and A.
template <class T>
void hstu_attention_backward(const T* dO, const T* Q, const T* K, const T* V, const T* Z, const T* A, const T* inv_n,
                             const T* key_valid, HstuAttentionDims d, T* dQ, T* dK, T* dV, T* dZ);

// The same two on Tensors (dense operands on one device; outputs allocated by the caller there): the CPU kernels
// above, or the GPU's (kernels/cuda/attention.cu). key_valid may be undefined.
void hstu_attention_forward(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& rab, bool rab_batched,
                            const Tensor& inv_n, const Tensor& key_valid, const HstuAttentionDims& d, Tensor& Z,
                            Tensor& A, Tensor& O);
void hstu_attention_backward(const Tensor& dO, const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& Z,
                             const Tensor& A, const Tensor& inv_n, const Tensor& key_valid, const HstuAttentionDims& d,
                             Tensor& dQ, Tensor& dK, Tensor& dV, Tensor& dZ);

}  // namespace recgrad::kernels
