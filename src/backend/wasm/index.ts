/**
 * The `wasm` backend: kernels in WebAssembly with 128-bit SIMD (relaxed-SIMD
 * FMA where the engine has it), multi-threaded over shared memory with
 * worker_threads in Node and Web Workers in cross-origin isolated pages,
 * emitted from TypeScript at run time (see docs/wasm-backend.md).
 *
 * Tensors live in WebAssembly memory without the user managing it (see
 * memory.ts). Primitives without a wasm kernel, and dtypes other than
 * float32 for most of them, run on the reference kernels reading wasm memory
 * in place, so every primitive works on this backend.
 *
 * Nothing is compiled at import: the module is built on first use
 * (synchronously in Node; in browsers, where the main thread may not compile
 * large modules synchronously, in the background, the reference kernels
 * standing in until it is ready).
 */
import type { Backend, KernelTable, Storage, View } from "../backend.js";
import type { DType, TypedArray } from "../../core/dtype.js";
import { toContiguous } from "../reference/storage.js";
import { detectFeatures, isNode } from "./features.js";
import { makeKernels, WASM_KERNELS } from "./kernels.js";
import { Block, SMALL_BYTES, type ResidencyStats } from "./memory.js";
import { Runtime, WasmStorage, bytesOf, type RuntimeInfo } from "./runtime.js";
import { runFusedWasm } from "./fused.js";
import type { FusedProgram } from "../../jit/fuse.js";

export { WASM_KERNELS } from "./kernels.js";
export type { ResidencyStats } from "./memory.js";

export class WasmBackend implements Backend {
  readonly name = "wasm";
  readonly kernels: KernelTable;
  private runtime: Runtime | null = null;
  private pending: Promise<Runtime> | null = null;
  private failed: unknown = null;

  constructor() {
    this.kernels = makeKernels({
      rt: () => this.rt(),
      backend: this,
      adopt: (data, dtype) => this.adopt(data, dtype),
    });
  }

  /** The runtime, created on first use; null while a browser compiles it in the background (or if it failed). */
  rt(): Runtime | null {
    if (this.runtime || this.failed) return this.runtime;
    if (isNode()) {
      try {
        this.runtime = Runtime.create();
      } catch (e) {
        this.failed = e;
      }
    } else if (!this.pending) {
      this.pending = Runtime.createAsync();
      this.pending.then(
        (r) => (this.runtime = r),
        (e) => (this.failed = e),
      );
    }
    return this.runtime;
  }

  /** Resolves when the kernels are compiled (browsers); at once in Node. */
  async ready(): Promise<void> {
    if (this.rt() || this.failed) return;
    await this.pending;
  }

  upload(data: TypedArray, dtype: DType): Storage {
    return this.adopt(data, dtype);
  }

  adopt(data: TypedArray, dtype: DType): WasmStorage {
    const rt = bytesOf(dtype, data.length) >= SMALL_BYTES ? this.rt() : null;
    if (rt) return rt.adopt(this, data, dtype);
    const block = new Block(bytesOf(dtype, data.length));
    block.host = data;
    return new WasmStorage(this, dtype, data.length, block);
  }

  readSync(view: View): TypedArray {
    // toContiguous reads WasmStorage.data and always copies, so the result never aliases wasm memory
    return toContiguous(view);
  }

  read(view: View): Promise<TypedArray> {
    return Promise.resolve(this.readSync(view));
  }

  /** A step is starting: collect the last steps' garbage while nothing of the new one exists (see Residency). */
  stepBoundary(): void {
    this.runtime?.residency.stepBoundary();
  }

  /** jit's fused elementwise programs (gen_fused.ts); null runs the members one by one. */
  fused(program: FusedProgram, inputs: readonly View[]): Storage[] | null {
    const rt = this.rt();
    return rt ? runFusedWasm(rt, this, program, inputs) : null;
  }

  release(storage: Storage): void {
    const st = storage as WasmStorage;
    if (st.block.ptr >= 0) this.runtime?.release(st);
    else st.block.host = null;
  }

  /** Memory counters (tests and the bench read them). */
  stats(): ResidencyStats | null {
    return this.runtime?.stats() ?? null;
  }

  /**
   * Fix the resident-bytes budget: above it, dead tensors are collected and, if that is not enough, the
   * least recently used ones spilled to the JS heap. (By default it starts at 64 MiB, or
   * MINDSPORE_TS_WASM_BUDGET_MB, and grows up to 4x when collections cannot keep under it.)
   */
  setBudget(bytes: number): void {
    const rt = this.rt();
    if (rt) rt.residency.budgetBytes = rt.residency.maxAutoBudget = bytes;
  }

  info(): Partial<RuntimeInfo> & { backend: string; wasm_kernels: number } {
    const f = detectFeatures();
    const base = { backend: this.name, wasm_kernels: WASM_KERNELS.size, simd: f.simd, relaxed_simd_fma: f.relaxedSimd };
    return this.runtime ? { ...base, ...this.runtime.info() } : base;
  }
}

/** The backend, or null where this engine cannot run it (no WebAssembly SIMD). */
export function createWasmBackend(): WasmBackend | null {
  const f = detectFeatures();
  return f.wasm && f.simd ? new WasmBackend() : null;
}

