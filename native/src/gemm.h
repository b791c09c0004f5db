// Packed, blocked matrix multiplication C = A * B on arbitrary strides.
#pragma once
#include <cstdint>

namespace mst {

template <typename T>
struct GemmArgs {
  int64_t m, n, k;
  const T* a;
  int64_t ars, acs;  // A is m x k: element (i, p) at a[i*ars + p*acs]
  const T* b;
  int64_t brs, bcs;  // B is k x n
  T* c;
  int64_t crs, ccs;  // C is m x n, written (not accumulated)
};

// A register-tiled micro-kernel: C[0:mr, 0:nr] (+)= Apanel * Bpanel, where
// Apanel is k x mr packed column by column (a[p*mr + i]) and Bpanel is k x nr
// packed row by row (b[p*nr + j]). C rows are rsc apart, columns contiguous.
template <typename T>
using UkrFn = void (*)(int64_t k, const T* a, const T* b, T* c, int64_t rsc, bool accumulate);

// A transposing pack: dst[p*w + r] = src[r*ld + p] for r < rows, p < kc, and
// zero for rows <= r < w. It packs operands whose rows run along k (A when
// row-major, B when it is a transposed view), which a plain loop can only do
// one scalar at a time; the x86 versions transpose 16x16 (8x8) register tiles.
template <typename T>
using PackFn = void (*)(T* dst, int w, const T* src, int64_t ld, int64_t rows, int64_t kc);

// A transposing gather of one L x L tile (L = 16 floats or 8 doubles):
// dst[p*ld + r] = src[r][p] for r < w <= L and p < np <= L, with lanes p of row
// r outside mask[r] read as zero (and never touched). A convolution packs its
// input panels with it when each output position reads a run of taps from one
// input row (a kernel gradient: the long kernel is the cotangent plane).
template <typename T>
using GatherTFn = void (*)(T* dst, int ld, int w, const T* const* src, const uint32_t* mask, int np);

template <typename T>
struct Ukr {
  const char* isa;
  int mr, nr;
  int kc, mc, nc;  // cache blocking (see docs/native-backend.md)
  UkrFn<T> fn;
  PackFn<T> pack_t;  // nullptr: the portable scalar loop
  GatherTFn<T> gather_t = nullptr;  // nullptr: none for this ISA
  int gather_l = 0;  // its L
};

// The micro-kernels for this CPU (chosen once, by CPU detection).
template <typename T>
const Ukr<T>& ukr();

// C = A * B using up to `threads` threads (fewer when the problem is small).
template <typename T>
void gemm(const GemmArgs<T>& g, int threads);

// Per-ISA kernel tables; x86 ones return false when the CPU lacks the ISA.
bool ukr_avx512(Ukr<float>* f, Ukr<double>* d);
bool ukr_avx2(Ukr<float>* f, Ukr<double>* d);
void ukr_portable(Ukr<float>* f, Ukr<double>* d);

// Scratch memory that grows and is kept per thread (64-byte aligned), slots 0-7:
// 0 and 1 are the GEMM's packing buffers, 2-6 the convolution's.
void* scratch(int slot, std::size_t bytes);

}  // namespace mst
