// recgrad/autograd/ops.hpp — every differentiable op, as free functions.
//
// Each op is defined in autograd/ops/<family>.cpp: its forward calls a kernel, and its backward rule,
// right below it, gives one gradient per input in the notation of the math. Shapes follow NumPy
// broadcasting where noted. Ops accept float32 or float64 (the same code runs both: training uses
// float32, gradient checks float64); index arguments are int64 tensors.
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/tensor.hpp"

namespace recgrad {

class Generator;

// ---- binary elementwise, broadcasting (ops/binary.cpp) ----
Tensor add(const Tensor& a, const Tensor& b);      // a + b
Tensor sub(const Tensor& a, const Tensor& b);      // a - b
Tensor mul(const Tensor& a, const Tensor& b);      // a ⊙ b
Tensor div(const Tensor& a, const Tensor& b);      // a / b
Tensor pow(const Tensor& a, const Tensor& b);      // a^b (a > 0 where b is non-integer)
Tensor maximum(const Tensor& a, const Tensor& b);  // max(a, b); ties send the gradient to a
// scalar variants
Tensor add(const Tensor& a, double s);
Tensor sub(const Tensor& a, double s);
Tensor rsub(double s, const Tensor& a);  // s - a
Tensor mul(const Tensor& a, double s);
Tensor div(const Tensor& a, double s);
Tensor rdiv(double s, const Tensor& a);  // s / a
Tensor pow(const Tensor& a, double p);   // a^p

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, double s) { return add(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return sub(a, s); }
inline Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, double s) { return div(a, s); }
inline Tensor operator+(double s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(double s, const Tensor& a) { return rsub(s, a); }
inline Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(double s, const Tensor& a) { return rdiv(s, a); }

// ---- unary elementwise (ops/unary.cpp) ----
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);  // 1 / sqrt(x)
Tensor abs(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor silu(const Tensor& x);                         // x · sigmoid(x)
Tensor gelu(const Tensor& x);                         // x · Φ(x), the exact (erf) form
Tensor softplus(const Tensor& x);                     // log(1 + eˣ), stable for large |x|
Tensor clamp(const Tensor& x, double lo, double hi);  // gradient 1 strictly inside (lo, hi)
Tensor clamp_min(const Tensor& x, double lo);
inline Tensor operator-(const Tensor& x) { return neg(x); }

// ---- reductions over axes; empty axes = all (ops/reduce.cpp) ----
Tensor sum(const Tensor& x, std::vector<int> axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, std::vector<int> axes = {}, bool keepdim = false);
Tensor max(const Tensor& x, std::vector<int> axes = {}, bool keepdim = false);  // ties share the gradient
Tensor logsumexp(const Tensor& x, std::vector<int> axes = {}, bool keepdim = false);
// Sums a broadcast gradient back to `shape` (the backward of broadcasting).
Tensor sum_to(const Tensor& g, const Shape& shape);

// ---- matmul (ops/matmul.cpp) ----
// a: (..., M, K), b: (..., K, N) -> (..., M, N); batch dims broadcast; 1-D a or b as in NumPy.
Tensor matmul(const Tensor& a, const Tensor& b);

// ---- views and shape ops (ops/view.cpp) ----
Tensor reshape(const Tensor& x, Shape shape);  // one -1 allowed; a view when x is contiguous
Tensor permute(const Tensor& x, std::vector<int> order);
Tensor transpose(const Tensor& x, int a, int b);
Tensor slice(const Tensor& x, int axis, std::int64_t start, std::int64_t stop, std::int64_t step = 1);
Tensor expand(const Tensor& x, const Shape& shape);  // broadcast to `shape` without copying
Tensor unsqueeze(const Tensor& x, int axis);
Tensor squeeze(const Tensor& x, int axis);

// ---- joining and splitting (ops/join.cpp) ----
Tensor concat(const std::vector<Tensor>& xs, int axis);
Tensor stack(const std::vector<Tensor>& xs, int axis);
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes, int axis);

// ---- softmax family (ops/softmax.cpp; fused kernels, checked against the composition) ----
Tensor softmax(const Tensor& x, int axis = -1);
Tensor log_softmax(const Tensor& x, int axis = -1);

