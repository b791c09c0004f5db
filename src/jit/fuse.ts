/**
 * Elementwise fusion over a staged graph. Chains of float elementwise
 * primitives of one shape (exp, mul, tanh, sub, ... forward and backward
 * alike) become one kernel that streams its inputs once and writes only the
 * values used outside the chain, instead of one pass over memory per
 * primitive. Backends that have no fused kernel run the members one by one.
 *
 * Clusters grow along producer -> consumer edges (union-find), and a merge is
 * refused when some path leaves the pair and comes back (it would need a
 * value the fused kernel has not produced yet). The plan then orders the
 * clusters topologically, keeping the traced order where it is free to.
 */
import type { DType } from "../core/dtype.js";
import { float32, float64 } from "../core/dtype.js";
import { contiguousStrides, sizeOf } from "../core/shape.js";
import type { View } from "../backend/backend.js";
import type { BinaryPrim, UnaryPrim } from "../primitives/params.js";
import type { Eqn, Graph } from "./stage.js";

/** Float -> float elementwise primitives a fused kernel computes. */
export const FUSABLE_UNARY: ReadonlySet<string> = new Set<UnaryPrim>([
  "neg", "exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "abs", "sign", "floor", "ceil", "round",
  "erf", "log1p", "expm1", "sigmoid", "reciprocal", "atan", "asin", "acos", "sinh", "cosh",
]);
export const FUSABLE_BINARY: ReadonlySet<string> = new Set<BinaryPrim>(["add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2"]);

/** One instruction: `dst = prim(a[, b])` over registers (inputs, then outputs, then temporaries). */
export interface FusedInstr {
  readonly prim: UnaryPrim | BinaryPrim;
  readonly dst: number;
  readonly a: number;
  readonly b: number; // -1 for unary
}

/**
 * A fused elementwise kernel over `size` elements of one float dtype. Inputs
 * are either the full shape or a single broadcast element.
 */
export interface FusedProgram {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly nInputs: number;
  readonly nOutputs: number;
  /** temporaries, reused once dead: a kernel needs this many chunk buffers */
  readonly nTemps: number;
  readonly code: readonly FusedInstr[];
}

/**
 * How a fused kernel reads one input view: "scalar" (a single element,
 * broadcast), "full" (the program's shape, contiguous), or null (any other
 * layout: the members then run one by one). The same rule for every backend.
 */
export function fusedInputKind(program: FusedProgram, v: View): "scalar" | "full" | null {
  if (v.storage.dtype !== program.dtype) return null;
  if (v.strides.every((s, i) => s === 0 || v.shape[i] === 1)) return "scalar";
  const full = contiguousStrides(program.shape);
  return v.shape.length === full.length && v.strides.every((s, i) => s === full[i] || v.shape[i] === 1) ? "full" : null;
}

export type Step =
  | { readonly kind: "eqn"; readonly eqn: Eqn }
  | { readonly kind: "fused"; readonly eqns: readonly Eqn[]; readonly ins: readonly number[]; readonly outs: readonly number[]; readonly program: FusedProgram };

