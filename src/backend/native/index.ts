/**
 * The `native` backend: kernels in C++ (native/), called through N-API.
 *
 * Memory model: a native storage is a reference `HostStorage` — a TypedArray
 * the addon reads and writes by pointer. So there are no copies between JS
 * and C++, and the reference kernels can run on native storage as it is
 * (which is how every dtype and primitive this backend does not implement
 * falls back). Kernel outputs are TypedArrays over blocks of the addon's cache
 * (native/src/blocks.h): the GC frees them like any ArrayBuffer, the block
 * goes back to the cache warm, and `release` (dispose, the engine's dead
 * intermediates) hands it back at once.
 */
import type { Kernel, KernelTable, OutSpec, Storage, View } from "../backend.js";
import { fusedInputKind, type FusedProgram } from "../../jit/fuse.js";
import type { BinaryPrim, PrimName, UnaryPrim } from "../../primitives/params.js";
import type { DType, TypedArray } from "../../core/dtype.js";
import { contiguousStrides, sizeOf } from "../../core/shape.js";
import { HostBackend, HostStorage, hostData, stridesFor } from "../reference/storage.js";
import { referenceBackend } from "../reference/index.js";
import { nodeCollector } from "../collector.js";
import { loadAddon, type NativeAddon, type NativeInfo, type NativeMemory } from "./addon.js";

/** Young collections at step boundaries once the steps since the last one made this many output bytes. */
const STEP_GC_BYTES = 4 * 2 ** 20;

const isFloat = (d: DType) => d.name === "Float32" || d.name === "Float64";
const isIndex = (v: View) => v.storage.dtype.name === "Int64" || v.storage.dtype.name === "Int32";
/** Strides with the gather/scatter axis zeroed: the index supplies that coordinate. */
const withoutAxis = (strides: readonly number[], axis: number) => strides.map((s, i) => (i === axis ? 0 : s));
/** float16 lives in a Float32Array too, but its results need rounding: the reference kernels do that. */
const floatView = (v: View) => isFloat(v.storage.dtype);

/**
 * Shapes, strides and offsets go to C++ packed in one reused Float64Array
 * (one N-API call reads it all). Kernels run synchronously, so reuse is safe.
 */
const META = new Float64Array(512);

class Packer {
  i = 0;
  push(...xs: readonly number[]): this {
    for (const x of xs) META[this.i++] = x;
    return this;
  }
  /** [nd, shape..., then per operand: offset, strides...] */
  strided(shape: readonly number[], ops: readonly { offset: number; strides: readonly number[] }[]): this {
    this.push(shape.length, ...shape);
    for (const o of ops) this.push(o.offset, ...o.strides);
    return this;
  }
}
const pack = () => new Packer();

export class NativeBackend extends HostBackend {
  readonly name = "native";
  /** Storage is host memory: the registry shares it with the reference backend instead of copying. */
  readonly hostVisible = true;
  /**
   * Results with fewer elements than this (products and convolutions with
   * fewer multiply-adds) run the reference kernels: a call into C++ costs
   * about a microsecond, more than JS takes for a tiny array. Tests set it to
   * 0 to exercise the C++ kernels at every size.
   */
  smallCutoff = 256;
  readonly kernels: Partial<KernelTable>;
  private readonly unaryCode: Map<string, number>;
  private readonly binaryCode: Map<string, number>;
  private readonly reduceCode: Map<string, number>;

  constructor(private readonly addon: NativeAddon) {
    super();
    const info = addon.info();
    this.unaryCode = new Map(info.unary.map((n, i) => [n, i]));
    this.binaryCode = new Map(info.binary.map((n, i) => [n, i]));
    this.reduceCode = new Map(info.reduce.map((n, i) => [n, i]));
    const k: Partial<Record<PrimName, unknown>> = {};
    for (const n of info.unary) k[n as UnaryPrim] = this.unaryKernel(n as UnaryPrim);
    for (const n of info.binary) k[n as BinaryPrim] = this.binaryKernel(n as BinaryPrim);
    for (const n of info.reduce) k[n as "sum"] = this.reduceKernel(n as "sum");
    k.select = this.selectKernel();
    k.cast = this.castKernel();
    k.matmul = this.matmulKernel();
    k.conv = this.convKernel();
    k.take_along_axis = this.gatherKernel();
    k.scatter_add_along_axis = this.scatterAddKernel();
    k.argmax = this.argKernel("argmax");
    k.argmin = this.argKernel("argmin");
    k.pool_argmax = this.poolArgmaxKernel();
    this.kernels = k as Partial<KernelTable>;
  }

  /** ISA, thread count and cores as the addon sees them. */
  info(): NativeInfo {
    return this.addon.info();
  }
  /** Threads the kernels may use (default: the usable cores, or MINDSPORE_TS_NUM_THREADS). */
  set_num_threads(n: number): void {
    this.addon.setThreads(Math.max(1, Math.floor(n)));
  }
  get_num_threads(): number {
    return this.addon.info().threads;
  }

