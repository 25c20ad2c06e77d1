// Tensor basics: creation, views sharing storage, contiguity, broadcasting, dtype casts.
#include <gtest/gtest.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "autograd/allocator.hpp"
#include "autograd/autograd.hpp"

namespace recgrad {
namespace {

TEST(Tensor, CreationAndAccess) {
  Tensor t = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.strides(), (Strides{3, 1}));
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.at({1, 2}), 6.0);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(Tensor::zeros({2, 2}).to_vector<float>(), std::vector<float>(4, 0.0f));
  EXPECT_EQ(Tensor::full({3}, 2.5, DType::f64).to_vector<double>(), std::vector<double>(3, 2.5));
  EXPECT_EQ(Tensor::arange(4).to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(Tensor::scalar(3.0).item(), 3.0);
  EXPECT_THROW(Tensor::from_vector(std::vector<float>{1, 2}, {3}), std::invalid_argument);
}

TEST(Tensor, ViewsShareStorage) {
  Tensor t = Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor tt = transpose(t, 0, 1);
  EXPECT_EQ(tt.shape(), (Shape{3, 2}));
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_EQ(tt.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Tensor s = slice(t, 1, 1, 3);
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{1, 2, 4, 5}));
  t.data<float>()[1] = 10;  // visible through both views
  EXPECT_EQ(tt.at({1, 0}), 10.0);
  EXPECT_EQ(s.at({0, 0}), 10.0);
  Tensor c = tt.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c.to_vector<float>(), tt.to_vector<float>());
  EXPECT_EQ(t.contiguous().impl(), t.impl()) << "contiguous() must not copy a dense tensor";
}

// contiguous(), copy_ and fill_ split large views into one row range per thread: every element must land
// where an element-by-element walk (at()) puts it, with 3 threads so the split is uneven.
TEST(Tensor, LargeViewsCopyAndFillLikeElementByElement) {
  const int threads_before = omp_get_max_threads();
  omp_set_num_threads(3);
  Generator gen(7);
  Tensor base = Tensor::uniform({37, 29, 131}, 0.5, 1.5, gen);  // 140,563 elements, none zero
  Tensor view = slice(permute(base, {2, 0, 1}), 0, 3, 128, 2);  // (63, 37, 29), no unit stride
  ASSERT_GE(view.numel(), 1 << 15) << "the view must reach the parallel path";
  Tensor dense = view.contiguous();
  ASSERT_TRUE(dense.is_contiguous());
  Tensor target_base = Tensor::zeros({37, 29, 131});
  Tensor target = slice(permute(target_base, {2, 0, 1}), 0, 3, 128, 2);
  target.copy_(dense);  // dense source read in place
  for (std::int64_t i = 0; i < 63; ++i)
    for (std::int64_t j = 0; j < 37; ++j)
      for (std::int64_t k = 0; k < 29; ++k) {
        ASSERT_EQ(dense.at({i, j, k}), view.at({i, j, k})) << i << "," << j << "," << k;
        ASSERT_EQ(target.at({i, j, k}), view.at({i, j, k})) << i << "," << j << "," << k;
      }
  const auto written = target_base.to_vector<float>();
  EXPECT_EQ(std::count_if(written.begin(), written.end(), [](float v) { return v != 0.0f; }), view.numel())
      << "copy_ wrote outside the destination view";

  // A source sharing the destination's storage is copied first: shifting by one must not smear.
  Tensor ramp = Tensor::arange(40000, DType::f32);
  slice(ramp, 0, 1, 40000).copy_(slice(ramp, 0, 0, 39999));
  EXPECT_EQ(ramp.at({0}), 0.0);
  EXPECT_EQ(ramp.at({1}), 0.0);
  EXPECT_EQ(ramp.at({39999}), 39998.0);

  // Filling a stretched (stride-0) destination writes its shared memory, and only it.
  Tensor shared = Tensor::zeros({40000});
  expand(shared, {3, 40000}).fill_(2.0);
  EXPECT_EQ(shared.to_vector<float>(), std::vector<float>(40000, 2.0f));

  // zeros() clears a recycled buffer (the caching allocator hands back the memory just freed).
  { Tensor dirty = Tensor::full({600, 1000}, 5.0); }
  const auto cleared = Tensor::zeros({600, 1000}).to_vector<float>();
  EXPECT_EQ(std::count(cleared.begin(), cleared.end(), 0.0f), 600000);
  omp_set_num_threads(threads_before);
}

