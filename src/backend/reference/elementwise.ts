/** Elementwise kernels of the reference backend: one scalar function per primitive. */
import type { Kernel, OutSpec, Storage, View } from "../backend.js";
import type { BinaryPrim, UnaryPrim } from "../../primitives/params.js";
import { castScalar, roundToFloat16, type TypedArray } from "../../core/dtype.js";
import { sizeOf } from "../../core/shape.js";
import { forEachStrided, hostData, isContiguous, stridesFor, toContiguous } from "./storage.js";
import { erf } from "./special.js";

export type MakeStorage = (out: OutSpec, data: TypedArray) => Storage;

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** Round half to even, as MindSpore/NumPy round. */
const roundEven = (x: number) => {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
};

export const UNARY_FNS: { [P in UnaryPrim]: (x: number) => number } = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundEven,
  erf,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sigmoid,
  reciprocal: (x) => 1 / x,
  atan: Math.atan,
  asin: Math.asin,
  acos: Math.acos,
  sinh: Math.sinh,
  cosh: Math.cosh,
  logical_not: (x) => (x ? 0 : 1),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
  isinf: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
};

/** Python-style modulo: the result takes the divisor's sign. */
const pyMod = (a: number, b: number) => {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
};

export const BINARY_FNS: { [P in BinaryPrim]: (a: number, b: number) => number } = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b),
  atan2: Math.atan2,
  floor_div: (a, b) => Math.floor(a / b),
  mod: pyMod,
  equal: (a, b) => (a === b ? 1 : 0),
  not_equal: (a, b) => (a !== b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  less_equal: (a, b) => (a <= b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greater_equal: (a, b) => (a >= b ? 1 : 0),
  logical_and: (a, b) => (a && b ? 1 : 0),
  logical_or: (a, b) => (a || b ? 1 : 0),
  logical_xor: (a, b) => (!a !== !b ? 1 : 0),
};

/**
 * Typed arrays already round/wrap on store for float32 and the int types;
 * float16, int64 (held in a Float64Array) and integer results of float math
 * need an explicit pass.
 */
export function finishDtype(out: OutSpec, data: TypedArray, needsCast: boolean): void {
  const name = out.dtype.name;
  if (name === "Float16") {
    for (let i = 0; i < data.length; i++) data[i] = roundToFloat16(data[i]);
  } else if (needsCast && (name === "Int64" || name === "Bool")) {
    for (let i = 0; i < data.length; i++) data[i] = castScalar(data[i], out.dtype);
  }
}

function mapUnary(f: (x: number) => number, x: View, out: OutSpec): TypedArray {
  const res = new out.dtype.storage(sizeOf(out.shape));
  const src = hostData(x);
  if (isContiguous(x)) {
    const o = x.offset;
    for (let i = 0; i < res.length; i++) res[i] = f(src[o + i]);
  } else {
    forEachStrided(out.shape, [x.strides], [x.offset], (k, offs) => {
      res[k] = f(src[offs[0]]);
    });
  }
  return res;
}

function mapBinary(f: (a: number, b: number) => number, a: View, b: View, out: OutSpec): TypedArray {
  const res = new out.dtype.storage(sizeOf(out.shape));
  const da = hostData(a);
  const db = hostData(b);
  const sameShape = a.shape.length === out.shape.length && b.shape.length === out.shape.length && a.shape.every((d, i) => d === out.shape[i] && b.shape[i] === d);
  if (sameShape && isContiguous(a) && isContiguous(b)) {
    const oa = a.offset;
    const ob = b.offset;
    for (let i = 0; i < res.length; i++) res[i] = f(da[oa + i], db[ob + i]);
  } else {
    forEachStrided(out.shape, [stridesFor(a, out.shape), stridesFor(b, out.shape)], [a.offset, b.offset], (k, offs) => {
      res[k] = f(da[offs[0]], db[offs[1]]);
    });
  }
  return res;
}

export function unaryKernel<P extends UnaryPrim>(p: P, make: MakeStorage): Kernel<P> {
  const f = UNARY_FNS[p];
  return (inputs, _params, out) => {
    const data = mapUnary(f, inputs[0], out);
    finishDtype(out, data, out.dtype.kind !== "float");
    return make(out, data);
  };
}

export function binaryKernel<P extends BinaryPrim>(p: P, make: MakeStorage): Kernel<P> {
  const f = BINARY_FNS[p];
  return (inputs, _params, out) => {
    const data = mapBinary(f, inputs[0], inputs[1], out);
    finishDtype(out, data, out.dtype.kind !== "float");
    return make(out, data);
  };
}

export function selectKernel(make: MakeStorage): Kernel<"select"> {
  return (inputs, _params, out) => {
    const [c, x, y] = inputs;
    const res = new out.dtype.storage(sizeOf(out.shape));
    const dc = hostData(c);
    const dx = hostData(x);
    const dy = hostData(y);
    forEachStrided(
      out.shape,
      [stridesFor(c, out.shape), stridesFor(x, out.shape), stridesFor(y, out.shape)],
      [c.offset, x.offset, y.offset],
      (k, o) => {
        res[k] = dc[o[0]] ? dx[o[1]] : dy[o[2]];
      },
    );
    return make(out, res);
  };
}

export function castKernel(make: MakeStorage): Kernel<"cast"> {
  return (inputs, _params, out) => {
    const raw = toContiguous(inputs[0]);
    const res = new out.dtype.storage(raw.length);
    if (out.dtype.name === "Float32" || out.dtype.name === "Float64") res.set(raw);
    else for (let i = 0; i < raw.length; i++) res[i] = castScalar(raw[i], out.dtype);
    return make(out, res);
  };
}
