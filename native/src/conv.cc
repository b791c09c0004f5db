// Batched matmul and convolution, both on top of the GEMM's micro-kernels.
//
// Convolution is an implicit GEMM (see conv_t): the input windows are packed
// straight into the micro-kernel's panels, taps = (channel, ky, kx), and
// multiplied by the group's kernel, without materialising an im2col matrix.
// Input dilation, padding (negative = crop), kernel dilation and stride are
// all resolved while packing, so the same code runs the forward pass and both
// gradients (which the primitive table expresses as convolutions).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <type_traits>
#include <vector>

#include "gemm.h"
#include "kernels.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

namespace mst {

namespace {

// k blocked into equal slices of at most `most`.
int64_t balanced_k(int64_t total, int64_t most) {
  int64_t nb = (total + most - 1) / most;
  return (total + nb - 1) / nb;
}

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

// ---------------------------------------------------------------- implicit GEMM
//
// The convolution as a product whose rows are output positions (image, oy,
// ox) and whose columns are the group's output channels: C = A * B with
// A[r][p] = input under tap p = (c, ky, kx) at position r, B[p][o] = w[o][p].
// A's micro-panels (MR positions x kc taps) are packed straight from the
// input, which stays cache-resident, instead of writing and re-reading an
// im2col matrix (written and read back once, with only the out-channels to
// reuse it, that product was memory-bound); B (the kernel) is packed once per
// group and shared by the threads. This orientation puts the channel count
// (32, 64, ...) on the micro-kernel's NR and the long position axis on MR, so
// little of a tile is padding, also for a kernel gradient (taps =
// images*positions, few positions: 9 by 6272). Each thread owns whole chunks
// of positions and sums every tap in the same kc blocks (or fixed segments,
// see conv_t), so the result does not depend on the number of threads. The
// C tiles (positions x channels) are transposed into the NCHW output.

struct Geo {
  int64_t N, C, H, W, O, cg, kh, kw, oh, ow, G, og, plane, taps;
  const int64_t *rows, *cols;  // source tables (see source_table)
};

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define MST_CONV_X86 1
// A panel (dst[p*12 + i], 12 positions) for taps [p0, p0+kc) when the input's
// rows are read contiguously: column stride 1, no input dilation along x and
// unit x-strides. The positions fall into runs along one output row; each run
// under each tap is one masked load (lanes outside the input read as zero,
// and masked-off lanes are never touched).
__attribute__((target("avx512f,avx2,fma"))) void pack_rows_avx512(float* dst, const float* xg, const ConvSpec& s,
                                                                 const Geo& q, int64_t r0, int64_t nvalid,
                                                                 int64_t p0, int64_t kc) {
  constexpr int MR = 12;
  struct Run {
    int i0, len;
    int64_t base;  // image offset
    int64_t oy, sx0;  // output row, source column of the first position with kx = 0
  } runs[MR];
  int nr = 0;
  for (int64_t i = 0; i < nvalid;) {
    int64_t r = r0 + i, img = r / q.plane, pos = r % q.plane, oy = pos / q.ow, ox = pos % q.ow;
    int len = static_cast<int>(std::min<int64_t>(nvalid - i, q.ow - ox));
    runs[nr++] = {static_cast<int>(i), len, img * s.xstr[0], oy, ox - s.pad[2]};
    i += len;
  }
  // Each panel row is built in a register (run k's lanes loaded at lane
  // offset i0 from the address i0 elements early; lanes of no run stay zero)
  // and stored whole: 16 lanes, so it spills 4 into the next row, which is
  // written after it (the buffer has room past the last). Masked stores are
  // slow on some cores (Zen 4), masked loads are not.
  const __m512 zero = _mm512_setzero_ps();
  const int64_t kk_n = q.kh * q.kw, rd = s.rhs_dil[1];
  // Per (ky, kx) and run: the source offset within a channel and the load
  // mask (empty on padding rows), so that each tap is a load per run.
  constexpr int kMaxKK = 49;
  int64_t off[kMaxKK][MR];
  __mmask16 lmk[kMaxKK][MR];
  auto entry = [&](int64_t ky, int64_t kx, int k, int64_t& o, __mmask16& m) {
    const Run& u = runs[k];
    int64_t sy = q.rows[ky * q.oh + u.oy], sx = u.sx0 + kx * rd;
    int64_t lo = std::max<int64_t>(0, -sx), hi = std::min<int64_t>(u.len, q.W - sx);
    bool ok = sy >= 0 && hi > lo;
    m = ok ? static_cast<__mmask16>((((1u << hi) - 1) & ~((1u << lo) - 1)) << u.i0) : 0;
    o = ok ? u.base + sy * s.xstr[2] + sx - u.i0 : 0;
  };
  const bool tabled = kk_n <= kMaxKK && kc >= kk_n;
  if (tabled)
    for (int64_t kk = 0; kk < kk_n; kk++)
      for (int k = 0; k < nr; k++) entry(kk / q.kw, kk % q.kw, k, off[kk][k], lmk[kk][k]);
  int64_t c = p0 / kk_n, kk = p0 % kk_n;
  for (int64_t p = 0; p < kc; p++) {
    const float* xc = xg + c * s.xstr[1];
    __m512 v = zero;
    if (tabled) {
      for (int k = 0; k < nr; k++) v = _mm512_mask_loadu_ps(v, lmk[kk][k], xc + off[kk][k]);
    } else {
      for (int k = 0; k < nr; k++) {
        int64_t o;
        __mmask16 m;
        entry(kk / q.kw, kk % q.kw, k, o, m);
        v = _mm512_mask_loadu_ps(v, m, xc + o);
      }
    }
    _mm512_storeu_ps(dst + p * MR, v);
    if (++kk == kk_n) kk = 0, c++;
  }
}
#endif

// A panel when each position reads its taps along an input row: kernel
// x-dilation 1, no input dilation along x and unit x-strides, so taps
// (c, ky, kx..kx+L) of one position are one run of the input row, and the
// ISA's transposing gather turns MR such runs into L rows of the panel. This
// is the kernel gradient's shape (the cotangent plane as a long kernel, few
// output positions), where runs along the output rows would be short.
template <typename T>
void pack_taps(T* dst, int MR, const Ukr<T>& u, const T* xg, const ConvSpec& s, const Geo& q, int64_t r0,
               int64_t nvalid, int64_t p0, int64_t kc) {
  const int L = u.gather_l;
  int64_t base[16], oy[16], sx0[16];
  for (int64_t i = 0; i < nvalid; i++) {
    int64_t r = r0 + i, pos = r % q.plane;
    base[i] = (r / q.plane) * s.xstr[0];
    oy[i] = pos / q.ow;
    sx0[i] = (pos % q.ow) * s.stride[1] - s.pad[2];
  }
  const T* src[16];
  uint32_t mask[16];
  int64_t c = p0 / (q.kh * q.kw), ky = p0 / q.kw % q.kh, kx = p0 % q.kw;
  for (int64_t p = 0; p < kc;) {
    const int np = static_cast<int>(std::min<int64_t>({L, q.kw - kx, kc - p}));
    const T* xc = xg + c * s.xstr[1];
    const int64_t* rt = q.rows + ky * q.oh;
    for (int i = 0; i < MR; i++) {
      src[i] = xc;
      mask[i] = 0;
      if (i >= nvalid) continue;
      int64_t sy = rt[oy[i]], sx = sx0[i] + kx;
      int64_t lo = std::max<int64_t>(0, -sx), hi = std::min<int64_t>(np, q.W - sx);
      if (sy < 0 || hi <= lo) continue;
      src[i] = xc + base[i] + sy * s.xstr[2] + sx;
      mask[i] = ((1u << hi) - 1) & ~((1u << lo) - 1);
    }
    for (int i0 = 0; i0 < MR; i0 += L) u.gather_t(dst + p * MR + i0, MR, std::min(L, MR - i0), src + i0, mask + i0, np);
    p += np;
    kx += np;
    if (kx == q.kw) {
      kx = 0;
      if (++ky == q.kh) ky = 0, c++;
    }
  }
}

// The same for any parameters, one element at a time.
template <typename T>
void pack_any(T* dst, int MR, const T* xg, const ConvSpec& s, const Geo& q, int64_t r0, int64_t nvalid, int64_t p0,
              int64_t kc) {
  int64_t base[16], oy[16], ox[16];
  for (int64_t i = 0; i < nvalid; i++) {
    int64_t r = r0 + i, pos = r % q.plane;
    base[i] = (r / q.plane) * s.xstr[0];
    oy[i] = pos / q.ow;
    ox[i] = pos % q.ow;
  }
  int64_t c = p0 / (q.kh * q.kw), ky = p0 / q.kw % q.kh, kx = p0 % q.kw;
  for (int64_t p = 0; p < kc; p++) {
    T* d = dst + p * MR;
    const T* xc = xg + c * s.xstr[1];
    const int64_t *rt = q.rows + ky * q.oh, *ct = q.cols + kx * q.ow;
    int64_t i = 0;
    for (; i < nvalid; i++) {
      int64_t sy = rt[oy[i]], sx = ct[ox[i]];
      d[i] = (sy < 0 || sx < 0) ? T(0) : xc[base[i] + sy * s.xstr[2] + sx * s.xstr[3]];
    }
    for (; i < MR; i++) d[i] = T(0);
    if (++kx == q.kw) {
      kx = 0;
      if (++ky == q.kh) ky = 0, c++;
    }
  }
}

template <typename T>
struct ConvJob {
  const ConvSpec* s;
  const Geo* q;
  const Ukr<T>* u;
  T* out;
  const T* xg;   // input at this group's first channel
  const T* pb;   // packed kernel of this group, or null: each job packs its blocks
  const T* w;
  int64_t g, kcb, ogp, chunk, nchunks, rtotal;
  int64_t segk, nseg;  // taps split into nseg segments of segk (see conv_t)
  T* partial;          // nseg > 1: each segment's (positions x ogp) sums
  int mode;  // 0: pack_any, 1: pack_rows_avx512, 2: pack_taps
  bool few;  // few_avx512 instead of the micro-kernel
  std::atomic<int64_t> next{0};
};

#ifdef MST_CONV_X86
// Few output channels per group (depthwise: one): the micro-kernel would
// compute NR channels, most of them padding, so each channel is instead a
// sum over taps of the panel's rows (12 positions, read as 16 lanes: the
// packing buffer has room past its end, and lanes past 12 are dropped).
// Channels go four at a time (B's panel is zero past og, so some may be
// padding), each with its own accumulator.
__attribute__((target("avx512f,avx2,fma"))) void few_avx512(int64_t kc, const float* pa, int mr, const float* bp,
                                                           int nr, float* crow, int64_t ldc, int64_t og, bool acc) {
  for (int64_t o0 = 0; o0 < og; o0 += 4) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t p = 0; p < kc; p++) {
      const __m512 r = _mm512_loadu_ps(pa + p * mr);
      const float* b = bp + p * nr + o0;
      a0 = _mm512_fmadd_ps(r, _mm512_set1_ps(b[0]), a0);
      a1 = _mm512_fmadd_ps(r, _mm512_set1_ps(b[1]), a1);
      a2 = _mm512_fmadd_ps(r, _mm512_set1_ps(b[2]), a2);
      a3 = _mm512_fmadd_ps(r, _mm512_set1_ps(b[3]), a3);
    }
    alignas(64) float t[4][16];
    _mm512_store_ps(t[0], a0);
    _mm512_store_ps(t[1], a1);
    _mm512_store_ps(t[2], a2);
    _mm512_store_ps(t[3], a3);
    for (int k = 0; k < 4 && o0 + k < og; k++)
      for (int i = 0; i < mr; i++) {
        float* d = crow + i * ldc + o0 + k;
        *d = acc ? *d + t[k][i] : t[k][i];
      }
  }
}
#endif