  // ------------------------------------------------------------ helpers

  private small(v: { shape: readonly number[] }): boolean {
    return sizeOf(v.shape) < this.smallCutoff;
  }
  /**
   * Outputs live in the addon's block cache: memory already faulted in by an
   * earlier step, handed back when the GC frees the TypedArray. Every kernel
   * writes all of its output, so the memory need not be zeroed.
   */
  private alloc(out: OutSpec): TypedArray {
    const n = sizeOf(out.shape);
    const Ctor = out.dtype.storage;
    if (n === 0) return new Ctor(0);
    const bytes = n * Ctor.BYTES_PER_ELEMENT;
    this.sinceStep += bytes;
    const buffer = this.addon.alloc(bytes);
    this.pooled.add(buffer);
    return new Ctor(buffer, 0, n);
  }

  private readonly collector = nodeCollector();
  /** Output bytes since the last collection at a step boundary. */
  private sinceStep = 0;
  private stepGcs = 0;

  /**
   * Between two gradients the previous step's outputs are usually dead but
   * wait for V8 to notice tens of megabytes of external memory; meanwhile
   * every new output is a block that has left the CPU's caches. A young
   * collection here (when the last steps made enough memory to matter)
   * returns them to the block cache at once, so the next step reuses hot
   * blocks, as a reference-counting allocator would. Nothing of the new step
   * exists yet, so nothing of it gets promoted.
   */
  stepBoundary(): void {
    if (!this.collector || this.sinceStep < STEP_GC_BYTES) return;
    this.sinceStep = 0;
    this.stepGcs++;
    this.collector.gc(false);
  }
  /** Buffers from the block cache: the only ones `release` detaches. */
  private readonly pooled = new WeakSet<ArrayBufferLike>();

  /** Hand a storage's block back now (dispose, and the engine's dead intermediates). */
  release(storage: Storage): void {
    const data = (storage as HostStorage).data;
    if (data && this.pooled.has(data.buffer)) {
      this.pooled.delete(data.buffer);
      this.addon.release(data.buffer as ArrayBuffer);
    }
  }
  /** Live output blocks and the cache's size (tests use it to check memory stays flat). */
  memory(): NativeMemory & { stepGcs: number } {
    return { ...this.addon.memory(), stepGcs: this.stepGcs };
  }
  private wrap(out: OutSpec, data: TypedArray): Storage {
    return new HostStorage(this, out.dtype, data);
  }
  /** Run the reference kernel on our (host) storage and adopt its result without a copy. */
  private fallback<P extends PrimName>(p: P, inputs: readonly View[], params: unknown, out: OutSpec): Storage {
    const k = referenceBackend.kernels[p] as (i: readonly View[], q: unknown, o: OutSpec) => Storage;
    return this.wrap(out, (k(inputs, params, out) as HostStorage).data);
  }

  // ------------------------------------------------------------ fusion

  /** Native code of each fused program (5 ints per instruction: kind, op, dst, a, b). */
  private readonly fusedCode = new WeakMap<FusedProgram, Int32Array>();

  /**
   * `jit`'s fused elementwise chains: one pass over memory, chunk by chunk
   * (native/src/fused.cc). Inputs must be the full shape, contiguous, or a
   * single broadcast element; anything else runs op by op.
   */
  fused(program: FusedProgram, inputs: readonly View[]): Storage[] | null {
    const dt = program.dtype;
    if (dt.name !== "Float32" && dt.name !== "Float64") return null;
    const n = sizeOf(program.shape);
    if (n < this.smallCutoff || 4 + 2 * inputs.length > META.length) return null;
    const kinds = inputs.map((v) => fusedInputKind(program, v));
    if (kinds.includes(null)) return null;
    const arrays = inputs.map(hostData);
    const p = pack().push(n, program.nInputs, program.nOutputs, program.nTemps);
    inputs.forEach((v, i) => p.push(v.offset, kinds[i] === "scalar" ? 1 : 0));
    let code = this.fusedCode.get(program);
    if (!code) {
      code = new Int32Array(program.code.length * 5);
      program.code.forEach((c, k) => {
        const unary = c.b < 0;
        code![5 * k] = unary ? 0 : 1;
        code![5 * k + 1] = (unary ? this.unaryCode : this.binaryCode).get(c.prim)!;
        code!.set([c.dst, c.a, Math.max(c.b, 0)], 5 * k + 2);
      });
      this.fusedCode.set(program, code);
    }
    const out = { shape: program.shape, dtype: dt };
    const results = Array.from({ length: program.nOutputs }, () => this.alloc(out));
    this.addon.fused(code, [...arrays, ...results], META);
    return results.map((r) => this.wrap(out, r));
  }

