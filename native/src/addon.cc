// N-API glue: unpacks TypedArrays (by pointer, no copy) and the Float64Array
// of shapes/strides the TS side packs, then calls the kernels. Uses the C
// N-API (node_api.h) and, for output memory alone, V8's ArrayBuffer API (both
// ship with Node's headers; the addon is built against the Node that runs it).
#include <node_api.h>
#include <v8.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "blocks.h"
#include "gemm.h"
#include "kernels.h"
#include "pool.h"

using namespace mst;

namespace {

#define CHECK(call)                                      \
  do {                                                   \
    if ((call) != napi_ok) return fail(env, #call);      \
  } while (0)

napi_value fail(napi_env env, const char* what) {
  const napi_extended_error_info* info = nullptr;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    std::string msg = std::string("mindspore-ts native: ") + (info && info->error_message ? info->error_message : what);
    napi_throw_error(env, nullptr, msg.c_str());
  }
  return nullptr;
}

napi_value throw_msg(napi_env env, const char* msg) {
  std::string m = std::string("mindspore-ts native: ") + msg;
  napi_throw_error(env, nullptr, m.c_str());
  return nullptr;
}

bool get_arr(napi_env env, napi_value v, Arr* out) {
  napi_typedarray_type t;
  size_t len;
  void* data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, &len, &data, &ab, &off) != napi_ok) return false;
  out->p = data;
  out->len = static_cast<int64_t>(len);
  switch (t) {
    case napi_float32_array: out->dt = DT::F32, out->esize = 4; break;
    case napi_float64_array: out->dt = DT::F64, out->esize = 8; break;
    case napi_uint8_array: out->dt = DT::U8, out->esize = 1; break;
    case napi_int8_array: out->dt = DT::I8, out->esize = 1; break;
    case napi_int16_array: out->dt = DT::I16, out->esize = 2; break;
    case napi_int32_array: out->dt = DT::I32, out->esize = 4; break;
    default: out->dt = DT::OTHER, out->esize = 0; break;
  }
  return true;
}

// Reads a Float64Array of integers.
struct Meta {
  const double* p = nullptr;
  size_t n = 0, i = 0;
  bool ok = true;
  int64_t next() {
    if (i >= n) {
      ok = false;
      return 0;
    }
    return static_cast<int64_t>(p[i++]);
  }
};

bool get_meta(napi_env env, napi_value v, Meta* m) {
  Arr a;
  if (!get_arr(env, v, &a) || a.dt != DT::F64) return false;
  m->p = static_cast<const double*>(a.p);
  m->n = static_cast<size_t>(a.len);
  return true;
}

// [nd, shape[nd], then per operand: offset, strides[nd]]
bool parse_strided(Meta& m, int nops, Strided* s) {
  s->nd = static_cast<int>(m.next());
  s->nops = nops;
  if (s->nd < 0 || s->nd > kMaxDims || nops > kMaxOps) return false;
  for (int d = 0; d < s->nd; d++) s->shape[d] = m.next();
  for (int o = 0; o < nops; o++) {
    s->offset[o] = m.next();
    for (int d = 0; d < s->nd; d++) s->strides[o][d] = m.next();
  }
  return m.ok;
}

// Fetch `n` arguments.
bool args(napi_env env, napi_callback_info info, size_t n, napi_value* argv) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return false;
  return argc == n;
}

int64_t to_int(napi_env env, napi_value v) {
  int64_t r = 0;
  napi_get_value_int64(env, v, &r);
  return r;
}

napi_value done(napi_env env, const char* err) {
  if (err) return throw_msg(env, err);
  return nullptr;
}

// unary(op, out, x, meta)
napi_value Unary(napi_env env, napi_callback_info info) {
  napi_value a[4];
  Arr out, x;
  Meta m;
  Strided s;
  if (!args(env, info, 4, a) || !get_arr(env, a[1], &out) || !get_arr(env, a[2], &x) || !get_meta(env, a[3], &m) ||
      !parse_strided(m, 1, &s))
    return throw_msg(env, "unary: bad arguments");
  return done(env, unary(static_cast<int>(to_int(env, a[0])), out, x, s));
}

