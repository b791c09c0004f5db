// Batched matmul and convolution, both on top of gemm().
//
// Convolution is im2col + GEMM: for each group, the input windows of a chunk
// of images are laid out as a (taps x images*positions) matrix, taps =
// (channel, ky, kx), and the group's (out-channels x taps) kernel multiplies it. Input dilation,
// padding (negative = crop), kernel dilation and stride are all resolved while
// building the columns, so the same code runs the forward pass and both
// gradients (which the primitive table expresses as convolutions).
#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "kernels.h"

namespace mst {

namespace {

// Work per thread below which threads cost more than they save.
constexpr double kItemFlops = 4e6;

template <typename T>
void matmul_t(T* out, const T* a, const T* b, const MatmulSpec& s) {
  int64_t nbatch = 1;
  for (int d = 0; d < s.nb; d++) nbatch *= s.bshape[d];
  // flat batch index -> operand offsets
  auto offsets = [&](int64_t bi, int64_t& ao, int64_t& bo) {
    ao = s.aoff;
    bo = s.boff;
    for (int d = s.nb - 1; d >= 0; d--) {
      int64_t i = bi % s.bshape[d];
      bi /= s.bshape[d];
      ao += i * s.astr[d];
      bo += i * s.bstr[d];
    }
  };
  auto one = [&](int64_t bi, int threads) {
    int64_t ao, bo;
    offsets(bi, ao, bo);
    GemmArgs<T> g{s.m, s.n, s.k, a + ao, s.ars, s.acs, b + bo, s.brs, s.bcs, out + bi * s.m * s.n, s.n, 1};
    gemm(g, threads);
  };
  double flops = 2.0 * s.m * s.n * s.k;
  int nt = pool_threads();
  if (nbatch >= 2 && nt > 1 && flops < 8 * kItemFlops) {
    // many small products: one thread per product
    struct Ctx {
      decltype(one)* f;
      int64_t nb;
    } ctx{&one, nbatch};
    int want = static_cast<int>(std::min<int64_t>(nt, nbatch * flops / kItemFlops + 1));
    parallel_run(
        want,
        [](int tid, int n, void* v) {
          Ctx* c = static_cast<Ctx*>(v);
          for (int64_t i = c->nb * tid / n; i < c->nb * (tid + 1) / n; i++) (*c->f)(i, 1);
        },
        &ctx);
    return;
  }
  for (int64_t bi = 0; bi < nbatch; bi++) one(bi, nt);
}

// For one spatial axis: the input coordinate read by kernel tap k at output
// position i (table[k*osize + i]), or -1 on padding or between dilated inputs.
std::vector<int64_t> source_table(int64_t in, int64_t ks, int64_t os, int64_t stride, int64_t pad, int64_t ld,
                                  int64_t rd) {
  std::vector<int64_t> t(ks * os);
  int64_t span = (in - 1) * ld + 1;
  for (int64_t k = 0; k < ks; k++)
    for (int64_t i = 0; i < os; i++) {
      int64_t j = i * stride + k * rd - pad;
      t[k * os + i] = (j >= 0 && j < span && j % ld == 0) ? j / ld : -1;
    }
  return t;
}

template <typename T>
void conv_t(T* out, const T* x, const T* w, const ConvSpec& s) {
  const int64_t N = s.xshape[0], H = s.xshape[2], W = s.xshape[3];
  const int64_t O = s.wshape[0], cg = s.wshape[1], kh = s.wshape[2], kw = s.wshape[3];
  const int64_t oh = s.oshape[2], ow = s.oshape[3], G = s.groups, og = O / G;
  const int64_t plane = oh * ow, taps = cg * kh * kw;
  if (N * O * plane == 0) return;
  // The kernel as a contiguous (O x taps) matrix (it usually already is; the
  // input gradient passes a flipped view).
  const T* wp = w + s.woff;
  bool wcontig = s.wstr[3] == 1 && s.wstr[2] == kw && s.wstr[1] == kh * kw && s.wstr[0] == taps;
  if (!wcontig) {
    T* wc = static_cast<T*>(scratch(2, sizeof(T) * O * taps));
    for (int64_t o = 0; o < O; o++)
      for (int64_t c = 0; c < cg; c++)
        for (int64_t i = 0; i < kh; i++)
          for (int64_t j = 0; j < kw; j++)
            wc[((o * cg + c) * kh + i) * kw + j] = w[s.woff + o * s.wstr[0] + c * s.wstr[1] + i * s.wstr[2] + j * s.wstr[3]];
    wp = wc;
  }
  const bool pointwise = kh == 1 && kw == 1 && s.stride[0] == 1 && s.stride[1] == 1 && s.lhs_dil[0] == 1 &&
                         s.lhs_dil[1] == 1 && s.pad[0] == 0 && s.pad[1] == 0 && s.pad[2] == 0 && s.pad[3] == 0 &&
                         s.xstr[3] == 1 && (s.xstr[2] == W || H == 1);
  const auto rows = source_table(H, kh, oh, s.stride[0], s.pad[0], s.lhs_dil[0], s.rhs_dil[0]);
  const auto cols = source_table(W, kw, ow, s.stride[1], s.pad[2], s.lhs_dil[1], s.rhs_dil[1]);

  const int nt = pool_threads();
  if (pointwise) {
    // a 1x1 convolution is a plain product with each image in place
    for (int64_t bi = 0; bi < N; bi++)
      for (int64_t g = 0; g < G; g++) {
        const T* xb = x + s.xoff + bi * s.xstr[0] + g * cg * s.xstr[1];
        GemmArgs<T> ga{og, plane, taps, wp + g * og * taps, taps, 1, xb, s.xstr[1], 1, out + (bi * O + g * og) * plane, plane, 1};
        gemm(ga, nt);
      }
    return;
  }
  // Images are stacked side by side: the columns of `nb` images form one
  // (taps x nb*plane) matrix and one GEMM serves them all. A per-image GEMM
  // would repack the kernel for every image, which dominates when the
  // kernel is large and the plane small (a kernel gradient: 64 x 6272 by 9).
  const int64_t budget = int64_t(1) << 22;  // elements of im2col per chunk (16 MiB in float32)
  const int64_t nb = std::max<int64_t>(1, std::min<int64_t>(N, budget / std::max<int64_t>(taps * plane, 1)));
  const int64_t width = nb * plane;
  T* col = static_cast<T*>(scratch(3, sizeof(T) * taps * width));
  T* res = static_cast<T*>(scratch(4, sizeof(T) * og * width));
  for (int64_t b0 = 0; b0 < N; b0 += nb) {
    const int64_t cnt = std::min(nb, N - b0);
    for (int64_t g = 0; g < G; g++) {
      // im2col, images split between the threads
      auto fill = [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; i++) {
          const T* xb = x + s.xoff + (b0 + i) * s.xstr[0] + g * cg * s.xstr[1];
          for (int64_t c = 0; c < cg; c++) {
            const T* xc = xb + c * s.xstr[1];
            for (int64_t ky = 0; ky < kh; ky++)
              for (int64_t kx = 0; kx < kw; kx++) {
                T* dst = col + ((c * kh + ky) * kw + kx) * width + i * plane;
                const int64_t* ct = cols.data() + kx * ow;
                for (int64_t oy = 0; oy < oh; oy++, dst += ow) {
                  int64_t sy = rows[ky * oh + oy];
                  if (sy < 0) {
                    std::memset(dst, 0, ow * sizeof(T));
                    continue;
                  }
                  const T* xr = xc + sy * s.xstr[2];
                  for (int64_t ox = 0; ox < ow; ox++) dst[ox] = ct[ox] < 0 ? T(0) : xr[ct[ox] * s.xstr[3]];
                }
              }
          }
        }
      };
      parallel_range(cnt, double(taps * plane), fill, 1);
      GemmArgs<T> ga{og, cnt * plane, taps, wp + g * og * taps, taps, 1, col, width, 1, res, width, 1};
      gemm(ga, nt);
      // (og x images*plane) -> out[image, g*og + o, :]
      for (int64_t i = 0; i < cnt; i++)
        for (int64_t o = 0; o < og; o++)
          std::memcpy(out + ((b0 + i) * O + g * og + o) * plane, res + o * width + i * plane, plane * sizeof(T));
    }
  }
}

}  // namespace

