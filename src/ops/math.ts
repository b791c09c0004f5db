/**
 * Elementwise math with MindSpore's names and signatures. Most are one
 * primitive; the rest (relu, softplus, gelu, silu, logaddexp, clamp, ...) are
 * compositions and need no gradient code of their own.
 */
import { Tensor } from "../core/tensor.js";
import { bool_, float32, type DType } from "../core/dtype.js";
import { TypeError, ValueError, typeName } from "../core/errors.js";
import * as L from "../primitives/lax.js";
import type { BinaryPrim, UnaryPrim } from "../primitives/params.js";
import { checkTensor, optionalArgs, promoted, toTensor, type TensorOrScalar } from "./args.js";

const unaryOp = (p: UnaryPrim, op: string) => (input: Tensor) => L.unary(p, checkTensor(input, op, "input"));
const binaryOp = (p: BinaryPrim, op: string) => (input: TensorOrScalar, other: TensorOrScalar) => {
  const [a, b] = promoted(op, input, other);
  return L.binary(p, a, b);
};
/** Float-valued functions of int/bool tensors compute in float32, as MindSpore does. */
const asFloat = (x: Tensor) => (x.dtype.kind === "float" ? x : L.cast(x, float32));

export const add = binaryOp("add", "add");
export const sub = binaryOp("sub", "sub");
export const mul = binaryOp("mul", "mul");
export const maximum = binaryOp("maximum", "maximum");
export const minimum = binaryOp("minimum", "minimum");
export const equal = binaryOp("equal", "equal");
export const ne = binaryOp("not_equal", "ne");
export const not_equal = ne;
export const gt = binaryOp("greater", "gt");
export const greater = gt;
export const ge = binaryOp("greater_equal", "ge");
export const greater_equal = ge;
export const lt = binaryOp("less", "lt");
export const less = lt;
export const le = binaryOp("less_equal", "le");
export const less_equal = le;
export const floor_divide = binaryOp("floor_div", "floor_divide");
export const remainder = binaryOp("mod", "remainder");

const logical = (p: "logical_and" | "logical_or" | "logical_xor", op: string) => (input: TensorOrScalar, other: TensorOrScalar) => {
  const [a, b] = promoted(op, input, other);
  return L.binary(p, L.cast(a, bool_), L.cast(b, bool_));
};
export const logical_and = logical("logical_and", "logical_and");
export const logical_or = logical("logical_or", "logical_or");
export const logical_xor = logical("logical_xor", "logical_xor");
export const logical_not = (input: Tensor) => L.unary("logical_not", L.cast(checkTensor(input, "logical_not", "input"), bool_));

/** `ops.div(input, other, *, rounding_mode=None)`: true division, or 'floor' / 'trunc'. */
export function div(input: TensorOrScalar, other: TensorOrScalar, ...rest: unknown[]): Tensor {
  const { rounding_mode } = optionalArgs("div", rest, { rounding_mode: null as string | null });
  const [a, b] = promoted("div", input, other);
  if (rounding_mode === null) return L.div(a, b);
  if (rounding_mode === "floor") return a.dtype.kind === "float" ? L.unary("floor", L.div(a, b)) : L.floor_div(a, b);
  if (rounding_mode === "trunc") {
    const q = L.div(a, b);
    const t = L.select(L.binary("less", q, L.zerosLike(q)), L.unary("ceil", q), L.unary("floor", q));
    return L.cast(t, a.dtype.kind === "float" ? a.dtype : a.dtype);
  }
  throw new ValueError(`For 'div', the 'rounding_mode' must be None, 'floor' or 'trunc', but got '${String(rounding_mode)}'.`);
}
export const true_divide = (input: TensorOrScalar, other: TensorOrScalar) => div(input, other);

/** `ops.pow(input, exponent)`: a number exponent keeps the tensor's dtype. */
export function pow(input: TensorOrScalar, exponent: TensorOrScalar): Tensor {
  const [a, b] = promoted("pow", input, exponent, ["input", "exponent"]);
  return L.pow(a, b);
}

export const neg = unaryOp("neg", "neg");
export const negative = neg;
export const abs = unaryOp("abs", "abs");
export const absolute = abs;
export const sign = unaryOp("sign", "sign");
export const floor = unaryOp("floor", "floor");
export const ceil = unaryOp("ceil", "ceil");
export const round = unaryOp("round", "round");
export const isnan = unaryOp("isnan", "isnan");
export const isinf = unaryOp("isinf", "isinf");
export function isfinite(input: Tensor): Tensor {
  const x = checkTensor(input, "isfinite", "input");
  return L.unary("logical_not", L.binary("logical_or", L.unary("isnan", x), L.unary("isinf", x)));
}

const floatUnary = (p: UnaryPrim, op: string) => (input: Tensor) => L.unary(p, asFloat(checkTensor(input, op, "input")));
export const exp = floatUnary("exp", "exp");
export const log = floatUnary("log", "log");
export const sin = floatUnary("sin", "sin");
export const cos = floatUnary("cos", "cos");
export const tan = floatUnary("tan", "tan");
export const tanh = floatUnary("tanh", "tanh");
export const sqrt = floatUnary("sqrt", "sqrt");
export const erf = floatUnary("erf", "erf");
export const log1p = floatUnary("log1p", "log1p");
export const expm1 = floatUnary("expm1", "expm1");
export const sigmoid = floatUnary("sigmoid", "sigmoid");
export const reciprocal = floatUnary("reciprocal", "reciprocal");
export const atan = floatUnary("atan", "atan");
export const asin = floatUnary("asin", "asin");
export const acos = floatUnary("acos", "acos");
export const sinh = floatUnary("sinh", "sinh");
export const cosh = floatUnary("cosh", "cosh");

