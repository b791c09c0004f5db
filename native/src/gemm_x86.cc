// AVX-512 and AVX2 micro-kernels. Each function carries its own target
// attribute, so this file builds with the default flags and the kernels are
// only ever called after CPU detection has said the instructions exist.
#include "gemm.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

namespace mst {
namespace {

// The kernel body: MR rows x NV vectors of accumulators stay in registers for
// the whole k loop; each step loads NV vectors of B and broadcasts MR scalars
// of A. MR*NV accumulators + NV + 1 must fit the register file (32 zmm / 16 ymm).
#define MST_UKR(NAME, TGT, T, V, W, MR, NV, ZERO, LOAD, BCAST, FMA, ADD, STORE)           \
  __attribute__((target(TGT))) void NAME(int64_t k, const T* a, const T* b, T* c,      \
                                         int64_t rsc, bool acc) {                       \
    V t[MR][NV];                                                                        \
    _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++)                               \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) t[i][v] = ZERO();          \
    for (int64_t p = 0; p < k; p++) {                                                   \
      V bv[NV];                                                                         \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) bv[v] = LOAD(b + v * W);     \
      _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++) {                           \
        V ai = BCAST(a[i]);                                                             \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) t[i][v] = FMA(ai, bv[v], t[i][v]); \
      }                                                                                 \
      a += MR;                                                                          \
      b += NV * W;                                                                      \
    }                                                                                   \
    _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++) {                             \
      T* r = c + i * rsc;                                                               \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) {                            \
        V x = acc ? ADD(LOAD(r + v * W), t[i][v]) : t[i][v];                            \
        STORE(r + v * W, x);                                                            \
      }                                                                                 \
    }                                                                                   \
  }

MST_UKR(ukr_avx512_f32, "avx512f,avx2,fma", float, __m512, 16, 12, 2, _mm512_setzero_ps, _mm512_loadu_ps,
        _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_storeu_ps)
MST_UKR(ukr_avx512_f64, "avx512f,avx2,fma", double, __m512d, 8, 12, 2, _mm512_setzero_pd, _mm512_loadu_pd,
        _mm512_set1_pd, _mm512_fmadd_pd, _mm512_add_pd, _mm512_storeu_pd)
MST_UKR(ukr_avx2_f32, "avx2,fma", float, __m256, 8, 6, 2, _mm256_setzero_ps, _mm256_loadu_ps, _mm256_set1_ps,
        _mm256_fmadd_ps, _mm256_add_ps, _mm256_storeu_ps)
MST_UKR(ukr_avx2_f64, "avx2,fma", double, __m256d, 4, 6, 2, _mm256_setzero_pd, _mm256_loadu_pd, _mm256_set1_pd,
        _mm256_fmadd_pd, _mm256_add_pd, _mm256_storeu_pd)

}  // namespace

// Blocking: kc*nr*sizeof(T) (one packed B micro-panel) stays in L1 while the
// A micro-panels of an mc x kc block stream from L2; see docs/native-backend.md.
bool ukr_avx512(Ukr<float>* f, Ukr<double>* d) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f")) return false;
  *f = {"avx512", 12, 32, 256, 192, 4096, ukr_avx512_f32};
  *d = {"avx512", 12, 16, 192, 96, 2048, ukr_avx512_f64};
  return true;
}

bool ukr_avx2(Ukr<float>* f, Ukr<double>* d) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return false;
  *f = {"avx2", 6, 16, 256, 144, 4096, ukr_avx2_f32};
  *d = {"avx2", 6, 8, 256, 72, 2048, ukr_avx2_f64};
  return true;
}

}  // namespace mst

#else

namespace mst {
bool ukr_avx512(Ukr<float>*, Ukr<double>*) { return false; }
bool ukr_avx2(Ukr<float>*, Ukr<double>*) { return false; }
}  // namespace mst

#endif
