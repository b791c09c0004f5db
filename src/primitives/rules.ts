/**
 * The primitive table: for every primitive, its shape/dtype rule, its view
 * (for layout primitives), and its two derivative rules, side by side. Like
 * PyTorch's derivatives.yaml, this is the one place to audit gradients.
 *
 * - `vjp(ct, primals, out, params)` returns one cotangent per input (null for
 *   none); broadcasting is undone here with `sumTo`.
 * - `jvp(tangents, primals, out, params)` returns the output tangent; a null
 *   tangent is a symbolic zero.
 * Both are written with the differentiable wrappers of lax.ts, so higher
 * derivatives come for free. `"nondiff"` marks primitives whose outputs carry
 * no gradient (comparisons, integer-valued results).
 */
import { Tensor as TensorCtor, type Tensor } from "../core/tensor.js";
import { bool_, float32, int64, type DType } from "../core/dtype.js";
import { broadcastShapes, contiguousStrides, fmtShape, sizeOf, type Shape } from "../core/shape.js";
import { TypeError, ValueError } from "../core/errors.js";
import type { View } from "../backend/backend.js";
import type { BinaryPrim, PrimName, PrimParams, ReduceParams, UnaryPrim } from "./params.js";
import * as L from "./lax.js";

export interface Aval {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

type Cts = (Tensor | null)[];
export interface Rule<P extends PrimName> {
  abstract(inputs: readonly Aval[], params: PrimParams[P]): Aval;
  /** Layout primitives: the result as a view of the input, or null when the strides do not allow it. */
  view?(inputs: readonly View[], params: PrimParams[P], out: Aval): View | null;
  /** `needs[k]` is false when input k needs no cotangent (a rule may then return null for it and skip the work). */
  vjp: ((ct: Tensor, primals: readonly Tensor[], out: Tensor, params: PrimParams[P], needs: readonly boolean[]) => Cts) | "nondiff";
  jvp: ((tangents: readonly (Tensor | null)[], primals: readonly Tensor[], out: Tensor, params: PrimParams[P]) => Tensor | null) | "nondiff";
}

// ---------------------------------------------------------------- helpers

const zeroIfNull = (t: Tensor | null, like: Tensor) => t ?? L.zerosLike(like);

/** Unary elementwise: result dtype and the derivative f'(x) (given x and f(x)). */
function unaryRule<P extends UnaryPrim>(kind: "float" | "same" | "bool", deriv: ((x: Tensor, out: Tensor) => Tensor) | null): Rule<P> {
  return {
    abstract: ([x]) => ({
      shape: x.shape,
      dtype: kind === "bool" ? bool_ : kind === "float" && x.dtype.kind !== "float" ? float32 : x.dtype,
    }),
    vjp: deriv ? (ct, [x], out) => [L.mul(ct, deriv(x, out))] : "nondiff",
    jvp: deriv ? ([t], [x], out) => (t ? L.mul(t, deriv(x, out)) : null) : "nondiff",
  };
}

function binaryAbstract(name: string, kind: "same" | "bool" | "float"): (inputs: readonly Aval[]) => Aval {
  return ([a, b]) => {
    if (a.dtype !== b.dtype) {
      throw new TypeError(`For '${name}', the two inputs must have the same dtype, but got ${a.dtype.name} and ${b.dtype.name}.`);
    }
    const shape = broadcastShapes(a.shape, b.shape, name);
    const dtype = kind === "bool" ? bool_ : kind === "float" && a.dtype.kind !== "float" ? float32 : a.dtype;
    return { shape, dtype };
  };
}

/** Binary elementwise with partial derivatives da = ∂out/∂a, db = ∂out/∂b. */
function binaryRule<P extends BinaryPrim>(
  name: P,
  kind: "same" | "float",
  da: (a: Tensor, b: Tensor, out: Tensor) => Tensor,
  db: (a: Tensor, b: Tensor, out: Tensor) => Tensor,
): Rule<P> {
  return {
    abstract: binaryAbstract(name, kind),
    vjp: (ct, [a, b], out, _p, needs) => [
      needs[0] ? L.sumTo(L.mul(ct, da(a, b, out)), a.shape) : null,
      needs[1] ? L.sumTo(L.mul(ct, db(a, b, out)), b.shape) : null,
    ],
    jvp: ([ta, tb], [a, b], out) => {
      const parts = [ta && L.mul(ta, da(a, b, out)), tb && L.mul(tb, db(a, b, out))].filter((t): t is Tensor => t !== null);
      if (parts.length === 0) return null;
      return L.broadcast_to(parts.length === 1 ? parts[0] : L.add(parts[0], parts[1]), out.shape);
    },
  };
}

const nondiffBinary = <P extends BinaryPrim>(name: P, kind: "same" | "bool"): Rule<P> => ({
  abstract: binaryAbstract(name, kind),
  vjp: "nondiff",
  jvp: "nondiff",
});

function reduceAbstract(name: string) {
  return ([x]: readonly Aval[], p: ReduceParams): Aval => {
    for (const a of p.axes) {
      if (a < 0 || a >= Math.max(x.shape.length, 1)) throw new ValueError(`For '${name}', the 'axis' ${a} is out of range for a tensor of rank ${x.shape.length}.`);
    }
    const shape = p.keepdims ? L.keepDimsShape(x.shape, p.axes) : x.shape.filter((_, i) => !p.axes.includes(i));
    return { shape, dtype: x.dtype };
  };
}

/** Broadcast a reduction's cotangent (or any per-group value) back over the reduced axes. */
function expandReduced(t: Tensor, inShape: Shape, p: ReduceParams): Tensor {
  return L.broadcast_to(L.reshape(t, L.keepDimsShape(inShape, p.axes)), inShape);
}

/** ∂max/∂x (or min): the selected elements share the gradient evenly between ties. */
function extremumWeights(x: Tensor, out: Tensor, p: ReduceParams): Tensor {
  const mask = L.cast(L.equal(x, expandReduced(out, x.shape, p)), x.dtype);
  return L.div(mask, expandReduced(L.sum(mask, p.axes, p.keepdims), x.shape, p));
}

/** Groups up to this size get the exact "product of the others" (O(n²) memory); larger ones the division form. */
const PROD_EXACT_MAX = 256;

/**
 * ∂prod/∂x_i = the product of the other elements of its group. Small groups
 * compute exactly that (masking each element in turn), which stays exact to
 * every order even at zeros. Large groups use prod/x, with the zero cases
 * handled so the first derivative is exact everywhere.
 */
function prodPartials(x: Tensor, p: ReduceParams): Tensor {
  const n = p.axes.reduce((acc, a) => acc * x.shape[a], 1);
  if (n <= PROD_EXACT_MAX) return prodOfOthers(x, p.axes);
  const zero = L.isZero(x);
  const nonzero = L.select(zero, L.onesLike(x), x);
  const prodNonzero = expandReduced(L.prod(nonzero, p.axes, p.keepdims), x.shape, p);
  const zeros = expandReduced(L.sum(L.cast(zero, x.dtype), p.axes, p.keepdims), x.shape, p);
  const noZero = L.isZero(zeros);
  const oneZero = L.equal(zeros, L.scalar(1, x.dtype));
  // divide by `nonzero`, not x: a 0/0 in the unselected branch would poison higher derivatives
  return L.select(noZero, L.div(prodNonzero, nonzero), L.select(oneZero, L.select(zero, prodNonzero, L.zerosLike(x)), L.zerosLike(x)));
}

function prodOfOthers(x: Tensor, axes: readonly number[]): Tensor {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const xt = L.transpose(x, perm);
  const b = kept.reduce((acc, a) => acc * x.shape[a], 1);
  const n = axes.reduce((acc, a) => acc * x.shape[a], 1);
  const rows = L.broadcast_to(L.reshape(xt, [b, 1, n]), [b, n, n]);
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const diag = L.broadcast_to(L.reshape(L.asBool(new TensorCtor(eye)), [1, n, n]), [b, n, n]);
  const others = L.prod(L.select(diag, L.onesLike(rows), rows), [2], false);
  const inv = new Array<number>(perm.length);
  perm.forEach((a, i) => (inv[a] = i));
  return L.transpose(L.reshape(others, xt.shape), inv);
}

const reduceRule = <P extends "sum" | "prod" | "max" | "min">(
  name: P,
  partials: ((x: Tensor, out: Tensor, p: ReduceParams) => Tensor) | null,
): Rule<P> => ({
  abstract: reduceAbstract(name),
  vjp: (ct, [x], out, p) => [partials ? L.mul(expandReduced(ct, x.shape, p), partials(x, out, p)) : expandReduced(ct, x.shape, p)],
  jvp: ([t], [x], out, p) => (t ? L.sum(partials ? L.mul(t, partials(x, out, p)) : t, p.axes, p.keepdims) : null),
});

const argRule = <P extends "argmax" | "argmin">(name: P): Rule<P> => ({
  abstract: ([x], p) => {
    if (p.axis < 0 || p.axis >= Math.max(x.shape.length, 1)) throw new ValueError(`For '${name}', the 'axis' ${p.axis} is out of range for a tensor of rank ${x.shape.length}.`);
    if (x.shape.length > 0 && x.shape[p.axis] === 0) throw new ValueError(`For '${name}', cannot reduce over an empty dimension.`);
    const shape = x.shape.length === 0 ? [] : p.keepdims ? L.keepDimsShape(x.shape, [p.axis]) : x.shape.filter((_, i) => i !== p.axis);
    return { shape, dtype: int64 };
  },
  vjp: "nondiff",
  jvp: "nondiff",
});

/** A linear primitive's tangent is the primitive applied to the tangents. */
function linearJvp<P extends PrimName>(apply: (ts: Tensor[], primals: readonly Tensor[], p: PrimParams[P]) => Tensor) {
  return (tangents: readonly (Tensor | null)[], primals: readonly Tensor[], _out: Tensor, p: PrimParams[P]): Tensor | null =>
    tangents.every((t) => t === null) ? null : apply(tangents.map((t, i) => zeroIfNull(t, primals[i])), primals, p);
}

/** Adjoint of a strided slice: place the cotangent back, zeros elsewhere. */
function unslice(ct: Tensor, inShape: Shape, p: PrimParams["slice"]): Tensor {
  let g = ct;
  const before: number[] = [];
  const after: number[] = [];
  for (let ax = 0; ax < inShape.length; ax++) {
    const m = p.shape[ax];
    let start = p.starts[ax];
    let step = p.steps[ax];
    if (m === 0) return L.zerosLike(L.broadcast_to(L.scalar(0, ct.dtype), inShape));
    if (step < 0) {
      // the same elements in ascending order: flip the cotangent along this axis
      const fs = g.shape.map(() => 1);
      fs[ax] = -1;
      g = L.slice(g, g.shape.map((d, i) => (i === ax ? d - 1 : 0)), fs, g.shape);
      start = start + (m - 1) * step;
      step = -step;
    }
    if (step > 1) {
      // dilate: interleave step-1 zeros between the m elements
      const s = g.shape;
      const expanded = L.reshape(g, [...s.slice(0, ax + 1), 1, ...s.slice(ax + 1)]);
      const padded = L.pad(expanded, expanded.shape.map(() => 0), expanded.shape.map((_, i) => (i === ax + 1 ? step - 1 : 0)));
      const merged = L.reshape(padded, [...s.slice(0, ax), m * step, ...s.slice(ax + 1)]);
      const keep = (m - 1) * step + 1;
      g = L.slice(merged, merged.shape.map(() => 0), merged.shape.map(() => 1), merged.shape.map((d, i) => (i === ax ? keep : d)));
    }
    before.push(start);
    after.push(inShape[ax] - start - ((m - 1) * step + 1));
  }
  return L.pad(g, before, after);
}

function checkIndexAval(name: string, x: Aval, index: Aval, axis: number): void {
  if (index.dtype.kind !== "int") throw new TypeError(`For '${name}', the 'index' must be an integer tensor, but got ${index.dtype.name}.`);
  if (index.shape.length !== x.shape.length) {
    throw new ValueError(`For '${name}', the 'index' must have the same rank as the input (${x.shape.length}), but got rank ${index.shape.length}.`);
  }
  if (axis < 0 || axis >= Math.max(x.shape.length, 1)) throw new ValueError(`For '${name}', the 'axis' ${axis} is out of range for rank ${x.shape.length}.`);
}

// ---------------------------------------------------------------- the table

const half = (x: Tensor) => L.scalar(0.5, x.dtype);

export const RULES: { [P in PrimName]: Rule<P> } = {
  // unary elementwise: derivative in terms of x and out = f(x)
  neg: {
    abstract: ([x]) => x,
    vjp: (ct) => [L.neg(ct)],
    jvp: linearJvp<"neg">(([t]) => L.neg(t)),
  },
  exp: unaryRule("float", (_x, out) => out),
  log: unaryRule("float", (x) => L.div(L.onesLike(x), x)),
  sin: unaryRule("float", (x) => L.cos(x)),
  cos: unaryRule("float", (x) => L.neg(L.sin(x))),
  tan: unaryRule("float", (_x, out) => L.addScalar(L.mul(out, out), 1)),
  tanh: unaryRule("float", (_x, out) => L.sub(L.onesLike(out), L.mul(out, out))),
  sqrt: unaryRule("float", (_x, out) => L.div(half(out), out)),
  abs: unaryRule("same", (x) => L.sign(x)),
  sign: unaryRule("same", null),
  floor: unaryRule("same", null),
  ceil: unaryRule("same", null),
  round: unaryRule("same", null),
  erf: unaryRule("float", (x) => L.mulScalar(L.exp(L.neg(L.mul(x, x))), 2 / Math.sqrt(Math.PI))),
  log1p: unaryRule("float", (x) => L.div(L.onesLike(x), L.addScalar(x, 1))),
  expm1: unaryRule("float", (_x, out) => L.addScalar(out, 1)),
  sigmoid: unaryRule("float", (_x, out) => L.mul(out, L.sub(L.onesLike(out), out))),
  reciprocal: unaryRule("float", (_x, out) => L.neg(L.mul(out, out))),
  atan: unaryRule("float", (x) => L.div(L.onesLike(x), L.addScalar(L.mul(x, x), 1))),
  asin: unaryRule("float", (x) => L.div(L.onesLike(x), L.sqrt(L.sub(L.onesLike(x), L.mul(x, x))))),
  acos: unaryRule("float", (x) => L.neg(L.div(L.onesLike(x), L.sqrt(L.sub(L.onesLike(x), L.mul(x, x)))))),
  sinh: unaryRule("float", (x) => L.cosh(x)),
  cosh: unaryRule("float", (x) => L.sinh(x)),
  logical_not: unaryRule("bool", null),
  isnan: unaryRule("bool", null),
  isinf: unaryRule("bool", null),

  // binary elementwise (inputs share a dtype; the ops layer promotes)
  add: {
    abstract: binaryAbstract("add", "same"),
    vjp: (ct, [a, b]) => [L.sumTo(ct, a.shape), L.sumTo(ct, b.shape)],
    jvp: ([ta, tb], _p, out) => L.broadcast_to(ta && tb ? L.add(ta, tb) : ((ta ?? tb) as Tensor), out.shape),
  },
  sub: {
    abstract: binaryAbstract("sub", "same"),
    vjp: (ct, [a, b], _o, _p, needs) => [L.sumTo(ct, a.shape), needs[1] ? L.sumTo(L.neg(ct), b.shape) : null],
    jvp: ([ta, tb], _p, out) => L.broadcast_to(ta && tb ? L.sub(ta, tb) : ta ? ta : L.neg(tb as Tensor), out.shape),
  },
  mul: binaryRule("mul", "same", (_a, b) => b, (a) => a),
  div: binaryRule(
    "div",
    "float",
    (_a, b) => L.div(L.onesLike(b), b),
    (_a, b, out) => L.neg(L.div(out, b)),
  ),
  pow: binaryRule(
    "pow",
    "same",
    // b * a^(b-1), defined as 0 where b == 0 (so 0^0 has a finite gradient)
    (a, b) => L.select(L.isZero(b), L.zerosLike(b), L.mul(b, L.pow(a, L.sub(b, L.onesLike(b))))),
    // a^b * log(a), defined as 0 where a == 0 (the b >= 0 branch of the limit)
    (a, _b, out) => L.select(L.isZero(a), L.zerosLike(a), L.mul(out, L.log(a))),
  ),
  maximum: binaryRule(
    "maximum",
    "same",
    // ties send the gradient to the first input, as MindSpore's MaximumGrad does
    (a, b) => L.cast(L.binary("greater_equal", a, b), a.dtype),
    (a, b) => L.cast(L.binary("less", a, b), b.dtype),
  ),
  minimum: binaryRule(
    "minimum",
    "same",
    (a, b) => L.cast(L.binary("less_equal", a, b), a.dtype),
    (a, b) => L.cast(L.binary("greater", a, b), b.dtype),
  ),
  atan2: binaryRule(
    "atan2",
    "float",
    (a, b) => L.div(b, L.add(L.mul(a, a), L.mul(b, b))),
    (a, b) => L.neg(L.div(a, L.add(L.mul(a, a), L.mul(b, b)))),
  ),
  floor_div: nondiffBinary("floor_div", "same"),
  mod: binaryRule(
    "mod",
    "same",
    (a) => L.onesLike(a),
    (a, b) => L.neg(L.floor_div(a, b)),
  ),
  equal: nondiffBinary("equal", "bool"),
  not_equal: nondiffBinary("not_equal", "bool"),
  less: nondiffBinary("less", "bool"),
  less_equal: nondiffBinary("less_equal", "bool"),
  greater: nondiffBinary("greater", "bool"),
  greater_equal: nondiffBinary("greater_equal", "bool"),
  logical_and: nondiffBinary("logical_and", "bool"),
  logical_or: nondiffBinary("logical_or", "bool"),
  logical_xor: nondiffBinary("logical_xor", "bool"),

  select: {
    abstract: ([c, x, y]) => {
      if (c.dtype !== bool_) throw new TypeError(`For 'select', the 'condition' must be a Bool tensor, but got ${c.dtype.name}.`);
      if (x.dtype !== y.dtype) throw new TypeError(`For 'select', 'x' and 'y' must have the same dtype, but got ${x.dtype.name} and ${y.dtype.name}.`);
      return { shape: broadcastShapes(broadcastShapes(c.shape, x.shape, "select"), y.shape, "select"), dtype: x.dtype };
    },
    vjp: (ct, [c, x, y], _o, _p, needs) => {
      const zero = L.zerosLike(ct);
      return [null, needs[1] ? L.sumTo(L.select(c, ct, zero), x.shape) : null, needs[2] ? L.sumTo(L.select(c, zero, ct), y.shape) : null];
    },
    jvp: ([, tx, ty], [c, x, y], out) =>
      tx || ty ? L.select(c, L.broadcast_to(zeroIfNull(tx, x), out.shape), L.broadcast_to(zeroIfNull(ty, y), out.shape)) : null,
  },
  cast: {
    abstract: ([x], p) => ({ shape: x.shape, dtype: p.dtype }),
    vjp: (ct, [x]) => [L.cast(ct, x.dtype)],
    jvp: ([t], _x, _out, p) => (t ? L.cast(t, p.dtype) : null),
  },
  stop_gradient: {
    abstract: ([x]) => x,
    view: ([v]) => v,
    vjp: "nondiff",
    jvp: "nondiff",
  },

  sum: reduceRule("sum", null),
  prod: reduceRule("prod", (x, _out, p) => prodPartials(x, p)),
  max: reduceRule("max", extremumWeights),
  min: reduceRule("min", extremumWeights),
  argmax: argRule("argmax"),
  argmin: argRule("argmin"),
  cumsum: {
    abstract: ([x], p) => {
      if (p.axis < 0 || p.axis >= Math.max(x.shape.length, 1)) throw new ValueError(`For 'cumsum', the 'axis' ${p.axis} is out of range for rank ${x.shape.length}.`);
      return x;
    },
    vjp: (ct, _x, _out, p) => [L.cumsum(ct, p.axis, !p.reverse)],
    jvp: linearJvp<"cumsum">(([t], _x, p) => L.cumsum(t, p.axis, p.reverse)),
  },

  pool_argmax: {
    abstract: ([x], p) => {
      if (x.shape.length !== 3) throw new ValueError(`For 'pool_argmax', the input must be 3-D (B, H, W), but got ${fmtShape(x.shape)}.`);
      [0, 1].forEach((i) => {
        const last = (p.out[i] - 1) * p.stride[i] + (p.kernel[i] - 1) * p.dilation[i];
        if (p.out[i] < 1 || p.kernel[i] < 1 || last >= x.shape[1 + i]) {
          throw new ValueError(`For 'pool_argmax', ${p.out[i]} windows of size ${p.kernel[i]} (stride ${p.stride[i]}, dilation ${p.dilation[i]}) do not fit in size ${x.shape[1 + i]}.`);
        }
      });
      return { shape: [x.shape[0], p.out[0] * p.out[1]], dtype: int64 };
    },
    vjp: "nondiff",
    jvp: "nondiff",
  },

  reshape: {
    abstract: ([x], p) => {
      if (sizeOf(p.shape) !== sizeOf(x.shape)) {
        throw new ValueError(`For 'reshape', the product of the 'shape' ${fmtShape(p.shape)} must equal the input size ${sizeOf(x.shape)} (input shape ${fmtShape(x.shape)}).`);
      }
      return { shape: p.shape, dtype: x.dtype };
    },
    view: ([v], p) => reshapeView(v, p.shape),
    vjp: (ct, [x]) => [L.reshape(ct, x.shape)],
    jvp: linearJvp<"reshape">(([t], _x, p) => L.reshape(t, p.shape)),
  },
  transpose: {
    abstract: ([x], p) => {
      const sorted = [...p.perm].sort((a, b) => a - b);
      if (p.perm.length !== x.shape.length || sorted.some((a, i) => a !== i)) {
        throw new ValueError(`For 'transpose', the 'input_perm' must be a permutation of [0, ${x.shape.length}), but got [${p.perm.join(", ")}].`);
      }
      return { shape: p.perm.map((a) => x.shape[a]), dtype: x.dtype };
    },
    view: ([v], p) => ({ ...v, shape: p.perm.map((a) => v.shape[a]), strides: p.perm.map((a) => v.strides[a]) }),
    vjp: (ct, _x, _out, p) => {
      const inv = new Array<number>(p.perm.length);
      p.perm.forEach((a, i) => (inv[a] = i));
      return [L.transpose(ct, inv)];
    },
    jvp: linearJvp<"transpose">(([t], _x, p) => L.transpose(t, p.perm)),
  },
  broadcast_to: {
    abstract: ([x], p) => {
      const ok = p.shape.length >= x.shape.length && x.shape.every((d, i) => d === 1 || d === p.shape[p.shape.length - x.shape.length + i]);
      if (!ok) throw new ValueError(`For 'broadcast_to', the input shape ${fmtShape(x.shape)} cannot be broadcast to ${fmtShape(p.shape)}.`);
      return { shape: p.shape, dtype: x.dtype };
    },
    view: ([v], p) => {
      const lead = p.shape.length - v.shape.length;
      const strides = p.shape.map((d, i) => (i < lead ? 0 : v.shape[i - lead] === 1 && d !== 1 ? 0 : v.strides[i - lead]));
      return { ...v, shape: p.shape, strides };
    },
    vjp: (ct, [x]) => [L.sumTo(ct, x.shape)],
    jvp: linearJvp<"broadcast_to">(([t], _x, p) => L.broadcast_to(t, p.shape)),
  },
  slice: {
    abstract: ([x], p) => {
      if (p.starts.length !== x.shape.length) throw new ValueError(`For 'slice', expected ${x.shape.length} starts, got ${p.starts.length}.`);
      p.shape.forEach((m, i) => {
        const last = p.starts[i] + (m - 1) * p.steps[i];
        if (m > 0 && (p.starts[i] < 0 || p.starts[i] >= x.shape[i] || last < 0 || last >= x.shape[i])) {
          throw new ValueError(`For 'slice', the slice on axis ${i} (start ${p.starts[i]}, step ${p.steps[i]}, length ${m}) is out of bounds for size ${x.shape[i]}.`);
        }
      });
      return { shape: p.shape, dtype: x.dtype };
    },
    view: ([v], p) => ({
      ...v,
      shape: p.shape,
      strides: v.strides.map((s, i) => s * p.steps[i]),
      offset: v.offset + p.starts.reduce((acc, st, i) => acc + (p.shape[i] > 0 ? st * v.strides[i] : 0), 0),
    }),
    vjp: (ct, [x], _out, p) => [unslice(ct, x.shape, p)],
    jvp: linearJvp<"slice">(([t], _x, p) => L.slice(t, p.starts, p.steps, p.shape)),
  },
  pad: {
    abstract: ([x], p) => {
      if (p.before.length !== x.shape.length || p.after.length !== x.shape.length || [...p.before, ...p.after].some((v) => v < 0)) {
        throw new ValueError(`For 'pad', expected ${x.shape.length} non-negative before/after amounts, got [${p.before}] and [${p.after}].`);
      }
      return { shape: x.shape.map((d, i) => d + p.before[i] + p.after[i]), dtype: x.dtype };
    },
    vjp: (ct, [x], _out, p) => [L.slice(ct, p.before, x.shape.map(() => 1), x.shape)],
    jvp: linearJvp<"pad">(([t], _x, p) => L.pad(t, p.before, p.after, 0)),
  },
  concat: {
    abstract: (xs, p) => {
      const first = xs[0];
      for (const [i, x] of xs.entries()) {
        if (x.dtype !== first.dtype) throw new TypeError(`For 'concat', all inputs must have the same dtype, but input ${i} is ${x.dtype.name} and input 0 is ${first.dtype.name}.`);
        if (x.shape.length !== first.shape.length || x.shape.some((d, j) => j !== p.axis && d !== first.shape[j])) {
          throw new ValueError(`For 'concat', all inputs must have the same shape except on axis ${p.axis}, but input ${i} has shape ${fmtShape(x.shape)} and input 0 has ${fmtShape(first.shape)}.`);
        }
      }
      const shape = [...first.shape];
      shape[p.axis] = xs.reduce((acc, x) => acc + x.shape[p.axis], 0);
      return { shape, dtype: first.dtype };
    },
    vjp: (ct, xs, _out, p) => {
      let at = 0;
      return xs.map((x) => {
        const starts = x.shape.map((_, i) => (i === p.axis ? at : 0));
        at += x.shape[p.axis];
        return L.slice(ct, starts, x.shape.map(() => 1), x.shape);
      });
    },
    jvp: linearJvp<"concat">((ts, _xs, p) => L.concat(ts, p.axis)),
  },
  take_along_axis: {
    abstract: ([x, index], p) => {
      checkIndexAval("gather_d", x, index, p.axis);
      return { shape: index.shape, dtype: x.dtype };
    },
    vjp: (ct, [x, index], _out, p) => [L.scatter_add_along_axis(ct, index, p.axis, x.shape), null],
    jvp: ([t], [, index], _out, p) => (t ? L.take_along_axis(t, index, p.axis) : null),
  },
  scatter_add_along_axis: {
    abstract: ([src, index], p) => {
      checkIndexAval("scatter_add", { shape: p.shape, dtype: src.dtype }, index, p.axis);
      return { shape: p.shape, dtype: src.dtype };
    },
    vjp: (ct, [, index], _out, p) => [L.take_along_axis(ct, index, p.axis), null],
    jvp: ([t], [, index], _out, p) => (t ? L.scatter_add_along_axis(t, index, p.axis, p.shape) : null),
  },
  scatter_along_axis: {
    abstract: ([x, index, src], p) => {
      checkIndexAval("scatter", x, index, p.axis);
      if (src.dtype !== x.dtype) throw new TypeError(`For 'scatter', 'src' must have the input's dtype ${x.dtype.name}, but got ${src.dtype.name}.`);
      return x;
    },
    vjp: (ct, [, index, src], _out, p, needs) => [
      needs[0] ? L.scatter_along_axis(ct, index, L.zerosLike(src), p.axis) : null,
      null,
      needs[2] ? L.take_along_axis(ct, index, p.axis) : null,
    ],
    jvp: ([tx, , ts], [x, index, src], _out, p) =>
      tx || ts ? L.scatter_along_axis(zeroIfNull(tx, x), index, zeroIfNull(ts, src), p.axis) : null,
  },
  matmul: {
    abstract: ([a, b]) => {
      if (a.dtype !== b.dtype) throw new TypeError(`For 'matmul', the two inputs must have the same dtype, but got ${a.dtype.name} and ${b.dtype.name}.`);
      if (a.shape.length < 2 || b.shape.length < 2) throw new ValueError(`For 'matmul', both inputs must be at least 2-D here, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}.`);
      const [m, k] = a.shape.slice(-2);
      const [k2, n] = b.shape.slice(-2);
      if (k !== k2) {
        throw new ValueError(`For 'matmul', the last dimension of 'input' (${k}) must equal the second-to-last dimension of 'other' (${k2}); got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}.`);
      }
      const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "matmul");
      return { shape: [...batch, m, n], dtype: a.dtype };
    },
    vjp: (ct, [a, b], _o, _p, needs) => [
      needs[0] ? L.sumTo(L.matmul(ct, L.mT(b)), a.shape) : null,
      needs[1] ? L.sumTo(L.matmul(L.mT(a), ct), b.shape) : null,
    ],
    jvp: ([ta, tb], [a, b]) => {
      const parts = [ta && L.matmul(ta, b), tb && L.matmul(a, tb)].filter((t): t is Tensor => t !== null);
      return parts.length === 0 ? null : parts.length === 1 ? parts[0] : L.add(parts[0], parts[1]);
    },
  },
  conv: {
    abstract: convAbstract,
    // both transposes are convolutions again (see convInputGrad / convKernelGrad below)
    vjp: (ct, [x, w], _out, p, needs) => [
      needs[0] ? convInputGrad(ct, w, x.shape, p) : null,
      needs[1] ? convKernelGrad(ct, x, w.shape, p) : null,
    ],
    // bilinear: d conv(x, w) = conv(dx, w) + conv(x, dw)
    jvp: ([tx, tw], [x, w], _out, p) => {
      const parts = [tx && L.conv(tx, w, p), tw && L.conv(x, tw, p)].filter((t): t is Tensor => t !== null);
      return parts.length === 0 ? null : parts.length === 1 ? parts[0] : L.add(parts[0], parts[1]);
    },
  },
  eigh: {
    abstract: ([a]) => {
      if (a.dtype.name !== "Float32" && a.dtype.name !== "Float64") {
        throw new TypeError(`For 'eigh', the input must be Float32 or Float64, but got ${a.dtype.name}.`);
      }
      const nd = a.shape.length;
      if (nd < 2 || a.shape[nd - 1] !== a.shape[nd - 2]) {
        throw new ValueError(`For 'eigh', the input must be a (batch of) square matrices of shape (*, N, N), but got ${fmtShape(a.shape)}.`);
      }
      return { shape: [...a.shape.slice(0, -2), a.shape[nd - 1] + 1, a.shape[nd - 1]], dtype: a.dtype };
    },
    // The kernel decomposes (A + Aᵀ)/2, so both rules see the symmetric part of the perturbation.
    vjp: (ct, _a, out) => [eighVjp(ct, out)],
    jvp: ([t], _a, out) => (t ? eighJvp(t, out) : null),
  },
};

