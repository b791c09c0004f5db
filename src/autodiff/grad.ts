/**
 * MindSpore's functional differentiation API: grad, value_and_grad, get_grad,
 * jvp, vjp, jacfwd, jacrev, stop_gradient. The result structures and the
 * error messages follow MindSpore's grad_func.py and _Grad (see
 * docs/design.md and the spec tables they cite).
 */
import { Tensor } from "../core/tensor.js";
import { RuntimeError, TypeError, ValueError, typeName } from "../core/errors.js";
import { Parameter } from "../nn/parameter.js";
import * as L from "../primitives/lax.js";
import { popTrace, pushTrace, traceDepth } from "./trace.js";
import { stepBoundary } from "../backend/registry.js";
import { ReverseTrace, ReverseTracer, fitCotangent } from "./reverse.js";

export type Fn = (...args: any[]) => any;
export type Weights = Parameter | readonly Parameter[] | null | undefined;
export type GradPosition = number | boolean | readonly (number | boolean)[] | null;

export interface GradOptions {
  grad_position?: GradPosition;
  weights?: Weights;
  has_aux?: boolean;
  return_ids?: boolean;
}

const isOptions = (v: unknown): v is GradOptions =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Tensor);

/** MindSpore's _convert_grad_position_type: an int becomes a 1-tuple; errors as MindSpore words them. */
function convertGradPosition(pos: GradPosition): number[] | null {
  if (pos === null) return null;
  if (Array.isArray(pos)) {
    if (new Set(pos.map(Number)).size !== pos.length) throw new ValueError("There are duplicate positions in `grad_position`, please check it");
    return pos.map((p) => {
      const n = typeof p === "boolean" ? Number(p) : p;
      if (typeof n !== "number" || !Number.isInteger(n)) throw new TypeError("For 'F.grad', the element in 'grad_position' must be int.");
      if (n < 0) throw new ValueError("The element in grad_position must be >= 0.");
      return n;
    });
  }
  if (typeof pos === "boolean") return [Number(pos)];
  if (typeof pos === "number" && Number.isInteger(pos)) {
    if (pos < 0) throw new ValueError("grad_position must be >= 0.");
    return [pos];
  }
  throw new TypeError("For 'F.grad', the 'grad_position' must be int or tuple.");
}

function checkBool(v: unknown, name: string): boolean {
  if (typeof v !== "boolean") throw new TypeError(`For '_Grad', the '${name}' should be bool, but got ${typeName(v)}`);
  return v;
}

/** The weights as a list, plus whether the caller gave a single Parameter (bare result). */
function convertWeights(w: Weights): { list: Parameter[]; single: boolean } | null {
  if (w === null || w === undefined) return null;
  if (w instanceof Parameter) return { list: [w], single: true };
  if (Array.isArray(w)) {
    w.forEach((p, i) => {
      if (!(p instanceof Parameter)) {
        throw new TypeError(`For 'grad', the 'weights' must be a Parameter, a ParameterTuple or a list of Parameters, but element ${i} is ${typeName(p)}.`);
      }
    });
    return { list: [...w], single: false };
  }
  throw new TypeError(`For 'grad', the 'weights' must be a Parameter, a ParameterTuple or a list of Parameters, but got ${typeName(w)}.`);
}

/** Every Tensor leaf of a (nested array) output, in order. */
function tensorLeaves(out: unknown, acc: Tensor[] = []): Tensor[] {
  if (out instanceof Tensor) acc.push(out);
  else if (Array.isArray(out)) for (const o of out) tensorLeaves(o, acc);
  return acc;
}

function mapTensors(out: unknown, f: (t: Tensor) => Tensor): any {
  if (out instanceof Tensor) return f(out);
  if (Array.isArray(out)) return out.map((o) => mapTensors(o, f));
  return out;
}

interface Config {
  positions: number[] | null;
  weights: { list: Parameter[]; single: boolean } | null;
  has_aux: boolean;
  return_ids: boolean;
}

