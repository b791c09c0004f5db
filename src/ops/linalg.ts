/**
 * Products and contractions: bmm, dot, tensor_dot, outer, einsum. All of
 * them reduce to one batched `matmul` between transposed/reshaped operands,
 * so they inherit its gradients (to any order) and need no rules of their own.
 * Then svd, a composition over the `eigh` primitive (see the svd section).
 */
import { Tensor } from "../core/tensor.js";
import { float32, float64 } from "../core/dtype.js";
import { fmtShape, sizeOf } from "../core/shape.js";
import { TypeError, ValueError, typeName } from "../core/errors.js";
import * as L from "../primitives/lax.js";
import { checkTensor, optionalArgs, promoted } from "./args.js";

/**
 * MindSpore's arguments after the tensors: positional in order, or a
 * trailing options object with the same names (required ones included).
 */
function params<T extends Record<string, unknown>>(op: string, given: readonly unknown[], spec: T, required: readonly (keyof T)[] = []): T {
  const o = optionalArgs<T>(op, given, spec);
  for (const k of required) if (o[k] === undefined) throw new TypeError(`For '${op}', the required argument '${String(k)}' is missing.`);
  return o;
}

function sameDtype(op: string, a: Tensor, b: Tensor, names: [string, string]): void {
  if (a.dtype !== b.dtype) {
    throw new TypeError(`For '${op}', the '${names[0]}' and '${names[1]}' must have the same dtype, but got ${a.dtype.name} and ${b.dtype.name}.`);
  }
}

/**
 * Contract `a`'s axes `axesA` with `b`'s axes `axesB` (pairwise, sizes
 * already checked): result axes are a's free axes, then b's, in order.
 */
function contract(a: Tensor, b: Tensor, axesA: readonly number[], axesB: readonly number[]): Tensor {
  const freeA = a.shape.map((_, i) => i).filter((i) => !axesA.includes(i));
  const freeB = b.shape.map((_, i) => i).filter((i) => !axesB.includes(i));
  const k = sizeOf(axesA.map((i) => a.shape[i]));
  const outA = freeA.map((i) => a.shape[i]);
  const outB = freeB.map((i) => b.shape[i]);
  const a2 = L.reshape(L.transpose(a, [...freeA, ...axesA]), [sizeOf(outA), k]);
  const b2 = L.reshape(L.transpose(b, [...axesB, ...freeB]), [k, sizeOf(outB)]);
  return L.reshape(L.matmul(a2, b2), [...outA, ...outB]);
}

/** `ops.bmm(input_x, mat2)`: batched matrix product of rank >= 3 tensors; batch axes broadcast. */
export function bmm(input_x: Tensor, mat2: Tensor): Tensor {
  const a = checkTensor(input_x, "bmm", "input_x");
  const b = checkTensor(mat2, "bmm", "mat2");
  if (a.ndim < 3 || b.ndim < 3) {
    throw new ValueError(`For 'bmm', 'input_x' and 'mat2' must have rank >= 3, but got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}.`);
  }
  sameDtype("bmm", a, b, ["input_x", "mat2"]);
  return L.matmul(a, b);
}

/**
 * `ops.dot(input, other)`: NumPy's dot for rank >= 2, the last axis of
 * `input` against the second-to-last of `other`; the result has shape
 * input.shape[:-1] + other.shape[:-2] + other.shape[-1:].
 */
export function dot(input: Tensor, other: Tensor): Tensor {
  const a = checkTensor(input, "dot", "input");
  const b = checkTensor(other, "dot", "other");
  sameDtype("dot", a, b, ["input", "other"]);
  if (a.dtype.kind !== "float") throw new TypeError(`For 'dot', the inputs must be float tensors, but got ${a.dtype.name}.`);
  if (a.ndim < 2 || b.ndim < 2) {
    throw new ValueError(`For 'dot', 'input' and 'other' must have rank >= 2, but got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}.`);
  }
  const ka = a.ndim - 1;
  const kb = b.ndim - 2;
  if (a.shape[ka] !== b.shape[kb]) {
    throw new ValueError(`For 'dot', the last dimension of 'input' (${a.shape[ka]}) must equal the second-to-last dimension of 'other' (${b.shape[kb]}); got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}.`);
  }
  return contract(a, b, [ka], [kb]);
}