/** A reshape is a view when each new axis maps onto a run of old axes that is contiguous. */
function reshapeView(v: View, shape: readonly number[]): View | null {
  // drop size-1 axes, then merge/split runs of the remaining ones
  const old = v.shape.map((d, i) => [d, v.strides[i]] as const).filter(([d]) => d !== 1);
  if (sizeOf(shape) === 0) return { ...v, shape, strides: contiguousStrides(shape) };
  const strides = new Array<number>(shape.length);
  let oi = 0;
  let ni = 0;
  while (ni < shape.length) {
    if (shape[ni] === 1) {
      strides[ni++] = 0;
      continue;
    }
    // gather old axes [oi, oj) and new axes [ni, nj) with equal products
    let po = old[oi][0];
    let pn = shape[ni];
    let oj = oi + 1;
    let nj = ni + 1;
    while (po !== pn) {
      if (po < pn) po *= old[oj++][0];
      else pn *= shape[nj++];
    }
    while (nj < shape.length && shape[nj] === 1) nj++;
    for (let k = oi; k < oj - 1; k++) if (old[k][1] !== old[k + 1][1] * old[k + 1][0]) return null;
    let stride = old[oj - 1][1];
    for (let k = nj - 1; k >= ni; k--) {
      strides[k] = stride;
      stride *= shape[k];
    }
    oi = oj;
    ni = nj;
  }
  return { ...v, shape, strides };
}

