/** Reductions with MindSpore's signatures (2.3+): axis as int, array or null; keep_dims. */
import { Tensor } from "../core/tensor.js";
import { bool_, float32, float64, int64, type DType } from "../core/dtype.js";
import { fmtShape, normAxes, normAxis } from "../core/shape.js";
import { TypeError, ValueError, typeName } from "../core/errors.js";
import * as L from "../primitives/lax.js";
import { bind } from "../primitives/bind.js";
import { checkTensor, optionalArgs } from "./args.js";
import { svd } from "./linalg.js";

/**
 * MindSpore's arguments after the tensors: positional in order, or a
 * trailing options object with the same names (required ones included).
 */
function params<T extends Record<string, unknown>>(op: string, given: readonly unknown[], spec: T, required: readonly (keyof T)[] = []): T {
  const o = optionalArgs<T>(op, given, spec);
  for (const k of required) if (o[k] === undefined) throw new TypeError(`For '${op}', the required argument '${String(k)}' is missing.`);
  return o;
}

type Axis = number | readonly number[] | null;

/** Bool sums count; int sums keep their width (MindSpore's ReduceSum). */
const sumDtype = (x: Tensor): DType => (x.dtype === bool_ ? int64 : x.dtype);
/** Shape of a reduction's result. */
const reducedShape = (shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] =>
  keepdims ? L.keepDimsShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));

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

interface ExtremumOpts {
  initial: number | null;
  where: Tensor | null;
}

/**
 * NumPy's `initial` / `where` of amax/amin: masked-out elements read as
 * `initial`, and `initial` takes part in the comparison (so an empty
 * reduction gives it back).
 */
function extremumCore(kind: "max" | "min", op: string, x: Tensor, axes: number[], keepdims: boolean, o: ExtremumOpts): Tensor {
  if (o.initial !== null && typeof o.initial !== "number") {
    throw new TypeError(`For '${op}', the 'initial' must be a number or None, but got ${typeName(o.initial)}.`);
  }
  let src = x;
  if (o.where !== null) {
    const w = checkTensor(o.where, op, "where");
    if (w.dtype !== bool_) throw new TypeError(`For '${op}', the 'where' must be a Bool tensor, but got ${w.dtype.name}.`);
    if (o.initial === null) throw new ValueError(`For '${op}', the 'initial' must be given when 'where' is given.`);
    src = L.select(L.broadcast_to(w, x.shape), x, L.fullLike(x, o.initial));
  }
  if (axes.some((a) => x.shape[a] === 0)) {
    if (o.initial === null) throw new ValueError(`For '${op}', cannot reduce over an empty dimension (input shape ${fmtShape(x.shape)}) without 'initial'.`);
    return L.broadcast_to(L.scalar(o.initial, x.dtype), reducedShape(x.shape, axes, keepdims));
  }
  const r = L[kind](src, axes, keepdims);
  if (o.initial === null) return r;
  return L.binary(kind === "max" ? "maximum" : "minimum", r, L.fullLike(r, o.initial));
}

function extremum(kind: "max" | "min", op: string) {
  return (input: Tensor, ...rest: unknown[]): Tensor => {
    const o = optionalArgs(op, rest, { axis: null as Axis, keepdims: false as boolean, initial: null as number | null, where: null as Tensor | null });
    const x = checkTensor(input, op, "input");
    return extremumCore(kind, op, x, normAxes(o.axis, x.ndim, op), o.keepdims, o);
  };
}
/** `ops.amax(input, axis=None, keepdims=False, *, initial=None, where=None)`. */
export const amax = extremum("max", "amax");
/** `ops.amin(input, axis=None, keepdims=False, *, initial=None, where=None)`. */
export const amin = extremum("min", "amin");

