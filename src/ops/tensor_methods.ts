/**
 * MindSpore's Tensor methods (`x.mul(y)`, `x.sum()`, ...), installed on the
 * Tensor prototype here rather than in core/tensor.ts so the core does not
 * depend on the op catalogue (and module load order stays acyclic).
 */
import { Tensor } from "../core/tensor.js";
import type { DType } from "../core/dtype.js";
import type { Shape } from "../core/shape.js";
import * as ops from "./index.js";
import type { TensorOrScalar } from "./args.js";

type Axis = number | readonly number[] | null;

declare module "../core/tensor.js" {
  interface Tensor {
    add(other: TensorOrScalar): Tensor;
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
    /** `Tensor.max(axis=None, keepdims=False)`: the values (use ops.max for indices too) */
    max(axis?: Axis, keepdims?: boolean): Tensor;
    min(axis?: Axis, keepdims?: boolean): Tensor;
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
  }
}

/** `reshape(2, 3)` and `reshape([2, 3])` both work, as in MindSpore. */
const shapeArgs = (args: (number | readonly number[])[]): readonly number[] =>
  args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly number[]) : (args as number[]);

const methods: Record<string, (this: Tensor, ...a: any[]) => any> = {
  add(o) { return ops.add(this, o); },
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
  max(axis = null, keepdims = false) { return ops.amax(this, axis, keepdims); },
  min(axis = null, keepdims = false) { return ops.amin(this, axis, keepdims); },
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
};

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
