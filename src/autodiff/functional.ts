/**
 * jvp, vjp, jacfwd and jacrev with MindSpore's signatures (grad_func.py):
 * jvp by the forward trace, vjp and jacrev by a reverse trace whose tape stays
 * alive for as many pulls as the caller makes.
 */
import { Tensor } from "../core/tensor.js";
import { TypeError, ValueError, typeName } from "../core/errors.js";
import { sizeOf } from "../core/shape.js";
import * as L from "../primitives/lax.js";
import { popTrace, pushTrace } from "./trace.js";
import { ForwardTrace } from "./forward.js";
import { ReverseTrace, ReverseTracer, fitCotangent, type TapeNode } from "./reverse.js";
import type { Fn } from "./grad.js";

const asList = (v: unknown): unknown[] | null => (v instanceof Tensor ? [v] : Array.isArray(v) ? v : null);

function checkHasAux(v: unknown): boolean {
  if (typeof v !== "boolean") throw new TypeError(`For 'jvp', the 'has_aux' should be bool, but got ${typeName(v)}`);
  return v;
}

/** Split an output into the part that is differentiated and the aux part (unwrapped when single). */
function splitAux(out: unknown, has_aux: boolean): { main: unknown; aux: unknown } {
  if (!has_aux) return { main: out, aux: undefined };
  if (!Array.isArray(out) || out.length < 2) throw new ValueError("When 'has_aux' is True, origin 'fn' requires more than one outputs.");
  return { main: out[0], aux: out.length === 2 ? out[1] : out.slice(1) };
}

function mapOut(out: unknown, f: (t: Tensor) => Tensor): any {
  if (out instanceof Tensor) return f(out);
  if (Array.isArray(out)) return out.map((o) => mapOut(o, f));
  return out;
}

/** `jvp(fn, inputs, v, has_aux=false)` → `[fn(inputs), J·v]` (or `[out0, J·v, aux]`). */
export function jvp(fn: Fn, inputs: Tensor | readonly Tensor[], v: Tensor | readonly Tensor[], has_aux: boolean | { has_aux?: boolean } = false): any[] {
  const aux = checkHasAux(typeof has_aux === "object" ? (has_aux.has_aux ?? false) : has_aux);
  const xs = asList(inputs);
  const vs = asList(v);
  if (!xs || !vs || !xs.every((x) => x instanceof Tensor) || !vs.every((x) => x instanceof Tensor)) {
    throw new TypeError("The inputs type must be a Tensor, tuple or list of Tensors.");
  }
  if (xs.length !== vs.length) throw new ValueError(`For 'jvp', 'v' must match 'inputs' in length, but got ${vs.length} and ${xs.length}.`);
  const trace = pushTrace((level) => new ForwardTrace(level));
  try {
    const args = (xs as Tensor[]).map((x, i) => trace.wrap(x, fitCotangent(vs[i] as Tensor, x, "jvp")));
    const { main, aux: auxOut } = splitAux(fn(...args), aux);
    const primal = mapOut(main, (t) => trace.unwrap(t)[0]);
    const tangent = mapOut(main, (t) => {
      const [p, tan] = trace.unwrap(t);
      return tan ? L.broadcast_to(tan, p.shape) : L.zerosLike(p);
    });
    if (!aux) return [primal, tangent];
    return [primal, tangent, mapOut(auxOut, (t) => L.stop_gradient(trace.unwrap(t)[0]))];
  } finally {
    popTrace(trace);
  }
}

/** Trace `fn` in reverse mode once; returns the outputs and a reusable pull-back. */
function traceReverse(fn: Fn, inputs: readonly Tensor[], has_aux: boolean) {
  const trace = pushTrace((level) => new ReverseTrace(level));
  try {
    const leaves = inputs.map((x) => trace.leaf(x));
    const { main, aux } = splitAux(fn(...leaves), has_aux);
    const outs: Tensor[] = Array.isArray(main) ? main : [main as Tensor];
    const outNodes = outs.map((o) => trace.nodeOf(o));
    const lower = (t: Tensor) => (trace.nodeOf(t) ? (t._liveTracer() as ReverseTracer).primal : t);
    const leafNodes = leaves.map((l) => (l._tracer as ReverseTracer).node);
    const pull = (cts: readonly Tensor[]): Tensor[] => {
      const seeds = outNodes.flatMap((n, i): [TapeNode, Tensor][] => (n ? [[n, cts[i]]] : []));
      const got = trace.backward(seeds, false);
      return leafNodes.map((n, i) => {
        const g = got.get(n);
        return g ? fitCotangent(g, inputs[i], "vjp") : L.zerosLike(inputs[i]);
      });
    };
    return {
      main: mapOut(main, lower),
      outs: outs.map(lower),
      aux: mapOut(aux, (t) => L.stop_gradient(lower(t))),
      pull,
    };
  } finally {
    popTrace(trace);
  }
}

/**
 * `vjp(fn, ...inputs, {has_aux})` → `[out, vjp_fn]` (or `[out0, vjp_fn, aux]`);
 * `vjp_fn(...v)` returns the tuple of gradients for all inputs.
 */
