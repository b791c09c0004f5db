/**
 * The one interface every backend implements. A backend provides storage and
 * kernels only: what a primitive means, its shape rule and its gradient live
 * once in the primitive table (src/primitives). A backend may implement any
 * subset of the kernels; the dispatcher falls back to the reference backend
 * for the rest, moving the data as needed.
 *
 * Asynchronous devices (WebGPU) fit the same shape: storage is an opaque
 * handle, kernels enqueue work and return a handle at once, and only
 * `readSync` / `read` wait for results.
 */
import type { DType, TypedArray } from "../core/dtype.js";
import type { PrimName, PrimParams } from "../primitives/params.js";
import type { FusedProgram } from "../jit/fuse.js";

/** A block of memory owned by one backend. */
export interface Storage {
  readonly backend: Backend;
  readonly dtype: DType;
  /** number of elements */
  readonly length: number;
}

/** A strided window onto a storage: how tensors share memory (reshape, transpose, slice, broadcast). */
export interface View {
  readonly storage: Storage;
  readonly shape: readonly number[];
  /** in elements; 0 for broadcast dimensions, may be negative (flip) */
  readonly strides: readonly number[];
  readonly offset: number;
}

/** What a kernel is told about its result. */
export interface OutSpec {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** A kernel computes one primitive: inputs are views, the result is fresh contiguous storage. */
export type Kernel<P extends PrimName> = (inputs: readonly View[], params: PrimParams[P], out: OutSpec) => Storage;

export type KernelTable = { [P in PrimName]: Kernel<P> };

export interface Backend {
  readonly name: string;
  /** Copy host data into a new storage of this backend. */
  upload(data: TypedArray, dtype: DType): Storage;
  /** Contiguous copy of a view, in the dtype's storage array type. */
  readSync(view: View): TypedArray;
  /** Asynchronous read (the only one an asynchronous device can serve quickly). */
  read(view: View): Promise<TypedArray>;
  /** Kernels this backend implements; anything missing runs on the reference backend. */
  readonly kernels: Partial<KernelTable>;
  /** Release a storage at once (optional: GC handles it otherwise). */
  release?(storage: Storage): void;
  /**
   * A step is starting (a gradient is about to be taken): the previous step's
   * tensors are usually garbage by now, so a backend that manages memory may
   * collect them here, when nothing of the new step can be promoted.
   */
  stepBoundary?(): void;
  /**
   * Optional: run a fused elementwise program (`jit`'s fusion, src/jit/fuse.ts)
   * over views that are each of the program's shape or a single element.
   * Returns the program's outputs, or null to have the members run one by one.
   */
  fused?(program: FusedProgram, inputs: readonly View[]): Storage[] | null;
}
