// Fused elementwise programs (jit's fusion, src/jit/fuse.ts): a chain of
// unary and binary float ops run chunk by chunk, so the values between them
// live in small buffers that stay in L1/L2 instead of full tensors that go
// through memory. Each instruction reuses the ordinary elementwise kernels on
// a one-dimensional chunk, so a fused result is bit-for-bit what the same ops
// give one at a time.
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "kernels.h"

namespace mst {

namespace {
// Elements per chunk: 8 KiB of float32 per buffer keeps a dozen temporaries in L2.
constexpr int64_t kChunk = 2048;

// float32 + - * / max min on a chunk, in the three layouts a chunk can have
// (each side full or one broadcast element), cloned per ISA: the chunk is in
// cache, so these run at the vector units' pace. Same expressions as the
// one-op kernels (elementwise.cc), so the same bits.
#define MST_FUSED_LOOPS(EXPR)                                           \
  if (sa == 1 && sb == 1)                                               \
    for (int64_t i = 0; i < m; i++) { float u = a[i], v = b[i]; y[i] = (EXPR); } \
  else if (sa == 1) {                                                   \
    const float v = b[0];                                               \
    for (int64_t i = 0; i < m; i++) { float u = a[i]; y[i] = (EXPR); }  \
  } else {                                                              \
    const float u = a[0];                                               \
    for (int64_t i = 0; i < m; i++) { float v = b[i]; y[i] = (EXPR); }  \
  }

// true when handled
MST_CLONES bool binary_chunk_f32(int op, float* y, const float* a, int64_t sa, const float* b, int64_t sb, int64_t m) {
  if (sa == 0 && sb == 0) return false;
  switch (op) {
    case 0: MST_FUSED_LOOPS(u + v) return true;
    case 1: MST_FUSED_LOOPS(u - v) return true;
    case 2: MST_FUSED_LOOPS(u * v) return true;
    case 3: MST_FUSED_LOOPS(u / v) return true;
    case 5: MST_FUSED_LOOPS((u != u || v != v) ? NAN : (u > v ? u : v)) return true;
    case 6: MST_FUSED_LOOPS((u != u || v != v) ? NAN : (u < v ? u : v)) return true;
    default: return false;
  }
}
#undef MST_FUSED_LOOPS

MST_CLONES bool unary_chunk_f32(int op, float* y, const float* x, int64_t sx, int64_t m) {
  if (sx != 1) return false;
  if (op == 0) {
    for (int64_t i = 0; i < m; i++) y[i] = -x[i];
    return true;
  }
  if (!has_vrow_f32(op)) return false;
  vrow_f32(op, x, y, m);
  return true;
}

}  // namespace

const char* fused(const int32_t* code, int ninstr, const Arr* ins, const int64_t* in_off, const uint8_t* in_scalar, int nin,
                  const Arr* outs, int nout, int ntemps, int64_t n) {
  if (nout < 1) return "fused: no outputs";
  const DT dt = outs[0].dt;
  const int es = outs[0].esize;
  if (dt != DT::F32 && dt != DT::F64) return "fused: float32 or float64 expected";
  for (int i = 0; i < nin; i++)
    if (ins[i].dt != dt) return "fused: inputs of the outputs' dtype expected";
  for (int i = 0; i < nout; i++)
    if (outs[i].dt != dt || outs[i].len < n) return "fused: bad output";
  std::atomic<const char*> error{nullptr};
  parallel_range(n, double(ninstr), [&](int64_t lo, int64_t hi) {
    std::vector<double> store(size_t(ntemps) * kChunk * es / sizeof(double) + 1);
    char* temps = reinterpret_cast<char*>(store.data());
    for (int64_t c0 = lo; c0 < hi; c0 += kChunk) {
      const int64_t m = hi - c0 < kChunk ? hi - c0 : kChunk;
      // register r: an input (full-size at c0, or one broadcast element), an output at c0, or a temporary
      auto operand = [&](int r, int64_t* stride) -> void* {
        if (r < nin) {
          *stride = in_scalar[r] ? 0 : 1;
          return static_cast<char*>(ins[r].p) + (in_off[r] + (in_scalar[r] ? 0 : c0)) * es;
        }
        *stride = 1;
        if (r < nin + nout) return static_cast<char*>(outs[r - nin].p) + c0 * es;
        return temps + int64_t(r - nin - nout) * kChunk * es;
      };
      for (int k = 0; k < ninstr; k++) {
        const int32_t* ins_k = code + 5 * k;
        int64_t sd, sa, sb = 0;
        Arr d{operand(ins_k[2], &sd), m, dt, es};
        Arr a{operand(ins_k[3], &sa), m, dt, es};
        // (b is fetched before any call that passes its stride: argument order is unspecified)
        void* bp = ins_k[0] == 1 ? operand(ins_k[4], &sb) : nullptr;
        Strided s;
        s.nd = 1;
        s.shape[0] = m;
        s.offset[0] = s.offset[1] = 0;
        s.strides[0][0] = sa;
        const char* err;
        if (dt == DT::F32) {
          float* yp = static_cast<float*>(d.p);
          const float* ap = static_cast<const float*>(a.p);
          if (ins_k[0] == 0 ? unary_chunk_f32(ins_k[1], yp, ap, sa, m)
                            : binary_chunk_f32(ins_k[1], yp, ap, sa, static_cast<const float*>(bp), sb, m))
            continue;
        }
        if (ins_k[0] == 0) {
          s.nops = 1;
          err = unary(ins_k[1], d, a, s);
        } else {
          Arr b{bp, m, dt, es};
          s.nops = 2;
          s.strides[1][0] = sb;
          err = binary(ins_k[1], d, a, b, s);
        }
        if (err) {
          error.store(err);
          return;
        }
      }
    }
  });
  return error.load();
}

}  // namespace mst
