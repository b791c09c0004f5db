/**
 * The wasm backend's kernel drivers: they reduce each primitive call to the
 * strided forms the wasm kernels take (collapsing axes, resolving
 * broadcasts), cut large calls into slices for the thread pool, and fall back
 * to the reference kernel, reading wasm memory in place, for every case they
 * do not cover (other dtypes, rare primitives, tiny tensors where a wasm call
 * would cost more than it saves).
 */
import type { Backend, Kernel, KernelTable, OutSpec, Storage, View } from "../backend.js";
import type { BinaryPrim, PrimName, PrimParams, ReduceParams, UnaryPrim } from "../../primitives/params.js";
import type { DType, TypedArray } from "../../core/dtype.js";
import { contiguousStrides, sizeOf } from "../../core/shape.js";
import { referenceBackend } from "../reference/index.js";
import { HostStorage, stridesFor } from "../reference/storage.js";
import { GEMM, gemmScratchBytes } from "./gen_gemm.js";
import { type Runtime, WasmStorage } from "./runtime.js";
import { collapse } from "./collapse.js";
import { tinyBinary, tinyMatmul, tinySelect, tinySum, tinyUnary } from "./tiny.js";

/** Tensors up to this many elements whose inputs all live on the JS heap run on the reference kernels. */
const TINY = 256;
/** Elementwise work below this many elements stays on one thread. */
const EW_PARALLEL = 1 << 18;
/** Multiply-adds below which a matmul stays on one thread (waking a sleeping worker costs 100-150 us in a VM: more than such a product takes). */
const MM_PARALLEL = 1 << 21;

type Esz = 1 | 4 | 8;
const esz = (d: DType): number => d.storage.BYTES_PER_ELEMENT;
const isF32 = (d: DType) => d.name === "Float32";
const isBool = (d: DType) => d.name === "Bool";

export interface Host {
  /** The runtime, or null while it is not ready (then everything runs on the reference kernels). */
  rt(): Runtime | null;
  readonly backend: Backend;
  /** Host data as a storage of this backend. */
  adopt(data: TypedArray, dtype: DType): Storage;
}

interface Operand {
  /** byte address of element 0 of the view */
  ptr: number;
  /** strides in elements, one per output axis */
  strides: number[];
}

/** [start, end) ranges cutting `total` into at most `parts` pieces, multiples of `align` but the last. */
function ranges(total: number, parts: number, align = 1): [number, number][] {
  const out: [number, number][] = [];
  const per = Math.ceil(total / parts / align) * align;
  for (let s = 0; s < total; s += per) out.push([s, Math.min(total, s + per)]);
  return out;
}

