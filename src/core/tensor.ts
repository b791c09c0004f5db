/**
 * Tensor: an immutable strided view onto backend storage, or, while a
 * transformation runs, a tracer whose chain of primals ends in one.
 *
 * Storage is never written after a kernel produced it, so views can share it
 * freely; "in-place" updates (Parameter.set_data, optimizers, item writes)
 * swap the tensor's view for a new one.
 */
import {
  bool_,
  castScalar,
  DType,
  float32,
  float64,
  int16,
  int32,
  int64,
  int8,
  isDType,
  uint8,
  type TypedArray,
} from "./dtype.js";
import { contiguousStrides, sizeOf } from "./shape.js";
import { RuntimeError, TracedValueError, TypeError, ValueError, typeName } from "./errors.js";
import type { View } from "../backend/backend.js";
import { currentBackend } from "../backend/registry.js";
import { isLive, type Tracer } from "../autodiff/trace.js";
import { formatRepr, formatStr } from "./format.js";
import * as L from "../primitives/lax.js";

export type NestedArray = number | boolean | readonly NestedArray[];
export type TensorLike = Tensor | NestedArray | TypedArray;

/** What asnumpy() returns: a copy of the data plus its shape. */
export interface NDArray {
  readonly data: TypedArray | BigInt64Array;
  readonly shape: number[];
  readonly dtype: DType;
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");
const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for("Symbol.dispose");

function dtypeOfTypedArray(a: TypedArray): DType {
  if (a instanceof Float64Array) return float64;
  if (a instanceof Float32Array) return float32;
  if (a instanceof Int32Array) return int32;
  if (a instanceof Int16Array) return int16;
  if (a instanceof Int8Array) return int8;
  return uint8;
}

/** Flatten nested JS arrays, checking they are rectangular. */
function flattenNested(data: NestedArray): { flat: (number | boolean)[]; shape: number[] } {
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = (probe as readonly NestedArray[])[0];
  }
  const flat: (number | boolean)[] = [];
  const walk = (v: NestedArray, depth: number) => {
    if (depth === shape.length) {
      if (typeof v !== "number" && typeof v !== "boolean") {
        throw new TypeError(`For 'Tensor', the 'input_data' must be a nested list of numbers or bools, but got an element of type ${typeName(v)}.`);
      }
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new ValueError(`For 'Tensor', the 'input_data' must be a rectangular nested list, but the list at depth ${depth} has ${Array.isArray(v) ? `length ${v.length}` : `a ${typeName(v)}`} where length ${shape[depth]} was expected.`);
    }
    for (const e of v) walk(e, depth + 1);
  };
  walk(data, 0);
  return { flat, shape };
}

/** MindSpore's default dtype for Python data: bool -> Bool, int -> Int64, float -> Float32. */
function inferDtype(flat: readonly (number | boolean)[]): DType {
  if (flat.length > 0 && flat.every((v) => typeof v === "boolean")) return bool_;
  return flat.every((v) => typeof v === "boolean" || Number.isInteger(v)) ? int64 : float32;
}

export class Tensor {
  /** concrete data, when this tensor is not traced */
  _view: View | null;
  /** the transformation tracing this tensor, if any */
  _tracer: Tracer | null;
  private _shape: number[];
  private _dtype: DType;
  private _disposed = false;

  constructor(data: TensorLike, dtype?: DType | null) {
    if (dtype !== undefined && dtype !== null && !isDType(dtype)) {
      throw new TypeError(`For 'Tensor', the 'dtype' must be a mindspore dtype (e.g. mindspore.float32), but got ${typeName(dtype)}.`);
    }
    if (data instanceof Tensor) {
      const src = dtype && dtype !== data.dtype ? L.cast(data, dtype) : data;
      this._shape = [...src.shape];
      this._dtype = src.dtype;
      // a traced value stays traced (under jit it has no data yet; under grad the gradient flows through)
      const traced = src._liveTracer();
      if (traced) {
        this._view = null;
        this._tracer = traced;
        return;
      }
      const concrete = src._concrete();
      this._view = concrete._view;
      this._tracer = null;
      return;
    }
    let values: ArrayLike<number>;
    let shape: number[];
    let inferred: DType;
    if (ArrayBuffer.isView(data)) {
      values = data as TypedArray;
      shape = [(data as TypedArray).length];
      inferred = dtypeOfTypedArray(data as TypedArray);
    } else if (typeof data === "number" || typeof data === "boolean") {
      values = [Number(data)];
      shape = [];
      inferred = typeof data === "boolean" ? bool_ : Number.isInteger(data) ? int64 : float32;
    } else if (Array.isArray(data)) {
      const f = flattenNested(data);
      values = f.flat.map(Number);
      shape = f.shape;
      inferred = inferDtype(f.flat);
    } else {
      throw new TypeError(`For 'Tensor', the 'input_data' must be a Tensor, number, bool, nested list or TypedArray, but got ${typeName(data)}.`);
    }
    const dt = dtype ?? inferred;
    const arr = new dt.storage(values.length);
    for (let i = 0; i < values.length; i++) arr[i] = castScalar(values[i], dt);
    this._view = { storage: currentBackend().upload(arr, dt), shape, strides: contiguousStrides(shape), offset: 0 };
    this._tracer = null;
    this._shape = shape;
    this._dtype = dt;
  }