// binary(op, out, a, b, meta)
napi_value Binary(napi_env env, napi_callback_info info) {
  napi_value a[5];
  Arr out, x, y;
  Meta m;
  Strided s;
  if (!args(env, info, 5, a) || !get_arr(env, a[1], &out) || !get_arr(env, a[2], &x) || !get_arr(env, a[3], &y) ||
      !get_meta(env, a[4], &m) || !parse_strided(m, 2, &s))
    return throw_msg(env, "binary: bad arguments");
  return done(env, binary(static_cast<int>(to_int(env, a[0])), out, x, y, s));
}

// select(out, cond, x, y, meta)
napi_value Select(napi_env env, napi_callback_info info) {
  napi_value a[5];
  Arr out, c, x, y;
  Meta m;
  Strided s;
  if (!args(env, info, 5, a) || !get_arr(env, a[0], &out) || !get_arr(env, a[1], &c) || !get_arr(env, a[2], &x) ||
      !get_arr(env, a[3], &y) || !get_meta(env, a[4], &m) || !parse_strided(m, 3, &s))
    return throw_msg(env, "select: bad arguments");
  return done(env, select(out, c, x, y, s));
}

// cast(out, x, meta)
napi_value Cast(napi_env env, napi_callback_info info) {
  napi_value a[3];
  Arr out, x;
  Meta m;
  Strided s;
  if (!args(env, info, 3, a) || !get_arr(env, a[0], &out) || !get_arr(env, a[1], &x) || !get_meta(env, a[2], &m) ||
      !parse_strided(m, 1, &s))
    return throw_msg(env, "cast: bad arguments");
  return done(env, cast(out, x, s));
}

// reduce(op, out, x, meta): meta describes x with two operands (x, output slot)
napi_value Reduce(napi_env env, napi_callback_info info) {
  napi_value a[4];
  Arr out, x;
  Meta m;
  Strided s;
  if (!args(env, info, 4, a) || !get_arr(env, a[1], &out) || !get_arr(env, a[2], &x) || !get_meta(env, a[3], &m) ||
      !parse_strided(m, 2, &s))
    return throw_msg(env, "reduce: bad arguments");
  return done(env, reduce(static_cast<int>(to_int(env, a[0])), out, x, s));
}

// gather(out, x, index, meta) / scatterAdd(out, src, index, meta): meta = strided + [dim, sAxis].
// Returns false (and leaves the error to the reference kernel) on an index out of range.
template <int NOPS, bool SCATTER>
napi_value Along(napi_env env, napi_callback_info info) {
  napi_value a[4];
  Arr out, x, ix;
  Meta m;
  Strided s;
  if (!args(env, info, 4, a) || !get_arr(env, a[0], &out) || !get_arr(env, a[1], &x) || !get_arr(env, a[2], &ix) ||
      !get_meta(env, a[3], &m) || !parse_strided(m, NOPS, &s))
    return throw_msg(env, "gather/scatter: bad arguments");
  int64_t dim = m.next(), sAxis = m.next();
  if (!m.ok) return throw_msg(env, "gather/scatter: bad meta");
  const char* err = SCATTER ? scatter_add(out, x, ix, s, dim, sAxis) : gather(out, x, ix, s, dim, sAxis);
  napi_value r;
  if (err && std::strcmp(err, "index out of range") != 0) return throw_msg(env, err);
  napi_get_boolean(env, err == nullptr, &r);
  return r;
}

