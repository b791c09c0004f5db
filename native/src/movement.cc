// Gathers and scatters along an axis (take_along_axis, scatter_add_along_axis)
// and argmax / argmin: what max pooling is composed of.
#include <type_traits>
#include <vector>

#include "kernels.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mst {

namespace {

// Index arrays are int64 (held in a Float64Array) or int32.
inline int64_t index_at(const Arr& ix, int64_t o) {
  return ix.dt == DT::F64 ? static_cast<int64_t>(static_cast<const double*>(ix.p)[o])
                          : static_cast<int64_t>(static_cast<const int32_t*>(ix.p)[o]);
}

template <typename E>
bool gather_t(E* out, const E* x, const Arr& ix, Strided& s, int64_t dim, int64_t sAxis) {
  bool ok = true;
  for_rows(s, 0, s.size(), [&](const int64_t* offs, const int64_t* inner, int64_t n, int64_t pos) {
    for (int64_t i = 0; i < n; i++) {
      int64_t j = index_at(ix, offs[0] + i * inner[0]);
      if (j < -dim || j >= dim) {
        ok = false;
        return;
      }
      if (j < 0) j += dim;
      out[pos + i] = x[offs[1] + i * inner[1] + j * sAxis];
    }
  });
  return ok;
}

template <typename T>
bool scatter_add_t(T* out, const T* src, const Arr& ix, Strided& s, int64_t dim, int64_t sAxis) {
  bool ok = true;
  for_rows(s, 0, s.size(), [&](const int64_t* offs, const int64_t* inner, int64_t n, int64_t) {
    for (int64_t i = 0; i < n; i++) {
      int64_t j = index_at(ix, offs[0] + i * inner[0]);
      if (j < -dim || j >= dim) {
        ok = false;
        return;
      }
      if (j < 0) j += dim;
      out[offs[2] + i * inner[2] + j * sAxis] += src[offs[1] + i * inner[1]];
    }
  });
  return ok;
}

// The first extreme along the axis; a NaN is the extreme (the first one wins).
template <typename T>
void arg_t(double* out, const T* x, Strided& s, int64_t dim, int64_t sAxis, bool is_max) {
  for_rows(s, 0, s.size(), [&](const int64_t* offs, const int64_t* inner, int64_t n, int64_t pos) {
    for (int64_t i = 0; i < n; i++) {
      const T* p = x + offs[0] + i * inner[0];
      T best = p[0];
      int64_t arg = 0;
      for (int64_t j = 1; j < dim && best == best; j++) {
        T v = p[j * sAxis];
        if (v != v || (is_max ? v > best : v < best)) {
          best = v;
          arg = j;
        }
      }
      out[pos + i] = static_cast<double>(arg);
    }
  });
}

bool is_index(const Arr& a) { return a.dt == DT::F64 || a.dt == DT::I32; }

}  // namespace

const char* gather(Arr out, Arr x, Arr index, Strided& s, int64_t dim, int64_t sAxis) {
  if (!is_index(index) || out.esize != x.esize) return "gather: bad operands";
  coalesce(s);
  bool ok;
  switch (x.esize) {
    case 1: ok = gather_t(static_cast<uint8_t*>(out.p), static_cast<const uint8_t*>(x.p), index, s, dim, sAxis); break;
    case 2: ok = gather_t(static_cast<uint16_t*>(out.p), static_cast<const uint16_t*>(x.p), index, s, dim, sAxis); break;
    case 4: ok = gather_t(static_cast<uint32_t*>(out.p), static_cast<const uint32_t*>(x.p), index, s, dim, sAxis); break;
    case 8: ok = gather_t(static_cast<uint64_t*>(out.p), static_cast<const uint64_t*>(x.p), index, s, dim, sAxis); break;
    default: return "gather: bad element size";
  }
  return ok ? nullptr : "index out of range";
}

