/**
 * Helpers shared by the nn layers: argument checks worded as MindSpore's
 * Validator words them, parameter initialisation, and Python-style text for
 * the `extend_repr` strings (tuples, True/False, None, float repr).
 */
import { Tensor } from "../../core/tensor.js";
import { DType, isDType } from "../../core/dtype.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import { Parameter } from "../parameter.js";
import { Initializer, initializer } from "../initializer.js";

export type Init = Initializer | string | number | Tensor | null;

/** Python's repr of a float (shortest round-trip digits, `1e-05`, `1.0`). */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = v.toExponential().split("e");
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  const s = String(v);
  return Number.isInteger(v) ? `${s}.0` : s;
}

/** Python's str.format of a value inside a repr: strings bare, arrays as tuples, bools/None in Python spelling. */
export function pyFmt(v: unknown, float = false): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return float ? pyFloat(v) : Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.length === 1 ? `(${pyFmt(v[0], float)},)` : `(${v.map((e) => pyFmt(e, float)).join(", ")})`;
  if (v instanceof Initializer) return `<mindspore.common.initializer.${v.constructor.name} object>`;
  return String(v);
}

export function checkPositiveInt(v: unknown, op: string, arg: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`For '${op}', the '${arg}' must be int, but got ${typeName(v)}.`);
  if (v <= 0) throw new ValueError(`For '${op}', the '${arg}' must be a positive int, but got ${v}.`);
  return v;
}

export function checkNonNegativeInt(v: unknown, op: string, arg: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`For '${op}', the '${arg}' must be int, but got ${typeName(v)}.`);
  if (v < 0) throw new ValueError(`For '${op}', the '${arg}' must be a non-negative int, but got ${v}.`);
  return v;
}

export function checkBool(v: unknown, op: string, arg: string): boolean {
  if (typeof v !== "boolean") throw new TypeError(`For '${op}', the '${arg}' must be bool, but got ${typeName(v)}.`);
  return v;
}

export function checkFloat(v: unknown, op: string, arg: string): number {
  if (typeof v !== "number") throw new TypeError(`For '${op}', the '${arg}' must be float, but got ${typeName(v)}.`);
  return v;
}

export function checkStr<T extends string>(v: unknown, allowed: readonly T[], op: string, arg: string, caseInsensitive = true): T {
  if (typeof v !== "string") throw new TypeError(`For '${op}', the '${arg}' must be str, but got ${typeName(v)}.`);
  const found = allowed.find((a) => (caseInsensitive ? a.toLowerCase() === v.toLowerCase() : a === v));
  if (found === undefined) throw new ValueError(`For '${op}', the '${arg}' must be one of [${allowed.map((a) => `'${a}'`).join(", ")}], but got '${v}'.`);
  return found;
}

export function checkDtype(v: unknown, op: string, arg = "dtype"): DType {
  if (!isDType(v)) throw new TypeError(`For '${op}', the '${arg}' must be a mindspore dtype, but got ${typeName(v)}.`);
  return v;
}

/** An int or a tuple of `n` positive ints (kernel sizes, strides, dilations). */
export function intTupleN(v: unknown, n: number, op: string, arg: string, min = 1): number[] {
  const list = typeof v === "number" ? new Array<number>(n).fill(v) : Array.isArray(v) ? [...(v as unknown[])] : null;
  if (list === null || !list.every((d) => typeof d === "number" && Number.isInteger(d))) {
    throw new TypeError(`For '${op}', the '${arg}' must be an int or a tuple of ${n} ints, but got ${typeName(v)}.`);
  }
  if (list.length !== n) throw new ValueError(`For '${op}', the '${arg}' must be an int or a tuple of ${n} ints, but got a tuple of length ${list.length}.`);
  for (const d of list as number[]) {
    if (d < min) throw new ValueError(`For '${op}', every element of '${arg}' must be >= ${min}, but got ${pyFmt(list)}.`);
  }
  return list as number[];
}

/** A new Parameter from an init spec (checked against `shape` when a Tensor). */
export function makeParam(init: Initializer | string | number | Tensor, shape: readonly number[], dtype: DType, name: string, op: string, arg: string, requires_grad = true): Parameter {
  if (init instanceof Tensor && init.shape.join() !== shape.join()) {
    throw new ValueError(`For '${op}', the shape of '${arg}' must be (${shape.join(", ")}${shape.length === 1 ? "," : ""}), but got (${init.shape.join(", ")}${init.ndim === 1 ? "," : ""}).`);
  }
  if (!(init instanceof Tensor || init instanceof Initializer || typeof init === "string" || typeof init === "number")) {
    throw new TypeError(`For '${op}', the '${arg}' must be a Tensor, str, Initializer or number, but got ${typeName(init)}.`);
  }
  return new Parameter(initializer(init, shape, dtype), name, requires_grad);
}

/** Check a construct input is a Tensor of one of the given ranks. */
export function checkInput(x: unknown, op: string, ranks: readonly number[] | null, arg = "x"): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`For '${op}', the '${arg}' must be a Tensor, but got ${typeName(x)}.`);
  if (ranks && !ranks.includes(x.ndim)) {
    throw new ValueError(`For '${op}', the dimension of '${arg}' must be ${ranks.join(" or ")}, but got ${x.ndim} (shape (${x.shape.join(", ")})).`);
  }
  return x;
}