function axisList(v: unknown, rank: number, op: string, arg: string): number[] {
  const list = typeof v === "number" ? [v] : v;
  if (!Array.isArray(list) || !list.every((d) => typeof d === "number" && Number.isInteger(d))) {
    throw new TypeError(`For '${op}', each entry of '${arg}' must be an int or a list of ints, but got ${typeName(v)}.`);
  }
  const out = list.map((d: number) => {
    if (d < -rank || d >= rank) throw new ValueError(`For '${op}', the axis ${d} in '${arg}' is out of range [${-rank}, ${rank}).`);
    return d < 0 ? d + rank : d;
  });
  if (new Set(out).size !== out.length) throw new ValueError(`For '${op}', the '${arg}' has duplicate axes: [${list.join(", ")}].`);
  return out;
}

/**
 * `ops.tensor_dot(x1, x2, axes)`: `axes` is an int N (the last N axes of x1
 * against the first N of x2), a pair of ints, or a pair of axis lists.
 */
export function tensor_dot(x1: Tensor, x2: Tensor, ...rest: unknown[]): Tensor {
  const { axes } = params("tensor_dot", rest, { axes: undefined as unknown as number | readonly (number | readonly number[])[] }, ["axes"]);
  const a = checkTensor(x1, "tensor_dot", "x1");
  const b = checkTensor(x2, "tensor_dot", "x2");
  sameDtype("tensor_dot", a, b, ["x1", "x2"]);
  let axesA: number[];
  let axesB: number[];
  if (typeof axes === "number") {
    if (!Number.isInteger(axes) || axes < 0 || axes > a.ndim || axes > b.ndim) {
      throw new ValueError(`For 'tensor_dot', an int 'axes' must be in [0, ${Math.min(a.ndim, b.ndim)}], but got ${axes}.`);
    }
    axesA = Array.from({ length: axes }, (_, i) => a.ndim - axes + i);
    axesB = Array.from({ length: axes }, (_, i) => i);
  } else if (Array.isArray(axes) && axes.length === 2) {
    axesA = axisList(axes[0], a.ndim, "tensor_dot", "axes");
    axesB = axisList(axes[1], b.ndim, "tensor_dot", "axes");
  } else {
    throw new TypeError(`For 'tensor_dot', the 'axes' must be an int or a pair of ints / int lists, but got ${typeName(axes)}${Array.isArray(axes) ? ` of length ${axes.length}` : ""}.`);
  }
  if (axesA.length !== axesB.length) {
    throw new ValueError(`For 'tensor_dot', both parts of 'axes' must have the same length, but got [${axesA.join(", ")}] and [${axesB.join(", ")}].`);
  }
  axesA.forEach((ax, i) => {
    if (a.shape[ax] !== b.shape[axesB[i]]) {
      throw new ValueError(`For 'tensor_dot', the size of axis ${ax} of 'x1' (${a.shape[ax]}) must equal the size of axis ${axesB[i]} of 'x2' (${b.shape[axesB[i]]}); got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}.`);
    }
  });
  return contract(a, b, axesA, axesB);
}

/** `ops.outer(input, vec2)`: the outer product of two 1-D tensors (operands promoted). */
export function outer(input: Tensor, vec2: Tensor): Tensor {
  const a0 = checkTensor(input, "outer", "input");
  const b0 = checkTensor(vec2, "outer", "vec2");
  if (a0.ndim !== 1 || b0.ndim !== 1) {
    throw new ValueError(`For 'outer', 'input' and 'vec2' must be 1-D, but got shapes ${fmtShape(a0.shape)} and ${fmtShape(b0.shape)}.`);
  }
  const [a, b] = promoted("outer", a0, b0, ["input", "vec2"]);
  return L.mul(L.reshape(a, [a.shape[0], 1]), L.reshape(b, [1, b.shape[0]]));
}

// ---------------------------------------------------------------- einsum

/** An operand during einsum: the tensor and one label per axis (letters by char code; ellipsis axes negative). */
interface Term {
  t: Tensor;
  labels: number[];
}

const isLetter = (c: string) => /^[A-Za-z]$/.test(c);

