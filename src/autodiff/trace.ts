/**
 * Transformations as interpreters (JAX's design). Every primitive call goes
 * through `bind`, which hands it to the highest-level live trace among its
 * inputs; a trace computes the primal at the levels below (by binding again)
 * and adds its own meaning: a tape node for reverse mode, a tangent for
 * forward mode. Level 0 is plain evaluation on the backend.
 *
 * A tensor that carries a tracer is a chain: tracer -> primal tensor (one
 * level down) -> ... -> concrete storage. A trace that has finished is dead;
 * its tracers then read as their primals, so a tracer that escaped its
 * transformation can never be confused with a later one at the same level.
 */
import type { Tensor } from "../core/tensor.js";
import type { PrimName, PrimParams } from "../primitives/params.js";

export abstract class Trace {
  constructor(readonly level: number) {}
  /** Apply primitive `p` at this level; some inputs carry this trace's tracers. */
  abstract process<P extends PrimName>(p: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor;
}

export interface Tracer {
  readonly trace: Trace;
  /** the value one level down (itself possibly traced) */
  readonly primal: Tensor;
}

const stack: Trace[] = [];

/** Start a transformation: its trace gets the next level. */
export function pushTrace<T extends Trace>(make: (level: number) => T): T {
  const t = make(stack.length + 1);
  stack.push(t);
  return t;
}

/** End a transformation (in a `finally`): the trace and its tracers become dead. */
export function popTrace(t: Trace): void {
  const i = stack.lastIndexOf(t);
  if (i >= 0) stack.length = i;
}

export function isLive(t: Trace): boolean {
  return stack[t.level - 1] === t;
}

/** Number of live transformations (tests use it to check nothing is left open). */
export function traceDepth(): number {
  return stack.length;
}
