// AVX-512 and AVX2 micro-kernels. Each function carries its own target
// attribute, so this file builds with the default flags and the kernels are
// only ever called after CPU detection has said the instructions exist.
#include "gemm.h"

#include <algorithm>

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

// ---------------------------------------------------------------- transposing packs

// GCC 12's shuffle intrinsics pass _mm512_undefined_*() (a self-initialised
// variable) as the unused merge source, which -Wmaybe-uninitialized (in the
// gathers, -Wuninitialized) reports once inlined here; the value is never read.
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

// In-register transpose of a 16x16 float tile (v[i] = row i in, column i out):
// interleave 32-bit pairs, then 64-bit pairs, then 128-bit lanes twice.
__attribute__((target("avx512f"))) inline void transpose16(__m512 v[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    for (int j = 0; j < 2; j++) {
      __m512d x = _mm512_castps_pd(t[i + j]), y = _mm512_castps_pd(t[i + j + 2]);
      v[i + 2 * j] = _mm512_castpd_ps(_mm512_unpacklo_pd(x, y));
      v[i + 2 * j + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(x, y));
    }
  }
  // v[4q + c] now holds columns c (+4, +8, +12 in the upper 128-bit lanes) of rows 4q..4q+3
  for (int h = 0; h < 16; h += 8)
    for (int c = 0; c < 4; c++) {
      t[h + c] = _mm512_shuffle_f32x4(v[h + c], v[h + 4 + c], 0x88);
      t[h + 4 + c] = _mm512_shuffle_f32x4(v[h + c], v[h + 4 + c], 0xdd);
    }
  for (int c = 0; c < 8; c++) {
    v[c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0x88);
    v[8 + c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0xdd);
  }
}

// The same for an 8x8 double tile: 64-bit pairs, then 128-bit lanes twice.
__attribute__((target("avx512f"))) inline void transpose8(__m512d v[8]) {
  __m512d t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm512_unpacklo_pd(v[i], v[i + 1]);
    t[i + 1] = _mm512_unpackhi_pd(v[i], v[i + 1]);
  }
  // t[2q + c] holds columns c, c+2, c+4, c+6 of rows 2q, 2q+1
  for (int h = 0; h < 8; h += 4)
    for (int c = 0; c < 2; c++) {
      v[h + c] = _mm512_shuffle_f64x2(t[h + c], t[h + 2 + c], 0x88);
      v[h + 2 + c] = _mm512_shuffle_f64x2(t[h + c], t[h + 2 + c], 0xdd);
    }
  for (int c = 0; c < 4; c++) {
    t[c] = _mm512_shuffle_f64x2(v[c], v[4 + c], 0x88);
    t[4 + c] = _mm512_shuffle_f64x2(v[c], v[4 + c], 0xdd);
  }
  for (int i = 0; i < 8; i++) v[i] = t[i];
}

// dst[p*w + r] = src[r*ld + p] in tiles of L rows x L k-steps: each tile is L
// (masked) row loads, one register transpose and L stores of min(L, w - r0)
// lanes. Rows past `rows` load as zeros, which is the panel's padding.
#define MST_PACK_T(NAME, T, V, L, MASK, TRANSPOSE, ZERO, LOADU, MLOADZ, MSTOREU)                   \
  __attribute__((target("avx512f,avx2,fma"))) void NAME(T* dst, int w, const T* src, int64_t ld, \
                                                        int64_t rows, int64_t kc) {              \
    for (int r0 = 0; r0 < w; r0 += L) {                                                           \
      int64_t nr = std::min<int64_t>(L, std::max<int64_t>(0, rows - r0));                         \
      int lanes = std::min(L, w - r0);                                                            \
      MASK smask = static_cast<MASK>((1u << lanes) - 1);                                          \
      const T* s = src + r0 * ld;                                                                 \
      T* d = dst + r0;                                                                            \
      for (int64_t p0 = 0; p0 < kc; p0 += L) {                                                    \
        int np = static_cast<int>(std::min<int64_t>(L, kc - p0));                                 \
        V v[L];                                                                                   \
        if (np == L && nr == L) {                                                                 \
          _Pragma("GCC unroll 16") for (int i = 0; i < L; i++) v[i] = LOADU(s + i * ld + p0);     \
        } else {                                                                                  \
          MASK lmask = static_cast<MASK>((1u << np) - 1);                                         \
          _Pragma("GCC unroll 16") for (int i = 0; i < L; i++) v[i] =                             \
              i < nr ? MLOADZ(lmask, s + i * ld + p0) : ZERO();                                   \
        }                                                                                         \
        TRANSPOSE(v);                                                                             \
        _Pragma("GCC unroll 16") for (int j = 0; j < L; j++) if (j < np) MSTOREU(d + (p0 + j) * w, smask, v[j]); \
      }                                                                                           \
    }                                                                                             \
  }