/** Parse one subscript string into labels; "..." stands for `ellipsisRank` axes labelled -E..-1. */
function parseSubscript(s: string, ellipsisRank: number | null, where: string): { labels: number[]; hasEllipsis: boolean } {
  const labels: number[] = [];
  let hasEllipsis = false;
  for (let i = 0; i < s.length; ) {
    if (s.startsWith("...", i)) {
      if (hasEllipsis) throw new ValueError(`For 'einsum', ${where} may contain at most one ellipsis, but got '${s}'.`);
      hasEllipsis = true;
      if (ellipsisRank !== null) for (let k = ellipsisRank; k >= 1; k--) labels.push(-k);
      i += 3;
    } else if (isLetter(s[i])) {
      labels.push(s.charCodeAt(i));
      i++;
    } else if (s[i] === " ") {
      i++;
    } else {
      throw new ValueError(`For 'einsum', the subscripts may contain only letters and '...', but ${where} '${s}' has '${s[i]}'.`);
    }
  }
  return { labels, hasEllipsis };
}

const labelName = (l: number) => (l < 0 ? `...[${l}]` : String.fromCharCode(l));

/** Take the diagonal over two axes with the same label: a strided slice of the flattened pair. */
function diagonal(term: Term, i: number, j: number): Term {
  const { t, labels } = term;
  const n = t.shape[i];
  const others = labels.map((_, k) => k).filter((k) => k !== i && k !== j);
  const moved = L.transpose(t, [...others, i, j]);
  const lead = others.map((k) => t.shape[k]);
  const flat = L.reshape(moved, [...lead, n * n]);
  const diag = L.slice(flat, [...lead.map(() => 0), 0], [...lead.map(() => 1), n + 1], [...lead, n]);
  return { t: diag, labels: [...others.map((k) => labels[k]), labels[i]] };
}

function sumOut(term: Term, drop: (l: number) => boolean): Term {
  const axes = term.labels.map((l, i) => (drop(l) ? i : -1)).filter((i) => i >= 0);
  if (axes.length === 0) return term;
  return { t: L.sum(term.t, axes, false), labels: term.labels.filter((l) => !drop(l)) };
}

/** Contract two terms, keeping the labels in `keep`; shared labels not kept are summed by the matmul. */
function combine(a: Term, b: Term, keep: Set<number>, size: Map<number, number>): Term {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const A = sumOut(a, (l) => !inB.has(l) && !keep.has(l));
  const B = sumOut(b, (l) => !inA.has(l) && !keep.has(l));
  const batch = A.labels.filter((l) => inB.has(l) && keep.has(l));
  const contracted = A.labels.filter((l) => inB.has(l) && !keep.has(l));
  const freeA = A.labels.filter((l) => !inB.has(l));
  const freeB = B.labels.filter((l) => !inA.has(l));
  const pos = (t: Term, ls: number[]) => ls.map((l) => t.labels.indexOf(l));
  const sz = (ls: number[]) => sizeOf(ls.map((l) => size.get(l) as number));
  const a3 = L.reshape(L.transpose(A.t, pos(A, [...batch, ...freeA, ...contracted])), [sz(batch), sz(freeA), sz(contracted)]);
  const b3 = L.reshape(L.transpose(B.t, pos(B, [...batch, ...contracted, ...freeB])), [sz(batch), sz(contracted), sz(freeB)]);
  const labels = [...batch, ...freeA, ...freeB];
  return { t: L.reshape(L.matmul(a3, b3), labels.map((l) => size.get(l) as number)), labels };
}