function fusable(g: Graph, e: Eqn): boolean {
  const out = g.vars[e.out];
  if (out.dtype !== float32 && out.dtype !== float64) return false;
  if (!FUSABLE_UNARY.has(e.prim) && !FUSABLE_BINARY.has(e.prim)) return false;
  // every input of the output's dtype, and either of the output's shape or a single (broadcast) element
  return e.ins.every((v) => g.vars[v].dtype === out.dtype && (sizeOf(g.vars[v].shape) === 1 || sameShape(g.vars[v].shape, out.shape)));
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Cut the graph into steps: single equations and fused clusters. */
export function plan(g: Graph, fuse: boolean): Step[] {
  if (!fuse) return g.eqns.map((eqn) => ({ kind: "eqn", eqn }));
  const n = g.eqns.length;
  const made = new Map(g.eqns.map((e, i) => [e.out, i]));
  const producer = (v: number) => made.get(v) ?? -1;
  const succ: number[][] = Array.from({ length: n }, () => []);
  g.eqns.forEach((e, i) => {
    for (const v of e.ins) {
      const p = producer(v);
      if (p >= 0 && !succ[p].includes(i)) succ[p].push(i);
    }
  });
  const ok = g.eqns.map((e) => fusable(g, e));
  // union-find over equations; members[root] lists a cluster's equations
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);

  /** True when a path from cluster `a` leaves a+b and reaches b. */
  const detour = (a: number, b: number): boolean => {
    const seen = new Set<number>([a, b]);
    const queue: number[] = [];
    const push = (i: number) => {
      const c = find(i);
      if (!seen.has(c)) {
        seen.add(c);
        queue.push(c);
      }
    };
    for (const m of members[a]) for (const s of succ[m]) if (find(s) !== a && find(s) !== b) push(s);
    while (queue.length) {
      const c = queue.pop()!;
      for (const m of members[c]) {
        for (const s of succ[m]) {
          if (find(s) === b) return true;
          push(s);
        }
      }
    }
    return false;
  };

  const alike = (i: number, j: number) => {
    const u = g.vars[g.eqns[i].out];
    const v = g.vars[g.eqns[j].out];
    return u.dtype === v.dtype && sameShape(u.shape, v.shape);
  };
  const merge = (i: number, j: number) => {
    const a = find(i);
    const b = find(j);
    if (a === b || detour(a, b) || detour(b, a)) return;
    parent[b] = a;
    members[a] = members[a].concat(members[b]).sort((x, y) => x - y);
    members[b] = [];
  };
  // producer -> consumer: the value between them never goes to memory
  for (let i = 0; i < n; i++) {
    if (!ok[i]) continue;
    for (const v of g.eqns[i].ins) {
      const p = producer(v);
      if (p >= 0 && ok[p] && alike(p, i)) merge(p, i);
    }
  }
  // siblings reading the same full-size value: it is read once
  const readers = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (!ok[i]) continue;
    for (const v of new Set(g.eqns[i].ins)) {
      if (sizeOf(g.vars[v].shape) === 1) continue;
      const list = readers.get(v) ?? [];
      list.push(i);
      readers.set(v, list);
    }
  }
  for (const list of readers.values()) for (const j of list.slice(1)) if (alike(list[0], j)) merge(list[0], j);

  // topological order of clusters, earliest traced first among the ready ones
  const roots = [...new Set(Array.from({ length: n }, (_, i) => find(i)))];
  const indeg = new Map<number, number>(roots.map((r) => [r, 0]));
  const cSucc = new Map<number, Set<number>>(roots.map((r) => [r, new Set()]));
  for (let i = 0; i < n; i++) {
    for (const s of succ[i]) {
      const a = find(i);
      const b = find(s);
      if (a !== b && !cSucc.get(a)!.has(b)) {
        cSucc.get(a)!.add(b);
        indeg.set(b, indeg.get(b)! + 1);
      }
    }
  }
  const first = (r: number) => members[r][0];
  const ready = roots.filter((r) => indeg.get(r) === 0);
  const steps: Step[] = [];
  while (ready.length) {
    ready.sort((x, y) => first(y) - first(x));
    const r = ready.pop()!;
    const eqns = members[r].map((i) => g.eqns[i]);
    steps.push(eqns.length > 1 ? { kind: "fused", ...compile(g, eqns) } : { kind: "eqn", eqn: eqns[0] });
    for (const s of cSucc.get(r)!) {
      indeg.set(s, indeg.get(s)! - 1);
      if (indeg.get(s) === 0) ready.push(s);
    }
  }
  return steps;
}

/** Inputs, outputs and register code of one cluster. */
function compile(g: Graph, eqns: readonly Eqn[]): { eqns: readonly Eqn[]; ins: number[]; outs: number[]; program: FusedProgram } {
  const made = new Set(eqns.map((e) => e.out));
  const ins: number[] = [];
  for (const e of eqns) for (const v of e.ins) if (!made.has(v) && !ins.includes(v)) ins.push(v);
  // a value leaves the cluster if something else reads it, or the graph returns or assigns it
  const usedOutside = new Set<number>([...g.outputs, ...g.effects.map(([, v]) => v)]);
  for (const e of g.eqns) if (!eqns.includes(e)) for (const v of e.ins) usedOutside.add(v);
  const outs = eqns.map((e) => e.out).filter((v) => usedOutside.has(v));
  // registers: inputs, outputs, then temporaries given back after their last use
  const reg = new Map<number, number>();
  ins.forEach((v, i) => reg.set(v, i));
  outs.forEach((v, i) => reg.set(v, ins.length + i));
  const lastUse = new Map<number, number>();
  eqns.forEach((e, k) => e.ins.forEach((v) => lastUse.set(v, k)));
  const base = ins.length + outs.length;
  const free: number[] = [];
  let nTemps = 0;
  const code: FusedInstr[] = [];
  eqns.forEach((e, k) => {
    const a = reg.get(e.ins[0])!;
    const b = e.ins.length > 1 ? reg.get(e.ins[1])! : -1;
    // operands dying here give their buffers back first: dst may overwrite an operand (elementwise, in place is safe)
    for (const v of new Set(e.ins)) {
      const r = reg.get(v)!;
      if (lastUse.get(v) === k && r >= base) free.push(r);
    }
    let dst = reg.get(e.out);
    if (dst === undefined) {
      dst = free.length ? free.pop()! : base + nTemps++;
      reg.set(e.out, dst);
    }
    code.push({ prim: e.prim as UnaryPrim | BinaryPrim, dst, a, b });
  });
  const out0 = g.vars[eqns[0].out];
  return {
    eqns,
    ins,
    outs,
    program: { dtype: out0.dtype, shape: out0.shape, nInputs: ins.length, nOutputs: outs.length, nTemps, code },
  };
}
