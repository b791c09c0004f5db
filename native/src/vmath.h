// Branch-free elementary functions that compilers vectorise (no libm calls, no
// table lookups) for the float32 fast paths: log in double precision, rounded
// once (the correctly rounded float, or one ulp off in rare ties); exp, tanh
// and sigmoid in single precision (below), within about an ulp.
#pragma once
#include <cstdint>
#include <cstring>

namespace mst {

// The same bits as another type (std::bit_cast before C++20).
template <typename To, typename From>
inline To bits_as(From v) {
  static_assert(sizeof(To) == sizeof(From), "bits_as: sizes differ");
  To r;
  std::memcpy(&r, &v, sizeof(To));
  return r;
}
inline double bits_to_double(uint64_t u) { return bits_as<double>(u); }
inline uint64_t double_to_bits(double d) { return bits_as<uint64_t>(d); }
inline float bits_to_float(uint32_t u) { return bits_as<float>(u); }
inline uint32_t float_to_bits(float f) { return bits_as<uint32_t>(f); }

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

// ---- single precision (the wasm backend's algorithms, src/backend/wasm/gen_math.ts):
// float lanes, twice as many per vector and far shorter polynomials than the
// double forms above, within about an ulp of the correctly rounded result.

// exp: n = round(x log2 e) by the magic-number trick, r = x - n ln2 (two-part
// ln2), Cephes' degree-5 polynomial, then 2^n applied in two halves so that
// subnormal and near-overflow results come out right. NaN passes the clamps.
inline float vexpf(float xin) {
  float x = 88.8f < xin ? 88.8f : xin;
  x = x < -104.0f ? -104.0f : x;
  const float magic = 12582912.0f;  // 1.5 * 2^23
  const float t = x * 1.44269504088896341f + magic;
  const float fx = t - magic;
  const float r = (x - fx * 0.693359375f) - fx * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * (r * r) + r + 1.0f;
  int32_t n1 = int32_t(float_to_bits(t)) - 0x4b400000;
  const int32_t n2 = n1 >> 1;
  n1 -= n2;
  return y * bits_to_float(uint32_t(n1 + 127) << 23) * bits_to_float(uint32_t(n2 + 127) << 23);
}

// tanh: 1 - 2 / (exp(2|x|) + 1) with x's sign above 0.625, x + x^3 P(x^2) below.
inline float vtanhf(float x) {
  const float a = x < 0 ? -x : x;
  const float e = vexpf(a + a);
  float big = 1.0f - 2.0f / (e + 1.0f);
  big = bits_to_float((float_to_bits(big) & 0x7fffffffu) | (float_to_bits(x) & 0x80000000u));
  const float s = x * x;
  float p = -5.70498872745e-3f;
  p = p * s + 2.06390887954e-2f;
  p = p * s + -5.37397155531e-2f;
  p = p * s + 1.33314422036e-1f;
  p = p * s + -3.33332819422e-1f;
  const float small = p * s * x + x;
  return a > 0.625f ? big : small;
}

inline float vsigmoidf(float x) { return 1.0f / (1.0f + vexpf(-x)); }

}  // namespace mst
