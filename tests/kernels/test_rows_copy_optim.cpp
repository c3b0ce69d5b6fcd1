// Row gather/scatter, strided copies and the optimiser updates against the reference kernels
// (tests/kernels/reference/).
#include "kernel_test_util.h"
#include "kernels/copy.h"
#include "kernels/optim.h"
#include "kernels/rows.h"
#include "tests/kernels/reference/reference.h"

namespace iqnas::test {
namespace {

using Floats = std::vector<float>;

TEST(Rows, GatherAndScatter) {
  const int64_t N = 9, D = 13;
  const Floats x = randn(static_cast<size_t>(N * D), 61);
  const std::vector<int64_t> idx = {4, 0, 8, 2, 7};
  const int64_t R = int64_t(idx.size());
  Floats y(static_cast<size_t>(R * D)), s(static_cast<size_t>(N * D), -1.f);
  cpu::gather_rows(x.data(), idx.data(), y.data(), R, D);
  EXPECT_EQ(rel_err(y, ref::gather_rows(x, idx, D)), 0.0);
  const Floats before = s;
  cpu::scatter_rows(y.data(), idx.data(), s.data(), R, D);
  EXPECT_EQ(rel_err(s, ref::scatter_rows(y, idx, before, D)), 0.0);  // untouched rows keep their value
}

TEST(Copy, StridedCopiesAndFills) {
  // [3, 4] transposed into [4, 3]; a [2, 3, 5] slice with a step; a single element.
  StridedLayout t;
  t.ndim = 2, t.shape[0] = 4, t.shape[1] = 3;
  t.dst_stride[0] = 3, t.dst_stride[1] = 1, t.src_stride[0] = 1, t.src_stride[1] = 4;
  StridedLayout sl;
  sl.ndim = 3, sl.shape[0] = 2, sl.shape[1] = 3, sl.shape[2] = 5;
  sl.dst_stride[0] = 40, sl.dst_stride[1] = 10, sl.dst_stride[2] = 2;
  sl.src_stride[0] = 15, sl.src_stride[1] = 5, sl.src_stride[2] = 1;
  StridedLayout one;  // ndim 0
  for (const StridedLayout* l : {&t, &sl, &one}) {
    SCOPED_TRACE(::testing::Message() << "ndim " << l->ndim);
    const Floats src = randn(80, 71);
    Floats dst(80, -1.f);
    const Floats before = dst;
    cpu::copy_strided(*l, dst.data(), src.data());
    EXPECT_EQ(rel_err(dst, ref::copy_strided(*l, before, src)), 0.0);
    Floats filled = before;
    cpu::fill_strided(*l, filled.data(), 2.5f);
    EXPECT_EQ(rel_err(filled, ref::fill_strided(*l, before, 2.5)), 0.0);
  }
}

TEST(Optim, SgdVariantsAndEma) {
  const int64_t n = 70001;  // past the parallel threshold
  const size_t un = static_cast<size_t>(n);
  const Floats p0 = randn(un, 81), g = randn(un, 82), buf0 = randn(un, 83);
  for (int variant = 0; variant < 4; ++variant) {
    SgdArgs a;
    a.lr = 0.05f, a.momentum = variant == 3 ? 0.f : 0.9f, a.weight_decay = variant == 2 ? 0.f : 1e-4f;
    a.nesterov = variant == 0, a.first_step = variant == 1;
    SCOPED_TRACE(::testing::Message() << "variant " << variant);
    Floats p = p0, buf = buf0;
    cpu::sgd_step(a, p.data(), g.data(), buf.data(), n);
    const ref::SgdState r = ref::sgd_step(a, p0, g, buf0);
    EXPECT_LT(rel_err(p, r.p), 1e-6);
    EXPECT_LT(rel_err(buf, r.buf), 1e-6);  // momentum 0: untouched
  }
  Floats ema = buf0;
  cpu::ema_update(0.99f, p0.data(), ema.data(), n);
  EXPECT_LT(rel_err(ema, ref::ema_update(0.99, p0, buf0)), 1e-6);
}

}  // namespace
}  // namespace iqnas::test
