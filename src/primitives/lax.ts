/**
 * Thin typed wrappers over `bind`, one per primitive, plus the few helpers the
 * gradient rules need. No validation of user input here: that is the `ops`
 * layer's job. Gradient rules are written with these, so they are
 * differentiable themselves (grad of grad works to any order).
 */
import { Tensor } from "../core/tensor.js";
import { DType, bool_ } from "../core/dtype.js";
import { broadcastReduceAxes, shapesEqual, type Shape } from "../core/shape.js";
import { bind } from "./bind.js";
import type { BinaryPrim, ConvParams, UnaryPrim } from "./params.js";

export const unary = (p: UnaryPrim, x: Tensor): Tensor => bind(p, [x], {});
export const binary = (p: BinaryPrim, a: Tensor, b: Tensor): Tensor => bind(p, [a, b], {});

export const neg = (x: Tensor) => unary("neg", x);
export const exp = (x: Tensor) => unary("exp", x);
export const log = (x: Tensor) => unary("log", x);
export const sin = (x: Tensor) => unary("sin", x);
export const cos = (x: Tensor) => unary("cos", x);
export const sqrt = (x: Tensor) => unary("sqrt", x);
export const sign = (x: Tensor) => unary("sign", x);
export const cosh = (x: Tensor) => unary("cosh", x);
export const sinh = (x: Tensor) => unary("sinh", x);
export const add = (a: Tensor, b: Tensor) => binary("add", a, b);
export const sub = (a: Tensor, b: Tensor) => binary("sub", a, b);
export const mul = (a: Tensor, b: Tensor) => binary("mul", a, b);
export const div = (a: Tensor, b: Tensor) => binary("div", a, b);
export const pow = (a: Tensor, b: Tensor) => binary("pow", a, b);
export const equal = (a: Tensor, b: Tensor) => binary("equal", a, b);
export const greater = (a: Tensor, b: Tensor) => binary("greater", a, b);
export const floor_div = (a: Tensor, b: Tensor) => binary("floor_div", a, b);

export const select = (c: Tensor, x: Tensor, y: Tensor) => bind("select", [c, x, y], {});
export const cast = (x: Tensor, dtype: DType) => (x.dtype === dtype ? x : bind("cast", [x], { dtype }));
export const stop_gradient = (x: Tensor) => bind("stop_gradient", [x], {});

export const sum = (x: Tensor, axes: readonly number[], keepdims = false) =>
  axes.length === 0 && !keepdims ? x : bind("sum", [x], { axes, keepdims });
export const prod = (x: Tensor, axes: readonly number[], keepdims = false) => bind("prod", [x], { axes, keepdims });
export const max = (x: Tensor, axes: readonly number[], keepdims = false) => bind("max", [x], { axes, keepdims });
export const min = (x: Tensor, axes: readonly number[], keepdims = false) => bind("min", [x], { axes, keepdims });
export const cumsum = (x: Tensor, axis: number, reverse = false) => bind("cumsum", [x], { axis, reverse });

export const reshape = (x: Tensor, shape: Shape) => (shapesEqual(x.shape, shape) ? x : bind("reshape", [x], { shape: [...shape] }));
export const transpose = (x: Tensor, perm: readonly number[]) =>
  perm.every((p, i) => p === i) ? x : bind("transpose", [x], { perm: [...perm] });
export const broadcast_to = (x: Tensor, shape: Shape) =>
  shapesEqual(x.shape, shape) ? x : bind("broadcast_to", [x], { shape: [...shape] });
export const slice = (x: Tensor, starts: readonly number[], steps: readonly number[], shape: readonly number[]) =>
  bind("slice", [x], { starts, steps, shape });
export const pad = (x: Tensor, before: readonly number[], after: readonly number[], value = 0) =>
  before.every((b) => b === 0) && after.every((a) => a === 0) ? x : bind("pad", [x], { before, after, value });
export const concat = (xs: readonly Tensor[], axis: number) => (xs.length === 1 ? xs[0] : bind("concat", xs, { axis }));
export const take_along_axis = (x: Tensor, index: Tensor, axis: number) => bind("take_along_axis", [x, index], { axis });
export const scatter_add_along_axis = (src: Tensor, index: Tensor, axis: number, shape: Shape) =>
  bind("scatter_add_along_axis", [src, index], { axis, shape: [...shape] });
export const scatter_along_axis = (x: Tensor, index: Tensor, src: Tensor, axis: number) =>
  bind("scatter_along_axis", [x, index, src], { axis });
export const matmul = (a: Tensor, b: Tensor) => bind("matmul", [a, b], {});
export const conv = (x: Tensor, w: Tensor, params: ConvParams) => bind("conv", [x, w], params);

/** A 0-d constant of `like`'s dtype (or `dtype`); never traced. */
export function scalar(v: number, dtype: DType): Tensor {
  return new Tensor(v, dtype);
}
/** `v` broadcast to `like`'s shape and dtype: a stride-0 view, no memory per element. */
export function fullLike(like: Tensor, v: number, dtype: DType = like.dtype): Tensor {
  return broadcast_to(scalar(v, dtype), like.shape);
}
export const zerosLike = (x: Tensor) => fullLike(x, 0);
export const onesLike = (x: Tensor) => fullLike(x, 1);
export const mulScalar = (x: Tensor, v: number) => mul(x, scalar(v, x.dtype));
export const addScalar = (x: Tensor, v: number) => add(x, scalar(v, x.dtype));
export const isZero = (x: Tensor) => equal(x, scalar(0, x.dtype));

/** Sum a broadcast result back down to `shape`: the adjoint of broadcasting. */
export function sumTo(x: Tensor, shape: Shape): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  const { axes } = broadcastReduceAxes(shape, x.shape);
  return reshape(sum(x, axes, false), shape);
}

/** Re-insert reduced axes (as size 1) so a reduction's result broadcasts against its input. */
export function keepDimsShape(inShape: Shape, axes: readonly number[]): number[] {
  return inShape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Swap the last two axes (the matrix transpose of a batch). */
export function mT(x: Tensor): Tensor {
  const n = x.ndim;
  const perm = Array.from({ length: n }, (_, i) => i);
  [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
  return transpose(x, perm);
}

export const asBool = (x: Tensor) => cast(x, bool_);

/** Symmetric eigendecomposition, packed as [..., n+1, n] (see PrimParams.eigh); `eighParts` unpacks it. */
export const eigh = (a: Tensor) => bind("eigh", [a], {});

/** [w, V] of a packed eigh result: w = row 0 ([..., n]), V = rows 1..n ([..., n, n], a contiguous view). */
export function eighParts(packed: Tensor): [Tensor, Tensor] {
  const s = packed.shape;
  const n = s[s.length - 1];
  const lead = s.slice(0, -2);
  const zeros = lead.map(() => 0);
  const ones = s.map(() => 1);
  const w = reshape(slice(packed, [...zeros, 0, 0], ones, [...lead, 1, n]), [...lead, n]);
  const V = slice(packed, [...zeros, 1, 0], ones, [...lead, n, n]);
  return [w, V];
}