// Positions [ra, rb) of C (rows ogp apart) -> out[image, g*og + o, position].
template <typename T>
void scatter(const ConvJob<T>& j, const T* cb, int64_t ra, int64_t rb) {
  const Geo& q = *j.q;
  const Ukr<T>& u = *j.u;
  for (int64_t r = ra; r < rb;) {
    const int64_t img = r / q.plane, pos = r % q.plane, len = std::min(rb - r, q.plane - pos);
    T* ob = j.out + (img * q.O + j.g * q.og) * q.plane + pos;
    const T* cr = cb + (r - ra) * j.ogp;
    if (u.gather_t && q.og >= 4) {
      // L x L transposes: L positions' channels in, L channels' positions out
      const int L = u.gather_l;
      const T* src[16];
      uint32_t mask[16];
      for (int64_t i0 = 0; i0 < len; i0 += L) {
        const int w = static_cast<int>(std::min<int64_t>(L, len - i0));
        for (int64_t o0 = 0; o0 < q.og; o0 += L) {
          const int np = static_cast<int>(std::min<int64_t>(L, q.og - o0));
          for (int t = 0; t < w; t++) {
            src[t] = cr + (i0 + t) * j.ogp + o0;
            mask[t] = (1u << np) - 1;
          }
          u.gather_t(ob + o0 * q.plane + i0, static_cast<int>(q.plane), w, src, mask, np);
        }
      }
    } else {
      for (int64_t o = 0; o < q.og; o++) {
        T* od = ob + o * q.plane;
        for (int64_t i = 0; i < len; i++) od[i] = cr[i * j.ogp + o];
      }
    }
    r += len;
  }
}