/**
 * `ops.einsum(equation, *operands)`: Einstein summation with explicit
 * (`ij,jk->ik`) or implicit (`ij,jk`) output, repeated labels (diagonals,
 * `ii->` is the trace), sums over dropped labels, and `...` for broadcast
 * batch axes. Size-1 axes broadcast against a label's other sizes.
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  if (typeof equation !== "string") throw new TypeError(`For 'einsum', the 'equation' must be str, but got ${typeName(equation)}.`);
  operands.forEach((t, i) => checkTensor(t, "einsum", `operands[${i}]`));
  if (operands.length === 0) throw new ValueError("For 'einsum', at least one operand is required.");
  operands.forEach((t, i) => {
    if (t.dtype !== operands[0].dtype) {
      throw new TypeError(`For 'einsum', all operands must have the same dtype, but operand ${i} is ${t.dtype.name} and operand 0 is ${operands[0].dtype.name}.`);
    }
  });
  const arrow = equation.indexOf("->");
  const lhs = arrow >= 0 ? equation.slice(0, arrow) : equation;
  const rhs = arrow >= 0 ? equation.slice(arrow + 2) : null;
  const subs = lhs.split(",");
  if (subs.length !== operands.length) {
    throw new ValueError(`For 'einsum', the equation '${equation}' has ${subs.length} operand subscripts, but ${operands.length} operands were given.`);
  }

  // labels of every operand, with the ellipsis expanded to the axes it covers
  const size = new Map<number, number>();
  let maxEllipsis = 0;
  let terms: Term[] = subs.map((s, k) => {
    const t = operands[k];
    const letters = parseSubscript(s, 0, `operand ${k}'s subscript`);
    const e = t.ndim - letters.labels.length;
    if (letters.hasEllipsis ? e < 0 : e !== 0) {
      throw new ValueError(`For 'einsum', operand ${k} has rank ${t.ndim}, but its subscript '${s.trim()}' names ${letters.labels.length} axes${letters.hasEllipsis ? " plus an ellipsis" : ""}.`);
    }
    maxEllipsis = Math.max(maxEllipsis, e);
    return { t, labels: parseSubscript(s, e, `operand ${k}'s subscript`).labels };
  });
  for (const [k, term] of terms.entries()) {
    term.labels.forEach((l, i) => {
      const d = term.t.shape[i];
      const seen = size.get(l);
      if (seen === undefined || seen === 1) size.set(l, d);
      else if (d !== seen && d !== 1) {
        throw new ValueError(`For 'einsum', the label '${labelName(l)}' has size ${seen} in one place and ${d} in operand ${k} (shape ${fmtShape(term.t.shape)}).`);
      }
    });
  }

  let out: number[];
  if (rhs === null) {
    const counts = new Map<number, number>();
    for (const term of terms) for (const l of term.labels) if (l > 0) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts.entries()].filter(([, c]) => c === 1).map(([l]) => l).sort((x, y) => x - y);
    out = [...Array.from({ length: maxEllipsis }, (_, i) => i - maxEllipsis), ...once];
  } else {
    out = parseSubscript(rhs, maxEllipsis, "the output").labels;
    out.forEach((l, i) => {
      if (!size.has(l)) throw new ValueError(`For 'einsum', the output label '${labelName(l)}' does not appear in any operand of '${equation}'.`);
      if (out.indexOf(l) !== i) throw new ValueError(`For 'einsum', the output label '${labelName(l)}' appears more than once in '${equation}'.`);
    });
  }

  // per operand: broadcast size-1 axes, take diagonals of repeated labels, sum labels used nowhere else
  terms = terms.map((term, k) => {
    let cur: Term = { t: L.broadcast_to(term.t, term.labels.map((l) => size.get(l) as number)), labels: term.labels };
    for (let i = 0; i < cur.labels.length; i++) {
      const j = cur.labels.indexOf(cur.labels[i], i + 1);
      if (j >= 0) {
        cur = diagonal(cur, i, j);
        i = -1;
      }
    }
    const elsewhere = new Set([...out, ...terms.filter((_, m) => m !== k).flatMap((t) => t.labels)]);
    return sumOut(cur, (l) => !elsewhere.has(l));
  });

  let acc = terms[0];
  for (let k = 1; k < terms.length; k++) {
    const keep = new Set([...out, ...terms.slice(k + 1).flatMap((t) => t.labels)]);
    acc = combine(acc, terms[k], keep, size);
  }
  acc = sumOut(acc, (l) => !out.includes(l));
  return L.transpose(acc.t, out.map((l) => acc.labels.indexOf(l)));
}

// ---------------------------------------------------------------- svd

/** Reverse the last axis (eigh's ascending order -> the descending order of singular values). */
function flipLast(x: Tensor): Tensor {
  const s = x.shape;
  const last = s.length - 1;
  if (s[last] <= 1) return x;
  return L.slice(x, s.map((_, i) => (i === last ? s[last] - 1 : 0)), s.map((_, i) => (i === last ? -1 : 1)), s);
}

/**
 * Singular values from the eigenvalues w of a Gram matrix whose entries are
 * dot products of length p. Rounding in the product moves every w by up to
 * about p·eps·max(w), so w at or below that floor (slightly negative ones
 * included) are indistinguishable from 0 and give s = 0 exactly, with a zero
 * gradient (not sqrt's inf); otherwise s = sqrt(w).
 */
function singularFromGram(w: Tensor, p: number): Tensor {
  const last = w.ndim - 1;
  if (w.shape[last] === 0) return w;
  const floor = L.mulScalar(L.stop_gradient(L.max(w, [last], true)), p * 2 ** -52);
  const pos = L.greater(w, L.broadcast_to(floor, w.shape));
  return L.select(pos, L.sqrt(L.select(pos, w, L.onesLike(w))), L.zerosLike(w));
}