  // ------------------------------------------------------------ kernels

  private unaryKernel<P extends UnaryPrim>(p: P): Kernel<P> {
    const code = this.unaryCode.get(p)!;
    return (inputs, params, out) => {
      const x = inputs[0];
      if (this.small(out) || !floatView(x) || !(out.dtype === x.storage.dtype || out.dtype.name === "Bool")) return this.fallback(p, inputs, params, out);
      const res = this.alloc(out);
      pack().strided(out.shape, [{ offset: x.offset, strides: x.strides }]);
      this.addon.unary(code, res, hostData(x), META);
      return this.wrap(out, res);
    };
  }

  private binaryKernel<P extends BinaryPrim>(p: P): Kernel<P> {
    const code = this.binaryCode.get(p)!;
    return (inputs, params, out) => {
      const [a, b] = inputs;
      const dt = a.storage.dtype;
      if (this.small(out) || !floatView(a) || b.storage.dtype !== dt || !(out.dtype === dt || out.dtype.name === "Bool")) return this.fallback(p, inputs, params, out);
      const res = this.alloc(out);
      pack().strided(out.shape, [
        { offset: a.offset, strides: stridesFor(a, out.shape) },
        { offset: b.offset, strides: stridesFor(b, out.shape) },
      ]);
      this.addon.binary(code, res, hostData(a), hostData(b), META);
      return this.wrap(out, res);
    };
  }

  private selectKernel(): Kernel<"select"> {
    return (inputs, params, out) => {
      const [c, x, y] = inputs;
      const ctor = out.dtype.storage;
      if (this.small(out) || c.storage.dtype.name !== "Bool" || x.storage.dtype.storage !== ctor || y.storage.dtype.storage !== ctor) {
        return this.fallback("select", inputs, params, out);
      }
      const res = this.alloc(out);
      pack().strided(
        out.shape,
        [c, x, y].map((v) => ({ offset: v.offset, strides: stridesFor(v, out.shape) })),
      );
      this.addon.select(res, hostData(c), hostData(x), hostData(y), META);
      return this.wrap(out, res);
    };
  }

  /**
   * Same-dtype copies (how the dispatcher makes views contiguous), between
   * float types, and float to Bool; the integer conversions (wrapping,
   * truncation) stay with the reference kernel.
   */
  private castKernel(): Kernel<"cast"> {
    return (inputs, params, out) => {
      const x = inputs[0];
      const from = x.storage.dtype;
      const to = out.dtype;
      const fromFloat = from.kind === "float";
      const ok = from === to || (fromFloat && (isFloat(to) || to.name === "Bool"));
      if (!ok || this.small(out)) return this.fallback("cast", inputs, params, out);
      const res = this.alloc(out);
      pack().strided(x.shape, [{ offset: x.offset, strides: x.strides }]);
      this.addon.cast(res, hostData(x), META);
      return this.wrap(out, res);
    };
  }

  private reduceKernel<P extends "sum" | "prod" | "max" | "min">(p: P): Kernel<P> {
    const code = this.reduceCode.get(p)!;
    const kernel = (inputs: readonly View[], params: { axes: readonly number[] }, out: OutSpec) => {
      const x = inputs[0];
      if (this.small(x) || !floatView(x) || out.dtype !== x.storage.dtype) return this.fallback(p, inputs, params, out);
      const res = this.alloc(out);
      // where each input element lands: contiguous over the kept axes, 0 on the reduced ones
      const kept = x.shape.map((d, i) => (params.axes.includes(i) ? 1 : d));
      const slot = contiguousStrides(kept).map((s, i) => (params.axes.includes(i) ? 0 : s));
      pack().strided(x.shape, [
        { offset: x.offset, strides: x.strides },
        { offset: 0, strides: slot },
      ]);
      this.addon.reduce(code, res, hostData(x), META);
      return this.wrap(out, res);
    };
    return kernel as unknown as Kernel<P>;
  }

  private matmulKernel(): Kernel<"matmul"> {
    return (inputs, params, out) => {
      const [a, b] = inputs;
      const k = a.shape[a.shape.length - 1];
      if (sizeOf(out.shape) * k < this.smallCutoff * 16 || !floatView(a) || b.storage.dtype !== a.storage.dtype || out.dtype !== a.storage.dtype) {
        return this.fallback("matmul", inputs, params, out);
      }
      const nd = out.shape.length;
      const batch = out.shape.slice(0, nd - 2);
      // batch strides of an operand, 0 where it is broadcast
      const bStr = (v: View) => {
        const lead = batch.length - (v.shape.length - 2);
        return batch.map((_, i) => (i < lead || v.shape[i - lead] === 1 ? 0 : v.strides[i - lead]));
      };
      const res = this.alloc(out);
      const [ars, acs] = a.strides.slice(-2);
      const [brs, bcs] = b.strides.slice(-2);
      pack()
        .push(out.shape[nd - 2], out.shape[nd - 1], k, batch.length, ...batch, ...bStr(a), ...bStr(b))
        .push(a.offset, ars, acs, b.offset, brs, bcs);
      this.addon.matmul(res, hostData(a), hostData(b), META);
      return this.wrap(out, res);
    };
  }