function argExtremum(p: "argmax" | "argmin", op: string, names: [string, string]) {
  return (input: Tensor, ...rest: unknown[]): Tensor => {
    const o = optionalArgs(op, rest, { [names[0]]: null, [names[1]]: false } as Record<string, unknown>);
    const x = checkTensor(input, op, "input");
    const axis = o[names[0]] as number | null;
    const keepdims = o[names[1]] as boolean;
    if (x.ndim === 0) return new Tensor(0, int64);
    if (x.size === 0) throw new ValueError(`For '${op}', the input must not be empty, but got shape ${fmtShape(x.shape)}.`);
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
    const o = optionalArgs(op, rest, { axis: null as number | null, keepdims: false as boolean, initial: null as number | null, where: null as Tensor | null });
    const x = checkTensor(input, op, "input");
    if (o.axis !== null && (typeof o.axis !== "number" || !Number.isInteger(o.axis))) {
      throw new TypeError(`For '${op}', the 'axis' must be int or None, but got ${typeName(o.axis)}.`);
    }
    if (o.axis === null) {
      // MindSpore: over all elements, 'keepdims' ignored, and the index is documented to be 0
      return [extremumCore(kind, op, x, normAxes(null, x.ndim, op), false, o), new Tensor(0, int64)];
    }
    const axis = normAxis(o.axis, x.ndim, op);
    const axes = x.ndim === 0 ? [] : [axis];
    const values = extremumCore(kind, op, x, axes, o.keepdims, o);
    // indices of the (masked) input; the initial value does not move them
    const masked = o.where !== null && o.initial !== null ? L.select(L.broadcast_to(o.where, x.shape), x, L.fullLike(x, o.initial)) : x;
    const index = (kind === "max" ? argmax : argmin)(masked, axis, o.keepdims);
    return [values, index];
  };
}
/** `ops.max(input, axis=None, keepdims=False, *, initial=None, where=None)` → `[values, indices]`. */
export const max = valueAndIndex("max", "max");
/** `ops.min(input, axis=None, keepdims=False, *, initial=None, where=None)` → `[values, indices]`. */
export const min = valueAndIndex("min", "min");

/** `ops.logsumexp(input, axis, keep_dims=False)`: shifted by the max for stability. */
export function logsumexp(input: Tensor, ...rest: unknown[]): Tensor {
  const o = params("logsumexp", rest, { axis: undefined as unknown as Axis, keep_dims: false as boolean }, ["axis"]);
  const axis = o.axis;
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
export function cumsum(x: Tensor, ...rest: unknown[]): Tensor {
  const o = params("cumsum", rest, { axis: undefined as unknown as number, dtype: null as DType | null }, ["axis"]);
  const axis = o.axis;
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
      return L.broadcast_to(new Tensor(kind === "min", bool_), reducedShape(x.shape, axes, o.keep_dims));
    }
    return L.cast(L[kind](b, axes, o.keep_dims), bool_);
  };
}
/** `ops.all(input, axis=None, keep_dims=False)`. */
export const all = boolReduce("min", "all");
/** `ops.any(input, axis=None, keep_dims=False)`. */
export const any = boolReduce("max", "any");

// ------------------------------------------------------------ var / std

const asFloat = (x: Tensor) => (x.dtype.kind === "float" ? x : L.cast(x, float32));

function checkDdof(ddof: unknown, op: string): number {
  if (typeof ddof === "boolean") return Number(ddof);
  if (typeof ddof !== "number" || !Number.isInteger(ddof)) throw new TypeError(`For '${op}', the 'ddof' must be int or bool, but got ${typeName(ddof)}.`);
  return ddof;
}

/** Variance and mean in two passes (subtract the mean first: no catastrophic cancellation). */
function varianceAndMean(op: string, input: Tensor, rest: unknown[]): [Tensor, Tensor] {
  const o = optionalArgs(op, rest, { axis: null as Axis, ddof: 0 as number | boolean, keepdims: false as boolean });
  const x = asFloat(checkTensor(input, op, "input"));
  const ddof = checkDdof(o.ddof, op);
  const axes = normAxes(o.axis, x.ndim, op);
  const n = axes.reduce((acc, a) => acc * x.shape[a], 1);
  const mu = L.div(L.sum(x, axes, true), L.scalar(n, x.dtype));
  const d = L.sub(x, mu);
  // N - ddof <= 0 divides by zero or a negative count: inf/nan, as NumPy and MindSpore
  const v = L.div(L.sum(L.mul(d, d), axes, o.keepdims), L.scalar(n - ddof, x.dtype));
  return [v, o.keepdims ? mu : L.reshape(mu, reducedShape(x.shape, axes, false))];
}