function parseConfig(args: unknown[], withIds: boolean): Config {
  let [pos, weights, has_aux, return_ids] = args as [GradPosition | undefined, Weights, unknown, unknown];
  if (args.length === 1 && isOptions(args[0]) && !(args[0] instanceof Parameter)) {
    const o = args[0] as GradOptions & Record<string, unknown>;
    const known = withIds ? ["grad_position", "weights", "has_aux", "return_ids"] : ["grad_position", "weights", "has_aux"];
    for (const k of Object.keys(o)) if (!known.includes(k)) throw new TypeError(`For '${withIds ? "grad" : "value_and_grad"}', got an unexpected keyword argument '${k}'.`);
    ({ grad_position: pos, weights, has_aux, return_ids } = o);
  } else if (isOptions(args[args.length - 1]) && !(args[args.length - 1] instanceof Parameter)) {
    const o = args[args.length - 1] as GradOptions;
    const positional = args.slice(0, -1) as [GradPosition | undefined, Weights, unknown, unknown];
    [pos, weights, has_aux, return_ids] = positional;
    pos = o.grad_position !== undefined ? o.grad_position : pos;
    weights = o.weights !== undefined ? o.weights : weights;
    has_aux = o.has_aux ?? has_aux;
    return_ids = o.return_ids ?? return_ids;
  }
  if (pos === undefined) pos = 0;
  if (pos === null && (weights === null || weights === undefined)) {
    throw new ValueError("`grad_position` and `weight` can not be None at the same time.");
  }
  const positions = convertGradPosition(pos);
  const aux = checkBool(has_aux ?? false, "has_aux");
  const ids = checkBool(return_ids ?? false, "return_ids");
  return { positions, weights: convertWeights(weights), has_aux: aux, return_ids: ids };
}

/** Swap Parameters for tape leaves while `fn` runs; returns a function that restores them. */
function traceWeights(trace: ReverseTrace, weights: readonly Parameter[]): { leaves: Tensor[]; restore: () => void } {
  const saved: Tensor[] = [];
  const leaves: Tensor[] = [];
  const seen = new Set<Parameter>();
  for (const w of weights) {
    if (seen.has(w)) {
      leaves.push(leaves[weights.indexOf(w)]);
      saved.push(saved[weights.indexOf(w)]);
      continue;
    }
    seen.add(w);
    const prev = w._snapshot();
    const leaf = trace.leaf(prev);
    w._init(null, leaf._tracer, w.shape, w.dtype);
    saved.push(prev);
    leaves.push(leaf);
  }
  return {
    leaves,
    restore: () => {
      const done = new Set<Parameter>();
      weights.forEach((w, i) => {
        if (done.has(w)) return;
        done.add(w);
        w._restore(saved[i]);
      });
    },
  };
}

interface Differentiated {
  value: any;
  inputGrads: [number, Tensor][];
  weightGrads: Tensor[];
  aux: any[];
}

/** Run `fn` under a reverse trace and pull ones back from its (first, with has_aux) output. */
function differentiate(fn: Fn, args: unknown[], cfg: Config): Differentiated {
  const positions = cfg.positions;
  if (positions) {
    if (positions.length === 0 && !cfg.weights) throw new RuntimeError("grad_position should not be empty when grad by position.");
    for (const p of positions) if (p >= args.length) throw new RuntimeError(`Position index ${p} is exceed input size.`);
  }
  if (traceDepth() === 0) stepBoundary();
  const trace = pushTrace((level) => new ReverseTrace(level));
  let restore = () => {};
  try {
    const callArgs = args.slice();
    const inputLeaves: [number, Tensor, Tensor][] = [];
    for (const p of positions ?? []) {
      const a = args[p];
      if (a instanceof Tensor) {
        const leaf = trace.leaf(a);
        callArgs[p] = leaf;
        inputLeaves.push([p, a, leaf]);
      }
    }
    const wl = cfg.weights ? traceWeights(trace, cfg.weights.list) : null;
    if (wl) restore = wl.restore;
    const out = fn(...callArgs);
    let diffOut: unknown = out;
    let aux: any[] = [];
    if (cfg.has_aux) {
      if (!Array.isArray(out) || out.length < 2) throw new ValueError("When has_aux is True, origin fn requires more than one outputs.");
      diffOut = out[0];
      aux = out.slice(1);
    }
    // the sensitivity: ones for every output leaf, so several outputs add up
    const seeds = tensorLeaves(diffOut).flatMap((o) => {
      const node = trace.nodeOf(o);
      return node ? [[node, L.onesLike(lowerAt(trace, o))] as const] : [];
    });
    const cts = trace.backward(seeds, true);
    const gradOf = (leaf: Tensor, like: Tensor): Tensor => {
      const ct = cts.get((leaf._tracer as ReverseTracer).node);
      return ct ? fitCotangent(ct, like, "grad") : L.zerosLike(like);
    };
    const inputGrads = inputLeaves.map(([p, a, leaf]): [number, Tensor] => [p, gradOf(leaf, a)]);
    const weightGrads = wl ? wl.leaves.map((leaf, i) => gradOf(leaf, cfg.weights!.list[i])) : [];
    const lower = (t: Tensor) => lowerAt(trace, t);
    const auxLowered = aux.map((a) => mapTensors(a, (t) => L.stop_gradient(lower(t))));
    const value = cfg.has_aux ? [mapTensors(out[0], lower), ...auxLowered] : mapTensors(out, lower);
    return { value, inputGrads, weightGrads, aux: auxLowered };
  } finally {
    popTrace(trace);
    restore();
  }
}

