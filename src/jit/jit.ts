/**
 * `jit(function, options?)`: MindSpore's graph compilation, as JAX does it.
 * The first call with a given signature (tensor shapes and dtypes, the
 * values of other arguments, the backend) runs the function under a staging
 * trace; the graph it records is planned (dead code dropped, elementwise
 * chains fused) and run, and later calls with the same signature run the
 * plan without tracing. Gradients inside (`value_and_grad`, `grad`, an
 * optimizer step) are traced like everything else, so a whole training step
 * compiles to one plan.
 *
 * What stays eager: a call made while another transformation traces (grad
 * of a jitted function inlines it), and a function that reads tensor values
 * while tracing (item(), printing, a condition on data) or draws random
 * numbers: it warns once and runs eagerly from then on, unless
 * `fullgraph: true` asked for the error instead.
 */
import { Tensor } from "../core/tensor.js";
import type { Storage } from "../backend/backend.js";
import { setRandomDrawHook } from "../core/random.js";
import { RuntimeError, TracedValueError, TypeError, typeName } from "../core/errors.js";
import { liveParameters, Parameter } from "../nn/parameter.js";
import { currentFuses, get_backend, stepBoundary } from "../backend/registry.js";
import { popTrace, pushTrace, traceDepth } from "../autodiff/trace.js";
import { Executable } from "./execute.js";
import { plan } from "./fuse.js";
import { StageTrace, type Graph } from "./stage.js";

export interface JitOptions {
  /** raise instead of running eagerly when the function cannot be traced (MindSpore's fullgraph) */
  fullgraph?: boolean;
}

type Fn = (...args: any[]) => any;

/** What a compiled signature does: run its plan, or (when tracing failed) the function itself. */
type Entry =
  | { kind: "graph"; exe: Executable; rebuild: (outs: Tensor[]) => unknown; effects: readonly Parameter[]; reads: readonly Parameter[] }
  | { kind: "eager" };


export function jit<F extends Fn>(fn: F, options: JitOptions = {}): F {
  if (typeof fn !== "function") throw new TypeError(`For 'jit', the 'function' must be a function or a Cell, but got ${typeName(fn)}.`);
  if (typeof options !== "object" || options === null) throw new TypeError(`For 'jit', the 'options' must be an object, but got ${typeName(options)}.`);
  for (const k of Object.keys(options)) {
    if (k !== "fullgraph") throw new TypeError(`For 'jit', got an unexpected keyword argument '${k}' (supported: fullgraph).`);
  }
  const fullgraph = options.fullgraph ?? false;
  if (typeof fullgraph !== "boolean") throw new TypeError(`For 'jit', the 'fullgraph' must be bool, but got ${typeName(fullgraph)}.`);
  const cache = new Map<string, Entry>();
  let warned = false;
  const compiled = (...args: any[]) => {
    if (traceDepth() > 0) return fn(...args);
    const key = `${get_backend()}|${signature(args)}`;
    let entry = cache.get(key);
    if (!entry) {
      entry = compile(fn, args, fullgraph);
      cache.set(key, entry);
      if (entry.kind === "eager" && !warned) {
        warned = true;
        console.warn(`mindspore-ts: jit runs '${fn.name || "function"}' eagerly: it reads tensor values or draws random numbers while traced.`);
      }
    }
    if (entry.kind === "eager") return fn(...args);
    // the previous call's results are usually garbage by now (see Backend.stepBoundary)
    stepBoundary();
    const { outputs, sources } = entry.exe.run(tensorLeaves(args));
    const n = outputs.length - entry.effects.length;
    const results = outputs.slice(0, n);
    assignEffects(entry.effects, outputs.slice(n), results, sources, entry.reads);
    return entry.rebuild(results);
  };
  return compiled as F;
}

