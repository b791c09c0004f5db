// The GEMM driver (BLIS-style loop nest): for each nc-wide block of B's
// columns and kc-deep slice of k, B is packed into k-major micro-panels; for
// each mc-tall block of A, A is packed into micro-panels; then every
// (A micro-panel x B micro-panel) tile is one micro-kernel call. Packing reads
// any strides (operands whose rows run along k, row-major A and transposed
// B, through the ISA's transposing pack_t), so transposed and broadcast
// operands cost little extra and the micro-kernels only ever see unit
// strides. Threads take chunks of C.
#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "pool.h"

namespace mst {

// ---------------------------------------------------------------- portable micro-kernel

#if defined(__GNUC__) || defined(__clang__)
// 16-byte vectors in GCC/Clang's vector extension: NEON on arm64, SSE2 on
// x86-64, plain registers elsewhere. The MR x NR tile is MR*NR/W vector
// accumulators (16 for both types: half of arm64's 32 vector registers).
template <typename T, int MR, int NR>
void ukr_c(int64_t k, const T* a, const T* b, T* c, int64_t rsc, bool acc) {
  typedef T V __attribute__((vector_size(16)));
  constexpr int W = 16 / sizeof(T), NV = NR / W;
  V t[MR][NV];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) t[i][v] = V{};
  for (int64_t p = 0; p < k; p++) {
    V bv[NV];
    for (int v = 0; v < NV; v++) std::memcpy(&bv[v], b + v * W, 16);
    for (int i = 0; i < MR; i++) {
      V ai = V{} + a[i];  // broadcast
      for (int v = 0; v < NV; v++) t[i][v] += ai * bv[v];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; i++) {
    T* r = c + i * rsc;
    for (int v = 0; v < NV; v++) {
      V x = t[i][v];
      if (acc) {
        V old;
        std::memcpy(&old, r + v * W, 16);
        x += old;
      }
      std::memcpy(r + v * W, &x, 16);
    }
  }
}
#else
template <typename T, int MR, int NR>
void ukr_c(int64_t k, const T* a, const T* b, T* c, int64_t rsc, bool acc) {
  T t[MR][NR] = {};
  for (int64_t p = 0; p < k; p++) {
    for (int i = 0; i < MR; i++) {
      T ai = a[i];
      for (int j = 0; j < NR; j++) t[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; i++) {
    T* r = c + i * rsc;
    for (int j = 0; j < NR; j++) r[j] = acc ? r[j] + t[i][j] : t[i][j];
  }
}
#endif

void ukr_portable(Ukr<float>* f, Ukr<double>* d) {
  *f = {"portable", 4, 16, 256, 128, 4096, ukr_c<float, 4, 16>, nullptr};
  *d = {"portable", 4, 8, 256, 64, 2048, ukr_c<double, 4, 8>, nullptr};
}

namespace {
struct Kernels {
  Ukr<float> f;
  Ukr<double> d;
  Kernels() {
    if (std::getenv("MINDSPORE_TS_NATIVE_ISA")) {
      // For testing the other paths on one machine: avx2 or portable.
      const char* want = std::getenv("MINDSPORE_TS_NATIVE_ISA");
      if (std::strcmp(want, "portable") == 0) {
        ukr_portable(&f, &d);
        return;
      }
      if (std::strcmp(want, "avx2") == 0 && ukr_avx2(&f, &d)) return;
    }
    if (ukr_avx512(&f, &d)) return;
    if (ukr_avx2(&f, &d)) return;
    ukr_portable(&f, &d);
  }
};
const Kernels& kernels() {
  static Kernels k;
  return k;
}
}  // namespace

template <>
const Ukr<float>& ukr<float>() {
  return kernels().f;
}
template <>
const Ukr<double>& ukr<double>() {
  return kernels().d;
}

// ---------------------------------------------------------------- scratch

void* scratch(int slot, std::size_t bytes) {
  struct Buf {
    void* p = nullptr;
    std::size_t n = 0;
    ~Buf() { std::free(p); }
  };
  static thread_local Buf bufs[8];
  Buf& b = bufs[slot];
  if (b.n < bytes) {
    std::free(b.p);
    std::size_t n = (std::max<std::size_t>(bytes, 4096) + 63) & ~std::size_t(63);
    b.p = std::aligned_alloc(64, n);
    b.n = b.p ? n : 0;
  }
  return b.p;
}

// ---------------------------------------------------------------- packing

namespace {

// mr rows of A starting at row i0, k from p0, into a[p*MR + i]; rows past m are zero.
template <typename T>
void pack_a(T* dst, const GemmArgs<T>& g, const Ukr<T>& u, int64_t i0, int64_t p0, int64_t kc) {
  const int MR = u.mr;
  int64_t mr = std::min<int64_t>(MR, g.m - i0);
  const T* src = g.a + i0 * g.ars + p0 * g.acs;
  if (g.acs == 1 && u.pack_t) {
    // row-major A (the usual case): rows run along k, a transpose
    u.pack_t(dst, MR, src, g.ars, mr, kc);
    return;
  }
  if (g.acs == 1 && mr == MR) {
    // rows are contiguous: read along them
    for (int i = 0; i < MR; i++) {
      const T* row = src + i * g.ars;
      for (int64_t p = 0; p < kc; p++) dst[p * MR + i] = row[p];
    }
    return;
  }
  for (int64_t p = 0; p < kc; p++) {
    const T* col = src + p * g.acs;
    T* d = dst + p * MR;
    int64_t i = 0;
    if (g.ars == 1)  // a transposed view: columns are contiguous, already the panel's layout
      for (; i < mr; i++) d[i] = col[i];
    for (; i < mr; i++) d[i] = col[i * g.ars];
    for (; i < MR; i++) d[i] = T(0);
  }
}

// nr columns of B starting at column j0, k from p0, into b[p*NR + j]; columns past n are zero.
template <typename T>
void pack_b(T* dst, const GemmArgs<T>& g, const Ukr<T>& u, int64_t j0, int64_t p0, int64_t kc) {
  const int NR = u.nr;
  int64_t nr = std::min<int64_t>(NR, g.n - j0);
  const T* src = g.b + p0 * g.brs + j0 * g.bcs;
  if (g.bcs == 1) {
    for (int64_t p = 0; p < kc; p++) {
      const T* row = src + p * g.brs;
      T* d = dst + p * NR;
      std::memcpy(d, row, nr * sizeof(T));
      for (int64_t j = nr; j < NR; j++) d[j] = T(0);
    }
    return;
  }
  if (g.brs == 1 && u.pack_t) {
    // a transposed view (x @ w.T): columns run along k, a transpose
    u.pack_t(dst, NR, src, g.bcs, nr, kc);
    return;
  }
  if (nr < NR) std::memset(dst, 0, kc * NR * sizeof(T));
  for (int64_t j = 0; j < nr; j++) {
    const T* col = src + j * g.bcs;
    for (int64_t p = 0; p < kc; p++) dst[p * NR + j] = col[p * g.brs];
  }
}

// Split `total` into equal blocks of at most `most`, rounded up to `unit`.
int64_t balanced(int64_t total, int64_t most, int64_t unit) {
  if (total <= 0) return unit;
  int64_t nb = (total + most - 1) / most;
  int64_t b = (total + nb - 1) / nb;
  return (b + unit - 1) / unit * unit;
}

template <typename T>
struct Blocking {
  int64_t kc, mc, nc;  // block sizes balanced for this problem
};

// One tile: the micro-kernel writes straight into C when the tile is whole
// and C's columns are contiguous, else into a buffer that is then copied.
template <typename T>
inline void tile(const GemmArgs<T>& g, const Ukr<T>& u, const T* ap, const T* bp, int64_t i0, int64_t j0, int64_t kc,
                 bool acc) {
  const int MR = u.mr, NR = u.nr;
  int64_t mr = std::min<int64_t>(MR, g.m - i0), nr = std::min<int64_t>(NR, g.n - j0);
  T* cp = g.c + i0 * g.crs + j0 * g.ccs;
  if (mr == MR && nr == NR && g.ccs == 1) {
    u.fn(kc, ap, bp, cp, g.crs, acc);
    return;
  }
  alignas(64) T buf[16 * 32];
  u.fn(kc, ap, bp, buf, NR, false);
  if (g.crs == 1) {
    // a transposed C (see gemm()): its columns are contiguous, write along them
    for (int64_t j = 0; j < nr; j++) {
      T* col = cp + j * g.ccs;
      if (acc)
        for (int64_t i = 0; i < mr; i++) col[i] += buf[i * NR + j];
      else
        for (int64_t i = 0; i < mr; i++) col[i] = buf[i * NR + j];
    }
    return;
  }
  for (int64_t i = 0; i < mr; i++) {
    T* r = cp + i * g.crs;
    const T* s = buf + i * NR;
    if (acc)
      for (int64_t j = 0; j < nr; j++) r[j * g.ccs] += s[j];
    else
      for (int64_t j = 0; j < nr; j++) r[j * g.ccs] = s[j];
  }
}

// The loop nest on one thread, with this thread's own packing buffers.
template <typename T>
void gemm_serial(const GemmArgs<T>& g, const Ukr<T>& u, const Blocking<T>& bk) {
  const int MR = u.mr, NR = u.nr;
  T* pa = static_cast<T*>(scratch(0, sizeof(T) * bk.kc * bk.mc));
  T* pb = static_cast<T*>(scratch(1, sizeof(T) * bk.kc * ((bk.nc + NR - 1) / NR * NR)));
  for (int64_t jc = 0; jc < g.n; jc += bk.nc) {
    int64_t nc = std::min(bk.nc, g.n - jc);
    int64_t njr = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < g.k; pc += bk.kc) {
      int64_t kc = std::min(bk.kc, g.k - pc);
      for (int64_t jr = 0; jr < njr; jr++) pack_b(pb + jr * NR * kc, g, u, jc + jr * NR, pc, kc);
      for (int64_t ic = 0; ic < g.m; ic += bk.mc) {
        int64_t mc = std::min(bk.mc, g.m - ic);
        int64_t nir = (mc + MR - 1) / MR;
        for (int64_t ir = 0; ir < nir; ir++) pack_a(pa + ir * MR * kc, g, u, ic + ir * MR, pc, kc);
        // one B micro-panel stays in L1 while the A micro-panels stream from L2
        for (int64_t jr = 0; jr < njr; jr++)
          for (int64_t ir = 0; ir < nir; ir++)
            tile(g, u, pa + ir * MR * kc, pb + jr * NR * kc, ic + ir * MR, jc + jr * NR, kc, pc > 0);
      }
    }
  }
}

// Threads split C into chunks (of rows or of columns, whichever is longer),
// each computed start to finish by one thread with its own packing: no
// barriers. Chunks are taken from a shared counter rather than dealt out one
// slab per thread, so that on a shared machine a thread the OS delays only
// holds up the chunk it is on while the others take the rest. The cost is
// packing the shared operand once per chunk, hence a few chunks per thread
// and a minimum chunk length (see kMinChunkSmall).
template <typename T>
struct Split {
  const GemmArgs<T>* g;
  const Ukr<T>* u;
  bool by_rows;
  int64_t unit;  // MR or NR
  int64_t units;  // of C's rows or columns, split evenly into nchunks
  int64_t nchunks;
  std::atomic<int64_t> next{0};
};

template <typename T>
void gemm_slab(int, int, void* v) {
  Split<T>& sp = *static_cast<Split<T>*>(v);
  int64_t len = sp.by_rows ? sp.g->m : sp.g->n;
  for (int64_t c; (c = sp.next.fetch_add(1, std::memory_order_relaxed)) < sp.nchunks;) {
    GemmArgs<T> g = *sp.g;
    int64_t a = sp.units * c / sp.nchunks * sp.unit, b = std::min(len, sp.units * (c + 1) / sp.nchunks * sp.unit);
    if (a >= b) continue;
    if (sp.by_rows) {
      g.a += a * g.ars;
      g.c += a * g.crs;
      g.m = b - a;
    } else {
      g.b += a * g.bcs;
      g.c += a * g.ccs;
      g.n = b - a;
    }
    Blocking<T> bk{balanced(g.k, sp.u->kc, 1), balanced(g.m, sp.u->mc, sp.u->mr), balanced(g.n, sp.u->nc, sp.u->nr)};
    gemm_serial(g, *sp.u, bk);
  }
}

// Chunk lengths (rows or columns of C). Each chunk packs the shared operand
// (B when splitting rows, A when splitting columns) again: about 0.18 ns an
// element when it comes from memory (n = 1024 on the 2-core Zen 5 VM), against
// ~2.4 ns of multiply-adds per element for a 264-row chunk, so a big shared
// operand gets long chunks. One well inside L2 repacks cheaply, so small-m
// products (an MLP's 128-row batch, shared operand 256-400 KiB in float32)
// get short ones and share out evenly. (A 512 KiB one, float64 512x128, was
// 6% slower in 6 chunks than in 2.)
constexpr int64_t kMinChunkSmall = 128, kMinChunkLarge = 512;
constexpr double kSmallShared = 512 * 1024;  // bytes, exclusive
constexpr int64_t kChunksPerThread = 4;

// Fraction of a tile grid that is padding, for an m x n result in MR x NR tiles.
double tile_waste(int64_t m, int64_t n, int MR, int NR) {
  double covered = double((m + MR - 1) / MR * MR) * double((n + NR - 1) / NR * NR);
  return 1.0 - double(m) * double(n) / covered;
}

}  // namespace

template <typename T>
void gemm(const GemmArgs<T>& g0, int threads) {
  if (g0.m <= 0 || g0.n <= 0) return;
  GemmArgs<T> g = g0;
  {
    // A result much narrower than NR (a convolution's kernel gradient has
    // n = kh*kw = 9) is computed transposed, C' = B' A', to fill the tiles.
    // Only when that saves a good part of the work: the transposed C' has
    // strided columns, so every tile then goes through tile()'s buffer. (A
    // relative test swapped 128x512 results to save 2% padding and lost 40%.)
    const Ukr<T>& u = ukr<T>();
    double used = 1.0 - tile_waste(g.m, g.n, u.mr, u.nr), used_t = 1.0 - tile_waste(g.n, g.m, u.mr, u.nr);
    if (g0.ccs == 1 ? used_t > 1.25 * used : used_t >= used) {
      g = GemmArgs<T>{g0.n, g0.m, g0.k, g0.b, g0.bcs, g0.brs, g0.a, g0.acs, g0.ars, g0.c, g0.ccs, g0.crs};
    }
  }
  if (g.k <= 0) {
    for (int64_t i = 0; i < g.m; i++)
      for (int64_t j = 0; j < g.n; j++) g.c[i * g.crs + j * g.ccs] = T(0);
    return;
  }
  const Ukr<T>& u = ukr<T>();
  // Threads only pay off above ~1 MFLOP per thread.
  double flops = 2.0 * g.m * g.n * g.k;
  bool by_rows = (g.m + u.mr - 1) / u.mr >= (g.n + u.nr - 1) / u.nr;
  int64_t unit = by_rows ? u.mr : u.nr;
  int64_t units = ((by_rows ? g.m : g.n) + unit - 1) / unit;
  int64_t want = std::max<int64_t>(1, std::min<int64_t>({threads, units, static_cast<int64_t>(flops / 1e6) + 1}));
  // Chunks: one when single-threaded; else up to kChunksPerThread per thread,
  // none shorter than the minimum length for the shared operand's size.
  int64_t nchunks = 1;
  if (want > 1) {
    double shared = double(by_rows ? g.n : g.m) * double(g.k) * sizeof(T);
    int64_t min_len = shared < kSmallShared ? kMinChunkSmall : kMinChunkLarge;
    int64_t min_units = std::max<int64_t>(1, min_len / unit);
    // the same number per thread, so that on an idle machine all finish together
    nchunks = want * std::max<int64_t>(1, std::min<int64_t>(kChunksPerThread, units / min_units / want));
  }
  Split<T> sp{&g, &u, by_rows, unit, units, nchunks};
  parallel_run(static_cast<int>(want), gemm_slab<T>, &sp);
}

template void gemm<float>(const GemmArgs<float>&, int);
template void gemm<double>(const GemmArgs<double>&, int);

}  // namespace mst
