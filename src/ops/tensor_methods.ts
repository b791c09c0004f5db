/**
 * MindSpore's Tensor methods (`x.mul(y)`, `x.sum()`, ...), installed on the
 * Tensor prototype here rather than in core/tensor.ts so the core does not
 * depend on the op catalogue (and module load order stays acyclic).
 */
import { Tensor } from "../core/tensor.js";
import type { DType } from "../core/dtype.js";
import { TypeError } from "../core/errors.js";
import type { Shape } from "../core/shape.js";
import * as ops from "./index.js";
import type { TensorOrScalar } from "./args.js";
import { _getitem, _setitem, type IndexItem } from "./indexing.js";

type Axis = number | readonly number[] | null;

declare module "../core/tensor.js" {
  interface Tensor {
    add(other: TensorOrScalar): Tensor;
    /** `Tensor.svd(full_matrices=False, compute_uv=True)` */
    svd(full_matrices?: boolean, compute_uv?: boolean): any;
    /** `Tensor.softmax(axis=-1)` */
    softmax(axis?: number): Tensor;
    /** `Tensor.log_softmax(axis=-1)` */
    log_softmax(axis?: number): Tensor;
    sub(other: TensorOrScalar): Tensor;
    mul(other: TensorOrScalar): Tensor;
    div(other: TensorOrScalar, rounding_mode?: string | null): Tensor;
    pow(exponent: TensorOrScalar): Tensor;
    maximum(other: TensorOrScalar): Tensor;
    minimum(other: TensorOrScalar): Tensor;
    equal(other: TensorOrScalar): Tensor;
    ne(other: TensorOrScalar): Tensor;
    gt(other: TensorOrScalar): Tensor;
    ge(other: TensorOrScalar): Tensor;
    lt(other: TensorOrScalar): Tensor;
    le(other: TensorOrScalar): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    square(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    sign(): Tensor;
    reciprocal(): Tensor;
    clamp(min?: TensorOrScalar | null, max?: TensorOrScalar | null): Tensor;
    /** `Tensor.sum(axis=None, dtype=None, keepdims=False)` */
    sum(axis?: Axis, dtype?: DType | null, keepdims?: boolean): Tensor;
    /** `Tensor.mean(axis=None, keep_dims=False)` */
    mean(axis?: Axis, keep_dims?: boolean): Tensor;
    prod(axis?: Axis, keep_dims?: boolean): Tensor;
    /**
     * `Tensor.max(axis=None, keepdims=False, *, initial=None, where=None, return_indices=False)`:
     * the values, or `[values, indices]` with `{return_indices: true}` (options as a third argument)
     */
    max(axis?: Axis, keepdims?: boolean, options?: MaxOptions): any;
    min(axis?: Axis, keepdims?: boolean, options?: MaxOptions): any;
    amax(axis?: Axis, keepdims?: boolean, options?: { initial?: number | null; where?: Tensor | null }): Tensor;
    amin(axis?: Axis, keepdims?: boolean, options?: { initial?: number | null; where?: Tensor | null }): Tensor;
    argmax(axis?: number | null, keepdims?: boolean): Tensor;
    argmin(axis?: number | null, keepdims?: boolean): Tensor;
    all(axis?: Axis, keep_dims?: boolean): Tensor;
    any(axis?: Axis, keep_dims?: boolean): Tensor;
    matmul(other: Tensor): Tensor;
    reshape(...shape: (number | readonly number[])[]): Tensor;
    view(...shape: (number | readonly number[])[]): Tensor;
    transpose(...axes: (number | readonly number[])[]): Tensor;
    readonly T: Tensor;
    expand_dims(axis: number): Tensor;
    unsqueeze(dim: number): Tensor;
    squeeze(axis?: number | readonly number[] | null): Tensor;
    broadcast_to(shape: Shape): Tensor;
    flatten(order?: string, start_dim?: number, end_dim?: number): Tensor;
    astype(dtype: DType): Tensor;
    copy(): Tensor;
    // --- reductions, products, shape and indexing (ops/reduce, linalg, array, indexing)
    /** `Tensor.var(axis=None, ddof=0, keepdims=False)` */
    var(axis?: Axis, ddof?: number | boolean, keepdims?: boolean): Tensor;
    /** `Tensor.std(axis=None, ddof=0, keepdims=False)` */
    std(axis?: Axis, ddof?: number | boolean, keepdims?: boolean): Tensor;
    /** `Tensor.norm(ord=None, dim=None, keepdim=False, *, dtype=None)` */
    norm(ord?: number | string | null, dim?: Axis, keepdim?: boolean, options?: { dtype?: DType | null }): Tensor;
    /** `Tensor.cumsum(axis=None, dtype=None)`: axis None sums the flattened tensor */
    cumsum(axis?: number | null, dtype?: DType | null): Tensor;
    logsumexp(axis: Axis, keepdims?: boolean): Tensor;
    bmm(mat2: Tensor): Tensor;
    dot(other: Tensor): Tensor;
    outer(vec2: Tensor): Tensor;
    split(split_size_or_sections: number | readonly number[], axis?: number): Tensor[];
    tile(reps: readonly number[]): Tensor;
    gather(input_indices: Tensor, axis: number, batch_dims?: number): Tensor;
    gather_elements(dim: number, index: Tensor): Tensor;
    index_select(axis: number, index: Tensor): Tensor;
    scatter(axis: number, index: Tensor, src: Tensor): Tensor;
    masked_fill(mask: Tensor, value: number | boolean | Tensor): Tensor;
    narrow(axis: number, start: number, length: number): Tensor;
    flip(dims: number | readonly number[]): Tensor;
    roll(shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor;
    /**
     * Python's `x[i, j, ...]` (JS has no operator overloading): each argument
     * is one entry of the index tuple, as in NumPy/MindSpore:
     * - an int (negative counts from the end) selects and drops an axis;
     * - a slice: a string "start:stop:step" ("1:3", "::2", ":", "::-1") or
     *   `ops.slice_(start, stop, step)`; keeps the axis;
     * - `null` adds an axis of size 1 (Python's None), `"..."` is the ellipsis;
     * - an int Tensor or nested int array gathers (advanced indexing; several
     *   broadcast together, NumPy's rules for where their axes go);
     * - a Bool Tensor or nested bool array is a mask over as many axes as it has.
     * `x.getitem([0, 2])` is an array index (Python `x[[0, 2]]`), while
     * `x.getitem(0, 2)` is Python `x[0, 2]`. Basic indexing returns a view.
     */
    getitem(...index: IndexItem[]): Tensor;
    /**
     * Python's `x[i, j, ...] = value`: the same index entries as `getitem`,
     * followed by the value (number, bool, nested list or Tensor; broadcast to
     * the indexed shape and cast to x's dtype). Updates x in place and returns
     * it; under a gradient transformation the write is traced, so gradients
     * flow to both the old contents and the value. Other tensors that shared
     * x's storage (views) are not changed. A bad index or value throws and
     * leaves x as it was.
     */
    setitem(...indexThenValue: unknown[]): this;
  }
}

interface MaxOptions {
  initial?: number | null;
  where?: Tensor | null;
  return_indices?: boolean;
}

/** `reshape(2, 3)` and `reshape([2, 3])` both work, as in MindSpore. */
const shapeArgs = (args: (number | readonly number[])[]): readonly number[] =>
  args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly number[]) : (args as number[]);

const methods: Record<string, (this: Tensor, ...a: any[]) => any> = {
  add(o) { return ops.add(this, o); },
  softmax(axis = -1) { return ops.softmax(this, axis); },
  svd(full_matrices = false, compute_uv = true) { return ops.svd(this, full_matrices, compute_uv); },
  log_softmax(axis = -1) { return ops.log_softmax(this, axis); },
  sub(o) { return ops.sub(this, o); },
  mul(o) { return ops.mul(this, o); },
  div(o, rounding_mode = null) { return ops.div(this, o, { rounding_mode }); },
  pow(e) { return ops.pow(this, e); },
  maximum(o) { return ops.maximum(this, o); },
  minimum(o) { return ops.minimum(this, o); },
  equal(o) { return ops.equal(this, o); },
  ne(o) { return ops.ne(this, o); },
  gt(o) { return ops.gt(this, o); },
  ge(o) { return ops.ge(this, o); },
  lt(o) { return ops.lt(this, o); },
  le(o) { return ops.le(this, o); },
  neg() { return ops.neg(this); },
  abs() { return ops.abs(this); },
  exp() { return ops.exp(this); },
  log() { return ops.log(this); },
  sqrt() { return ops.sqrt(this); },
  rsqrt() { return ops.rsqrt(this); },
  square() { return ops.square(this); },
  sin() { return ops.sin(this); },
  cos() { return ops.cos(this); },
  tanh() { return ops.tanh(this); },
  sigmoid() { return ops.sigmoid(this); },
  relu() { return ops.relu(this); },
  floor() { return ops.floor(this); },
  ceil() { return ops.ceil(this); },
  sign() { return ops.sign(this); },
  reciprocal() { return ops.reciprocal(this); },
  clamp(min = null, max = null) { return ops.clamp(this, min, max); },
  sum(axis = null, dtype = null, keepdims = false) { return ops.reduce_sum_impl(this, axis, keepdims, "Tensor.sum", dtype); },
  mean(axis = null, keep_dims = false) { return ops.mean(this, axis, keep_dims); },
  prod(axis = null, keep_dims = false) { return ops.prod(this, axis, keep_dims); },
  max(axis = null, keepdims = false, options: MaxOptions = {}) { return maxMethod(this, "max", axis, keepdims, options); },
  min(axis = null, keepdims = false, options: MaxOptions = {}) { return maxMethod(this, "min", axis, keepdims, options); },
  amax(axis = null, keepdims = false, options = {}) { return ops.amax(this, axis, keepdims, options); },
  amin(axis = null, keepdims = false, options = {}) { return ops.amin(this, axis, keepdims, options); },
  argmax(axis = null, keepdims = false) { return ops.argmax(this, axis, keepdims); },
  argmin(axis = null, keepdims = false) { return ops.argmin(this, axis, keepdims); },
  all(axis = null, keep_dims = false) { return ops.all(this, axis, keep_dims); },
  any(axis = null, keep_dims = false) { return ops.any(this, axis, keep_dims); },
  matmul(o) { return ops.matmul(this, o); },
  reshape(...shape) { return ops.reshape(this, shapeArgs(shape)); },
  view(...shape) { return ops.reshape(this, shapeArgs(shape)); },
  transpose(...axes) {
    const perm = shapeArgs(axes);
    return ops.transpose(this, perm.length === 0 ? null : perm);
  },
  expand_dims(axis) { return ops.expand_dims(this, axis); },
  unsqueeze(dim) { return ops.expand_dims(this, dim); },
  squeeze(axis = null) { return ops.squeeze(this, axis); },
  broadcast_to(shape) { return ops.broadcast_to(this, shape); },
  /** Tensor.flatten(order='C', *, start_dim=0, end_dim=-1): the method flattens everything by default. */
  flatten(order = "C", start_dim = 0, end_dim = -1) { return ops.flatten(this, order, { start_dim, end_dim }); },
  astype(dtype) { return ops.cast(this, dtype); },
  copy() { return ops.copy(this); },
  var(axis = null, ddof = 0, keepdims = false) { return ops.var(this, axis, ddof, keepdims); },
  std(axis = null, ddof = 0, keepdims = false) { return ops.std(this, axis, ddof, keepdims); },
  norm(ord = null, dim = null, keepdim = false, options = {}) { return ops.norm(this, ord, dim, keepdim, options); },
  cumsum(axis = null, dtype = null) {
    return axis === null ? ops.cumsum(ops.reshape(this, [this.size]), 0, dtype) : ops.cumsum(this, axis, dtype);
  },
  logsumexp(axis, keepdims = false) { return ops.logsumexp(this, axis, keepdims); },
  bmm(mat2) { return ops.bmm(this, mat2); },
  dot(other) { return ops.dot(this, other); },
  outer(vec2) { return ops.outer(this, vec2); },
  split(split_size_or_sections, axis = 0) { return ops.split(this, split_size_or_sections, axis); },
  tile(reps) { return ops.tile(this, reps); },
  gather(input_indices, axis, batch_dims = 0) { return ops.gather(this, input_indices, axis, batch_dims); },
  gather_elements(dim, index) { return ops.gather_elements(this, dim, index); },
  index_select(axis, index) { return ops.index_select(this, axis, index); },
  scatter(axis, index, src) { return ops.scatter(this, axis, index, src); },
  masked_fill(mask, value) { return ops.masked_fill(this, mask, value); },
  narrow(axis, start, length) { return ops.narrow(this, axis, start, length); },
  flip(dims) { return ops.flip(this, dims); },
  roll(shifts, dims = null) { return ops.roll(this, shifts, dims); },
  getitem(...index) { return _getitem(this, index); },
  setitem(...args) {
    if (args.length === 0) throw new TypeError("For 'Tensor.setitem', a value is required: call x.setitem(...index, value).");
    const updated = _setitem(this, args.slice(0, -1), args[args.length - 1]);
    // swap the result in (as Parameter._restore does): traced writes stay differentiable
    this._init(updated._view, updated._tracer, this.shape, this.dtype);
    return this;
  },
};

/** Tensor.max/min: the values, or [values, indices] with return_indices. */
function maxMethod(x: Tensor, kind: "max" | "min", axis: Axis, keepdims: boolean, o: MaxOptions): Tensor | [Tensor, Tensor] {
  const { return_indices = false, ...rest } = o;
  if (!return_indices) return (kind === "max" ? ops.amax : ops.amin)(x, axis, keepdims, rest);
  if (Array.isArray(axis)) throw new TypeError(`For 'Tensor.${kind}', the 'axis' must be int or None when 'return_indices' is True, but got list.`);
  return (kind === "max" ? ops.max : ops.min)(x, axis as number | null, keepdims, rest);
}

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
Object.defineProperty(Tensor.prototype, "T", {
  get(this: Tensor) {
    return ops.transpose(this, null);
  },
  configurable: true,
  enumerable: false,
});