  /** Any dtype (copied by element size); int64 or int32 indices. */
  private gatherKernel(): Kernel<"take_along_axis"> {
    return (inputs, p, out) => {
      const [x, index] = inputs;
      if (this.small(out) || !isIndex(index) || x.storage.dtype.storage !== out.dtype.storage) return this.fallback("take_along_axis", inputs, p, out);
      const res = this.alloc(out);
      pack()
        .strided(index.shape, [
          { offset: index.offset, strides: index.strides },
          { offset: x.offset, strides: withoutAxis(x.strides, p.axis) },
        ])
        .push(x.shape[p.axis], x.strides[p.axis]);
      // an index out of range: the reference kernel raises MindSpore's IndexError
      if (!this.addon.gather(res, hostData(x), hostData(index), META)) return this.fallback("take_along_axis", inputs, p, out);
      return this.wrap(out, res);
    };
  }

  private scatterAddKernel(): Kernel<"scatter_add_along_axis"> {
    return (inputs, p, out) => {
      const [src, index] = inputs;
      if (this.small(index) || !isIndex(index) || !floatView(src) || out.dtype !== src.storage.dtype) return this.fallback("scatter_add_along_axis", inputs, p, out);
      const res = this.alloc(out).fill(0); // scatter-add accumulates into zeros (alloc does not clear)
      const cs = contiguousStrides(out.shape);
      pack()
        .strided(index.shape, [
          { offset: index.offset, strides: index.strides },
          { offset: src.offset, strides: src.strides },
          { offset: 0, strides: withoutAxis(cs, p.axis) },
        ])
        .push(out.shape[p.axis], cs[p.axis]);
      if (!this.addon.scatterAdd(res, hostData(src), hostData(index), META)) return this.fallback("scatter_add_along_axis", inputs, p, out);
      return this.wrap(out, res);
    };
  }

  private argKernel<P extends "argmax" | "argmin">(prim: P): Kernel<P> {
    const kernel = (inputs: readonly View[], p: { axis: number }, out: OutSpec) => {
      const x = inputs[0];
      if (this.small(x) || x.shape.length === 0 || !floatView(x) || out.dtype.storage !== Float64Array) return this.fallback(prim, inputs, p, out);
      const res = this.alloc(out);
      const keep = (_: number, i: number) => i !== p.axis;
      pack()
        .strided(x.shape.filter(keep), [{ offset: x.offset, strides: x.strides.filter(keep) }])
        .push(x.shape[p.axis], x.strides[p.axis]);
      this.addon.argreduce(prim === "argmax", res, hostData(x), META);
      return this.wrap(out, res);
    };
    return kernel as unknown as Kernel<P>;
  }

  private poolArgmaxKernel(): Kernel<"pool_argmax"> {
    return (inputs, p, out) => {
      const x = inputs[0];
      if (this.small(out) || !floatView(x)) return this.fallback("pool_argmax", inputs, p, out);
      const res = this.alloc(out);
      pack().push(...x.shape, ...x.strides, x.offset, ...p.kernel, ...p.stride, ...p.dilation, ...p.out);
      this.addon.poolArgmax(res, hostData(x), META);
      return this.wrap(out, res);
    };
  }

  private convKernel(): Kernel<"conv"> {
    return (inputs, p, out) => {
      const [x, w] = inputs;
      const taps = w.shape[1] * w.shape[2] * w.shape[3];
      if (sizeOf(out.shape) * taps < this.smallCutoff * 16 || !floatView(x) || w.storage.dtype !== x.storage.dtype || out.dtype !== x.storage.dtype) {
        return this.fallback("conv", inputs, p, out);
      }
      const res = this.alloc(out);
      pack()
        .push(...x.shape, ...x.strides, x.offset, ...w.shape, ...w.strides, w.offset, ...out.shape)
        .push(...p.stride, ...p.padding, ...p.lhs_dilation, ...p.rhs_dilation, p.groups);
      this.addon.conv(res, hostData(x), hostData(w), META);
      return this.wrap(out, res);
    };
  }
}

const loaded = loadAddon();

/** The native backend, or null where the addon is absent (browsers, no compiler at install). */
export const nativeBackend: NativeBackend | null = loaded.addon ? new NativeBackend(loaded.addon) : null;
/** Why the addon did not load, in Node; null in browsers and when it loaded. */
export const nativeLoadError: string | null = loaded.reason;