MST_PACK_T(pack_t_avx512_f32, float, __m512, 16, __mmask16, transpose16, _mm512_setzero_ps, _mm512_loadu_ps,
           _mm512_maskz_loadu_ps, _mm512_mask_storeu_ps)
MST_PACK_T(pack_t_avx512_f64, double, __m512d, 8, __mmask8, transpose8, _mm512_setzero_pd, _mm512_loadu_pd,
           _mm512_maskz_loadu_pd, _mm512_mask_storeu_pd)

#define MST_GATHER_T(NAME, T, V, L, MASK, TRANSPOSE, ZERO, MLOADZ, MSTOREU, STOREU)                 \
  __attribute__((target("avx512f,avx2,fma"))) void NAME(T* dst, int ld, int w, const T* const* src, \
                                                        const uint32_t* mask, int np) {            \
    V v[L];                                                                                       \
    _Pragma("GCC unroll 16") for (int i = 0; i < L; i++) v[i] =                                   \
        i < w ? MLOADZ(static_cast<MASK>(mask[i]), src[i]) : ZERO();                              \
    TRANSPOSE(v);                                                                                 \
    if (w == L) {                                                                                 \
      _Pragma("GCC unroll 16") for (int j = 0; j < L; j++) if (j < np) STOREU(dst + j * ld, v[j]);   \
      return;                                                                                     \
    }                                                                                             \
    MASK smask = static_cast<MASK>((1u << w) - 1);                                                \
    _Pragma("GCC unroll 16") for (int j = 0; j < L; j++) if (j < np) MSTOREU(dst + j * ld, smask, v[j]); \
  }

MST_GATHER_T(gather_t_avx512_f32, float, __m512, 16, __mmask16, transpose16, _mm512_setzero_ps,
             _mm512_maskz_loadu_ps, _mm512_mask_storeu_ps, _mm512_storeu_ps)
MST_GATHER_T(gather_t_avx512_f64, double, __m512d, 8, __mmask8, transpose8, _mm512_setzero_pd,
             _mm512_maskz_loadu_pd, _mm512_mask_storeu_pd, _mm512_storeu_pd)

#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace

// Blocking: kc*nr*sizeof(T) (one packed B micro-panel) stays in L1 while the
// A micro-panels of an mc x kc block stream from L2; see docs/native-backend.md.
bool ukr_avx512(Ukr<float>* f, Ukr<double>* d) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f")) return false;
  *f = {"avx512", 12, 32, 256, 192, 4096, ukr_avx512_f32, pack_t_avx512_f32, gather_t_avx512_f32, 16};
  *d = {"avx512", 12, 16, 192, 96, 2048, ukr_avx512_f64, pack_t_avx512_f64, gather_t_avx512_f64, 8};
  return true;
}

bool ukr_avx2(Ukr<float>* f, Ukr<double>* d) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return false;
  *f = {"avx2", 6, 16, 256, 144, 4096, ukr_avx2_f32, nullptr};
  *d = {"avx2", 6, 8, 256, 72, 2048, ukr_avx2_f64, nullptr};
  return true;
}

}  // namespace mst

#else

namespace mst {
bool ukr_avx512(Ukr<float>*, Ukr<double>*) { return false; }
bool ukr_avx2(Ukr<float>*, Ukr<double>*) { return false; }
}  // namespace mst

#endif
