/** Argument checks and small helpers shared by the NN functional ops. */
import { Tensor } from "../../core/tensor.js";
import { int64, type DType } from "../../core/dtype.js";
import { fmtShape } from "../../core/shape.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as L from "../../primitives/lax.js";
import { checkTensor } from "../args.js";

export type Reduction = "mean" | "sum" | "none";

export function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new ValueError(`For '${op}', the 'reduction' must be one of ['mean', 'sum', 'none'], but got ${typeof reduction === "string" ? `'${reduction}'` : typeName(reduction)}.`);
  }
  return reduction;
}

/** A floating-point tensor argument (MindSpore's NN kernels take float16/32/64 only). */
export function floatTensor(v: unknown, op: string, arg: string): Tensor {
  const t = checkTensor(v, op, arg);
  if (t.dtype.kind !== "float") throw new TypeError(`For '${op}', the '${arg}' must be a Tensor of float16, float32 or float64, but got ${t.dtype.name}.`);
  return t;
}

/** An optional tensor argument of `like`'s dtype, or null. */
export function optionalFloat(v: unknown, op: string, arg: string, dtype: DType): Tensor | null {
  if (v === null || v === undefined) return null;
  return L.cast(floatTensor(v, op, arg), dtype);
}

export function checkRank(x: Tensor, ranks: readonly number[], op: string, arg: string, layout = ""): void {
  if (!ranks.includes(x.ndim)) {
    const want = ranks.map((r) => `${r}-D`).join(" or ");
    throw new ValueError(`For '${op}', the '${arg}' must be a ${want} Tensor${layout ? ` ${layout}` : ""}, but got a ${x.ndim}-D Tensor of shape ${fmtShape(x.shape)}.`);
  }
}

export function checkInt(v: unknown, op: string, arg: string, min = -Infinity): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`For '${op}', the '${arg}' must be int, but got ${typeName(v)}.`);
  if (v < min) throw new ValueError(`For '${op}', the '${arg}' must be >= ${min}, but got ${v}.`);
  return v;
}

export function checkNumber(v: unknown, op: string, arg: string): number {
  if (typeof v !== "number") throw new TypeError(`For '${op}', the '${arg}' must be float, but got ${typeName(v)}.`);
  return v;
}

export function checkBool(v: unknown, op: string, arg: string): boolean {
  if (typeof v !== "boolean") throw new TypeError(`For '${op}', the '${arg}' must be bool, but got ${typeName(v)}.`);
  return v;
}

/** An int (repeated) or a tuple of `n` ints (sizes, strides, dilations), each >= `min`. */
export function intTuple(v: unknown, n: number, op: string, arg: string, min: number): number[] {
  const list = typeof v === "number" ? new Array<number>(n).fill(v) : Array.isArray(v) ? [...(v as unknown[])] : null;
  if (list === null || !list.every((d) => typeof d === "number" && Number.isInteger(d))) {
    throw new TypeError(`For '${op}', the '${arg}' must be an int or a tuple of ${n} ints, but got ${Array.isArray(v) ? `[${v.join(", ")}]` : typeName(v)}.`);
  }
  if (list.length !== n) throw new ValueError(`For '${op}', the '${arg}' must be an int or a tuple of ${n} ints, but got a tuple of length ${list.length}.`);
  for (const d of list as number[]) {
    if (d < min) throw new ValueError(`For '${op}', every element of '${arg}' must be >= ${min}, but got ${fmtTuple(list as number[])}.`);
  }
  return list as number[];
}

export const fmtTuple = (v: readonly number[]): string => `(${v.join(", ")}${v.length === 1 ? "," : ""})`;

/** The mean of every element (NaN for an empty tensor, as MindSpore/NumPy). */
export function meanAll(x: Tensor): Tensor {
  return L.div(sumAll(x), L.scalar(x.size, x.dtype));
}
export function sumAll(x: Tensor): Tensor {
  return L.sum(x, x.shape.map((_, i) => i), false);
}

/** Elementwise losses reduced as `reduction` says. */
export function reduceLoss(x: Tensor, reduction: Reduction): Tensor {
  return reduction === "mean" ? meanAll(x) : reduction === "sum" ? sumAll(x) : x;
}

/** A constant int64 tensor of `shape` from JS numbers. */
export function int64Const(data: ArrayLike<number>, shape: readonly number[]): Tensor {
  return L.reshape(new Tensor(Float64Array.from(data), int64), shape);
}

/** A constant tensor of `dtype` and `shape` from JS numbers. */
export function floatConst(data: ArrayLike<number>, shape: readonly number[], dtype: DType): Tensor {
  return L.reshape(new Tensor(Float64Array.from(data), dtype), shape);
}

/**
 * softplus(x) = log(1 + e^x) without overflow. Each branch only ever sees
 * inputs of its own sign, so no inf reaches the unselected branch and the
 * gradient stays finite (and exactly sigmoid(x), 0.5 at 0).
 */
export function softplusStable(x: Tensor): Tensor {
  const pos = L.binary("greater_equal", x, L.zerosLike(x));
  const zero = L.zerosLike(x);
  const xp = L.select(pos, x, zero);
  const xn = L.select(pos, zero, x);
  const big = L.add(xp, L.unary("log1p", L.exp(L.neg(xp))));
  const small = L.unary("log1p", L.exp(xn));
  return L.select(pos, big, small);
}

/** Shift for exp-normalisation along `axes`: the max, without gradient, 0 where infinite. */
export function stableShift(x: Tensor, axes: readonly number[]): Tensor {
  const m = L.stop_gradient(L.max(x, axes, true));
  return L.select(L.unary("isinf", m), L.zerosLike(m), m);
}