export function rsqrt(input: Tensor): Tensor {
  return L.unary("reciprocal", sqrt(input));
}
export function square(input: Tensor): Tensor {
  const x = checkTensor(input, "square", "input");
  return L.mul(x, x);
}
export function atan2(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  const [a, b] = promoted("atan2", input, other);
  return L.binary("atan2", asFloat(a), asFloat(b));
}

/** `ops.relu(input)`: max(x, 0); the gradient at 0 is 0, as MindSpore's ReluGrad. */
export function relu(input: Tensor): Tensor {
  const x = checkTensor(input, "relu", "input");
  return L.select(L.greater(x, L.zerosLike(x)), x, L.zerosLike(x));
}

/** `ops.softplus(input, beta=1, threshold=20)`: log(1 + exp(beta x)) / beta, linear above the threshold. */
export function softplus(input: Tensor, ...rest: unknown[]): Tensor {
  const { beta, threshold } = optionalArgs("softplus", rest, { beta: 1 as number, threshold: 20 as number });
  const x = asFloat(checkTensor(input, "softplus", "input"));
  const bx = beta === 1 ? x : L.mulScalar(x, beta);
  // log1p(exp(-|bx|)) + max(bx, 0): no overflow for large |bx|
  const absBx = L.unary("abs", bx);
  const stable = L.add(L.unary("log1p", L.exp(L.neg(absBx))), relu(bx));
  const soft = beta === 1 ? stable : L.mulScalar(stable, 1 / beta);
  return L.select(L.greater(bx, L.scalar(threshold, x.dtype)), x, soft);
}

/** `ops.gelu(input, approximate='none')`: exact (erf) or 'tanh' approximation. */
export function gelu(input: Tensor, ...rest: unknown[]): Tensor {
  const { approximate } = optionalArgs("gelu", rest, { approximate: "none" as string });
  const x = asFloat(checkTensor(input, "gelu", "input"));
  if (approximate === "none") {
    return L.mul(L.mulScalar(x, 0.5), L.addScalar(L.unary("erf", L.mulScalar(x, Math.SQRT1_2)), 1));
  }
  if (approximate === "tanh") {
    const inner = L.mulScalar(L.add(x, L.mulScalar(L.mul(L.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return L.mul(L.mulScalar(x, 0.5), L.addScalar(L.unary("tanh", inner), 1));
  }
  throw new ValueError(`For 'gelu', the 'approximate' must be 'none' or 'tanh', but got '${String(approximate)}'.`);
}

/** `ops.silu(input)`: x * sigmoid(x). */
export function silu(input: Tensor): Tensor {
  const x = asFloat(checkTensor(input, "silu", "input"));
  return L.mul(x, L.unary("sigmoid", x));
}

/** `ops.logaddexp(input, other)`: log(e^a + e^b) without overflow. */
export function logaddexp(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  const [a0, b0] = promoted("logaddexp", input, other);
  const a = asFloat(a0);
  const b = asFloat(b0);
  // the shift m cancels mathematically, so it carries no gradient
  const m = L.stop_gradient(L.binary("maximum", a, b));
  const safeM = L.select(L.unary("isinf", m), L.zerosLike(m), m);
  return L.add(safeM, L.log(L.add(L.exp(L.sub(a, safeM)), L.exp(L.sub(b, safeM)))));
}

/** `ops.clamp(input, min=None, max=None)`; the gradient passes where min <= x <= max. */
export function clamp(input: Tensor, ...rest: unknown[]): Tensor {
  const { min, max } = optionalArgs("clamp", rest, { min: null as TensorOrScalar | null, max: null as TensorOrScalar | null });
  const x = checkTensor(input, "clamp", "input");
  if (min === null && max === null) throw new ValueError("For 'clamp', at least one of 'min' and 'max' must not be None.");
  let out = x;
  if (min !== null) out = maximum(out, min);
  if (max !== null) out = minimum(out, max);
  return out;
}
export const clip = clamp;

/** `ops.where(condition, input, other)`: elementwise choice; scalars allowed for the branches. */
export function where(condition: Tensor, input: TensorOrScalar, other: TensorOrScalar): Tensor {
  const c = checkTensor(condition, "where", "condition");
  const [x, y] = promoted("where", input, other);
  return L.select(L.cast(c, bool_), x, y);
}

/** `ops.cast(input, dtype)`. */
export function cast(input: Tensor, dtype: DType): Tensor {
  const x = checkTensor(input, "cast", "input_x");
  if (!(dtype && typeof dtype === "object" && "kind" in dtype)) {
    throw new TypeError(`For 'cast', the 'dtype' must be a mindspore dtype, but got ${typeName(dtype)}.`);
  }
  return L.cast(x, dtype);
}

export { toTensor };