// Jobs are (chunk of positions, segment of taps) pairs taken from a counter.
template <typename T>
void conv_chunks(int, int, void* v) {
  ConvJob<T>& j = *static_cast<ConvJob<T>*>(v);
  const ConvSpec& s = *j.s;
  const Geo& q = *j.q;
  const Ukr<T>& u = *j.u;
  const int MR = u.mr, NR = u.nr;
  T* pa = static_cast<T*>(scratch(3, sizeof(T) * (MR * j.kcb + 16)));
  T* cbt = j.nseg > 1 ? nullptr : static_cast<T*>(scratch(4, sizeof(T) * j.chunk * j.ogp));
  T* pbt = j.pb ? nullptr : static_cast<T*>(scratch(6, sizeof(T) * j.kcb * j.ogp));
  for (int64_t job; (job = j.next.fetch_add(1, std::memory_order_relaxed)) < j.nchunks * j.nseg;) {
    const int64_t ch = job / j.nseg, sg = job % j.nseg;
    const int64_t ra = ch * j.chunk, rb = std::min(j.rtotal, ra + j.chunk);
    const int64_t k0 = sg * j.segk, k1 = std::min(q.taps, k0 + j.segk);
    T* cb = j.nseg > 1 ? j.partial + sg * j.chunk * j.ogp : cbt;  // (one chunk then)
    for (int64_t pc = k0; pc < k1; pc += j.kcb) {
      const int64_t kc = std::min(j.kcb, q.taps - pc);
      const T* bblk = j.pb ? j.pb + pc * j.ogp : pbt;
      if (!j.pb) pack_kernel(pbt, j.w, s, q, u, j.g, j.ogp, pc, kc);
      for (int64_t r = ra; r < rb; r += MR) {
        const int64_t nv = std::min<int64_t>(MR, rb - r);
        if (j.mode == 2) {
          pack_taps(pa, MR, u, j.xg, s, q, r, nv, pc, kc);
        } else {
#ifdef MST_CONV_X86
          if constexpr (std::is_same_v<T, float>) {
            if (j.mode == 1)
              pack_rows_avx512(pa, j.xg, s, q, r, nv, pc, kc);
            else
              pack_any(pa, MR, j.xg, s, q, r, nv, pc, kc);
          } else
#endif
            pack_any(pa, MR, j.xg, s, q, r, nv, pc, kc);
        }
        T* crow = cb + (r - ra) * j.ogp;
#ifdef MST_CONV_X86
        if constexpr (std::is_same_v<T, float>)
          if (j.few) {
            few_avx512(kc, pa, MR, bblk, NR, crow, j.ogp, q.og, pc > k0);
            continue;
          }
#endif
          for (int64_t jr = 0; jr < j.ogp; jr += NR) u.fn(kc, pa, bblk + jr * kc, crow + jr, j.ogp, pc > k0);
      }
    }
    if (j.nseg == 1) scatter(j, cb, ra, rb);
  }
}