function compile(fn: Fn, args: unknown[], fullgraph: boolean): Entry {
  const trace = pushTrace((level) => new StageTrace(level));
  const params = liveParameters().filter((p) => p._tracer === null && !p.isDisposed);
  const saved = params.map((p) => p._snapshot());
  const staged = new Map<Parameter, Tensor>();
  let aborted: unknown = null;
  let graph: Graph | null = null;
  let rebuild: (outs: Tensor[]) => unknown = () => undefined;
  // a random draw while staging would freeze one sample into the graph
  setRandomDrawHook(() => {
    throw new TracedValueError("For 'jit', a random op ran while the function was being traced.");
  });
  try {
    for (const p of params) {
      const t = trace.newVar(p.shape, p.dtype, { kind: "param", param: p });
      p._init(null, t._tracer, p.shape, p.dtype);
      staged.set(p, t);
    }
    let argIndex = 0;
    const stagedArgs = mapLeaves(args, (t) => (t instanceof Parameter ? t : trace.newVar(t.shape, t.dtype, { kind: "arg", index: argIndex++ })));
    const out = fn(...(stagedArgs as unknown[]));
    const outLeaves: Tensor[] = [];
    const template = mapLeaves(out, (t) => {
      outLeaves.push(t);
      return t;
    });
    trace.graph.outputs = outLeaves.map((t) => trace.idOf(t));
    for (const p of params) {
      if (p._tracer !== staged.get(p)!._tracer) trace.graph.effects.push([p, trace.idOf(p)]);
    }
    rebuild = (outs: Tensor[]) => {
      let k = 0;
      return mapLeaves(template, () => outs[k++]);
    };
    graph = trace.graph;
  } catch (e) {
    aborted = e;
  } finally {
    setRandomDrawHook(null);
    popTrace(trace);
    params.forEach((p, i) => p._restore(saved[i]));
  }
  if (aborted) {
    if (aborted instanceof TracedValueError && !fullgraph) return { kind: "eager" };
    if (aborted instanceof TracedValueError) throw new RuntimeError(`${aborted.message} (fullgraph=True)`, { cause: aborted });
    throw aborted;
  }
  const g = prune(graph!);
  // the effects run as extra outputs, then assign their Parameters
  const withEffects: Graph = { ...g, outputs: [...g.outputs, ...g.effects.map(([, v]) => v)] };
  const effects = g.effects.map(([p]) => p);
  const reads = withEffects.vars.flatMap((v) => (v.src.kind === "param" ? [v.src.param] : []));
  return { kind: "graph", exe: new Executable(withEffects, plan(withEffects, currentFuses())), rebuild, effects, reads };
}

/**
 * Assign a step's new Parameter values: after the whole step, as in a MindSpore graph.
 *
 * A training step replaces every weight; left to the GC, each old weight would be garbage until the
 * next full collection (milliseconds each, every few steps). So where a Parameter's old storage is
 * provably its alone (see Parameter._sole) and this step's results do not share it, it is freed at
 * once, as MindSpore's Assign overwrites the weight in place. Storage stays immutable: a storage that
 * anyone else might hold, through a read from outside or a returned view, is left to the GC.
 */
function assignEffects(effects: readonly Parameter[], assigned: Tensor[], results: Tensor[], sources: Set<Storage>, reads: readonly Parameter[]): void {
  // the common call of a function that assigns nothing and reads no Parameter it freed (W1): nothing to do
  if (effects.length === 0 && !reads.some((p) => p._soleStorage())) return;
  const storageOf = (t: Tensor) => t._concreteView().storage;
  const returned = new Set(results.map(storageOf));
  const uses = new Map<Storage, number>();
  for (const s of assigned.map(storageOf)) uses.set(s, (uses.get(s) ?? 0) + 1);
  // a Parameter the step only read loses its claim when a result or another Parameter now shares its storage
  for (const p of reads) {
    const s = p._soleStorage();
    if (s && (returned.has(s) || uses.has(s))) p._disown();
  }
  const olds = effects.map((p) => p._soleStorage());
  effects.forEach((p, i) => {
    const s = storageOf(assigned[i]);
    p._assign(assigned[i], !sources.has(s) && !returned.has(s) && uses.get(s) === 1);
  });
  for (const old of olds) old?.backend.release?.(old);
}

/** Drop equations nothing returned or assigned depends on. */
function prune(g: Graph): Graph {
  const need = new Set<number>([...g.outputs, ...g.effects.map(([, v]) => v)]);
  const eqns = [];
  for (let i = g.eqns.length - 1; i >= 0; i--) {
    const e = g.eqns[i];
    if (!need.has(e.out)) continue;
    for (const v of e.ins) need.add(v);
    eqns.push(e);
  }
  return { ...g, eqns: eqns.reverse() };
}

/** The cache key: tensors by shape and dtype, other values by value (objects by identity). */
function signature(v: unknown): string {
  if (v instanceof Tensor) return `T${v.dtype.name}[${v.shape.join(",")}]${v instanceof Parameter ? `P${objectId(v)}` : ""}`;
  if (Array.isArray(v)) return `[${v.map(signature).join(",")}]`;
  if (v === null || v === undefined || typeof v === "number" || typeof v === "boolean" || typeof v === "string") return `${typeof v}:${String(v)}`;
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return `{${Object.entries(v as object).map(([k, x]) => `${k}:${signature(x)}`).join(",")}}`;
  }
  return `o${objectId(v as object)}`;
}

const ids = new WeakMap<object, number>();
let nextId = 1;
function objectId(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
}

/** Map the Tensor leaves of nested arrays and plain objects. */
function mapLeaves(v: unknown, f: (t: Tensor) => unknown): unknown {
  if (v instanceof Tensor) return f(v);
  if (Array.isArray(v)) return v.map((x) => mapLeaves(x, f));
  if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapLeaves(x, f)]));
  }
  return v;
}

/** The Tensor arguments in the order staging numbered them (Parameters are read as Parameters). */
function tensorLeaves(args: unknown[]): Tensor[] {
  const out: Tensor[] = [];
  mapLeaves(args, (t) => {
    if (!(t instanceof Parameter)) out.push(t);
    return t;
  });
  return out;
}