TEST(Tensor, ExpandIsAZeroStrideView) {
  Tensor b = Tensor::from_vector(std::vector<float>{1, 2, 3}, {3});
  Tensor e = expand(b, {2, 3});
  EXPECT_EQ(e.strides(), (Strides{0, 1}));
  EXPECT_EQ(e.to_vector<float>(), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(e.impl()->storage, b.impl()->storage);
}

TEST(Tensor, Broadcasting) {
  EXPECT_EQ(broadcast_shapes({2, 1, 4}, {3, 1}, "t"), (Shape{2, 3, 4}));
  EXPECT_EQ(broadcast_shapes({}, {5}, "t"), (Shape{5}));
  Tensor a = Tensor::from_vector(std::vector<float>{1, 2}, {2, 1});
  Tensor b = Tensor::from_vector(std::vector<float>{10, 20, 30}, {3});
  EXPECT_EQ((a + b).to_vector<float>(), (std::vector<float>{11, 21, 31, 12, 22, 32}));
}

TEST(Tensor, DtypeCastAndChecks) {
  Tensor t = Tensor::from_vector(std::vector<float>{1.5f, -2.0f}, {2});
  Tensor d = t.to(DType::f64);
  EXPECT_EQ(d.dtype(), DType::f64);
  EXPECT_EQ(d.to_vector<double>(), (std::vector<double>{1.5, -2.0}));
  EXPECT_THROW(t.data<double>(), std::invalid_argument);
  EXPECT_THROW(Tensor::arange(3).requires_grad_(), std::invalid_argument);
}

TEST(Tensor, ReshapeOfNonContiguousCopies) {
  Tensor t = Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor r = reshape(transpose(t, 0, 1), {6});
  EXPECT_EQ(r.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Tensor v = reshape(t, {3, -1});
  EXPECT_EQ(v.shape(), (Shape{3, 2}));
  EXPECT_EQ(v.impl()->storage, t.impl()->storage) << "reshape of a dense tensor is a view";
}

TEST(Tensor, GeneratorIsDeterministic) {
  Generator a(7), b(7), c(8);
  Tensor x = Tensor::randn({100}, a), y = Tensor::randn({100}, b), z = Tensor::randn({100}, c);
  EXPECT_EQ(x.to_vector<float>(), y.to_vector<float>());
  EXPECT_NE(x.to_vector<float>(), z.to_vector<float>());
  double m = 0, s = 0;
  for (float v : Tensor::randn({20000}, a).to_vector<float>()) {
    m += v;
    s += v * v;
  }
  EXPECT_NEAR(m / 20000, 0.0, 0.03);
  EXPECT_NEAR(s / 20000, 1.0, 0.05);
}

TEST(Tensor, Argmin) {
  Tensor x = Tensor::from_vector(std::vector<float>{3, 1, 1, 0, 5, 0}, {2, 3});
  EXPECT_EQ(argmin(x, 1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0})) << "first minimum wins";
  EXPECT_EQ(argmin(x, 0).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 1}));
}

}  // namespace
}  // namespace recgrad

namespace recgrad {
// The caching allocator hands freed blocks back out: zeros() must still be zero on a reused block,
// and empty_cache() must return everything it holds.
TEST(Allocator, ReusedBlocksAreZeroedByZerosAndCacheEmpties) {
  { Tensor t = Tensor::full({1000, 37}, 7.0); }
  EXPECT_GT(allocator::cached_bytes(), 0u);
  const Tensor z = Tensor::zeros({1000, 37});
  for (float v : z.to_vector<float>()) ASSERT_EQ(v, 0.0f);
  allocator::empty_cache();
  EXPECT_EQ(allocator::cached_bytes(), 0u);
}

// The cache keeps at most cache_limit() bytes; by default (no RECGRAD_CACHE_MB) a quarter of the memory,
// at least 2 GiB, so that a whole training step's tensors can be reused.
TEST(Allocator, CacheLimitDefaultAndBound) {
  const std::size_t limit = allocator::cache_limit();
  if (!std::getenv("RECGRAD_CACHE_MB")) {
    const std::size_t memory =
        static_cast<std::size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<std::size_t>(sysconf(_SC_PAGE_SIZE));
    EXPECT_GE(limit, std::size_t(2) << 30);
    EXPECT_GE(limit, memory / 4);
  }
  allocator::empty_cache();
  allocator::cache_limit() = std::size_t(1) << 20;  // 1 MiB
  {
    const Tensor a = Tensor::full({512, 1024}, 1.0), b = Tensor::full({64, 1024}, 1.0);  // 2 MiB and 256 KiB
  }
  EXPECT_LE(allocator::cached_bytes(), std::size_t(1) << 20);  // the 2 MiB block went back to the OS
  EXPECT_GT(allocator::cached_bytes(), 0u);                    // the 256 KiB one is kept
  allocator::cache_limit() = limit;
  allocator::empty_cache();
}

// set_poison(true) makes every new block read NaN, a reused one included; it returns the old setting.
TEST(Allocator, PoisonFillsReusedBlocksWithNaN) {
  { const Tensor warm = Tensor::full({100, 10}, 3.0); }  // leaves a block holding 3s in the cache
  const bool before = allocator::set_poison(true);
  const Tensor fresh = Tensor::empty({100, 10}, DType::f32);
  for (float v : fresh.to_vector<float>()) ASSERT_TRUE(std::isnan(v));
  EXPECT_TRUE(allocator::set_poison(before));
}

// padding_mask: 1 for items, 0 for the padding id, on any layout; integer ids only; never on the tape.
TEST(PaddingMask, MarksItemsOfAnyLayoutAndRecordsNothing) {
  const Tensor ids = Tensor::from_vector(std::vector<std::int64_t>{0, 0, 7, 3, 0, 5}, {2, 3});
  EXPECT_EQ(padding_mask(ids).to_vector<float>(), (std::vector<float>{0, 0, 1, 1, 0, 1}));
  EXPECT_EQ(padding_mask(ids).dtype(), DType::f32);
  EXPECT_EQ(padding_mask(transpose(ids, 0, 1)).to_vector<float>(), (std::vector<float>{0, 1, 0, 0, 1, 1}))
      << "non-contiguous";
  EXPECT_EQ(padding_mask(ids, 7, DType::f64).to_vector<double>(), (std::vector<double>{1, 1, 0, 1, 1, 1}))
      << "another pad id";
  EXPECT_FALSE(padding_mask(ids).requires_grad());
  EXPECT_THROW(padding_mask(Tensor::zeros({2, 3})), std::invalid_argument) << "float ids";
}

}  // namespace recgrad