/** `ops.var(input, axis=None, ddof=0, keepdims=False)`: divisor N - ddof (biased by default). */
function variance(input: Tensor, ...rest: unknown[]): Tensor {
  return varianceAndMean("var", input, rest)[0];
}
export { variance as var };

/** `ops.std(input, axis=None, ddof=0, keepdims=False)`. */
export function std(input: Tensor, ...rest: unknown[]): Tensor {
  return L.sqrt(varianceAndMean("std", input, rest)[0]);
}
/** `ops.var_mean(input, axis=None, ddof=0, keepdims=False)` → `[var, mean]`. */
export function var_mean(input: Tensor, ...rest: unknown[]): [Tensor, Tensor] {
  return varianceAndMean("var_mean", input, rest);
}
/** `ops.std_mean(input, axis=None, ddof=0, keepdims=False)` → `[std, mean]`. */
export function std_mean(input: Tensor, ...rest: unknown[]): [Tensor, Tensor] {
  const [v, m] = varianceAndMean("std_mean", input, rest);
  return [L.sqrt(v), m];
}

// ------------------------------------------------------------------ norm

type Ord = number | string | null;

/** sqrt(s) with a zero (not NaN) gradient where s == 0: the subgradient MindSpore and PyTorch use at x = 0. */
function safeSqrt(s: Tensor): Tensor {
  const zero = L.isZero(s);
  return L.select(zero, L.zerosLike(s), L.sqrt(L.select(zero, L.onesLike(s), s)));
}

/** Vector p-norm over `axes`. */
function vectorNorm(x: Tensor, p: number, axes: number[], keepdim: boolean): Tensor {
  const a = L.unary("abs", x);
  if (p === Infinity) return extremumCore("max", "norm", a, axes, keepdim, { initial: axes.some((d) => x.shape[d] === 0) ? 0 : null, where: null });
  if (p === -Infinity) return extremumCore("min", "norm", a, axes, keepdim, { initial: null, where: null });
  if (p === 0) return L.sum(L.cast(L.binary("not_equal", x, L.zerosLike(x)), x.dtype), axes, keepdim);
  if (p === 1) return L.sum(a, axes, keepdim);
  if (p === 2) return safeSqrt(L.sum(L.mul(x, x), axes, keepdim));
  // (sum |x|^p)^(1/p) = m (sum (|x|/m)^p)^(1/p) for any m > 0: scaling by the largest |x| keeps the
  // powers in range; m is a constant of the identity, so it carries no gradient.
  if (axes.some((d) => x.shape[d] === 0)) return L.broadcast_to(L.scalar(0, x.dtype), reducedShape(x.shape, axes, keepdim));
  const m0 = L.stop_gradient(L.max(a, axes, true));
  const m = L.select(L.isZero(m0), L.onesLike(m0), m0);
  const s = L.sum(L.pow(L.div(a, m), L.scalar(p, x.dtype)), axes, true);
  const r = L.mul(m, L.pow(s, L.scalar(1 / p, x.dtype)));
  return keepdim ? r : L.reshape(r, reducedShape(x.shape, axes, false));
}

/** Matrix norm over the two axes `[r, c]` (rows, columns). */
function matrixNorm(x: Tensor, ord: Ord, r: number, c: number, keepdim: boolean): Tensor {
  const finish = (t: Tensor, axes: number[]) => (keepdim ? t : L.reshape(t, reducedShape(x.shape, axes, false)));
  if (ord === "fro" || ord === null) return vectorNorm(x, 2, [r, c].sort((a, b) => a - b), keepdim);
  if (ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity) {
    // 1: largest column sum of |x| (sum over rows); inf: largest row sum (sum over columns)
    const [sumAxis, pickAxis] = Math.abs(ord as number) === 1 ? [r, c] : [c, r];
    const sums = L.sum(L.unary("abs", x), [sumAxis], true);
    const kind = (ord as number) > 0 ? "max" : "min";
    return finish(extremumCore(kind, "norm", sums, [pickAxis], true, { initial: null, where: null }), [r, c]);
  }
  if (ord === 2 || ord === -2 || ord === "nuc") {
    // largest / smallest / sum of the singular values over [r, c]; svd works on the last two axes
    // in float64 (its Gram matrix squares the condition number) and the result is rounded back
    const others = x.shape.map((_, i) => i).filter((i) => i !== r && i !== c);
    const sv = svd(L.cast(L.transpose(x, [...others, r, c]), float64), false, false);
    const last = [sv.ndim - 1];
    const red = ord === "nuc" ? L.sum(sv, last) : extremumCore(ord === 2 ? "max" : "min", "norm", sv, last, false, { initial: null, where: null });
    const out = L.cast(red, x.dtype);
    return keepdim ? L.reshape(out, L.keepDimsShape(x.shape, [r, c])) : out;
  }
  throw new ValueError(`For 'norm', the 'ord' of a matrix norm must be one of None, 'fro', 'nuc', inf, -inf, 1, -1, 2, -2, but got ${String(ord)}.`);
}