const char* scatter_add(Arr out, Arr src, Arr index, Strided& s, int64_t dim, int64_t sAxis) {
  if (!is_index(index) || out.dt != src.dt) return "scatter_add: bad operands";
  coalesce(s);
  bool ok;
  if (src.dt == DT::F32)
    ok = scatter_add_t(static_cast<float*>(out.p), static_cast<const float*>(src.p), index, s, dim, sAxis);
  else if (src.dt == DT::F64)
    ok = scatter_add_t(static_cast<double*>(out.p), static_cast<const double*>(src.p), index, s, dim, sAxis);
  else
    return "scatter_add: float32 or float64 expected";
  return ok ? nullptr : "index out of range";
}

const char* argreduce(bool is_max, Arr out, Arr x, Strided& s, int64_t dim, int64_t sAxis) {
  if (out.dt != DT::F64 || dim < 1) return "argreduce: bad operands";
  coalesce(s);
  if (x.dt == DT::F32)
    arg_t(static_cast<double*>(out.p), static_cast<const float*>(x.p), s, dim, sAxis, is_max);
  else if (x.dt == DT::F64)
    arg_t(static_cast<double*>(out.p), static_cast<const double*>(x.p), s, dim, sAxis, is_max);
  else
    return "argreduce: float32 or float64 expected";
  return nullptr;
}