/**
 * `ops.svd(input, full_matrices=False, compute_uv=True)`: A = U diag(S) Vᵀ
 * for the matrices in the last two axes; returns `[s, u, v]` (MindSpore's
 * order, v not transposed), or `s` alone when compute_uv is false. Singular
 * values are descending.
 *
 * Built on the `eigh` primitive, so it is differentiable to any order with
 * no rule of its own: with B = A (m >= n) or Aᵀ (m < n), the eigenvectors of
 * the small Gram matrix BᵀB are the right singular vectors of B, s = sqrt of
 * its eigenvalues, and B's left vectors are B v / s. Everything runs in
 * float64 and is rounded to the input dtype at the end: the Gram matrix
 * squares the condition number, so a singular value s_i carries a relative
 * error of about 1e-16·(s_max/s_i)²; that is below float32 rounding up to
 * s_max/s_i ~ 1e4, and small for well-conditioned float64 input; values under
 * the Gram matrix's noise floor (s_i < ~sqrt(p·eps)·s_max) come out as 0. Signs: each
 * right (m >= n) or left (m < n) vector has its largest component positive;
 * the other side follows. For rank-deficient input the left (right) vectors
 * of zero singular values are zero columns rather than an orthonormal
 * completion. With full_matrices the extra columns are the null-space
 * eigenvectors of B Bᵀ.
 */
export function svd(input: Tensor, full_matrices?: boolean, compute_uv?: true): [Tensor, Tensor, Tensor];
export function svd(input: Tensor, full_matrices: boolean, compute_uv: false): Tensor;
export function svd(input: Tensor, options: { full_matrices?: boolean; compute_uv?: true }): [Tensor, Tensor, Tensor];
export function svd(input: Tensor, options: { full_matrices?: boolean; compute_uv: false }): Tensor;
export function svd(input: Tensor, ...rest: unknown[]): Tensor | [Tensor, Tensor, Tensor];
export function svd(input: Tensor, ...rest: unknown[]): Tensor | [Tensor, Tensor, Tensor] {
  const o = params("svd", rest, { full_matrices: false as boolean, compute_uv: true as boolean });
  for (const k of ["full_matrices", "compute_uv"] as const) {
    if (typeof o[k] !== "boolean") throw new TypeError(`For 'Svd', the '${k}' must be bool, but got ${typeName(o[k])}.`);
  }
  const x = checkTensor(input, "svd", "input");
  if (x.dtype !== float32 && x.dtype !== float64) {
    throw new TypeError(`For 'Svd', the dtype of 'input' must be Float32 or Float64, but got ${x.dtype.name}.`);
  }
  if (x.ndim < 2) throw new ValueError(`For 'Svd', the rank of 'input' must be >= 2, but got ${x.ndim} (shape ${fmtShape(x.shape)}).`);
  const nd = x.ndim;
  const [m, n] = x.shape.slice(-2);
  const lead = x.shape.slice(0, -2);
  const tall = m >= n;
  const a = L.cast(x, float64);
  const b = tall ? a : L.mT(a); // p×k with p >= k
  const [p, k] = [Math.max(m, n), Math.min(m, n)];
  const [w, V] = L.eighParts(L.eigh(L.matmul(L.mT(b), b)));
  const s = flipLast(singularFromGram(w, p));
  if (!o.compute_uv) return L.cast(s, x.dtype);
  const vb = flipLast(V);
  // B's left vectors B v / s (a zero column where s == 0): dividing by the same s that is returned keeps A = U S Vᵀ
  const sr = L.reshape(s, [...lead, 1, k]);
  const zero = L.isZero(sr);
  const bv = L.matmul(b, vb);
  let ub = L.select(zero, L.zerosLike(bv), L.div(bv, L.select(zero, L.onesLike(sr), sr)));
  if (o.full_matrices && p > k) {
    // the p - k smallest eigenvalues of B Bᵀ (zero) have B's left null space as eigenvectors
    const [, W] = L.eighParts(L.eigh(L.matmul(b, L.mT(b))));
    ub = L.concat([ub, L.slice(W, W.shape.map(() => 0), W.shape.map(() => 1), [...lead, p, p - k])], nd - 1);
  }
  const [u, v] = tall ? [ub, vb] : [vb, ub];
  return [L.cast(s, x.dtype), L.cast(u, x.dtype), L.cast(v, x.dtype)];
}