// ---------------------------------------------------------------- convolution geometry

/** Size of a length-n axis after dilating by d (d-1 zeros between neighbours). */
const dilated = (n: number, d: number) => (n === 0 ? 0 : (n - 1) * d + 1);

function convAbstract([x, w]: readonly Aval[], p: PrimParams["conv"]): Aval {
  if (x.dtype !== w.dtype) throw new TypeError(`For 'conv', the input and the weight must have the same dtype, but got ${x.dtype.name} and ${w.dtype.name}.`);
  if (x.shape.length !== 4 || w.shape.length !== 4) {
    throw new ValueError(`For 'conv', the input and the weight must be 4-D (NCHW, OIHW), but got shapes ${fmtShape(x.shape)} and ${fmtShape(w.shape)}.`);
  }
  const [n, c] = x.shape;
  const [o, cg] = w.shape;
  const g = p.groups;
  if (!(g >= 1) || cg * g !== c || o % g !== 0) {
    throw new ValueError(`For 'conv', the input channels (${c}) must equal weight.shape[1] (${cg}) * groups (${g}) and the output channels (${o}) must be divisible by groups.`);
  }
  const spatial = [0, 1].map((i) => {
    const span = dilated(x.shape[2 + i], p.lhs_dilation[i]) + p.padding[2 * i] + p.padding[2 * i + 1];
    const k = dilated(w.shape[2 + i], p.rhs_dilation[i]);
    if (span < k || k === 0) {
      throw new ValueError(`For 'conv', the padded input (size ${span} on spatial axis ${i}) must not be smaller than the dilated kernel (size ${k}); input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}.`);
    }
    return Math.floor((span - k) / p.stride[i]) + 1;
  });
  return { shape: [n, o, ...spatial], dtype: x.dtype };
}

