// Kernel entry points called by the N-API glue (addon.cc). Arrays arrive as
// raw pointers into the JS TypedArrays' backing stores: no copies.
#pragma once
#include <cstdint>
#include <type_traits>

#include "pool.h"
#include "strided.h"

// Hot loops get one copy per x86 ISA, picked at load time (GCC ifunc).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define MST_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MST_CLONES
#endif

namespace mst {

enum class DT { F32, F64, U8, I8, I16, I32, OTHER };

struct Arr {
  void* p;
  int64_t len;  // elements
  DT dt;
  int esize;    // bytes per element
};

// Names in op-code order; the TS side maps primitive names to codes with them.
extern const char* const kUnaryNames[];
extern const int kUnaryCount;
extern const char* const kBinaryNames[];
extern const int kBinaryCount;
extern const char* const kReduceNames[];
extern const int kReduceCount;

// Each returns an error message, or nullptr on success.
// `s` describes the output's shape with one operand per input (output is contiguous).
const char* unary(int op, Arr out, Arr x, Strided& s);
const char* binary(int op, Arr out, Arr a, Arr b, Strided& s);
const char* select(Arr out, Arr c, Arr x, Arr y, Strided& s);
const char* cast(Arr out, Arr x, Strided& s);
// `s` describes x with two operands: x's strides and the output's (0 on reduced axes).
const char* reduce(int op, Arr out, Arr x, Strided& s);

// Along-axis gathers and scatters: `s` walks the index's shape with operands
// (index, x-or-src, [out]) whose strides are 0 on the axis; the index picks
// the position along it (dim positions, sAxis apart). An index out of range
// returns an error before anything is reported (the TS side then lets the
// reference kernel raise the IndexError).
const char* gather(Arr out, Arr x, Arr index, Strided& s, int64_t dim, int64_t sAxis);
const char* scatter_add(Arr out, Arr src, Arr index, Strided& s, int64_t dim, int64_t sAxis);
// argmax / argmin into int64 (a Float64Array): `s` walks the output with x's
// strides (the axis left out); the axis has dim elements sAxis apart.
const char* argreduce(bool is_max, Arr out, Arr x, Strided& s, int64_t dim, int64_t sAxis);

// Max pooling's selection over [b, h, w] planes (strided): out[b, oy * ow + ox]
// = flat index r * w + c of the first maximum of the window (a NaN wins).
struct PoolSpec {
  int64_t b, h, w, str[3], off;
  int64_t kh, kw, sh, sw, dh, dw, oh, ow;
};
const char* pool_argmax(Arr out, Arr x, const PoolSpec& p);

// float32 exp / log / tanh / sigmoid over a contiguous run (op: their unary codes).
enum { kExp = 1, kLog = 2, kTanh = 6, kSigmoid = 16 };
bool has_vrow_f32(int op);
void vrow_f32(int op, const float* x, float* y, int64_t n);

// A fused elementwise program: `code` holds 5 ints per instruction (kind 0
// unary / 1 binary, op code, dst, a, b) over registers numbered inputs, then
// outputs, then `ntemps` temporaries. Inputs are full-size from in_off, or a
// single element broadcast (in_scalar); outputs are contiguous, n elements.
const char* fused(const int32_t* code, int ninstr, const Arr* ins, const int64_t* in_off, const uint8_t* in_scalar, int nin,
                  const Arr* outs, int nout, int ntemps, int64_t n);

struct MatmulSpec {
  int64_t m, n, k;
  int nb;                       // batch axes
  int64_t bshape[kMaxDims];
  int64_t astr[kMaxDims], bstr[kMaxDims];  // batch strides (0 = broadcast)
  int64_t aoff, ars, acs, boff, brs, bcs;
};
const char* matmul(Arr out, Arr a, Arr b, const MatmulSpec& s);

struct ConvSpec {
  int64_t xshape[4], xstr[4], xoff;
  int64_t wshape[4], wstr[4], woff;
  int64_t oshape[4];
  int64_t stride[2], pad[4], lhs_dil[2], rhs_dil[2], groups;
};
const char* conv(Arr out, Arr x, Arr w, const ConvSpec& s);

// Run fn(start, end) over [0, total) on the pool when the work is large
// enough, cutting on multiples of `align` (64 elements keeps threads off each
// other's cache lines of the output).
template <typename F>
void parallel_range(int64_t total, double cost_per_item, F&& fn, int64_t align = 64) {
  int nt = pool_threads();
  if (nt <= 1 || total * cost_per_item < 200000.0) {
    fn(int64_t(0), total);
    return;
  }
  struct Ctx {
    std::remove_reference_t<F>* fn;
    int64_t total, align;
  } ctx{&fn, total, align};
  parallel_run(
      nt,
      [](int tid, int n, void* v) {
        Ctx* c = static_cast<Ctx*>(v);
        int64_t a = c->total * tid / n / c->align * c->align;
        int64_t b = tid == n - 1 ? c->total : c->total * (tid + 1) / n / c->align * c->align;
        if (a < b) (*c->fn)(a, b);
      },
      &ctx);
}

}  // namespace mst
