/** Reference storage: a plain TypedArray on the JS heap, freed by the GC. */
import type { Backend, KernelTable, Storage, View } from "../backend.js";
import type { DType, TypedArray } from "../../core/dtype.js";
import { contiguousStrides, sizeOf } from "../../core/shape.js";

export class HostStorage implements Storage {
  readonly length: number;
  constructor(
    readonly backend: Backend,
    readonly dtype: DType,
    readonly data: TypedArray,
  ) {
    this.length = data.length;
  }
}

/**
 * A backend whose storage is a HostStorage: uploading wraps the array without a copy and
 * reading is a contiguous copy of the view (the reference and native backends).
 */
export abstract class HostBackend implements Backend {
  abstract readonly name: string;
  abstract readonly kernels: Partial<KernelTable>;
  upload(data: TypedArray, dtype: DType): Storage {
    return new HostStorage(this, dtype, data);
  }
  readSync(view: View): TypedArray {
    return toContiguous(view);
  }
  read(view: View): Promise<TypedArray> {
    return Promise.resolve(this.readSync(view));
  }
}

/** Strides of `view` as seen from an output of shape `outShape` (0 where broadcast). */
export function stridesFor(view: View, outShape: readonly number[]): number[] {
  const lead = outShape.length - view.shape.length;
  const out = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < view.shape.length; i++) {
    out[lead + i] = view.shape[i] === 1 && outShape[lead + i] !== 1 ? 0 : view.strides[i];
  }
  return out;
}

export function isContiguous(view: View): boolean {
  const cs = contiguousStrides(view.shape);
  for (let i = 0; i < cs.length; i++) if (view.shape[i] !== 1 && cs[i] !== view.strides[i]) return false;
  return true;
}

export function hostData(view: View): TypedArray {
  const st = view.storage as HostStorage;
  // a released (detached) native buffer reads as empty: never let a kernel see it
  if (st.data.length !== st.length) throw new Error("internal: a released storage was read");
  return st.data;
}

/**
 * Walk every index of `shape` in row-major order, tracking one flat offset per
 * operand. `body(k, offs)` gets the linear output index k and the operands'
 * offsets. The inner dimension is unrolled into a plain loop because that is
 * where the time goes.
 */
export function forEachStrided(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  body: (k: number, offs: Int32Array | number[]) => void,
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const nops = strides.length;
  const nd = shape.length;
  const offs = offsets.slice();
  if (nd === 0) {
    body(0, offs);
    return;
  }
  const idx = new Array<number>(nd).fill(0);
  const inner = shape[nd - 1];
  const innerStrides = strides.map((s) => s[nd - 1]);
  let k = 0;
  while (true) {
    const start = offs.slice();
    for (let j = 0; j < inner; j++) {
      body(k++, offs);
      for (let o = 0; o < nops; o++) offs[o] += innerStrides[o];
    }
    for (let o = 0; o < nops; o++) offs[o] = start[o];
    // odometer over the outer dimensions
    let d = nd - 2;
    for (; d >= 0; d--) {
      idx[d]++;
      for (let o = 0; o < nops; o++) offs[o] += strides[o][d];
      if (idx[d] < shape[d]) break;
      for (let o = 0; o < nops; o++) offs[o] -= strides[o][d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Contiguous copy of a view's elements into a new array of `ctor` (its own dtype by default). */
export function toContiguous(view: View, dtype: DType = view.storage.dtype): TypedArray {
  const src = hostData(view);
  const n = sizeOf(view.shape);
  const out = new dtype.storage(n);
  if (isContiguous(view) && dtype.storage === src.constructor) {
    out.set(src.subarray(view.offset, view.offset + n));
    return out;
  }
  forEachStrided(view.shape, [view.strides], [view.offset], (k, o) => {
    out[k] = src[o[0]];
  });
  return out;
}