/**
 * Cotangent of the input: the cotangent dilated by the stride, correlated
 * with the flipped kernel (input and output channels swapped within each
 * group), sampled at the input dilation.
 */
function convInputGrad(ct: Tensor, w: Tensor, xShape: Shape, p: PrimParams["conv"]): Tensor {
  const g = p.groups;
  const [o, cg, kh, kw] = w.shape;
  const og = o / g;
  let wt = L.reshape(L.transpose(L.reshape(w, [g, og, cg, kh, kw]), [0, 2, 1, 3, 4]), [g * cg, og, kh, kw]);
  wt = L.slice(wt, [0, 0, kh - 1, kw - 1], [1, 1, -1, -1], wt.shape);
  const padding: number[] = [];
  for (let i = 0; i < 2; i++) {
    const k = dilated(w.shape[2 + i], p.rhs_dilation[i]);
    const before = k - 1 - p.padding[2 * i];
    const span = dilated(xShape[2 + i], p.lhs_dilation[i]);
    const ctSpan = dilated(ct.shape[2 + i], p.stride[i]);
    padding.push(before, span - ctSpan + p.padding[2 * i]);
  }
  return L.conv(ct, wt, { stride: p.lhs_dilation, padding, lhs_dilation: p.stride, rhs_dilation: p.rhs_dilation, groups: g });
}

