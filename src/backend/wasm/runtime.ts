/**
 * The wasm backend's run-time state: the compiled module and its instance,
 * the heap and residency policy, the thread pool, and the per-kernel
 * bookkeeping (pointers of inputs, temporaries freed when the kernel returns).
 */
import type { Backend, Storage } from "../backend.js";
import type { DType, TypedArray } from "../../core/dtype.js";
import { detectFeatures, isNode, type WasmFeatures } from "./features.js";
import { Block, Heap, Residency, SMALL_BYTES, type ResidencyStats } from "./memory.js";
import { nodeCollector } from "../collector.js";
import { buildModuleBytes, pooledFunctions, type KernelExports } from "./module.js";
import { MAX_THREADS, ThreadPool } from "./threads.js";

/** Slices per thread of a large elementwise, reduction or gather job (see Runtime.slices). */
const SLICES_PER_THREAD = 4;

/** The heap of the live runtime (one per process), for WasmStorage.data. */
let liveHeap: Heap | null = null;

/** A tensor's storage on the wasm backend; its data is wherever `block` says. */
export class WasmStorage implements Storage {
  constructor(
    readonly backend: Backend,
    readonly dtype: DType,
    readonly length: number,
    readonly block: Block,
  ) {}

  /**
   * The elements as a TypedArray: a view into wasm memory (valid until the next allocation) or the host
   * array. Named like HostStorage.data, so the reference kernels read a wasm view in place.
   */
  get data(): TypedArray {
    const b = this.block;
    if (b.ptr >= 0) {
      const heap = liveHeap as Heap;
      heap.refresh();
      return new this.dtype.storage(heap.memory.buffer, b.ptr, this.length);
    }
    const h = b.host;
    if (!h) throw new Error("internal: a released wasm storage was read");
    return h instanceof this.dtype.storage ? h : new this.dtype.storage(h.buffer as ArrayBuffer, h.byteOffset, this.length);
  }
}

export const bytesOf = (dtype: DType, length: number) => length * dtype.storage.BYTES_PER_ELEMENT;

interface NodeProcess {
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}
const nodeProcess = (): NodeProcess | undefined => (globalThis as { process?: NodeProcess }).process;

function envNumber(name: string): number | undefined {
  const v = nodeProcess()?.env?.[name];
  return v !== undefined && v !== "" && Number.isFinite(Number(v)) ? Number(v) : undefined;
}

export interface RuntimeInfo {
  simd: boolean;
  relaxed_simd_fma: boolean;
  threads: number;
  workers_ready: number;
  shared_memory: boolean;
  worker_kind: string | null;
}

export class Runtime {
  readonly features: WasmFeatures;
  readonly heap: Heap;
  readonly residency: Residency;
  readonly exports: KernelExports;
  readonly module: WebAssembly.Module;
  readonly threads: number;
  pool: ThreadPool | null = null;
  /** heap blocks to give back when the running kernel returns */
  private temps: [number, number][] = [];