// K-block [pc, pc+kc) of the group's kernel as B panels: panel jr at d + jr*kc,
// d[p*NR + o] = w[g*og + jr + o][pc + p] (zero past og).
template <typename T>
void pack_kernel(T* d0, const T* w, const ConvSpec& s, const Geo& q, const Ukr<T>& u, int64_t g, int64_t ogp,
                 int64_t pc, int64_t kc) {
  const int NR = u.nr;
  const int64_t kh = q.kh, kw = q.kw;
  for (int64_t jr = 0; jr < ogp; jr += NR) {
    T* d = d0 + jr * kc;
    const int64_t nr = std::min<int64_t>(NR, q.og - jr);
    const T* wo = w + s.woff + (g * q.og + jr) * s.wstr[0];
    int64_t c = pc / (kh * kw), ky = pc / kw % kh, kx = pc % kw;
    for (int64_t p = 0; p < kc;) {
      const T* wt = wo + c * s.wstr[1] + ky * s.wstr[2] + kx * s.wstr[3];
      int64_t np = 1;
      if (u.gather_t && s.wstr[3] == 1) {
        // a run of kx: each channel's taps are contiguous, a transpose
        const int L = u.gather_l;
        np = std::min<int64_t>({L, kw - kx, kc - p});
        const T* src[16];
        uint32_t mask[16];
        for (int64_t o0 = 0; o0 < NR; o0 += L) {
          for (int t = 0; t < L; t++) {
            src[t] = wt + (o0 + t) * s.wstr[0];
            mask[t] = o0 + t < nr ? (1u << np) - 1 : 0;
          }
          u.gather_t(d + p * NR + o0, NR, std::min<int>(L, NR - static_cast<int>(o0)), src, mask, static_cast<int>(np));
        }
      } else {
        T* dp = d + p * NR;
        for (int64_t o = 0; o < nr; o++) dp[o] = wt[o * s.wstr[0]];
        for (int64_t o = nr; o < NR; o++) dp[o] = T(0);
      }
      p += np;
      kx += np;
      if (kx == kw) {
        kx = 0;
        if (++ky == kh) ky = 0, c++;
      }
    }
  }
}