/**
 * Cotangent of the kernel: a convolution of the input (batch and channels
 * swapped, groups kept apart) with the cotangent as the kernel, dilated by the
 * forward stride and stepping by the forward kernel dilation.
 */
function convKernelGrad(ct: Tensor, x: Tensor, wShape: Shape, p: PrimParams["conv"]): Tensor {
  const g = p.groups;
  const [n, c, h, w] = x.shape;
  const cg = c / g;
  const [, o, oh, ow] = ct.shape;
  const og = o / g;
  const xt = L.reshape(L.transpose(L.reshape(x, [n, g, cg, h, w]), [2, 1, 0, 3, 4]), [cg, g * n, h, w]);
  const ctt = L.reshape(L.transpose(L.reshape(ct, [n, g, og, oh, ow]), [1, 2, 0, 3, 4]), [g * og, n, oh, ow]);
  const padding: number[] = [];
  for (let i = 0; i < 2; i++) {
    const span = dilated(x.shape[2 + i], p.lhs_dilation[i]);
    const ctSpan = dilated(ct.shape[2 + i], p.stride[i]);
    padding.push(p.padding[2 * i], (wShape[2 + i] - 1) * p.rhs_dilation[i] + ctSpan - span - p.padding[2 * i]);
  }
  const r = L.conv(xt, ctt, { stride: p.rhs_dilation, padding, lhs_dilation: p.lhs_dilation, rhs_dilation: p.stride, groups: g });
  return L.transpose(r, [1, 0, 2, 3]);
}