/** `t` as seen one level below `trace` (its primal if `trace` traced it). */
function lowerAt(trace: ReverseTrace, t: Tensor): Tensor {
  const node = trace.nodeOf(t);
  return node ? (t._liveTracer() as ReverseTracer).primal : t;
}

/** Assemble MindSpore's result structure (the table in docs/design.md). */
function assemble(d: Differentiated, cfg: Config): any {
  const ins = d.inputGrads.map(([p, g]) => (cfg.return_ids ? [p, g] : g));
  const ws = d.weightGrads.map((g, i) => (cfg.return_ids ? [cfg.weights!.list[i].name, g] : g));
  const inPart = ins.length === 1 ? ins[0] : ins;
  const wPart = cfg.weights?.single ? ws[0] : ws;
  if (!cfg.positions) return wPart;
  if (!cfg.weights) return inPart;
  return [inPart, wPart];
}

/**
 * `grad(fn, grad_position=0, weights=null, has_aux=false, return_ids=false)`:
 * a function returning the gradients of `fn` (summed over all its outputs).
 * Arguments may also come as a trailing options object with the same names.
 */
export function grad(fn: Fn, ...config: any[]): (...args: any[]) => any {
  checkFn(fn, "grad");
  const cfg = parseConfig(config, true);
  return (...args: any[]) => {
    const d = differentiate(fn, args, cfg);
    const g = assemble(d, cfg);
    return cfg.has_aux ? [g, d.aux] : g;
  };
}

/** `value_and_grad(fn, grad_position=0, weights=null, has_aux=false)`: returns `[value, gradients]`. */
export function value_and_grad(fn: Fn, ...config: any[]): (...args: any[]) => [any, any] {
  checkFn(fn, "value_and_grad");
  const cfg = parseConfig(config, false);
  return (...args: any[]) => {
    const d = differentiate(fn, args, cfg);
    return [d.value, assemble(d, cfg)];
  };
}

function checkFn(fn: unknown, op: string): void {
  if (typeof fn !== "function") throw new TypeError(`For '${op}', the 'fn' must be a function or a Cell, but got ${typeName(fn)}.`);
}

/** `get_grad(gradients, identifier)`: pick one gradient out of a `return_ids=true` result. */
export function get_grad(gradients: unknown, identifier: number | Parameter): Tensor {
  const key = identifier instanceof Parameter ? identifier.name : identifier;
  if (typeof key !== "number" && typeof key !== "string") {
    throw new TypeError(`For 'get_grad', the 'identifier' must be an int position or a Parameter, but got ${typeName(identifier)}.`);
  }
  const search = (v: unknown): Tensor | null => {
    if (!Array.isArray(v)) return null;
    if (v.length === 2 && (typeof v[0] === "number" || typeof v[0] === "string") && v[1] instanceof Tensor) {
      return v[0] === key ? v[1] : null;
    }
    for (const e of v) {
      const r = search(e);
      if (r) return r;
    }
    return null;
  };
  const found = search(gradients);
  if (!found) throw new RuntimeError(`Can not find the gradient for position or Parameter ${String(key)}.`);
  return found;
}

/** `stop_gradient(x)`: x itself, through which no gradient flows at any level. */
export function stop_gradient<T>(x: T): T {
  return mapTensors(x, (t) => L.stop_gradient(t));
}