/** Accept the float infinities and the strings "inf" / "-inf" (what JSON fixtures carry). */
function parseOrd(ord: unknown): Ord {
  if (ord === null || ord === undefined) return null;
  if (ord === "inf") return Infinity;
  if (ord === "-inf") return -Infinity;
  if (typeof ord === "number" && !Number.isNaN(ord)) return ord;
  if (ord === "fro" || ord === "nuc") return ord;
  throw new ValueError(`For 'norm', the 'ord' must be None, a number, inf, -inf, 'fro' or 'nuc', but got ${typeof ord === "string" ? `'${ord}'` : typeName(ord)}.`);
}

/**
 * `ops.norm(A, ord=None, dim=None, keepdim=False, *, dtype=None)`: vector
 * norms for an int `dim` (or a 1-D input), matrix norms for a 2-tuple `dim`
 * (or a 2-D input with `ord` given); ord=None, dim=None is the 2-norm of the
 * flattened input.
 */
export function norm(A: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("norm", rest, { ord: null as unknown, dim: null as Axis, keepdim: false as boolean, dtype: null as DType | null });
  let x = checkTensor(A, "norm", "A");
  if (o.dtype !== null) x = L.cast(x, o.dtype);
  if (x.dtype.kind !== "float") {
    throw new TypeError(`For 'norm', the dtype of 'A' must be Float16, Float32 or Float64, but got ${x.dtype.name}; pass dtype= to cast it.`);
  }
  const ord = parseOrd(o.ord);
  if (o.dim === null) {
    if (ord === null) {
      const all = x.shape.map((_, i) => i);
      return vectorNorm(x, 2, all, o.keepdim);
    }
    if (x.ndim === 1) {
      if (typeof ord === "string") throw new ValueError(`For 'norm', the 'ord' '${ord}' is a matrix norm, but the input is 1-D.`);
      return vectorNorm(x, ord, [0], o.keepdim);
    }
    if (x.ndim === 2) return matrixNorm(x, ord, 0, 1, o.keepdim);
    throw new ValueError(`For 'norm', the input must be 1-D or 2-D when 'dim' is None and 'ord' is given, but got ${x.ndim}-D.`);
  }
  const dims = typeof o.dim === "number" ? [o.dim] : Array.isArray(o.dim) ? [...o.dim] : null;
  if (dims === null || dims.length < 1 || dims.length > 2) {
    throw new TypeError(`For 'norm', the 'dim' must be an int or a tuple of 1 or 2 ints, but got ${typeName(o.dim)}${Array.isArray(o.dim) ? ` of length ${o.dim.length}` : ""}.`);
  }
  const axes = dims.map((d) => normAxis(d, x.ndim, "norm", "dim"));
  if (axes.length === 1) {
    if (typeof ord === "string") throw new ValueError(`For 'norm', the 'ord' '${ord}' is a matrix norm and needs a 2-tuple 'dim', but got dim=${o.dim}.`);
    return vectorNorm(x, ord ?? 2, axes, o.keepdim);
  }
  if (axes[0] === axes[1]) throw new ValueError(`For 'norm', the two axes of 'dim' must differ, but got [${dims.join(", ")}].`);
  return matrixNorm(x, ord, axes[0], axes[1], o.keepdim);
}