// ---- layer norm over the last axis (ops/layer_norm.cpp) ----
// x: (..., D); gamma, beta: (D) or undefined Tensors for no affine.
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps = 1e-5);

// ---- softmax attention (ops/attention.cpp; fused kernel, checked against the composition) ----
// Q, K, V: (B, H, T, dh); key_valid: (B, T) 1 = real item, 0 = padding (undefined: all real) -> (B, H, T, dh)
//   A = Dropout_p(softmax(Q Kᵀ / √dh + mask)) V, mask = −∞ where j > i or key j is padding; a row that
//   sees no key gets zero weights. `weights`, when given, receives the softmax weights (B, H, T, T).
Tensor causal_attention(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& key_valid, double p,
                        bool training, Generator& gen, Tensor* weights = nullptr);
// The same rule on the projections' outputs, heads side by side, for bidirectional, causal and cross-attention.
// Q: (B, Tq, H·dk), K: (B, Tk, H·dk), V: (B, Tk, H·dv); query_valid: (B, Tq), key_valid: (B, Tk), 1/0 or undefined
// (all real); causal needs Tq == Tk and then reads key_valid for the queries -> (B, Tq, H·dv). A padding query's
// output is 0. `weights` receives P (B, H, Tq, Tk).
Tensor attention(const Tensor& Q, const Tensor& K, const Tensor& V, std::int64_t heads, const Tensor& query_valid,
                 const Tensor& key_valid, bool causal, double p, bool training, Generator& gen,
                 Tensor* weights = nullptr);

// ---- HSTU pointwise attention (ops/hstu_attention.cpp; fused kernel, checked against the composition) ----
// Q, K: (B, H, T, d_qk), V: (B, H, T, d_v); rab: (B or 1, 1, T, T) relative attention bias; key_valid: (B, T) or
// undefined; n: (B) the normaliser (HSTU's code divides by the padded length, a constant) -> (B, H, T, d_v)
//   A = SiLU(Q Kᵀ + rab) / n on j ≤ i and real keys, 0 elsewhere;  out = A V.  `weights` receives A.
Tensor hstu_attention(const Tensor& Q, const Tensor& K, const Tensor& V, const Tensor& rab, const Tensor& key_valid,
                      const Tensor& n, Tensor* weights = nullptr);

// ---- dropout (ops/dropout.cpp) ----
// In training, zeroes each element with probability p and scales the rest by 1/(1-p); identity in eval.
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen);

// ---- indexing (ops/indexing.cpp) ----
// weight: (V, D), ids: int64 of any shape -> (*ids.shape, D); rows equal to padding_idx get no gradient.
Tensor embedding(const Tensor& weight, const Tensor& ids, std::int64_t padding_idx = -1);
Tensor embedding_dot(const Tensor& h, const Tensor& weight, const Tensor& ids);  // (N,D),(V,D),(N,K) -> (N,K)
Tensor index_select(const Tensor& x, int axis, const Tensor& index);             // index: int64 (n)
Tensor gather(const Tensor& x, int axis, const Tensor& index);                   // torch.gather semantics
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);              // cond != 0 ? a : b, broadcasting
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
// ids: int64 of any shape -> the same shape in `dtype`: 1 where ids != pad, 0 where it is padding. No gradient.
Tensor padding_mask(const Tensor& ids, std::int64_t pad = 0, DType dtype = DType::f32);

// ---- losses (ops/loss.cpp) ----
// logits: (N, C), target: int64 (N). Mean over targets != ignore_index (0 if all are ignored).
Tensor cross_entropy(const Tensor& logits, const Tensor& target, std::int64_t ignore_index = -100);

// ---- vector quantisation helpers (ops/vq.cpp) ----
Tensor l2_normalize(const Tensor& x, int axis = -1, double eps = 1e-12);  // x / max(‖x‖, eps)
Tensor pairwise_sq_dist(const Tensor& a, const Tensor& b);                // a: (N, D), b: (K, D) -> (N, K)
Tensor argmin(const Tensor& x, int axis);                                 // int64, first minimum wins; no gradient
// Straight-through estimator: forward value q, gradient passed to x unchanged.  x + sg[q - x]
Tensor straight_through(const Tensor& x, const Tensor& q);

}  // namespace recgrad