  /** Internal: wrap a view without copying. */
  static _fromView(view: View, dtype: DType): Tensor {
    const t = Object.create(Tensor.prototype) as Tensor;
    t._init(view, null, [...view.shape], dtype);
    return t;
  }

  /** Internal: a value known only by shape and dtype (what `jit` traces with); reading it throws. */
  static _abstract(shape: readonly number[], dtype: DType): Tensor {
    const t = Object.create(Tensor.prototype) as Tensor;
    t._init(null, null, [...shape], dtype);
    return t;
  }

  /** Internal: wrap a tracer; shape and dtype are its primal's. */
  static _fromTracer(tracer: Tracer): Tensor {
    const t = Object.create(Tensor.prototype) as Tensor;
    t._init(null, tracer, tracer.primal._shape, tracer.primal._dtype);
    return t;
  }

  /** Internal: (re)set every field; used by the factories and by in-place updates. */
  _init(view: View | null, tracer: Tracer | null, shape: number[], dtype: DType): void {
    this._view = view;
    this._tracer = tracer;
    this._shape = shape;
    this._dtype = dtype;
    this._disposed = false;
  }

  get shape(): number[] {
    return [...this._shape];
  }
  get dtype(): DType {
    return this._dtype;
  }
  get ndim(): number {
    return this._shape.length;
  }
  get size(): number {
    return sizeOf(this._shape);
  }
  get itemsize(): number {
    return this._dtype.itemsize;
  }
  get nbytes(): number {
    return this.size * this._dtype.itemsize;
  }
  /** Strides in bytes, as MindSpore reports them (of the contiguous layout). */
  get strides(): number[] {
    return contiguousStrides(this._shape).map((s) => s * this._dtype.itemsize);
  }

  /** The live tracer of this tensor, skipping tracers whose transformation has ended. */
  _liveTracer(): Tracer | null {
    for (let tr = this._tracer; tr; tr = tr.primal._tracer) {
      if (isLive(tr.trace)) return tr;
    }
    return null;
  }

  /** The concrete tensor at the bottom of the tracer chain. */
  _concrete(): Tensor {
    if (this._disposed) throw new RuntimeError("This Tensor has been disposed; it can no longer be read.");
    const t = this._tracer ? bottomOf(this._tracer) : this;
    if (t._disposed) throw new RuntimeError("This Tensor has been disposed; it can no longer be read.");
    if (t._view === null) {
      throw new TracedValueError(
        "For 'jit', a Tensor's values were read while the function was being traced (item(), asnumpy(), printing, or a condition on data); only its shape and dtype exist then.",
      );
    }
    return t;
  }

  _concreteView(): View {
    return this._concrete()._view as View;
  }

  /** Contiguous copy of the values, in the dtype's storage array. */
  _data(): TypedArray {
    const v = this._concreteView();
    return v.storage.backend.readSync(v);
  }

  asnumpy(): NDArray {
    const raw = this._data();
    const data = this._dtype === int64 ? BigInt64Array.from(raw as Float64Array, (v) => BigInt(v)) : raw;
    return { data, shape: this.shape, dtype: this._dtype };
  }

  /** Nested JS arrays (numbers, or booleans for Bool). */
  tolist(): NestedArray {
    const raw = this._data();
    const isBool = this._dtype === bool_;
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this._shape.length) return isBool ? raw[offset] !== 0 : raw[offset];
      const stride = sizeOf(this._shape.slice(dim + 1));
      return Array.from({ length: this._shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number | boolean {
    if (this.size !== 1) {
      throw new ValueError(`For 'Tensor.item', the tensor must have exactly one element, but got shape ${JSON.stringify(this._shape)} with ${this.size} elements.`);
    }
    const v = this._data()[0];
    return this._dtype === bool_ ? v !== 0 : v;
  }


  /** MindSpore's str(tensor): NumPy's formatting. */
  toString(): string {
    return formatStr(this._data(), this._shape, this._dtype.name);
  }

  /** MindSpore's repr(tensor); what console.log shows. */
  [INSPECT](): string {
    return formatRepr(this._data(), this._shape, this._dtype.name);
  }

  /** Free the storage now instead of waiting for the GC. Reading afterwards throws. */
  dispose(): void {
    if (this._disposed) return;
    if (this._view && !this._tracer) this._view.storage.backend.release?.(this._view.storage);
    this._view = null;
    this._disposed = true;
  }
  [DISPOSE](): void {
    this.dispose();
  }
  get isDisposed(): boolean {
    return this._disposed;
  }
}

/** The concrete tensor under a chain of tracers. */
function bottomOf(tracer: Tracer): Tensor {
  let t = tracer.primal;
  while (t._tracer) t = t._tracer.primal;
  return t;
}

/** Error for a value that should have been a Tensor. */
export function expectTensor(v: unknown, op: string, arg: string): Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(`For '${op}', the '${arg}' must be a Tensor, but got ${typeName(v)}.`);
  return v;
}