namespace {

// The usual pooling (2x2 windows, stride 2, float32 rows contiguous), one
// output row at a time. On x86 four windows at a time in SSE2: comparisons
// become lane masks and blends, so the time does not depend on the data (the
// scalar form compiles to jumps, and on ReLU outputs, half zeros, it ran 3-4x
// slower than on random data). Same first-maximum and NaN rule as the scan
// below; positions are exact in float (planes have fewer than 2^24 elements).
void pool2x2_row_f32(const float* r0, const float* r1, int64_t ow, double base, double w, double* out) {
  int64_t ox = 0;
#if defined(__SSE2__)
  const __m128 one = _mm_set1_ps(1.0f), wv = _mm_set1_ps(float(w));
  const __m128 step = _mm_set_ps(6.0f, 4.0f, 2.0f, 0.0f);
  for (; ox + 4 <= ow; ox += 4) {
    const __m128 lo0 = _mm_loadu_ps(r0 + 2 * ox), hi0 = _mm_loadu_ps(r0 + 2 * ox + 4);
    const __m128 lo1 = _mm_loadu_ps(r1 + 2 * ox), hi1 = _mm_loadu_ps(r1 + 2 * ox + 4);
    const __m128 a = _mm_shuffle_ps(lo0, hi0, _MM_SHUFFLE(2, 0, 2, 0)), b = _mm_shuffle_ps(lo0, hi0, _MM_SHUFFLE(3, 1, 3, 1));
    const __m128 c = _mm_shuffle_ps(lo1, hi1, _MM_SHUFFLE(2, 0, 2, 0)), d = _mm_shuffle_ps(lo1, hi1, _MM_SHUFFLE(3, 1, 3, 1));
    auto takes = [](__m128 v, __m128 best) {
      return _mm_or_ps(_mm_cmpgt_ps(v, best), _mm_and_ps(_mm_cmpunord_ps(v, v), _mm_cmpord_ps(best, best)));
    };
    auto blend = [](__m128 m, __m128 x, __m128 y) { return _mm_or_ps(_mm_and_ps(m, x), _mm_andnot_ps(m, y)); };
    __m128 best = a, col = _mm_setzero_ps(), row = _mm_setzero_ps();
    __m128 t = takes(b, best);
    best = blend(t, b, best);
    col = blend(t, one, col);
    t = takes(c, best);
    best = blend(t, c, best);
    col = _mm_andnot_ps(t, col);
    row = blend(t, one, row);
    t = takes(d, best);
    col = blend(t, one, col);
    row = blend(t, one, row);
    const __m128 pos = _mm_add_ps(_mm_add_ps(_mm_set1_ps(float(base + 2.0 * double(ox))), step), _mm_add_ps(_mm_mul_ps(row, wv), col));
    _mm_storeu_pd(out + ox, _mm_cvtps_pd(pos));
    _mm_storeu_pd(out + ox + 2, _mm_cvtps_pd(_mm_movehl_ps(pos, pos)));
  }
#endif
  for (; ox < ow; ox++) {
    float best = r0[2 * ox];
    float off = 0;
    const float v1 = r0[2 * ox + 1], v2 = r1[2 * ox], v3 = r1[2 * ox + 1];
    bool t = (v1 > best) | ((v1 != v1) & (best == best));
    best = t ? v1 : best;
    off = t ? 1.0f : off;
    t = (v2 > best) | ((v2 != v2) & (best == best));
    best = t ? v2 : best;
    off = t ? 2.0f : off;
    t = (v3 > best) | ((v3 != v3) & (best == best));
    off = t ? 3.0f : off;
    // tap k sits at row k / 2, column k % 2 of the window
    const double dk = off;
    const double rk = dk >= 2.0 ? 1.0 : 0.0;
    out[ox] = base + 2.0 * double(ox) + rk * w + (dk - 2.0 * rk);
  }
}

// One plane per task: each window scanned in place, nothing gathered first.
// The comparison is branch-free (a data-dependent branch per tap mispredicts
// about half the time on real activations); a NaN, once taken, stays, since
// nothing compares greater than it and a second NaN does not replace it.
template <typename T>
void pool_argmax_t(double* out, const T* x, const PoolSpec& p) {
  const int64_t plane = p.oh * p.ow, kk = p.kh * p.kw;
  // each tap's offset from its window's corner, in memory and in the flat index
  std::vector<int64_t> off(kk), flat(kk);
  for (int64_t ky = 0; ky < p.kh; ky++)
    for (int64_t kx = 0; kx < p.kw; kx++) {
      off[ky * p.kw + kx] = ky * p.dh * p.str[1] + kx * p.dw * p.str[2];
      flat[ky * p.kw + kx] = ky * p.dh * p.w + kx * p.dw;
    }
  if constexpr (std::is_same_v<T, float>) {
    if (p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2 && p.dh == 1 && p.dw == 1 && p.str[2] == 1 && p.h * p.w < (int64_t(1) << 24)) {
      parallel_range(p.b, double(plane * kk), [&](int64_t lo, int64_t hi) {
        for (int64_t bi = lo; bi < hi; bi++)
          for (int64_t oy = 0; oy < p.oh; oy++) {
            const float* r0 = x + p.off + bi * p.str[0] + 2 * oy * p.str[1];
            pool2x2_row_f32(r0, r0 + p.str[1], p.ow, double(2 * oy * p.w), double(p.w), out + bi * plane + oy * p.ow);
          }
      }, 1);
      return;
    }
  }
  parallel_range(p.b, double(plane * kk), [&](int64_t lo, int64_t hi) {
    for (int64_t bi = lo; bi < hi; bi++) {
      const T* src = x + p.off + bi * p.str[0];
      double* o = out + bi * plane;
      for (int64_t oy = 0; oy < p.oh; oy++) {
        const T* rowp = src + oy * p.sh * p.str[1];
        const int64_t rowi = oy * p.sh * p.w;
        for (int64_t ox = 0; ox < p.ow; ox++) {
          const T* corner = rowp + ox * p.sw * p.str[2];
          T best = corner[0];
          int64_t arg = 0;
          for (int64_t t = 1; t < kk; t++) {
            const T v = corner[off[t]];
            const bool take = (v > best) | ((v != v) & (best == best));
            best = take ? v : best;
            arg = take ? t : arg;
          }
          *o++ = double(rowi + ox * p.sw + flat[arg]);
        }
      }
    }
  }, 1);
}

}  // namespace

const char* pool_argmax(Arr out, Arr x, const PoolSpec& p) {
  if (out.dt != DT::F64) return "pool_argmax: bad output";
  if (x.dt == DT::F32)
    pool_argmax_t(static_cast<double*>(out.p), static_cast<const float*>(x.p), p);
  else if (x.dt == DT::F64)
    pool_argmax_t(static_cast<double*>(out.p), static_cast<const double*>(x.p), p);
  else
    return "pool_argmax: float32 or float64 expected";
  return nullptr;
}

}  // namespace mst
