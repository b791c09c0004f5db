// Elementwise primitives, select and cast over strided, broadcast views.
// float32 math is done in double and rounded once, as the reference backend
// does, so both backends agree to the last bit wherever libm and V8 agree;
// exp, log, tanh and sigmoid on float32 use the vectorised forms of vmath.h
// (log rounded from double; exp, tanh and sigmoid in single precision, the
// wasm backend's algorithms: within about an ulp of the reference).
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "vmath.h"


namespace mst {

const char* const kUnaryNames[] = {"neg",   "exp",   "log",   "sin",     "cos",        "tan",   "tanh",
                                   "sqrt",  "abs",   "sign",  "floor",   "ceil",       "round", "erf",
                                   "log1p", "expm1", "sigmoid", "reciprocal", "atan", "asin",  "acos",
                                   "sinh",  "cosh",  "logical_not", "isnan", "isinf"};
const int kUnaryCount = sizeof(kUnaryNames) / sizeof(kUnaryNames[0]);
const char* const kBinaryNames[] = {"add",        "sub",           "mul",         "div",       "pow",
                                    "maximum",    "minimum",       "atan2",       "floor_div", "mod",
                                    "equal",      "not_equal",     "less",        "less_equal", "greater",
                                    "greater_equal", "logical_and", "logical_or", "logical_xor"};
const int kBinaryCount = sizeof(kBinaryNames) / sizeof(kBinaryNames[0]);

namespace {

// JS truthiness of a number: NaN and 0 are false.
inline bool truthy(double x) { return x != 0 && x == x; }

inline double sigmoid(double x) {
  if (x >= 0) return 1 / (1 + std::exp(-x));
  double e = std::exp(x);
  return e / (1 + e);
}

// Math.pow, not C's pow: pow(1, NaN) and pow(+-1, +-Inf) are NaN in JS.
inline double js_pow(double a, double b) {
  if (b != b) return NAN;
  if (std::isinf(b) && std::fabs(a) == 1) return NAN;
  return std::pow(a, b);
}

// Python's modulo: the result takes the divisor's sign.
inline double py_mod(double a, double b) {
  double r = std::fmod(a, b);
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

template <typename O, typename I, typename F>
void map1(O* out, const I* x, Strided& s, double cost, F f) {
  coalesce(s);
  parallel_range(s.size(), cost, [&](int64_t a, int64_t b) {
    for_rows(s, a, b, [&](const int64_t* offs, const int64_t* inner, int64_t n, int64_t pos) {
      O* y = out + pos;
      const I* p = x + offs[0];
      int64_t sx = inner[0];
      if (sx == 1)
        for (int64_t i = 0; i < n; i++) y[i] = f(p[i]);
      else
        for (int64_t i = 0; i < n; i++) y[i] = f(p[i * sx]);
    });
  });
}

template <typename O, typename I, typename F>
void map2(O* out, const I* a, const I* b, Strided& s, double cost, F f) {
  coalesce(s);
  parallel_range(s.size(), cost, [&](int64_t lo, int64_t hi) {
    for_rows(s, lo, hi, [&](const int64_t* offs, const int64_t* inner, int64_t n, int64_t pos) {
      O* y = out + pos;
      const I* pa = a + offs[0];
      const I* pb = b + offs[1];
      int64_t sa = inner[0], sb = inner[1];
      // the common layouts get loops the compiler can vectorise
      if (sa == 1 && sb == 1)
        for (int64_t i = 0; i < n; i++) y[i] = f(pa[i], pb[i]);
      else if (sa == 1 && sb == 0) {
        I vb = pb[0];
        for (int64_t i = 0; i < n; i++) y[i] = f(pa[i], vb);
      } else if (sa == 0 && sb == 1) {
        I va = pa[0];
        for (int64_t i = 0; i < n; i++) y[i] = f(va, pb[i]);
      } else
        for (int64_t i = 0; i < n; i++) y[i] = f(pa[i * sa], pb[i * sb]);
    });
  });
}

}  // namespace

// Contiguous float32 runs of exp / log / tanh / sigmoid, vectorised.
bool has_vrow_f32(int op) { return op == kExp || op == kLog || op == kTanh || op == kSigmoid; }
MST_CLONES void vrow_f32(int op, const float* x, float* y, int64_t n) {
  switch (op) {
    case kExp:
      for (int64_t i = 0; i < n; i++) y[i] = vexpf(x[i]);
      break;
    case kLog:
      for (int64_t i = 0; i < n; i++) y[i] = float(vlog_of_float(x[i]));
      break;
    case kTanh:
      for (int64_t i = 0; i < n; i++) y[i] = vtanhf(x[i]);
      break;
    case kSigmoid:
      for (int64_t i = 0; i < n; i++) y[i] = vsigmoidf(x[i]);
      break;
  }
}

namespace {

// true when the float32 fast path ran
bool unary_fast_f32(int op, float* out, const float* x, Strided& s) {
  if (!has_vrow_f32(op)) return false;
  coalesce(s);
  parallel_range(s.size(), 4, [&](int64_t a, int64_t b) {
    float buf[256];
    for_rows(s, a, b, [&](const int64_t* offs, const int64_t* inner, int64_t n, int64_t pos) {
      const float* p = x + offs[0];
      if (inner[0] == 1) {
        vrow_f32(op, p, out + pos, n);
        return;
      }
      // strided: gather a block, then the vector loop
      for (int64_t i0 = 0; i0 < n; i0 += 256) {
        int64_t m = n - i0 < 256 ? n - i0 : 256;
        for (int64_t i = 0; i < m; i++) buf[i] = p[(i0 + i) * inner[0]];
        vrow_f32(op, buf, out + pos + i0, m);
      }
    });
  });
  return true;
}

template <typename T>
const char* unary_t(int op, void* out, const T* x, Strided& s) {
  T* y = static_cast<T*>(out);
  uint8_t* yb = static_cast<uint8_t*>(out);
  // relative costs (in "element copies") decide when to use threads
  constexpr double C = 1, M = 20;
#define U(EXPR) map1(y, x, s, M, [](T v) { double d = v; return T(EXPR); })
#define UC(EXPR) map1(y, x, s, C, [](T v) { double d = v; return T(EXPR); })
  switch (op) {
    case 0: UC(-d); break;
    case 1: U(std::exp(d)); break;
    case 2: U(std::log(d)); break;
    case 3: U(std::sin(d)); break;
    case 4: U(std::cos(d)); break;
    case 5: U(std::tan(d)); break;
    case 6: U(std::tanh(d)); break;
    case 7: UC(std::sqrt(d)); break;
    case 8: UC(std::fabs(d)); break;
    case 9: UC(d > 0 ? 1.0 : d < 0 ? -1.0 : d == 0 ? 0.0 : NAN); break;
    case 10: UC(std::floor(d)); break;
    case 11: UC(std::ceil(d)); break;
    case 12: UC(std::nearbyint(d)); break;  // ties to even in the default rounding mode
    case 13: U(std::erf(d)); break;
    case 14: U(std::log1p(d)); break;
    case 15: U(std::expm1(d)); break;
    case 16: U(sigmoid(d)); break;
    case 17: UC(1.0 / d); break;
    case 18: U(std::atan(d)); break;
    case 19: U(std::asin(d)); break;
    case 20: U(std::acos(d)); break;
    case 21: U(std::sinh(d)); break;
    case 22: U(std::cosh(d)); break;
    case 23: map1(yb, x, s, C, [](T v) { return uint8_t(truthy(v) ? 0 : 1); }); break;
    case 24: map1(yb, x, s, C, [](T v) { return uint8_t(v != v); }); break;
    case 25: map1(yb, x, s, C, [](T v) { return uint8_t(std::isinf(v)); }); break;
    default: return "unknown unary op";
  }
#undef U
#undef UC
  return nullptr;
}

template <typename T>
const char* binary_t(int op, void* out, const T* a, const T* b, Strided& s) {
  T* y = static_cast<T*>(out);
  uint8_t* yb = static_cast<uint8_t*>(out);
  constexpr double C = 1, M = 20;
#define B(COST, EXPR) map2(y, a, b, s, COST, [](T u, T v) { return T(EXPR); })
#define BD(EXPR) map2(y, a, b, s, M, [](T u, T v) { double p = u, q = v; return T(EXPR); })
#define BB(EXPR) map2(yb, a, b, s, C, [](T u, T v) { return uint8_t(EXPR); })
  switch (op) {
    // + - * / are exact after one rounding, so float32 need not go through double
    case 0: B(C, u + v); break;
    case 1: B(C, u - v); break;
    case 2: B(C, u * v); break;
    case 3: B(C, u / v); break;
    case 4: BD(js_pow(p, q)); break;
    case 5: B(C, (u != u || v != v) ? NAN : (u > v ? u : v)); break;
    case 6: B(C, (u != u || v != v) ? NAN : (u < v ? u : v)); break;
    case 7: BD(std::atan2(p, q)); break;
    case 8: BD(std::floor(p / q)); break;
    case 9: BD(py_mod(p, q)); break;
    case 10: BB(u == v); break;
    case 11: BB(u != v); break;
    case 12: BB(u < v); break;
    case 13: BB(u <= v); break;
    case 14: BB(u > v); break;
    case 15: BB(u >= v); break;
    case 16: BB(truthy(u) && truthy(v)); break;
    case 17: BB(truthy(u) || truthy(v)); break;
    case 18: BB(truthy(u) != truthy(v)); break;
    default: return "unknown binary op";
  }
#undef B
#undef BD
#undef BB
  return nullptr;
}

template <typename T>
void copy_t(void* out, const void* x, Strided& s) {
  map1(static_cast<T*>(out), static_cast<const T*>(x), s, 1, [](T v) { return v; });
}

// The common select rows (ReLU and its gradient: a tensor against a broadcast
// zero), written branch-free and cloned per ISA so they vectorise: a branch per
// element on data-dependent conditions mispredicts about half the time.
MST_CLONES void select_row_vs(const uint8_t* c, const uint32_t* a, uint32_t b, uint32_t* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = c[i] ? a[i] : b;
}
MST_CLONES void select_row_sv(const uint8_t* c, uint32_t a, const uint32_t* b, uint32_t* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = c[i] ? a : b[i];
}
MST_CLONES void select_row_vv(const uint8_t* c, const uint32_t* a, const uint32_t* b, uint32_t* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = c[i] ? a[i] : b[i];
}

template <typename T>
void select_t(void* out, const uint8_t* c, const void* x, const void* y, Strided& s) {
  T* o = static_cast<T*>(out);
  const T* px = static_cast<const T*>(x);
  const T* py = static_cast<const T*>(y);
  coalesce(s);
  parallel_range(s.size(), 1, [&](int64_t lo, int64_t hi) {
    for_rows(s, lo, hi, [&](const int64_t* offs, const int64_t* inner, int64_t n, int64_t pos) {
      const uint8_t* pc = c + offs[0];
      const T* a = px + offs[1];
      const T* b = py + offs[2];
      T* y = o + pos;
      if constexpr (sizeof(T) == 4) {
        if (inner[0] == 1 && inner[1] == 1 && inner[2] == 1) return select_row_vv(pc, a, b, y, n);
        if (inner[0] == 1 && inner[1] == 1 && inner[2] == 0) return select_row_vs(pc, a, *b, y, n);
        if (inner[0] == 1 && inner[1] == 0 && inner[2] == 1) return select_row_sv(pc, *a, b, y, n);
      }
      // ReLU-style gradients select between a tensor and a broadcast zero: give those vector loops
      if (inner[0] == 1 && inner[1] == 1 && inner[2] == 1) {
        for (int64_t i = 0; i < n; i++) y[i] = pc[i] ? a[i] : b[i];
      } else if (inner[0] == 1 && inner[1] == 1 && inner[2] == 0) {
        const T vb = *b;
        for (int64_t i = 0; i < n; i++) y[i] = pc[i] ? a[i] : vb;
      } else if (inner[0] == 1 && inner[1] == 0 && inner[2] == 1) {
        const T va = *a;
        for (int64_t i = 0; i < n; i++) y[i] = pc[i] ? va : b[i];
      } else {
        for (int64_t i = 0; i < n; i++) y[i] = pc[i * inner[0]] ? a[i * inner[1]] : b[i * inner[2]];
      }
    });
  });
}

}  // namespace

const char* unary(int op, Arr out, Arr x, Strided& s) {
  if (x.dt == DT::F32 && out.dt == DT::F32 && unary_fast_f32(op, static_cast<float*>(out.p), static_cast<const float*>(x.p), s))
    return nullptr;
  if (x.dt == DT::F32) return unary_t(op, out.p, static_cast<const float*>(x.p), s);
  if (x.dt == DT::F64) return unary_t(op, out.p, static_cast<const double*>(x.p), s);
  return "unary: float32 or float64 input expected";
}

const char* binary(int op, Arr out, Arr a, Arr b, Strided& s) {
  if (a.dt != b.dt) return "binary: operands of one dtype expected";
  if (a.dt == DT::F32) return binary_t(op, out.p, static_cast<const float*>(a.p), static_cast<const float*>(b.p), s);
  if (a.dt == DT::F64) return binary_t(op, out.p, static_cast<const double*>(a.p), static_cast<const double*>(b.p), s);
  return "binary: float32 or float64 input expected";
}

const char* select(Arr out, Arr c, Arr x, Arr y, Strided& s) {
  if (c.esize != 1 || x.esize != y.esize || x.esize != out.esize) return "select: bad operands";
  const uint8_t* pc = static_cast<const uint8_t*>(c.p);
  switch (x.esize) {
    case 1: select_t<uint8_t>(out.p, pc, x.p, y.p, s); break;
    case 2: select_t<uint16_t>(out.p, pc, x.p, y.p, s); break;
    case 4: select_t<uint32_t>(out.p, pc, x.p, y.p, s); break;
    case 8: select_t<uint64_t>(out.p, pc, x.p, y.p, s); break;
    default: return "select: bad element size";
  }
  return nullptr;
}

// Same-type copies of any element size (that is how views are made
// contiguous), float32 <-> float64, and float -> Bool.
const char* cast(Arr out, Arr x, Strided& s) {
  if (out.dt == x.dt) {
    switch (x.esize) {
      case 1: copy_t<uint8_t>(out.p, x.p, s); return nullptr;
      case 2: copy_t<uint16_t>(out.p, x.p, s); return nullptr;
      case 4: copy_t<uint32_t>(out.p, x.p, s); return nullptr;
      case 8: copy_t<uint64_t>(out.p, x.p, s); return nullptr;
      default: return "cast: bad element size";
    }
  }
  if (x.dt == DT::F32 && out.dt == DT::F64) {
    map1(static_cast<double*>(out.p), static_cast<const float*>(x.p), s, 1, [](float v) { return double(v); });
  } else if (x.dt == DT::F64 && out.dt == DT::F32) {
    map1(static_cast<float*>(out.p), static_cast<const double*>(x.p), s, 1, [](double v) { return float(v); });
  } else if (x.dt == DT::F32 && out.dt == DT::U8) {
    map1(static_cast<uint8_t*>(out.p), static_cast<const float*>(x.p), s, 1, [](float v) { return uint8_t(truthy(v)); });
  } else if (x.dt == DT::F64 && out.dt == DT::U8) {
    map1(static_cast<uint8_t*>(out.p), static_cast<const double*>(x.p), s, 1, [](double v) { return uint8_t(truthy(v)); });
  } else {
    return "cast: unsupported dtypes";
  }
  return nullptr;
}

}  // namespace mst
