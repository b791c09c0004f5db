// Branch-free exp and log in double precision that compilers vectorise (no
// libm calls, no table lookups), for the float32 fast paths of exp, log, tanh
// and sigmoid. Computed in double and rounded once to float, the results are
// the correctly rounded float (or one ulp off in rare ties).
#pragma once
#include <cstdint>
#include <cstring>

namespace mst {

inline double bits_to_double(uint64_t u) {
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}
inline uint64_t double_to_bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
}

// exp(x): x = k ln2 + r with |r| <= ln2/2, exp(r) by its Taylor series to
// r^13 (truncation < 2e-17), then 2^k applied in two halves so that results
// near overflow and in the subnormal range come out right.
inline double vexp(double x) {
  const double shifter = 0x1.8p52;  // adding it rounds to an integer, kept in the low mantissa bits
  double xc = x < -745.2 ? -745.2 : (x > 709.8 ? 709.8 : x);  // NaN stays NaN
  double kd = xc * 1.4426950408889634 + shifter;
  double k = kd - shifter;
  double r = (xc - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  int64_t ki = static_cast<int64_t>(double_to_bits(kd) - double_to_bits(shifter));
  int64_t k1 = ki >> 1, k2 = ki - k1;
  double s1 = bits_to_double(static_cast<uint64_t>(k1 + 1023) << 52);
  double s2 = bits_to_double(static_cast<uint64_t>(k2 + 1023) << 52);
  return p * s1 * s2;
}

// log(x) for x a float widened to double (so never subnormal): x = 2^e m with
// m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172.
inline double vlog_of_float(double x) {
  uint64_t b = double_to_bits(x);
  // the biased exponent as a double, by planting it in 2^52's mantissa (an
  // int64 -> double conversion would not vectorise before AVX-512DQ)
  double e = bits_to_double(0x4330000000000000ull | ((b >> 52) & 0x7ff)) - (0x1p52 + 1023);
  double m = bits_to_double((b & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
  bool big = m > 1.4142135623730951;
  m = big ? m * 0.5 : m;
  e = big ? e + 1 : e;
  double s = (m - 1) / (m + 1), s2 = s * s;
  double p = 1.0 / 17;
  p = p * s2 + 1.0 / 15;
  p = p * s2 + 1.0 / 13;
  p = p * s2 + 1.0 / 11;
  p = p * s2 + 1.0 / 9;
  p = p * s2 + 1.0 / 7;
  p = p * s2 + 1.0 / 5;
  p = p * s2 + 1.0 / 3;
  p = p * s2 + 1.0;
  double r = e * 0.6931471805599453 + 2 * s * p;
  // the special cases, as selects
  r = x == 0 ? -__builtin_inf() : r;
  r = x < 0 ? __builtin_nan("") : r;
  r = (x != x || x == __builtin_inf()) ? x : r;
  return r;
}

// tanh = (1 - e)/(1 + e) with e = exp(-2|x|); below 1e-4, tanh x rounds to x in float.
inline double vtanh_for_float(double x) {
  double ax = x < 0 ? -x : x;
  double e = vexp(-2 * ax);
  double t = (1 - e) / (1 + e);
  t = x < 0 ? -t : t;
  return ax < 1e-4 ? x : t;
}

// 1/(1 + exp(-x)) without overflow: e = exp(-|x|) in (0, 1].
inline double vsigmoid(double x) {
  double ax = x < 0 ? -x : x;
  double e = vexp(-ax);
  double s = 1 / (1 + e);
  return x != x ? x : (x >= 0 ? s : e * s);
}

}  // namespace mst