export function makeKernels(h: Host): KernelTable {
  const ref = referenceBackend.kernels;

  const fallback = <P extends PrimName>(p: P): Kernel<P> =>
    ((inputs: readonly View[], params: PrimParams[P], out: OutSpec) => {
      // WasmStorage.data is what the reference kernels read: they run on wasm memory in place
      const res = (ref[p] as Kernel<P>)(inputs, params, out) as HostStorage;
      return h.adopt(res.data, out.dtype);
    }) as Kernel<P>;

  const isHost = (v: View) => (v.storage as WasmStorage).block.ptr < 0;
  const tiny = (inputs: readonly View[], out: OutSpec) => sizeOf(out.shape) <= TINY && inputs.every(isHost);

  type TinyFn<P extends PrimName> = (inputs: readonly View[], params: PrimParams[P], out: OutSpec) => TypedArray | null;
  /**
   * Wrap a fast path: null from `fast` (or no runtime yet) means "use the reference kernel"; a tiny call
   * takes `tinyFn` (plain JS loops) or the reference kernel.
   */
  const wrap = <P extends PrimName>(p: P, fast: (rt: Runtime, inputs: readonly View[], params: PrimParams[P], out: OutSpec) => Storage | null, tinyFn?: TinyFn<P>): Kernel<P> => {
    const slow = fallback(p);
    return ((inputs: readonly View[], params: PrimParams[P], out: OutSpec) => {
      if (tiny(inputs, out)) {
        const r = tinyFn?.(inputs, params, out);
        return r ? h.adopt(r, out.dtype) : slow(inputs, params, out);
      }
      const rt = h.rt();
      if (!rt) return slow(inputs, params, out);
      rt.begin();
      let res: Storage | null;
      try {
        res = fast(rt, inputs, params, out);
      } finally {
        rt.end();
      }
      return res ?? slow(inputs, params, out);
    }) as Kernel<P>;
  };

  const toOperand = (rt: Runtime, v: View, outShape: readonly number[]): Operand => ({
    ptr: rt.ptrOf(v.storage as WasmStorage) + v.offset * esz(v.storage.dtype),
    strides: stridesFor(v, outShape),
  });

  // ------------------------------------------------------------ elementwise

  /**
   * Run ew_<name> over `shape`: out (byte address, strides in elements) and
   * the inputs; any rank, 3 axes per call, sliced across threads when large.
   */
  function ew(rt: Runtime, name: string, shape: readonly number[], out: Operand, ins: readonly Operand[]): void {
    const fn = `ew_${name}`;
    const c = collapse(shape, [out.strides, ...ins.map((o) => o.strides)]);
    let sh = c.shape;
    let st = c.strides;
    if (sh.length === 0) {
      sh = [1];
      st = st.map(() => [0]);
    }
    // out's innermost stride must be 1 (it is for every caller: outputs are contiguous)
    const nd = sh.length;
    const lead = Math.max(0, nd - 3);
    const inner = sh.slice(lead);
    while (inner.length < 3) inner.unshift(1);
    const innerSt = st.map((s) => {
      const t = s.slice(lead);
      while (t.length < 3) t.unshift(0);
      return t;
    });
    const leadShape = sh.slice(0, lead);
    const leadCount = sizeOf(leadShape);
    const oEsz = outEszOf(name);
    const iEsz = inEszOf(name);
    const idx = new Array<number>(lead).fill(0);
    for (let li = 0; li < leadCount; li++) {
      let oOff = 0;
      const inOff = ins.map(() => 0);
      for (let d = 0; d < lead; d++) {
        oOff += idx[d] * st[0][d];
        ins.forEach((_, k) => (inOff[k] += idx[d] * st[k + 1][d]));
      }
      const args = (a0: number, a1: number, r0: number, r1: number, j0: number, j1: number): number[] => {
        const os = innerSt[0];
        const args = [a1 - a0, r1 - r0, j1 - j0, out.ptr + (oOff + a0 * os[0] + r0 * os[1] + j0 * os[2]) * oEsz, os[0], os[1]];
        ins.forEach((o, k) => {
          const s = innerSt[k + 1];
          args.push(o.ptr + (inOff[k] + a0 * s[0] + r0 * s[1] + j0 * s[2]) * iEsz[k], s[0], s[1], s[2]);
        });
        return args;
      };
      const [n0, n1, n2] = inner;
      const parts = n0 * n1 * n2 >= EW_PARALLEL ? rt.slices() : 1;
      if (parts <= 1) rt.run(fn, [args(0, n0, 0, n1, 0, n2)]);
      else if (n0 >= parts) rt.run(fn, ranges(n0, parts).map(([a, b]) => args(a, b, 0, n1, 0, n2)));
      else if (n1 >= parts) rt.run(fn, ranges(n1, parts).map(([a, b]) => args(0, n0, a, b, 0, n2)));
      else rt.run(fn, ranges(n2, parts, 16).map(([a, b]) => args(0, n0, 0, n1, a, b)));
      for (let d = lead - 1; d >= 0; d--) {
        if (++idx[d] < leadShape[d]) break;
        idx[d] = 0;
      }
    }
  }
  const U8_OUT = new Set(["equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "cast_f32_bool", "copy_u8"]);
  const outEszOf = (name: string): Esz => (U8_OUT.has(name) ? 1 : 4);
  const inEszOf = (name: string): Esz[] => (name === "select" ? [1, 4, 4] : name === "cast_bool_f32" || name === "copy_u8" ? [1] : [4, 4]);

  const contiguousOut = (rt: Runtime, out: OutSpec) => {
    const o = rt.output(h.backend, out.dtype, sizeOf(out.shape));
    return { o, operand: { ptr: o.ptr, strides: contiguousStrides(out.shape) } };
  };

  const unary = <P extends UnaryPrim>(p: P): Kernel<P> =>
    wrap(
      p,
      (rt, [x], _params, out) => {
        if (!isF32(x.storage.dtype) || !isF32(out.dtype)) return null;
        const { o, operand } = contiguousOut(rt, out);
        ew(rt, p, out.shape, operand, [toOperand(rt, x, out.shape)]);
        return rt.finish(o.st);
      },
      ([x], _p, out) => tinyUnary(p, x, out),
    );

  const binary = <P extends BinaryPrim>(p: P, cmp = false): Kernel<P> =>
    wrap(
      p,
      (rt, [a, b], _params, out) => {
        if (!isF32(a.storage.dtype) || !isF32(b.storage.dtype)) return null;
        if (cmp ? !isBool(out.dtype) : !isF32(out.dtype)) return null;
        const { o, operand: op } = contiguousOut(rt, out);
        ew(rt, p, out.shape, op, [toOperand(rt, a, out.shape), toOperand(rt, b, out.shape)]);
        return rt.finish(o.st);
      },
      ([a, b], _p, out) => tinyBinary(p, a, b, out),
    );

  const select = wrap(
    "select",
    (rt, [c, x, y], _p, out) => {
      if (!isBool(c.storage.dtype) || !isF32(x.storage.dtype) || !isF32(y.storage.dtype) || !isF32(out.dtype)) return null;
      const { o, operand: op } = contiguousOut(rt, out);
      ew(rt, "select", out.shape, op, [toOperand(rt, c, out.shape), toOperand(rt, x, out.shape), toOperand(rt, y, out.shape)]);
      return rt.finish(o.st);
    },
    ([c, x, y], _p, out) => tinySelect(c, x, y, out),
  );

  /** Copy a view of any 4- or 1-byte dtype into `dst` (byte address, strides in elements). */
  function copyInto(rt: Runtime, dst: Operand, src: View): boolean {
    const e = esz(src.storage.dtype);
    if (e !== 4 && e !== 1) return false;
    ew(rt, e === 4 ? "copy_f32" : "copy_u8", src.shape, dst, [toOperand(rt, src, src.shape)]);
    return true;
  }

  const cast = wrap("cast", (rt, [x], _p, out) => {
    const from = x.storage.dtype;
    const to = out.dtype;
    const { o, operand: op } = contiguousOut(rt, out);
    if (from === to) {
      if (!copyInto(rt, op, x)) return null;
    } else if (isF32(from) && isBool(to)) ew(rt, "cast_f32_bool", out.shape, op, [toOperand(rt, x, out.shape)]);
    else if (isBool(from) && isF32(to)) ew(rt, "cast_bool_f32", out.shape, op, [toOperand(rt, x, out.shape)]);
    else return null;
    return rt.finish(o.st);
  });

  // ------------------------------------------------------------ reductions

  const reduce = <P extends "sum" | "max" | "min">(p: P): Kernel<P> =>
    wrap(p, (rt, [x], params: ReduceParams, out) => reduceFast(p, rt, x, params, out), p === "sum" ? ([x], params: ReduceParams, out) => tinySum(x, params.axes, out) : undefined);

  function reduceFast(p: "sum" | "max" | "min", rt: Runtime, x: View, params: ReduceParams, out: OutSpec): Storage | null {
    {
      if (!isF32(x.storage.dtype) || !isF32(out.dtype)) return null;
      const axes = params.axes;
      const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
      const red = axes;
      const base = rt.ptrOf(x.storage as WasmStorage) + 4 * x.offset;
      const group = (dims: readonly number[]) => collapse(dims.map((d) => x.shape[d]), [dims.map((d) => x.strides[d])]);
      const K = group(kept);
      const R = group(red);
      const kSize = sizeOf(K.shape);
      const rSize = sizeOf(R.shape);
      const { o } = contiguousOut(rt, out);
      if (kSize === 0) return rt.finish(o.st);
      if (rSize === 0 || R.shape.length === 0) {
        // nothing to reduce over (or only unit axes): the identity of the op, or a copy
        if (rSize === 0) {
          const fill = p === "sum" ? 0 : p === "max" ? -Infinity : Infinity;
          rt.heap.f32.fill(fill, o.ptr / 4, o.ptr / 4 + kSize);
        } else ew(rt, "copy_f32", K.shape, { ptr: o.ptr, strides: contiguousStrides(K.shape) }, [{ ptr: base, strides: K.strides[0] }]);
        return rt.finish(o.st);
      }
      const kStride = K.shape.length === 0 ? 0 : K.strides[0][0];
      if (K.shape.length <= 1 && R.shape.length === 1 && R.strides[0][0] === 1) {
        rowReduce(rt, p, kSize, rSize, base, kStride, o.ptr);
      } else if (K.shape.length === 1 && kStride === 1 && R.shape.length === 1) {
        colReduce(rt, p, rSize, kSize, base, R.strides[0][0], o.ptr);
      } else if (K.shape.length === 1 && R.shape.length === 2 && R.strides[0][1] === 1 && R.strides[0][0] === kSize * kStride) {
        // kept axis between two reduced ones whose inner one is contiguous (a bias gradient over NCHW):
        // rows (outer, kept) are evenly spaced, so reduce them to [outer, kept], then reduce the columns
        const [outer, inner] = R.shape;
        if (p === "sum") {
          // each kept index sums its rows in float64 (a float32 partial per row would round once more)
          const parts = kSize * rSize >= EW_PARALLEL && kSize > 1 ? Math.min(rt.slices(), kSize) : 1;
          rt.run("red_rows_outer_sum", ranges(kSize, parts).map(([a, b]) => [outer, R.strides[0][0], b - a, inner, base + 4 * a * kStride, kStride, o.ptr + 4 * a]));
        } else {
          const partial = rt.temp(4 * outer * kSize);
          rowReduce(rt, p, outer * kSize, inner, base, kStride, partial);
          colReduce(rt, p, outer, kSize, partial, kSize, o.ptr);
        }
      } else {
        // gather the permuted view (kept axes first) contiguously, then reduce rows
        const shape = [...K.shape, ...R.shape];
        const tmp = rt.temp(4 * kSize * rSize);
        ew(rt, "copy_f32", shape, { ptr: tmp, strides: contiguousStrides(shape) }, [{ ptr: base, strides: [...K.strides[0], ...R.strides[0]] }]);
        rowReduce(rt, p, kSize, rSize, tmp, rSize, o.ptr);
      }
      return rt.finish(o.st);
    }
  }

  function rowReduce(rt: Runtime, p: string, nrows: number, len: number, px: number, srow: number, po: number): void {
    const parts = nrows * len >= EW_PARALLEL && nrows > 1 ? Math.min(rt.slices(), nrows) : 1;
    rt.run(`red_rows_${p}`, ranges(nrows, parts).map(([a, b]) => [b - a, len, px + 4 * a * srow, srow, po + 4 * a]));
  }

  function colReduce(rt: Runtime, p: string, nrows: number, ncols: number, px: number, srow: number, po: number): void {
    const parts = nrows * ncols >= EW_PARALLEL && ncols >= 64 ? Math.min(rt.slices(), Math.floor(ncols / 16)) : 1;
    const slices = ranges(ncols, parts, 16).map(([a, b]) => [nrows, b - a, px + 4 * a, srow, po + 4 * a, rt.temp(8 * (b - a))]);
    rt.run(`red_cols_${p}`, slices);
  }

  const argReduce = <P extends "argmax" | "argmin">(p: P): Kernel<P> =>
    wrap(p, (rt, [x], params, out) => {
      if (!isF32(x.storage.dtype) || out.dtype.name !== "Int64") return null;
      const axis = params.axis;
      if (x.strides[axis] !== 1 && x.shape[axis] !== 1) return null;
      const others = x.shape.map((_, i) => i).filter((i) => i !== axis);
      const K = collapse(others.map((d) => x.shape[d]), [others.map((d) => x.strides[d])]);
      if (K.shape.length > 1) return null;
      const nrows = sizeOf(K.shape);
      const len = x.shape[axis];
      if (len === 0 || nrows === 0) return null;
      const { o } = contiguousOut(rt, out);
      rt.run(`${p}_rows`, [[nrows, len, rt.ptrOf(x.storage as WasmStorage) + 4 * x.offset, K.shape.length ? K.strides[0][0] : 0, o.ptr]]);
      return rt.finish(o.st);
    });

  const poolArgmax = wrap("pool_argmax", (rt, [x], p, out) => {
    if (!isF32(x.storage.dtype)) return null;
    const [b, , w] = x.shape;
    const { o } = contiguousOut(rt, out);
    const px = rt.ptrOf(x.storage as WasmStorage) + 4 * x.offset;
    const plane = p.out[0] * p.out[1];
    const parts = b * plane * p.kernel[0] * p.kernel[1] >= EW_PARALLEL && b > 1 ? Math.min(rt.slices(), b) : 1;
    const is2x2 = [...p.kernel, ...p.stride].every((d) => d === 2) && p.dilation.every((d) => d === 1) && x.strides[2] === 1 && p.out[1] >= 4;
    if (is2x2) {
      rt.run("pool_argmax_2x2", ranges(b, parts).map(([b0, b1]) => [b1 - b0, w, ...p.out, px + 4 * b0 * x.strides[0], x.strides[0], x.strides[1], o.ptr + 8 * b0 * plane]));
      return rt.finish(o.st);
    }
    rt.run(
      "pool_argmax",
      ranges(b, parts).map(([b0, b1]) => [
        b1 - b0, w, ...p.kernel, ...p.stride, ...p.dilation, ...p.out,
        px + 4 * b0 * x.strides[0], x.strides[0], x.strides[1], x.strides[2], o.ptr + 8 * b0 * plane,
      ]),
    );
    return rt.finish(o.st);
  });

  // ------------------------------------------------------------ matmul

  const matmul = wrap("matmul", (rt, inputs, _p, out) => matmulFast(rt, inputs, out), ([a, b], _p, out) => tinyMatmul(a, b, out));

  function matmulFast(rt: Runtime, [a, b]: readonly View[], out: OutSpec): Storage | null {
    if (!isF32(a.storage.dtype) || !isF32(b.storage.dtype)) return null;
    const nd = out.shape.length;
    const [m, n] = out.shape.slice(-2);
    const k = a.shape[a.shape.length - 1];
    const batch = out.shape.slice(0, nd - 2);
    const nb = sizeOf(batch);
    if (m * n * k < 4096 && isHost(a) && isHost(b)) return null;
    const { o } = contiguousOut(rt, out);
    if (m === 0 || n === 0 || nb === 0) return rt.finish(o.st);
    const pa = rt.ptrOf(a.storage as WasmStorage);
    const pb = rt.ptrOf(b.storage as WasmStorage);
    const [ars, acs] = a.strides.slice(-2);
    const [brs, bcs] = b.strides.slice(-2);
    const bStr = (v: View) => {
      const lead = batch.length - (v.shape.length - 2);
      return batch.map((_, i) => (i < lead || v.shape[i - lead] === 1 ? 0 : v.strides[i - lead]));
    };
    const aB = bStr(a);
    const bB = bStr(b);
    const work = m * n * k;
    if (nb === 1) {
      const a0 = pa + 4 * a.offset;
      const b0 = pb + 4 * b.offset;
      // two slices per thread: each one packs its own copy of the other operand
      const parts = work >= MM_PARALLEL ? rt.slices(2) : 1;
      if (parts > 1 && n >= m && n >= 2 * (GEMM.NV * 4)) {
        // split columns: each slice packs its own B panel and all of A
        rt.run("gemm", ranges(n, parts, GEMM.NV * 4).map(([j0, j1]) => [m, j1 - j0, k, a0, ars, acs, b0 + 4 * j0 * bcs, brs, bcs, o.ptr + 4 * j0, n, rt.temp(gemmScratchBytes(j1 - j0))]));
      } else if (parts > 1 && m >= 2 * GEMM.MR) {
        rt.run("gemm", ranges(m, parts, GEMM.MR).map(([i0, i1]) => [i1 - i0, n, k, a0 + 4 * i0 * ars, ars, acs, b0, brs, bcs, o.ptr + 4 * i0 * n, n, rt.temp(gemmScratchBytes(n))]));
      } else {
        rt.run("gemm", [[m, n, k, a0, ars, acs, b0, brs, bcs, o.ptr, n, rt.temp(gemmScratchBytes(n))]]);
      }
      return rt.finish(o.st);
    }
    // batched: a table of (A, B) byte addresses per item, items split across threads
    const offs = rt.temp(8 * nb);
    const tbl = new Int32Array(rt.heap.memory.buffer, offs, 2 * nb);
    const idx = new Array<number>(batch.length).fill(0);
    for (let i = 0; i < nb; i++) {
      let oa = a.offset;
      let ob = b.offset;
      for (let d = 0; d < batch.length; d++) {
        oa += idx[d] * aB[d];
        ob += idx[d] * bB[d];
      }
      tbl[2 * i] = pa + 4 * oa;
      tbl[2 * i + 1] = pb + 4 * ob;
      for (let d = batch.length - 1; d >= 0; d--) {
        if (++idx[d] < batch[d]) break;
        idx[d] = 0;
      }
    }
    const parts = work * nb >= MM_PARALLEL ? Math.min(rt.slices(2), nb) : 1;
    rt.run("bmm_task", ranges(nb, parts).map(([i0, i1]) => [i0, i1, offs, m, n, k, ars, acs, brs, bcs, o.ptr, rt.temp(gemmScratchBytes(n))]));
    return rt.finish(o.st);
  }

  // ------------------------------------------------------------ convolution

  /** Source coordinate of tap k at output i along one axis, -1 on padding or between dilated samples. */
  function sourceTable(inSize: number, kSize: number, outSize: number, stride: number, padBefore: number, lhsDil: number, rhsDil: number): Int32Array {
    const t = new Int32Array(kSize * outSize);
    const span = (inSize - 1) * lhsDil + 1;
    for (let kk = 0; kk < kSize; kk++) {
      for (let i = 0; i < outSize; i++) {
        const j = i * stride + kk * rhsDil - padBefore;
        t[kk * outSize + i] = j >= 0 && j < span && j % lhsDil === 0 ? j / lhsDil : -1;
      }
    }
    return t;
  }

  const conv = wrap("conv", (rt, [x, w], p, out) => {
    if (!isF32(x.storage.dtype) || !isF32(w.storage.dtype)) return null;
    const [n, , hgt, wid] = x.shape;
    const [o, cg, kh, kw] = w.shape;
    const [, , oh, ow] = out.shape;
    const { o: res } = contiguousOut(rt, out);
    if (sizeOf(out.shape) === 0) return rt.finish(res.st);
    const g = p.groups;
    const og = o / g;
    const taps = cg * kh * kw;
    const plane = oh * ow;
    const total = n * plane;
    const put = (t: Int32Array) => {
      const ptr = rt.temp(4 * t.length);
      new Int32Array(rt.heap.memory.buffer, ptr, t.length).set(t);
      return ptr;
    };
    // stride 1 without dilation: the input is copied once with zero borders (contiguous rows), so that
    // im2col moves whole runs four floats at a time (conv_task_s1); anything else reads x through the
    // source tables of the general im2col
    const stride1 = [...p.stride, ...p.lhs_dilation, ...p.rhs_dilation].every((d) => d === 1);
    const rows = stride1 ? 0 : put(sourceTable(hgt, kh, oh, p.stride[0], p.padding[0], p.lhs_dilation[0], p.rhs_dilation[0]));
    const cols = stride1 ? 0 : put(sourceTable(wid, kw, ow, p.stride[1], p.padding[2], p.lhs_dilation[1], p.rhs_dilation[1]));
    // the kernel as a contiguous OIHW matrix
    let wp = rt.ptrOf(w.storage as WasmStorage) + 4 * w.offset;
    const wc = contiguousStrides(w.shape);
    if (w.shape.some((d, i) => d !== 1 && w.strides[i] !== wc[i])) {
      const tmpW = rt.temp(4 * sizeOf(w.shape));
      ew(rt, "copy_f32", w.shape, { ptr: tmpW, strides: wc }, [toOperand(rt, w, w.shape)]);
      wp = tmpW;
    }
    let xp = rt.ptrOf(x.storage as WasmStorage) + 4 * x.offset;
    let [sn, sc, sh, sw] = x.strides;
    if (stride1) {
      const [pt, pb, pl, pr] = p.padding;
      const padded = [n, x.shape[1], hgt + pt + pb, wid + pl + pr];
      // 64 bytes of slack: the last run's four-float copy may read past the end
      xp = rt.temp(4 * sizeOf(padded) + 64);
      padInto(rt, x, [0, 0, pt, pl], padded, 0, xp);
      [sn, sc, sh, sw] = contiguousStrides(padded);
    }
    const nr = GEMM.NV * 4;
    const work = og * total * taps;
    const task = stride1 ? "conv_task_s1" : "conv_task";
    let parts = work >= MM_PARALLEL ? rt.slices(2) : 1;
    // few columns (a weight gradient's 3x3 "output") and many channels: the slices split the channels
    // instead and the partial products are added
    if (parts > 1 && Math.ceil(total / nr) < parts && g === 1 && cg >= 2) {
      const kParts = Math.min(parts, cg);
      const ch = Math.ceil(total / nr) * nr;
      const partials = Array.from({ length: kParts }, () => rt.temp(4 * o * total));
      const slices = ranges(cg, kParts).map(([c0, c1], s) => [
        0, total, ch, xp + 4 * c0 * sc, sn, sc, sh, sw, c1 - c0, kh, kw, oh, ow, rows, cols,
        wp + 4 * c0 * kh * kw, taps, og, partials[s], total, plane, 0, rt.temp(4 * (c1 - c0) * kh * kw * ch + gemmScratchBytes(ch) + 256),
      ]);
      rt.run(task, slices);
      const flat = { ptr: 0, strides: [1] };
      for (let s = 1; s < slices.length; s++) ew(rt, "add", [o * total], { ...flat, ptr: partials[0] }, [{ ...flat, ptr: partials[0] }, { ...flat, ptr: partials[s] }]);
      ew(rt, "copy_f32", [n, o, plane], { ptr: res.ptr, strides: [o * plane, plane, 1] }, [{ ptr: partials[0], strides: [plane, total, 1] }]);
      return rt.finish(res.st);
    }
    parts = Math.min(parts, Math.ceil(total / nr));
    // slices of whole column chunks, the same number for every slice (a chunk's column matrix about 1 MiB,
    // a multiple of the GEMM's panel width)
    const perSlice = Math.ceil(Math.ceil(total / Math.max(8 * nr, Math.floor(262144 / taps / nr) * nr)) / parts);
    const ch = Math.ceil(total / (parts * perSlice) / nr) * nr;
    // large output planes: the GEMM writes NCHW directly (chunks stop at batch items); small ones (a
    // gradient's 3x3) go through a [O x N*plane] buffer, so that chunks span batch items
    const direct = plane >= 4 * nr;
    const tmp = direct ? res.ptr : rt.temp(4 * o * total);
    for (let gi = 0; gi < g; gi++) {
      const slices = ranges(total, parts, ch * perSlice).map(([j0, j1]) => [
        j0, j1, ch, xp + 4 * gi * cg * sc, sn, sc, sh, sw, cg, kh, kw, oh, ow, rows, cols,
        wp + 4 * gi * og * taps, taps, og,
        ...(direct ? [tmp + 4 * gi * og * plane, plane, o * plane, 1] : [tmp + 4 * gi * og * total, total, plane, 0]),
        rt.temp(4 * taps * ch + gemmScratchBytes(ch) + 256),
      ]);
      rt.run(task, slices);
    }
    // out[b, o, p] = tmp[o, b * plane + p]
    if (!direct) ew(rt, "copy_f32", [n, o, plane], { ptr: res.ptr, strides: [o * plane, plane, 1] }, [{ ptr: tmp, strides: [plane, total, 1] }]);
    return rt.finish(res.st);
  });

  // ------------------------------------------------------------ data movement

  const pad = wrap("pad", (rt, [x], p, out) => {
    const e = esz(out.dtype);
    if (e !== 4 && e !== 1) return null;
    const { o } = contiguousOut(rt, out);
    padInto(rt, x, p.before, out.shape, p.value, o.ptr);
    return rt.finish(o.st);
  });

  /**
   * `x` (a 4- or 1-byte dtype) laid out contiguously as `shape` at `dst`, `before` elements in on each
   * axis, every other element `value` (cast to the dtype).
   */
  function padInto(rt: Runtime, x: View, before: readonly number[], shape: readonly number[], value: number, dst: number): void {
    const total = sizeOf(shape);
    if (total === 0) return;
    const e = esz(x.storage.dtype);
    const strides = contiguousStrides(shape);
    if (total !== sizeOf(x.shape)) {
      // fill with the value (cast to the dtype by a one-element typed array), then copy the input in
      const one = new x.storage.dtype.storage(1);
      one[0] = value;
      const v = rt.temp(4);
      rt.heap.u8.set(new Uint8Array(one.buffer, 0, e), v);
      ew(rt, e === 4 ? "copy_f32" : "copy_u8", [total], { ptr: dst, strides: [1] }, [{ ptr: v, strides: [0] }]);
    }
    const start = before.reduce((acc, b, i) => acc + b * strides[i], 0);
    if (sizeOf(x.shape) > 0) copyInto(rt, { ptr: dst + e * start, strides }, x);
  }

  const concat = wrap("concat", (rt, inputs, p, out) => {
    const e = esz(out.dtype);
    if (e !== 4 && e !== 1) return null;
    const { o, operand: op } = contiguousOut(rt, out);
    let at = 0;
    for (const v of inputs) {
      if (sizeOf(v.shape) > 0) copyInto(rt, { ptr: o.ptr + e * at * op.strides[p.axis], strides: op.strides }, v);
      at += v.shape[p.axis];
    }
    return rt.finish(o.st);
  });

  /** (A, L, B) around `axis`: sizes and, for each view, one stride per group (null if a group does not collapse). */
  function aroundAxis(shape: readonly number[], axis: number, views: readonly (readonly number[])[]): { A: number; L: number; B: number; st: [number, number, number][] } | null {
    const before = shape.slice(0, axis);
    const after = shape.slice(axis + 1);
    const g = (dims: readonly number[], strides: readonly number[]) => {
      const c = collapse(dims, [strides]);
      return c.shape.length === 0 ? 0 : c.shape.length === 1 ? c.strides[0][0] : null;
    };
    const st: [number, number, number][] = [];
    for (const s of views) {
      const a = g(before, s.slice(0, axis));
      const b = g(after, s.slice(axis + 1));
      if (a === null || b === null) return null;
      st.push([a, s[axis], b]);
    }
    return { A: sizeOf(before), L: shape[axis], B: sizeOf(after), st };
  }

  const idxKind = (d: DType) => (d.name === "Int64" ? "i64" : d.name === "Int32" ? "i32" : null);

  /** Run a gather/scatter over (A, L, B), A split across threads; false on an index out of range. */
  function alongAxis(rt: Runtime, fn: string, g: { A: number; L: number; B: number; st: [number, number, number][] }, data: number, de: number, index: number, ie: number, dim: number, po: number, oe: number, outRow: number): boolean {
    const status = rt.temp(4);
    rt.heap.i32[status >> 2] = 0;
    const [ds, is] = g.st;
    const parts = g.A * g.L * g.B >= EW_PARALLEL && g.A > 1 ? Math.min(rt.slices(), g.A) : 1;
    rt.run(fn, ranges(g.A, parts).map(([a0, a1]) => [a1 - a0, g.L, g.B, data + de * a0 * ds[0], ds[0], ds[1], ds[2], dim, index + ie * a0 * is[0], is[0], is[1], is[2], po + oe * a0 * outRow, status]));
    rt.heap.refresh();
    return rt.heap.i32[status >> 2] === 0;
  }

  const takeAlongAxis = wrap("take_along_axis", (rt, [x, index], p, out) => {
    const e = esz(x.storage.dtype);
    const kind = idxKind(index.storage.dtype);
    if ((e !== 4 && e !== 8) || !kind) return null;
    const g = aroundAxis(index.shape, p.axis, [x.strides, index.strides]);
    if (!g) return null;
    const { o } = contiguousOut(rt, out);
    if (sizeOf(out.shape) === 0) return rt.finish(o.st);
    const ie = esz(index.storage.dtype);
    const ok = alongAxis(rt, `gather_d${e}_${kind}`, g, rt.ptrOf(x.storage as WasmStorage) + e * x.offset, e, rt.ptrOf(index.storage as WasmStorage) + ie * index.offset, ie, x.shape[p.axis], o.ptr, e, g.L * g.B);
    // an index out of range: let the reference kernel raise MindSpore's error
    return ok ? rt.finish(o.st) : null;
  });

  const scatterAdd = wrap("scatter_add_along_axis", (rt, [src, index], p, out) => {
    const kind = idxKind(index.storage.dtype);
    if (!isF32(src.storage.dtype) || !kind) return null;
    // the kernel addresses the output as [A, dim, B] of the index's A and B: other shapes go to the reference
    if (out.shape.some((d, i) => i !== p.axis && d !== index.shape[i])) return null;
    const g = aroundAxis(index.shape, p.axis, [src.strides, index.strides]);
    if (!g) return null;
    const { o } = contiguousOut(rt, out);
    const total = sizeOf(out.shape);
    if (total > 0 && sizeOf(index.shape) === 0) rt.heap.f32.fill(0, o.ptr / 4, o.ptr / 4 + total);
    else if (total > 0) {
      // the kernel zeroes the output rows of its slice
      const ie = esz(index.storage.dtype);
      const dim = out.shape[p.axis];
      const ok = alongAxis(rt, `scatter_add_${kind}`, g, rt.ptrOf(src.storage as WasmStorage) + 4 * src.offset, 4, rt.ptrOf(index.storage as WasmStorage) + ie * index.offset, ie, dim, o.ptr, 4, dim * g.B);
      if (!ok) return null;
    }
    return rt.finish(o.st);
  });

  // Every primitive of the reference table (so primitives added later work at once), then the fast paths.
  const table = {} as Record<PrimName, Kernel<PrimName>>;
  for (const p of Object.keys(ref) as PrimName[]) table[p] = fallback(p) as Kernel<PrimName>;
  const fast: Partial<KernelTable> = {
    neg: unary("neg"), exp: unary("exp"), log: unary("log"), tanh: unary("tanh"), sqrt: unary("sqrt"), abs: unary("abs"),
    sign: unary("sign"), floor: unary("floor"), ceil: unary("ceil"), round: unary("round"), sigmoid: unary("sigmoid"),
    reciprocal: unary("reciprocal"),
    add: binary("add"), sub: binary("sub"), mul: binary("mul"), div: binary("div"), maximum: binary("maximum"), minimum: binary("minimum"),
    equal: binary("equal", true), not_equal: binary("not_equal", true), less: binary("less", true),
    less_equal: binary("less_equal", true), greater: binary("greater", true), greater_equal: binary("greater_equal", true),
    select,
    cast,
    sum: reduce("sum"),
    max: reduce("max"),
    min: reduce("min"),
    argmax: argReduce("argmax"),
    argmin: argReduce("argmin"),
    pool_argmax: poolArgmax,
    pad,
    concat,
    take_along_axis: takeAlongAxis,
    scatter_add_along_axis: scatterAdd,
    matmul,
    conv,
  };
  Object.assign(table, fast);
  // layout primitives never reach a kernel (their rule makes a view); keep the reference's guard
  for (const p of ["stop_gradient", "reshape", "transpose", "broadcast_to", "slice"] as const) table[p] = ref[p] as Kernel<PrimName>;
  return table as unknown as KernelTable;
}

/** Which primitives have a wasm fast path (the rest always run on the reference kernel). */
export const WASM_KERNELS: ReadonlySet<PrimName> = new Set<PrimName>([
  "neg", "exp", "log", "tanh", "sqrt", "abs", "sign", "floor", "ceil", "round", "sigmoid", "reciprocal",
  "add", "sub", "mul", "div", "maximum", "minimum", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
  "select", "cast", "sum", "max", "min", "argmax", "argmin", "pool_argmax", "pad", "concat", "take_along_axis", "scatter_add_along_axis", "matmul", "conv",
]);