// argreduce(isMax, out, x, meta): meta = strided (output shape, x's strides) + [dim, sAxis]
napi_value ArgReduce(napi_env env, napi_callback_info info) {
  napi_value a[4];
  Arr out, x;
  Meta m;
  Strided s;
  bool is_max = false;
  if (!args(env, info, 4, a) || napi_get_value_bool(env, a[0], &is_max) != napi_ok || !get_arr(env, a[1], &out) ||
      !get_arr(env, a[2], &x) || !get_meta(env, a[3], &m) || !parse_strided(m, 1, &s))
    return throw_msg(env, "argreduce: bad arguments");
  int64_t dim = m.next(), sAxis = m.next();
  if (!m.ok) return throw_msg(env, "argreduce: bad meta");
  return done(env, argreduce(is_max, out, x, s, dim, sAxis));
}

// poolArgmax(out, x, meta): [b, h, w, xs0, xs1, xs2, xoff, kh, kw, sh, sw, dh, dw, oh, ow]
napi_value PoolArgmax(napi_env env, napi_callback_info info) {
  napi_value a[3];
  Arr out, x;
  Meta m;
  if (!args(env, info, 3, a) || !get_arr(env, a[0], &out) || !get_arr(env, a[1], &x) || !get_meta(env, a[2], &m))
    return throw_msg(env, "poolArgmax: bad arguments");
  PoolSpec p;
  for (int64_t* f : {&p.b, &p.h, &p.w, &p.str[0], &p.str[1], &p.str[2], &p.off, &p.kh, &p.kw, &p.sh, &p.sw, &p.dh, &p.dw, &p.oh, &p.ow})
    *f = m.next();
  if (!m.ok || out.len < p.b * p.oh * p.ow) return throw_msg(env, "poolArgmax: bad meta");
  return done(env, pool_argmax(out, x, p));
}

// fused(code Int32Array, arrays [inputs..., outputs...], meta): [n, nin, nout, ntemps, then per input: offset, scalar]
napi_value Fused(napi_env env, napi_callback_info info) {
  napi_value a[3];
  Meta m;
  if (!args(env, info, 3, a) || !get_meta(env, a[2], &m)) return throw_msg(env, "fused: bad arguments");
  napi_typedarray_type t;
  size_t ncode;
  void* data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, a[0], &t, &ncode, &data, &ab, &off) != napi_ok || t != napi_int32_array || ncode % 5)
    return throw_msg(env, "fused: code must be an Int32Array of 5 ints per instruction");
  const int64_t n = m.next();
  const int nin = static_cast<int>(m.next()), nout = static_cast<int>(m.next()), ntemps = static_cast<int>(m.next());
  if (!m.ok || nin < 0 || nout < 1 || ntemps < 0 || nin + nout > 4096) return throw_msg(env, "fused: bad meta");
  std::vector<Arr> arrs(size_t(nin + nout));
  std::vector<int64_t> in_off(size_t(nin) + 1);
  std::vector<uint8_t> in_scalar(size_t(nin) + 1);
  for (int i = 0; i < nin + nout; i++) {
    napi_value el;
    if (napi_get_element(env, a[1], uint32_t(i), &el) != napi_ok || !get_arr(env, el, &arrs[size_t(i)]))
      return throw_msg(env, "fused: arrays must be TypedArrays");
  }
  for (int i = 0; i < nin; i++) {
    in_off[size_t(i)] = m.next();
    in_scalar[size_t(i)] = m.next() != 0;
    const int64_t need = in_off[size_t(i)] + (in_scalar[size_t(i)] ? 1 : n);
    if (in_off[size_t(i)] < 0 || arrs[size_t(i)].len < need) return throw_msg(env, "fused: input out of range");
  }
  if (!m.ok) return throw_msg(env, "fused: bad meta");
  const int32_t* code = static_cast<const int32_t*>(data);
  const int nregs = nin + nout + ntemps;
  for (size_t k = 0; k < ncode / 5; k++) {
    const int32_t* c = code + 5 * k;
    if (c[2] < nin || c[2] >= nregs || c[3] < 0 || c[3] >= nregs || (c[0] == 1 && (c[4] < 0 || c[4] >= nregs)))
      return throw_msg(env, "fused: register out of range");
  }
  return done(env, fused(code, int(ncode / 5), arrs.data(), in_off.data(), in_scalar.data(), nin, arrs.data() + nin, nout, ntemps, n));
}

