/**
 * Argument handling shared by the ops: MindSpore's optional parameters come
 * positionally in MindSpore's order or as a trailing options object with the
 * same snake_case keys; JS numbers stand for Python scalars.
 */
import { Tensor } from "../core/tensor.js";
import { TypeError, typeName } from "../core/errors.js";
import { DType, promoteTypes, promoteWithScalar } from "../core/dtype.js";
import * as L from "../primitives/lax.js";

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/**
 * Resolve optional arguments: `given` are what followed the required ones;
 * `spec` lists [name, default] in MindSpore's order.
 */
export function optionalArgs<T extends Record<string, unknown>>(op: string, given: readonly unknown[], spec: { [K in keyof T]: T[K] }): T {
  const names = Object.keys(spec);
  const out = { ...spec } as Record<string, unknown>;
  let positional = given;
  const last = given[given.length - 1];
  if (isPlainObject(last)) {
    positional = given.slice(0, -1);
    for (const [k, v] of Object.entries(last)) {
      if (!names.includes(k)) throw new TypeError(`For '${op}', got an unexpected keyword argument '${k}'. Valid ones: ${names.join(", ")}.`);
      if (v !== undefined) out[k] = v;
    }
  }
  if (positional.length > names.length) {
    throw new TypeError(`For '${op}', takes at most ${names.length} optional arguments (${names.join(", ")}) but ${positional.length} were given.`);
  }
  positional.forEach((v, i) => {
    if (v !== undefined) out[names[i]] = v;
  });
  return out as T;
}

export type TensorOrScalar = Tensor | number | boolean;

export function checkTensor(v: unknown, op: string, arg: string): Tensor {
  if (!(v instanceof Tensor)) throw new TypeError(`For '${op}', the '${arg}' must be a Tensor, but got ${typeName(v)}.`);
  return v;
}

function checkOperand(v: unknown, op: string, arg: string): TensorOrScalar {
  if (v instanceof Tensor || typeof v === "number" || typeof v === "boolean") return v;
  throw new TypeError(`For '${op}', the '${arg}' must be a Tensor, number or bool, but got ${typeName(v)}.`);
}

/** The common dtype of two operands under MindSpore's promotion rules. */
export function resultType(a: TensorOrScalar, b: TensorOrScalar): DType {
  if (a instanceof Tensor && b instanceof Tensor) return promoteTypes(a.dtype, b.dtype);
  if (a instanceof Tensor) return promoteWithScalar(a.dtype, b as number | boolean);
  if (b instanceof Tensor) return promoteWithScalar(b.dtype, a as number | boolean);
  return new Tensor(a).dtype === new Tensor(b).dtype ? new Tensor(a).dtype : promoteWithScalar(new Tensor(a).dtype, b);
}

export function toTensor(v: TensorOrScalar, dtype: DType): Tensor {
  return v instanceof Tensor ? L.cast(v, dtype) : new Tensor(v, dtype);
}

/** Both operands as tensors of their promoted dtype. */
export function promoted(op: string, a: unknown, b: unknown, names: [string, string] = ["input", "other"]): [Tensor, Tensor] {
  const x = checkOperand(a, op, names[0]);
  const y = checkOperand(b, op, names[1]);
  const dt = resultType(x, y);
  return [toTensor(x, dt), toTensor(y, dt)];
}
