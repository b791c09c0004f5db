/** Random tensors: reproducible under `ms.set_seed`. */
import { Tensor } from "../core/tensor.js";
import { DType, float32, float64, isDType } from "../core/dtype.js";
import { checkShapeArg, sizeOf } from "../core/shape.js";
import { TypeError, ValueError, typeName } from "../core/errors.js";
import { generatorFor, type Generator } from "../core/random.js";
import * as L from "../primitives/lax.js";
import { isPlainObject, optionalArgs } from "./args.js";

type Sample = (g: Generator) => number;

function sample(shape: readonly number[], dtype: DType, draw: Sample, seed: number | null): Tensor {
  if (dtype.kind !== "float") throw new TypeError(`For random ops, the 'dtype' must be a float type, but got ${dtype.name}.`);
  if (shape.some((d) => d < 0)) throw new ValueError(`For random ops, the shape dimensions must be >= 0, but got [${shape}].`);
  const g = generatorFor(seed);
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw(g);
  return L.cast(L.reshape(new Tensor(data, float64), shape), dtype);
}

/** `*size` as varargs or one array, then `{dtype, seed}`. */
function sizeAndOptions(op: string, args: unknown[]): { shape: number[]; dtype: DType; seed: number | null } {
  const opts = isPlainObject(args[args.length - 1]) ? (args.pop() as Record<string, unknown>) : {};
  const o = optionalArgs(op, [opts], { dtype: null as DType | null, seed: null as number | null });
  const shape = args.length === 1 && Array.isArray(args[0]) ? checkShapeArg(args[0], op, "size") : checkShapeArg(args, op, "size");
  if (o.dtype !== null && !isDType(o.dtype)) throw new TypeError(`For '${op}', the 'dtype' must be a mindspore dtype, but got ${typeName(o.dtype)}.`);
  return { shape, dtype: o.dtype ?? float32, seed: o.seed };
}

/** `ops.rand(*size, dtype=None, seed=None)`: uniform on [0, 1). */
export function rand(...args: unknown[]): Tensor {
  const { shape, dtype, seed } = sizeAndOptions("rand", args);
  return sample(shape, dtype, (g) => g.random(), seed);
}

/** `ops.randn(*size, dtype=None, seed=None)`: standard normal. */
export function randn(...args: unknown[]): Tensor {
  const { shape, dtype, seed } = sizeAndOptions("randn", args);
  return sample(shape, dtype, (g) => g.normal(), seed);
}

const num = (v: unknown, op: string, arg: string): number => {
  if (v instanceof Tensor) return Number(v.item());
  if (typeof v === "number") return v;
  throw new TypeError(`For '${op}', the '${arg}' must be a number or a one-element Tensor, but got ${typeName(v)}.`);
};

/** `ops.uniform(shape, minval, maxval, seed=None, dtype=float32)`. */
export function uniform(shape: readonly number[], minval: Tensor | number, maxval: Tensor | number, ...rest: unknown[]): Tensor {
  const o = optionalArgs("uniform", rest, { seed: null as number | null, dtype: float32 as DType });
  const lo = num(minval, "uniform", "minval");
  const hi = num(maxval, "uniform", "maxval");
  if (!(lo <= hi)) throw new ValueError(`For 'uniform', 'minval' (${lo}) must be <= 'maxval' (${hi}).`);
  return sample(checkShapeArg(shape, "uniform"), o.dtype, (g) => lo + (hi - lo) * g.random(), o.seed);
}

/** `ops.normal(shape, mean, stddev, seed=None)`. */
export function normal(shape: readonly number[], mean: Tensor | number, stddev: Tensor | number, ...rest: unknown[]): Tensor {
  const o = optionalArgs("normal", rest, { seed: null as number | null });
  const mu = num(mean, "normal", "mean");
  const sd = num(stddev, "normal", "stddev");
  if (!(sd >= 0)) throw new ValueError(`For 'normal', the 'stddev' must be >= 0, but got ${sd}.`);
  return sample(checkShapeArg(shape, "normal"), float32, (g) => mu + sd * g.normal(), o.seed);
}