// matmul(out, a, b, meta): [m, n, k, nb, bshape[nb], astr[nb], bstr[nb], aoff, ars, acs, boff, brs, bcs]
napi_value Matmul(napi_env env, napi_callback_info info) {
  napi_value a[4];
  Arr out, x, y;
  Meta m;
  if (!args(env, info, 4, a) || !get_arr(env, a[0], &out) || !get_arr(env, a[1], &x) || !get_arr(env, a[2], &y) ||
      !get_meta(env, a[3], &m))
    return throw_msg(env, "matmul: bad arguments");
  MatmulSpec s;
  s.m = m.next(), s.n = m.next(), s.k = m.next();
  s.nb = static_cast<int>(m.next());
  if (s.nb < 0 || s.nb > kMaxDims) return throw_msg(env, "matmul: too many batch axes");
  for (int d = 0; d < s.nb; d++) s.bshape[d] = m.next();
  for (int d = 0; d < s.nb; d++) s.astr[d] = m.next();
  for (int d = 0; d < s.nb; d++) s.bstr[d] = m.next();
  s.aoff = m.next(), s.ars = m.next(), s.acs = m.next();
  s.boff = m.next(), s.brs = m.next(), s.bcs = m.next();
  if (!m.ok) return throw_msg(env, "matmul: bad meta");
  return done(env, matmul(out, x, y, s));
}

// conv(out, x, w, meta): [xshape4, xstr4, xoff, wshape4, wstr4, woff, oshape4, stride2, pad4, lhs2, rhs2, groups]
napi_value Conv(napi_env env, napi_callback_info info) {
  napi_value a[4];
  Arr out, x, w;
  Meta m;
  if (!args(env, info, 4, a) || !get_arr(env, a[0], &out) || !get_arr(env, a[1], &x) || !get_arr(env, a[2], &w) ||
      !get_meta(env, a[3], &m))
    return throw_msg(env, "conv: bad arguments");
  ConvSpec s;
  for (int i = 0; i < 4; i++) s.xshape[i] = m.next();
  for (int i = 0; i < 4; i++) s.xstr[i] = m.next();
  s.xoff = m.next();
  for (int i = 0; i < 4; i++) s.wshape[i] = m.next();
  for (int i = 0; i < 4; i++) s.wstr[i] = m.next();
  s.woff = m.next();
  for (int i = 0; i < 4; i++) s.oshape[i] = m.next();
  for (int i = 0; i < 2; i++) s.stride[i] = m.next();
  for (int i = 0; i < 4; i++) s.pad[i] = m.next();
  for (int i = 0; i < 2; i++) s.lhs_dil[i] = m.next();
  for (int i = 0; i < 2; i++) s.rhs_dil[i] = m.next();
  s.groups = m.next();
  if (!m.ok) return throw_msg(env, "conv: bad meta");
  return done(env, conv(out, x, w, s));
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (!args(env, info, 1, a)) return throw_msg(env, "setThreads: one argument expected");
  pool_set_threads(static_cast<int>(to_int(env, a[0])));
  return nullptr;
}

// alloc(bytes) -> ArrayBuffer over a block of the cache (blocks.h). N-API's
// external buffers run their finalizers from the event loop, so a synchronous
// training loop would never give memory back; V8's backing-store deleter runs
// as soon as the GC frees the buffer, on whatever thread it is.
napi_value Alloc(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (!args(env, info, 1, a)) return throw_msg(env, "alloc: one argument expected");
  int64_t bytes = to_int(env, a[0]);
  if (bytes <= 0) return throw_msg(env, "alloc: a positive byte count expected");
  size_t cls = 0;
  void* p = block_take(static_cast<size_t>(bytes), &cls);
  if (!p) return throw_msg(env, "alloc: out of memory");
  v8::Isolate* iso = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(
      p, static_cast<size_t>(bytes), [](void* data, size_t, void* c) { block_put(data, reinterpret_cast<size_t>(c)); },
      reinterpret_cast<void*>(cls));
  v8::Local<v8::ArrayBuffer> ab = v8::ArrayBuffer::New(iso, std::move(store));
  // a napi_value is a v8::Local's slot (Node's own conversion, JsValueFromV8LocalValue)
  return reinterpret_cast<napi_value>(*ab);
}