const char* matmul(Arr out, Arr a, Arr b, const MatmulSpec& s) {
  if (a.dt != b.dt || out.dt != a.dt) return "matmul: operands of one dtype expected";
  if (a.dt == DT::F32)
    matmul_t(static_cast<float*>(out.p), static_cast<const float*>(a.p), static_cast<const float*>(b.p), s);
  else if (a.dt == DT::F64)
    matmul_t(static_cast<double*>(out.p), static_cast<const double*>(a.p), static_cast<const double*>(b.p), s);
  else
    return "matmul: float32 or float64 expected";
  return nullptr;
}

const char* conv(Arr out, Arr x, Arr w, const ConvSpec& s) {
  if (x.dt != w.dt || out.dt != x.dt) return "conv: operands of one dtype expected";
  if (s.groups < 1 || s.wshape[0] % s.groups) return "conv: bad groups";
  if (x.dt == DT::F32)
    conv_t(static_cast<float*>(out.p), static_cast<const float*>(x.p), static_cast<const float*>(w.p), s);
  else if (x.dt == DT::F64)
    conv_t(static_cast<double*>(out.p), static_cast<const double*>(x.p), static_cast<const double*>(w.p), s);
  else
    return "conv: float32 or float64 expected";
  return nullptr;
}

}  // namespace mst