export function vjp(fn: Fn, ...inputsAndOptions: any[]): any[] {
  let has_aux = false;
  let inputs = inputsAndOptions;
  const last = inputs[inputs.length - 1];
  if (last && typeof last === "object" && !(last instanceof Tensor) && !Array.isArray(last)) {
    has_aux = checkHasAux((last as { has_aux?: unknown }).has_aux ?? false);
    inputs = inputs.slice(0, -1);
  }
  if (!inputs.every((x) => x instanceof Tensor)) throw new TypeError("The inputs type must be Tensor.");
  const r = traceReverse(fn, inputs, has_aux);
  const vjp_fn = (...v: Tensor[]): Tensor[] => {
    if (!v.every((x) => x instanceof Tensor)) throw new TypeError("The inputs type must be Tensor.");
    if (v.length !== r.outs.length) throw new ValueError(`For 'vjp', expected ${r.outs.length} vectors (one per output), but got ${v.length}.`);
    return r.pull(v.map((x, i) => fitCotangent(x, r.outs[i], "vjp")));
  };
  return has_aux ? [r.main, vjp_fn, r.aux] : [r.main, vjp_fn];
}

function jacPositions(grad_position: number | readonly number[], nargs: number): number[] {
  const ps = typeof grad_position === "number" ? [grad_position] : [...grad_position];
  for (const p of ps) {
    if (!Number.isInteger(p) || p < 0 || p >= nargs) throw new ValueError("The element in grad_position must belong to [0, args_num).");
  }
  return ps;
}

/** MindSpore's Jacobian layout: jac[out_i][in_j]; flat when one side has one entry; bare for 1×1. */
function jacStructure(blocks: Tensor[][], has_aux: boolean, aux: unknown): any {
  const nOut = blocks.length;
  const nIn = blocks[0]?.length ?? 0;
  const res = nOut * nIn === 1 ? blocks[0][0] : nIn === 1 ? blocks.map((b) => b[0]) : nOut === 1 ? blocks[0] : blocks;
  return has_aux ? [res, aux] : res;
}

/** One-hot basis of a shape, as `size` tensors (the rows of an identity). */
function basis(like: Tensor): Tensor[] {
  const n = like.size;
  return Array.from({ length: n }, (_, k) => {
    const data = new Float64Array(n);
    data[k] = 1;
    return L.reshape(L.cast(new Tensor(data), like.dtype), like.shape);
  });
}

/** Stack tensors along a new trailing axis set of shape `inner`. */
function stackTrailing(parts: Tensor[], lead: readonly number[], inner: readonly number[]): Tensor {
  if (parts.length === 0) return L.zerosLike(L.broadcast_to(new Tensor(0, float32Like(parts)), [...lead, ...inner]));
  const cols = parts.map((p) => L.reshape(p, [...lead, 1]));
  return L.reshape(L.concat(cols, lead.length), [...lead, ...inner]);
}
const float32Like = (parts: Tensor[]) => parts[0]?.dtype;

/** `jacrev(fn, grad_position=0, has_aux=false)`: the Jacobian by reverse mode (one pull per output element). */
export function jacrev(fn: Fn, grad_position: number | readonly number[] = 0, has_aux = false): (...args: Tensor[]) => any {
  return (...args: Tensor[]) => {
    const positions = jacPositions(grad_position, args.length);
    const r = traceReverse(fn, args, has_aux);
    const blocks = r.outs.map((out, oi) => {
      const rows = basis(out).map((e) => r.pull(r.outs.map((o, j) => (j === oi ? e : L.zerosLike(o)))));
      // rows[k][p] is d out[k] / d args[p]; arrange as out.shape + in.shape
      return positions.map((p) => {
        const inShape = args[p].shape;
        if (out.size === 0) return L.zerosLike(L.broadcast_to(L.scalar(0, args[p].dtype), [...out.shape, ...inShape]));
        const flat = L.concat(rows.map((row) => L.reshape(row[p], [1, sizeOf(inShape)])), 0);
        return L.reshape(flat, [...out.shape, ...inShape]);
      });
    });
    return jacStructure(blocks, has_aux, r.aux);
  };
}

/** `jacfwd(fn, grad_position=0, has_aux=false)`: the Jacobian by forward mode (one push per input element). */
export function jacfwd(fn: Fn, grad_position: number | readonly number[] = 0, has_aux = false): (...args: Tensor[]) => any {
  return (...args: Tensor[]) => {
    const positions = jacPositions(grad_position, args.length);
    let outs: Tensor[] = [];
    let auxOut: unknown;
    const columns = positions.map((p) =>
      basis(args[p]).map((e) => {
        const v = args.map((a, i) => (i === p ? e : L.zerosLike(a)));
        const res = jvp(fn, args, v, has_aux);
        outs = Array.isArray(res[0]) ? res[0] : [res[0]];
        auxOut = res[2];
        return Array.isArray(res[1]) ? (res[1] as Tensor[]) : [res[1] as Tensor];
      }),
    );
    if (outs.length === 0) {
      const { main } = splitAux(fn(...args), has_aux);
      outs = Array.isArray(main) ? main : [main as Tensor];
    }
    const blocks = outs.map((out, oi) => positions.map((p, pi) => stackTrailing(columns[pi].map((c) => c[oi]), out.shape, args[p].shape)));
    return jacStructure(blocks, has_aux, auxOut);
  };
}