// ---------------------------------------------------------------- eigh

/** The identity of size n in `dtype`, broadcastable over batch axes. */
function eye(n: number, dtype: DType): Tensor {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) d[i * n + i] = 1;
  return L.cast(L.reshape(new TensorCtor(d), [n, n]), dtype);
}

/** (X + Xᵀ)/2 over the last two axes. */
const symPart = (x: Tensor) => L.mulScalar(L.add(x, L.mT(x)), 0.5);

/**
 * F_ij = 1/(w_j - w_i) off the diagonal (the eigenvector sensitivities).
 * Exactly equal eigenvalues (the diagonal, or a degenerate pair) get 0, not
 * inf: the eigenvector derivative is undefined there, and a zero keeps a
 * zero eigenvector cotangent (the usual case: only w is used) from turning
 * into 0 * inf = NaN.
 */
function eighF(w: Tensor): Tensor {
  const n = w.shape[w.shape.length - 1];
  const lead = w.shape.slice(0, -1);
  const d = L.sub(L.reshape(w, [...lead, 1, n]), L.reshape(w, [...lead, n, 1]));
  const same = L.isZero(d);
  return L.select(same, L.zerosLike(d), L.div(L.onesLike(d), L.select(same, L.onesLike(d), d)));
}

/**
 * A = V diag(w) Vᵀ. With M = Vᵀ sym(dA) V: dw = diag(M), dV = V (F ∘ M).
 * Written with lax ops only, so it is differentiable again (it reads w and V
 * from the primitive's own output, whose rules then apply recursively).
 */
function eighJvp(t: Tensor, out: Tensor): Tensor {
  const [w, V] = L.eighParts(out);
  const n = w.shape[w.shape.length - 1];
  const M = L.matmul(L.matmul(L.mT(V), symPart(t)), V);
  const dw = L.sum(L.mul(M, eye(n, M.dtype)), [M.shape.length - 2], true);
  const dV = L.matmul(V, L.mul(eighF(w), M));
  return L.concat([dw, dV], M.shape.length - 2);
}

/** The transpose of eighJvp: Ā = sym(V (diag(w̄) + F ∘ (Vᵀ V̄)) Vᵀ). */
function eighVjp(ct: Tensor, out: Tensor): Tensor {
  const [w, V] = L.eighParts(out);
  const [gw, gV] = L.eighParts(ct);
  const n = w.shape[w.shape.length - 1];
  const lead = w.shape.slice(0, -1);
  const inner = L.add(L.mul(L.reshape(gw, [...lead, 1, n]), eye(n, w.dtype)), L.mul(eighF(w), L.matmul(L.mT(V), gV)));
  return symPart(L.matmul(L.matmul(V, inner), L.mT(V)));
}