// release(arrayBuffer): detach it now (every view reads as empty), which hands
// its block back to the cache at once. Only for memory nothing can reach.
napi_value Release(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (!args(env, info, 1, a)) return throw_msg(env, "release: one argument expected");
  v8::Local<v8::Value> v;
  static_assert(sizeof(v) == sizeof(a[0]), "napi_value is a v8::Local");
  std::memcpy(static_cast<void*>(&v), &a[0], sizeof(v));
  if (!v->IsArrayBuffer()) return throw_msg(env, "release: an ArrayBuffer expected");
  v8::Local<v8::ArrayBuffer> ab = v.As<v8::ArrayBuffer>();
  if (ab->IsDetachable() && !ab->WasDetached()) {
    if (ab->Detach(v8::Local<v8::Value>()).IsNothing()) return throw_msg(env, "release: the buffer cannot be detached");
  }
  return nullptr;
}

// memory() -> { live, liveBytes, cachedBytes, capBytes }
napi_value Memory(napi_env env, napi_callback_info) {
  BlockStats st = block_stats();
  napi_value o, v;
  CHECK(napi_create_object(env, &o));
  const std::pair<const char*, int64_t> fields[] = {
      {"live", st.live}, {"liveBytes", st.live_bytes}, {"cachedBytes", st.cached_bytes}, {"capBytes", st.cap_bytes}};
  for (const auto& [name, value] : fields) {
    CHECK(napi_create_int64(env, value, &v));
    CHECK(napi_set_named_property(env, o, name, v));
  }
  return o;
}

// setCacheCap(bytes): most bytes of freed blocks kept for reuse
napi_value SetCacheCap(napi_env env, napi_callback_info info) {
  napi_value a[1];
  if (!args(env, info, 1, a)) return throw_msg(env, "setCacheCap: one argument expected");
  block_set_cap(to_int(env, a[0]));
  return nullptr;
}

napi_value names(napi_env env, const char* const* list, int n) {
  napi_value arr, s;
  napi_create_array_with_length(env, n, &arr);
  for (int i = 0; i < n; i++) {
    napi_create_string_utf8(env, list[i], NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, i, s);
  }
  return arr;
}

// info(): { isa, threads, cores, unary, binary, reduce }
napi_value Info(napi_env env, napi_callback_info) {
  napi_value o, v;
  CHECK(napi_create_object(env, &o));
  CHECK(napi_create_string_utf8(env, ukr<float>().isa, NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, o, "isa", v));
  CHECK(napi_create_int32(env, pool_threads(), &v));
  CHECK(napi_set_named_property(env, o, "threads", v));
  CHECK(napi_create_int32(env, pool_cores(), &v));
  CHECK(napi_set_named_property(env, o, "cores", v));
  CHECK(napi_set_named_property(env, o, "unary", names(env, kUnaryNames, kUnaryCount)));
  CHECK(napi_set_named_property(env, o, "binary", names(env, kBinaryNames, kBinaryCount)));
  CHECK(napi_set_named_property(env, o, "reduce", names(env, kReduceNames, kReduceCount)));
  return o;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"alloc", nullptr, Alloc, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"release", nullptr, Release, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"memory", nullptr, Memory, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setCacheCap", nullptr, SetCacheCap, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"select", nullptr, Select, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cast", nullptr, Cast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv", nullptr, Conv, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gather", nullptr, Along<2, false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"scatterAdd", nullptr, Along<3, true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"poolArgmax", nullptr, PoolArgmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fused", nullptr, Fused, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"argreduce", nullptr, ArgReduce, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return nullptr;
  return exports;
}
