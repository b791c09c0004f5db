/** Reductions with MindSpore's signatures (2.3+): axis as int, array or null; keep_dims. */
import { Tensor } from "../core/tensor.js";
import { bool_, float32, int64, type DType } from "../core/dtype.js";
import { normAxes, normAxis } from "../core/shape.js";
import { ValueError } from "../core/errors.js";
import * as L from "../primitives/lax.js";
import { bind } from "../primitives/bind.js";
import { checkTensor, optionalArgs } from "./args.js";

type Axis = number | readonly number[] | null;

/** Bool sums count; int sums keep their width (MindSpore's ReduceSum). */
const sumDtype = (x: Tensor): DType => (x.dtype === bool_ ? int64 : x.dtype);

export function reduce_sum_impl(x: Tensor, axis: Axis, keepdims: boolean, op: string, dtype: DType | null = null): Tensor {
  const t = checkTensor(x, op, "input");
  const axes = normAxes(axis, t.ndim, op);
  const src = L.cast(t, dtype ?? sumDtype(t));
  return L.sum(src, axes, keepdims);
}

/** `ops.sum(input, dim=None, keepdim=False, *, dtype=None)`. */
export function sum(input: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("sum", rest, { dim: null as Axis, keepdim: false as boolean, dtype: null as DType | null });
  return reduce_sum_impl(input, o.dim, o.keepdim, "sum", o.dtype);
}

/** `ops.mean(input, axis=None, keep_dims=False)`. */
export function mean(input: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("mean", rest, { axis: null as Axis, keep_dims: false as boolean });
  const x = checkTensor(input, "mean", "input");
  const axes = normAxes(o.axis, x.ndim, "mean");
  const src = x.dtype.kind === "float" ? x : L.cast(x, float32);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  return L.div(L.sum(src, axes, o.keep_dims), L.scalar(count, src.dtype));
}

/** `ops.prod(input, axis=None, keep_dims=False)`. */
export function prod(input: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("prod", rest, { axis: null as Axis, keep_dims: false as boolean });
  const x = checkTensor(input, "prod", "input");
  return L.prod(L.cast(x, sumDtype(x)), normAxes(o.axis, x.ndim, "prod"), o.keep_dims);
}

function extremum(kind: "max" | "min", op: string) {
  return (input: Tensor, ...rest: unknown[]): Tensor => {
    const o = optionalArgs(op, rest, { axis: null as Axis, keepdims: false as boolean });
    const x = checkTensor(input, op, "input");
    const axes = normAxes(o.axis, x.ndim, op);
    if (axes.some((a) => x.shape[a] === 0)) throw new ValueError(`For '${op}', cannot reduce over an empty dimension (input shape [${x.shape}]).`);
    return L[kind](x, axes, o.keepdims);
  };
}
/** `ops.amax(input, axis=None, keepdims=False)`. */
export const amax = extremum("max", "amax");
/** `ops.amin(input, axis=None, keepdims=False)`. */
export const amin = extremum("min", "amin");

function argExtremum(p: "argmax" | "argmin", op: string, names: [string, string]) {
  return (input: Tensor, ...rest: unknown[]): Tensor => {
    const o = optionalArgs(op, rest, { [names[0]]: null, [names[1]]: false } as Record<string, unknown>);
    const x = checkTensor(input, op, "input");
    const axis = o[names[0]] as number | null;
    const keepdims = o[names[1]] as boolean;
    if (x.ndim === 0) return new Tensor(0, int64);
    if (axis === null) {
      // over the flattened tensor, as NumPy does
      const idx = bind(p, [L.reshape(x, [x.size])], { axis: 0, keepdims: false });
      return keepdims ? L.reshape(idx, x.shape.map(() => 1)) : idx;
    }
    return bind(p, [x], { axis: normAxis(axis, x.ndim, op, names[0]), keepdims });
  };
}

/** `ops.argmax(input, dim=None, keepdim=False)`: Int64 indices. */
export const argmax = argExtremum("argmax", "argmax", ["dim", "keepdim"]);
/** `ops.argmin(input, axis=None, keepdims=False)`: Int64 indices. */
export const argmin = argExtremum("argmin", "argmin", ["axis", "keepdims"]);

function valueAndIndex(kind: "max" | "min", op: string) {
  return (input: Tensor, ...rest: unknown[]): [Tensor, Tensor] => {
    const o = optionalArgs(op, rest, { axis: null as number | null, keepdims: false as boolean });
    const x = checkTensor(input, op, "input");
    const values = (kind === "max" ? amax : amin)(x, o.axis, o.keepdims);
    const index = (kind === "max" ? argmax : argmin)(x, o.axis, o.keepdims);
    return [values, index];
  };
}
/** `ops.max(input, axis=None, keepdims=False)` → `[values, indices]`. */
export const max = valueAndIndex("max", "max");
/** `ops.min(input, axis=None, keepdims=False)` → `[values, indices]`. */
export const min = valueAndIndex("min", "min");

/** `ops.logsumexp(input, axis, keep_dims=False)`: shifted by the max for stability. */
export function logsumexp(input: Tensor, axis: Axis, ...rest: unknown[]): Tensor {
  const o = optionalArgs("logsumexp", rest, { keep_dims: false as boolean });
  const x0 = checkTensor(input, "logsumexp", "input");
  const x = x0.dtype.kind === "float" ? x0 : L.cast(x0, float32);
  const axes = normAxes(axis, x.ndim, "logsumexp");
  const m = L.stop_gradient(L.max(x, axes, true));
  const safeM = L.select(L.unary("isinf", m), L.zerosLike(m), m);
  const s = L.log(L.sum(L.exp(L.sub(x, safeM)), axes, true));
  const out = L.add(s, safeM);
  return o.keep_dims ? out : L.reshape(out, x.shape.filter((_, i) => !axes.includes(i)));
}

/** `ops.cumsum(x, axis, dtype=None)`. */
export function cumsum(x: Tensor, axis: number, ...rest: unknown[]): Tensor {
  const o = optionalArgs("cumsum", rest, { dtype: null as DType | null });
  const t = checkTensor(x, "cumsum", "x");
  const src = L.cast(t, o.dtype ?? sumDtype(t));
  if (t.ndim === 0) return src;
  return L.cumsum(src, normAxis(axis, t.ndim, "cumsum"));
}

function boolReduce(kind: "max" | "min", op: string) {
  return (input: Tensor, ...rest: unknown[]): Tensor => {
    const o = optionalArgs(op, rest, { axis: null as Axis, keep_dims: false as boolean });
    const x = checkTensor(input, op, "input");
    const axes = normAxes(o.axis, x.ndim, op);
    const b = L.cast(L.cast(x, bool_), int64);
    if (axes.some((a) => x.shape[a] === 0)) {
      // empty reductions: all() is True, any() is False
      const shape = o.keep_dims ? L.keepDimsShape(x.shape, axes) : x.shape.filter((_, i) => !axes.includes(i));
      return L.broadcast_to(new Tensor(kind === "min", bool_), shape);
    }
    return L.cast(L[kind](b, axes, o.keep_dims), bool_);
  };
}
/** `ops.all(input, axis=None, keep_dims=False)`. */
export const all = boolReduce("min", "all");
/** `ops.any(input, axis=None, keep_dims=False)`. */
export const any = boolReduce("max", "any");