  constructor(module: WebAssembly.Module, features: WasmFeatures, heap: Heap, threads: number) {
    this.features = features;
    this.module = module;
    this.heap = heap;
    const budget = (envNumber("MINDSPORE_TS_WASM_BUDGET_MB") ?? 64) * 2 ** 20;
    this.residency = new Residency(heap, budget, Math.max(budget, Math.min(heap.maximumPages * 65536 * 0.75, 2 ** 31)), nodeCollector());
    const instance = new WebAssembly.Instance(module, { env: { memory: heap.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.threads = threads;
    liveHeap = heap;
  }

  /** Compile and instantiate synchronously (Node; browsers compile asynchronously, see createAsync). */
  static create(): Runtime {
    const { features, maximumPages, shared, threads } = Runtime.plan();
    const bytes = buildModuleBytes({ fma: features.relaxedSimd, shared, maximumPages });
    const module = new WebAssembly.Module(bytes as BufferSource);
    const rt = new Runtime(module, features, new Heap(shared, maximumPages), threads);
    rt.startPool();
    return rt;
  }

  static async createAsync(): Promise<Runtime> {
    const { features, maximumPages, shared, threads } = Runtime.plan();
    const bytes = buildModuleBytes({ fma: features.relaxedSimd, shared, maximumPages });
    const module = await WebAssembly.compile(bytes as BufferSource);
    const rt = new Runtime(module, features, new Heap(shared, maximumPages), threads);
    rt.startPool();
    return rt;
  }

  private static plan() {
    const features = detectFeatures();
    if (!features.simd) throw new Error("wasm backend: this engine has no WebAssembly SIMD");
    const want = envNumber("MINDSPORE_TS_WASM_THREADS") ?? hardwareThreads();
    const threads = features.workers ? Math.max(1, Math.min(want, MAX_THREADS)) : 1;
    const shared = threads > 1;
    return { features, threads, shared, maximumPages: 65536 };
  }

  private startPool(): void {
    if (this.threads <= 1 || !this.features.workers) return;
    const init = { module: this.module, memory: this.heap.memory, fns: pooledFunctions(this.exports as unknown as WebAssembly.Exports), threads: this.threads, kind: this.features.workers };
    try {
      // synchronous, so that a program that never yields to the event loop still gets its workers
      this.pool = ThreadPool.create(init, this.exports);
    } catch {
      this.pool = null; // no workers: single-threaded
    }
  }

  /** Threads that can take part in the next job (this one and the workers that are up). */
  get parallelism(): number {
    return this.pool ? this.pool.parallelism : 1;
  }

  /**
   * How many slices to cut a large job into: `perThread` per thread that can take part (slices are
   * claimed dynamically, so a few per thread let the others absorb a late or preempted thread's
   * share), or 1 on a single thread.
   */
  slices(perThread = SLICES_PER_THREAD): number {
    const p = this.parallelism;
    return p > 1 ? p * perThread : 1;
  }

  /** Run `fn` once per argument list, in parallel where workers are up. */
  run(fn: string, slices: readonly (readonly number[])[]): void {
    if (slices.length === 0) return;
    if (this.pool && slices.length > 1) this.pool.run(fn, slices);
    else for (const s of slices) this.exports[fn](...s);
  }

  // ------------------------------------------------------------ per kernel

  /** Start a kernel: blocks it touches from now on are not spilled until the next one starts. */
  begin(): void {
    this.residency.tick++;
  }

  /** Give back the temporaries of the kernel that just ran. */
  end(): void {
    for (const [p, b] of this.temps) this.heap.release(p, b);
    this.temps.length = 0;
  }

  /** A heap block that lives until the kernel returns (scratch, copies of small inputs). */
  temp(bytes: number): number {
    const p = this.heap.alloc(Math.max(bytes, 64));
    this.temps.push([p, Math.max(bytes, 64)]);
    return p;
  }

  /** Byte address of a storage's data in wasm memory, bringing it in if it lives on the JS heap. */
  ptrOf(st: WasmStorage): number {
    const b = st.block;
    if (b.ptr >= 0) {
      this.residency.touch(b);
      return b.ptr;
    }
    const host = b.host as TypedArray;
    if (b.bytes >= SMALL_BYTES) {
      this.residency.reload(st, b);
      this.heap.refresh();
      return b.ptr;
    }
    const p = this.temp(b.bytes);
    this.heap.u8.set(new Uint8Array(host.buffer, host.byteOffset, b.bytes), p);
    return p;
  }

  /** A new output storage and the address the kernel writes it at. Call `finish` after the kernel. */
  output(backend: Backend, dtype: DType, length: number): { st: WasmStorage; ptr: number } {
    const bytes = bytesOf(dtype, length);
    if (bytes >= SMALL_BYTES) {
      const block = new Block(bytes);
      const st = new WasmStorage(backend, dtype, length, block);
      this.residency.allocResident(st, block);
      this.heap.refresh();
      return { st, ptr: block.ptr };
    }
    const block = new Block(bytes);
    const st = new WasmStorage(backend, dtype, length, block);
    const ptr = this.temp(bytes);
    this.heap.refresh();
    (st as { outPtr?: number }).outPtr = ptr;
    return { st, ptr };
  }

  /** Move a small output from its temporary block to the JS heap. */
  finish(st: WasmStorage): WasmStorage {
    const o = st as { outPtr?: number };
    if (o.outPtr !== undefined) {
      const data = new st.dtype.storage(st.length);
      this.heap.refresh();
      data.set(new st.dtype.storage(this.heap.memory.buffer, o.outPtr, st.length) as ArrayLike<number> & TypedArray);
      st.block.host = data;
      delete o.outPtr;
    }
    return st;
  }

  /** Host data into a new storage: small ones stay on the JS heap, large ones go to wasm memory. */
  adopt(backend: Backend, data: TypedArray, dtype: DType): WasmStorage {
    const length = data.length;
    const bytes = bytesOf(dtype, length);
    if (bytes < SMALL_BYTES) {
      const block = new Block(bytes);
      block.host = data;
      return new WasmStorage(backend, dtype, length, block);
    }
    const { st, ptr } = this.output(backend, dtype, length);
    this.heap.u8.set(new Uint8Array(data.buffer, data.byteOffset, bytes), ptr);
    return st;
  }

  release(st: WasmStorage): void {
    this.residency.release(st.block);
    st.block.host = null;
  }

  stats(): ResidencyStats {
    return this.residency.stats();
  }

  info(): RuntimeInfo {
    return {
      simd: this.features.simd,
      relaxed_simd_fma: this.features.relaxedSimd,
      threads: this.threads,
      workers_ready: this.pool ? this.pool.readyWorkers : 0,
      shared_memory: this.heap.shared,
      worker_kind: this.features.workers,
    };
  }
}

/** Hardware threads, synchronously where the platform allows it. */
function hardwareThreads(): number {
  if (isNode()) {
    const os = nodeProcess()?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number; cpus: () => unknown[] } | undefined;
    if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    return 1;
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, n ?? 1);
}