// The explicit form, kept for the parameters the implicit packing has no fast
// path for (input dilation or strides along x, float64 small kernels) and for
// many small groups (depthwise): the input windows of a chunk of images as a
// (taps x images*positions) matrix, one GEMM per group and chunk.
template <typename T>
void conv_im2col(T* out, const T* x, const T* wp, const ConvSpec& s, const std::vector<int64_t>& rows,
                 const std::vector<int64_t>& cols) {
  const int64_t N = s.xshape[0];
  const int64_t O = s.wshape[0], cg = s.wshape[1], kh = s.wshape[2], kw = s.wshape[3];
  const int64_t oh = s.oshape[2], ow = s.oshape[3], G = s.groups, og = O / G;
  const int64_t plane = oh * ow, taps = cg * kh * kw;
  const int nt = pool_threads();
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

template <typename T>
void conv_t(T* out, const T* x, const T* w, const ConvSpec& s) {
  const int64_t N = s.xshape[0], H = s.xshape[2], W = s.xshape[3];
  const int64_t O = s.wshape[0], cg = s.wshape[1], kh = s.wshape[2], kw = s.wshape[3];
  const int64_t oh = s.oshape[2], ow = s.oshape[3], G = s.groups, og = O / G;
  const int64_t plane = oh * ow, taps = cg * kh * kw;
  if (N * O * plane == 0) return;
  if (taps == 0) {
    std::memset(out, 0, sizeof(T) * N * O * plane);
    return;
  }
  const Ukr<T>& u = ukr<T>();
  const int nt = pool_threads();
  const bool pointwise = kh == 1 && kw == 1 && s.stride[0] == 1 && s.stride[1] == 1 && s.lhs_dil[0] == 1 &&
                         s.lhs_dil[1] == 1 && s.pad[0] == 0 && s.pad[1] == 0 && s.pad[2] == 0 && s.pad[3] == 0 &&
                         s.xstr[3] == 1 && (s.xstr[2] == W || H == 1);
  if (pointwise) {
    // a 1x1 convolution is a plain product with each image in place
    const T* wp = w + s.woff;
    if (!(s.wstr[1] == 1 && s.wstr[0] == taps)) {
      T* wc = static_cast<T*>(scratch(2, sizeof(T) * O * taps));
      for (int64_t o = 0; o < O; o++)
        for (int64_t c = 0; c < cg; c++) wc[o * cg + c] = w[s.woff + o * s.wstr[0] + c * s.wstr[1]];
      wp = wc;
    }
    for (int64_t bi = 0; bi < N; bi++)
      for (int64_t g = 0; g < G; g++) {
        const T* xb = x + s.xoff + bi * s.xstr[0] + g * cg * s.xstr[1];
        GemmArgs<T> ga{og, plane, taps, wp + g * og * taps, taps, 1, xb, s.xstr[1], 1, out + (bi * O + g * og) * plane, plane, 1};
        gemm(ga, nt);
      }
    return;
  }
  const auto rows = source_table(H, kh, oh, s.stride[0], s.pad[0], s.lhs_dil[0], s.rhs_dil[0]);
  const auto cols = source_table(W, kw, ow, s.stride[1], s.pad[2], s.lhs_dil[1], s.rhs_dil[1]);
  Geo q{N, s.xshape[1], H, W, O, cg, kh, kw, oh, ow, G, og, plane, taps, rows.data(), cols.data()};
  const int NR = u.nr, MR = u.mr;
  const int64_t ogp = (og + NR - 1) / NR * NR;
  const int64_t kcb = balanced_k(taps, u.kc);
  T* pb = nullptr;
  // chunks of positions: a few per thread, each a multiple of MR, with its
  // (positions x ogp) accumulator kept small enough for L2
  const int64_t rtotal = N * plane;
  const double flops = 2.0 * double(rtotal) * og * taps;
  int64_t want = std::max<int64_t>(1, std::min<int64_t>(nt, int64_t(flops / 2e6) + 1));
  int64_t cmax = std::max<int64_t>(MR, (int64_t(64) * 1024 / (sizeof(T) * ogp)) / MR * MR);
  int64_t nch = std::max<int64_t>(want * 4, (rtotal + cmax - 1) / cmax);
  int64_t chunk = ((rtotal + nch - 1) / nch + MR - 1) / MR * MR;
  nch = (rtotal + chunk - 1) / chunk;
  // Few positions and many taps (a kernel gradient over a large plane, e.g.
  // 9 positions by 25088 taps): the taps are cut into segments, whose partial
  // sums are added in segment order afterwards. The cut depends only on the
  // problem, never on the thread count, so neither does the result.
  int64_t segk = taps, nseg = 1;
  if ((rtotal + MR - 1) / MR < 8 && taps >= 4 * kcb) {
    nseg = std::min<int64_t>(taps / (2 * kcb), 16);
    segk = (taps + nseg - 1) / nseg;
    segk = (segk + kcb - 1) / kcb * kcb;
    nseg = (taps + segk - 1) / segk;
    nch = 1;
    chunk = (rtotal + MR - 1) / MR * MR;
  }
  want = std::min(want, nch * nseg);
  T* partial = nseg > 1 ? static_cast<T*>(scratch(5, sizeof(T) * nseg * chunk * ogp)) : nullptr;
  // Input packing: runs along output rows (cost ~ one load and store per
  // run, about 12/ow + 1 runs per tap and panel) or runs along kernel rows
  // (MR loads, a transpose and up to L stores per min(kw, L) taps).
  int mode = 0;
  const bool xunit = s.lhs_dil[1] == 1 && s.xstr[3] == 1;
  const double cost_rows = 2.0 * (double(MR) / ow + 1), cost_taps = (MR + 5.0 * u.gather_l) / std::min<int64_t>(kw, u.gather_l);
  const bool rows_ok = std::is_same_v<T, float> && std::strcmp(u.isa, "avx512") == 0 && MR == 12 &&
                       s.stride[1] == 1 && xunit;
  const bool taps_ok = u.gather_t && MR <= 16 && s.rhs_dil[1] == 1 && xunit;
  if (rows_ok && (!taps_ok || cost_rows <= cost_taps))
    mode = 1;
  else if (taps_ok && (kw >= 4 || !rows_ok))
    mode = 2;
  // Few channels: per tap, 16 positions of each channel (rounded up to 4)
  // against the micro-kernel's 12 positions of 32 channels.
  // Where the implicit packing has only its scalar form, or little to do per
  // panel (depthwise: 9 taps of one channel), the explicit im2col is faster.
  if (!((mode == 1 && (og > 8 || taps >= 32)) || (mode == 2 && kw >= 4))) {
    // the kernel as a contiguous (O x taps) matrix (the input gradient
    // passes a flipped view)
    const T* wp = w + s.woff;
    if (!(s.wstr[3] == 1 && s.wstr[2] == kw && s.wstr[1] == kh * kw && s.wstr[0] == taps)) {
      T* wc = static_cast<T*>(scratch(2, sizeof(T) * O * taps));
      for (int64_t o = 0; o < O; o++)
        for (int64_t c = 0; c < cg; c++)
          for (int64_t i = 0; i < kh; i++)
            for (int64_t j = 0; j < kw; j++)
              wc[((o * cg + c) * kh + i) * kw + j] =
                  w[s.woff + o * s.wstr[0] + c * s.wstr[1] + i * s.wstr[2] + j * s.wstr[3]];
      wp = wc;
    }
    conv_im2col(out, x, wp, s, rows, cols);
    return;
  }
  const bool few = std::is_same_v<T, float> && std::strcmp(u.isa, "avx512") == 0 && MR == 12 && NR >= 4 && og <= 8;
  // The packed kernel is shared by the chunks; with a single chunk each job
  // packs the blocks it uses as it goes (the kernel may be the big operand:
  // a 25088-tap cotangent).
  const bool shared_b = nch > 1;
  if (shared_b) pb = static_cast<T*>(scratch(2, sizeof(T) * taps * ogp));
  for (int64_t g = 0; g < G; g++) {
    if (shared_b) {
      const int64_t nblk = (taps + kcb - 1) / kcb;
      parallel_range(
          nblk, double(kcb * ogp) * 2,
          [&](int64_t lo, int64_t hi) {
            for (int64_t b = lo; b < hi; b++)
              pack_kernel(pb + b * kcb * ogp, w, s, q, u, g, ogp, b * kcb, std::min(kcb, taps - b * kcb));
          },
          1);
    }
    ConvJob<T> job{&s, &q, &u, out, x + s.xoff + g * cg * s.xstr[1], shared_b ? pb : nullptr, w, g, kcb, ogp, chunk,
                   nch, rtotal, segk, nseg, partial, mode, few};
    parallel_run(static_cast<int>(want), conv_chunks<T>, &job);
    if (nseg > 1) {
      const int64_t len = rtotal * ogp;
      for (int64_t sg = 1; sg < nseg; sg++)
        for (int64_t i = 0; i < len; i++) partial[i] += partial[sg * chunk * ogp + i];
      scatter(job, partial, 0, rtotal);
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
