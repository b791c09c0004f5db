// sum / prod / max / min over any set of axes, accumulated in double (as the
// reference backend does) and rounded once into the output.
#include <cmath>
#include <vector>

#include "kernels.h"

namespace mst {

const char* const kReduceNames[] = {"sum", "prod", "max", "min"};
const int kReduceCount = 4;

namespace {

struct Sum {
  static constexpr double init = 0;
  static double f(double a, double v) { return a + v; }
};
struct Prod {
  static constexpr double init = 1;
  static double f(double a, double v) { return a * v; }
};
// NaN wins, as in NumPy and the reference backend.
struct Max {
  static constexpr double init = -INFINITY;
  static double f(double a, double v) { return (a != a || v != v) ? NAN : (v > a ? v : a); }
};
struct Min {
  static constexpr double init = INFINITY;
  static double f(double a, double v) { return (a != a || v != v) ? NAN : (v < a ? v : a); }
};

// A contiguous run summed in double with eight independent partial sums: the
// compiler keeps them in one vector register, no reassociation needed.
template <typename T>
inline double sum_run(const T* p, int64_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += double(p[i + j]);
  double r = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; i++) r += double(p[i]);
  return r;
}
MST_CLONES double sum_run_f32(const float* p, int64_t n) { return sum_run(p, n); }
MST_CLONES double sum_run_f64(const double* p, int64_t n) { return sum_run(p, n); }
inline double sum_run_any(const float* p, int64_t n) { return sum_run_f32(p, n); }
inline double sum_run_any(const double* p, int64_t n) { return sum_run_f64(p, n); }

// The sum of a whole contiguous tensor: fixed blocks (so the result does not
// depend on the thread count), summed in parallel, then added in order.
template <typename T>
double sum_all_contiguous(const T* p, int64_t n) {
  constexpr int64_t kBlock = 1 << 14;
  const int64_t nb = (n + kBlock - 1) / kBlock;
  std::vector<double> part(size_t(nb), 0.0);
  parallel_range(nb, double(kBlock) / 4, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; b++) {
      const int64_t s = b * kBlock;
      part[size_t(b)] = sum_run_any(p + s, (n - s) < kBlock ? n - s : kBlock);
    }
  }, 1);
  double r = 0;
  for (double v : part) r += v;
  return r;
}

template <typename T, typename Op>
void reduce_t(T* out, const T* x, Strided& s, int64_t nout) {
  coalesce(s);
  if constexpr (Op::init == 0) {
    // a full sum of a contiguous tensor (a loss): blocked, threaded, vectorised
    if (nout == 1 && s.nd == 1 && s.strides[0][0] == 1 && s.shape[0] >= (1 << 15)) {
      out[0] = T(sum_all_contiguous(x + s.offset[0], s.shape[0]));
      return;
    }
  }
  std::vector<double> acc(nout, Op::init);
  double* A = acc.data();
  const int64_t total = s.size();
  for_rows(s, 0, total, [&](const int64_t* offs, const int64_t* inner, int64_t n, int64_t) {
    const T* p = x + offs[0];
    double* a = A + offs[1];
    int64_t sx = inner[0], sa = inner[1];
    if (sa == 0) {
      // the row folds into one output
      double r = *a;
      if (sx == 1 && Op::init == 0) {
        // sum of a contiguous run: four partial sums break the add latency chain
        double r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        int64_t i = 0;
        for (; i + 4 <= n; i += 4) {
          r0 += p[i];
          r1 += p[i + 1];
          r2 += p[i + 2];
          r3 += p[i + 3];
        }
        for (; i < n; i++) r0 += p[i];
        r += (r0 + r1) + (r2 + r3);
      } else {
        for (int64_t i = 0; i < n; i++) r = Op::f(r, p[i * sx]);
      }
      *a = r;
    } else if (sx == 1 && sa == 1) {
      for (int64_t i = 0; i < n; i++) a[i] = Op::f(a[i], p[i]);
    } else {
      for (int64_t i = 0; i < n; i++) a[i * sa] = Op::f(a[i * sa], p[i * sx]);
    }
  });
  for (int64_t i = 0; i < nout; i++) out[i] = T(A[i]);
}

template <typename T>
const char* reduce_dt(int op, void* out, const void* x, Strided& s, int64_t nout) {
  T* o = static_cast<T*>(out);
  const T* p = static_cast<const T*>(x);
  switch (op) {
    case 0: reduce_t<T, Sum>(o, p, s, nout); break;
    case 1: reduce_t<T, Prod>(o, p, s, nout); break;
    case 2: reduce_t<T, Max>(o, p, s, nout); break;
    case 3: reduce_t<T, Min>(o, p, s, nout); break;
    default: return "unknown reduction";
  }
  return nullptr;
}

}  // namespace

const char* reduce(int op, Arr out, Arr x, Strided& s) {
  if (out.dt != x.dt) return "reduce: output dtype must match input";
  if (x.dt == DT::F32) return reduce_dt<float>(op, out.p, x.p, s, out.len);
  if (x.dt == DT::F64) return reduce_dt<double>(op, out.p, x.p, s, out.len);
  return "reduce: float32 or float64 input expected";
}

}  // namespace mst
