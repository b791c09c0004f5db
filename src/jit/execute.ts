/**
 * Running a planned graph at level 0. Because the whole computation is known
 * in advance, every intermediate's storage is handed back to its backend
 * right after its last reader, not when the GC gets round to it: a compiled
 * training step reuses hot memory block after block, as a reference-counting
 * framework would. Views share storage (reshape, transpose, broadcast), so
 * storages are counted per value that holds them; storages of arguments,
 * Parameters, constants and returned values are never released.
 */
import { Tensor } from "../core/tensor.js";
import { contiguousStrides } from "../core/shape.js";
import type { Storage } from "../backend/backend.js";
import { runFused } from "../backend/registry.js";
import { evaluate } from "../primitives/bind.js";
import type { Step } from "./fuse.js";
import type { Eqn, Graph } from "./stage.js";

export class Executable {
  /** per step, the values read there for the last time */
  private readonly dying: number[][];
  /** the arguments, Parameters and constants the steps read */
  private readonly sources: number[];

  constructor(
    readonly graph: Graph,
    readonly steps: readonly Step[],
  ) {
    const last = new Map<number, number>();
    steps.forEach((s, k) => {
      const ins = s.kind === "eqn" ? s.eqn.ins : s.ins;
      for (const v of ins) last.set(v, k);
    });
    const keep = new Set([...graph.outputs, ...graph.effects.map(([, v]) => v)]);
    const read = new Set<number>([...last.keys(), ...graph.outputs]);
    this.sources = [...read].filter((v) => graph.vars[v].src.kind !== "eqn");
    this.dying = steps.map(() => []);
    for (const [v, k] of last) if (graph.vars[v].src.kind === "eqn" && !keep.has(v)) this.dying[k].push(v);
  }

  /**
   * Evaluate with `args` (the flattened tensor arguments). Returns the output tensors and the storages
   * of what the steps read from outside (arguments, Parameters, constants): outputs that share one
   * of those are not the step's own.
   */
  run(args: readonly Tensor[]): { outputs: Tensor[]; sources: Set<Storage> } {
    const { vars } = this.graph;
    const env: (Tensor | undefined)[] = new Array(vars.length);
    const pinned = new Set<Storage>();
    for (const i of this.sources) {
      const src = vars[i].src;
      const t = src.kind === "arg" ? args[src.index] : src.kind === "param" ? src.param._stepRead() : src.kind === "const" ? src.tensor : null;
      if (!t) continue;
      env[i] = t;
      pinned.add(t._concreteView().storage);
    }
    const holders = new Map<Storage, number>();
    /** Bind value v, counting it as a holder of its storage. */
    const set = (v: number, t: Tensor) => {
      env[v] = t;
      const s = t._concreteView().storage;
      if (!pinned.has(s)) holders.set(s, (holders.get(s) ?? 0) + 1);
    };
    const evalEqn = (e: Eqn) => set(e.out, evaluate(e.prim, e.ins.map((v) => env[v]!), e.params as never));
    for (let k = 0; k < this.steps.length; k++) {
      const step = this.steps[k];
      if (step.kind === "eqn") evalEqn(step.eqn);
      else {
        const made = runFused(step.program, step.ins.map((v) => env[v]!._concreteView()));
        if (made) {
          step.outs.forEach((v, i) => set(v, Tensor._fromView({ storage: made[i], shape: vars[v].shape, strides: contiguousStrides(vars[v].shape), offset: 0 }, vars[v].dtype)));
        } else {
          // no fused kernel for these views: the members one by one, then the cluster's inner values go
          step.eqns.forEach(evalEqn);
          const outs = new Set(step.outs);
          for (const e of step.eqns) if (!outs.has(e.out)) this.drop(env, e.out, holders);
        }
      }
      for (const v of this.dying[k]) this.drop(env, v, holders);
    }
    return { outputs: this.graph.outputs.map((v) => env[v]!), sources: pinned };
  }

  private drop(env: (Tensor | undefined)[], v: number, holders: Map<Storage, number>): void {
    const t = env[v];
    if (!t) return;
    env[v] = undefined;
    const s = t._concreteView().storage;
    const n = holders.get(s);
    if (n === undefined) return;
    if (n > 1) holders.set(s, n - 1);
    else {
      holders.delete(s);
      s.backend.release?.(s);
    }
  }
}
