/**
 * Forward mode as a trace: each traced tensor carries its tangent, pushed
 * through every primitive by the primitive's jvp rule. Tangents are tensors
 * one level down, so forward over reverse (and the reverse) compose.
 */
import { Tensor } from "../core/tensor.js";
import { bind } from "../primitives/bind.js";
import type { PrimName, PrimParams } from "../primitives/params.js";
import { RULES } from "../primitives/rules.js";
import { Trace, type Tracer } from "./trace.js";

export class ForwardTracer implements Tracer {
  constructor(
    readonly trace: ForwardTrace,
    readonly primal: Tensor,
    /** null is a symbolic zero */
    readonly tangent: Tensor | null,
  ) {}
}

export class ForwardTrace extends Trace {
  tracerOf(x: Tensor): ForwardTracer | null {
    const tr = x._liveTracer();
    return tr instanceof ForwardTracer && tr.trace === this ? tr : null;
  }

  /** Wrap `x` with tangent `t`. */
  wrap(x: Tensor, t: Tensor | null): Tensor {
    return Tensor._fromTracer(new ForwardTracer(this, x, t));
  }

  /** The (primal, tangent) of a tensor as seen at this level. */
  unwrap(x: Tensor): [Tensor, Tensor | null] {
    const tr = this.tracerOf(x);
    return tr ? [tr.primal, tr.tangent] : [x, null];
  }

  process<P extends PrimName>(p: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor {
    const pairs = inputs.map((x) => this.unwrap(x));
    const primals = pairs.map(([x]) => x);
    const tangents = pairs.map(([, t]) => t);
    const out = bind(p, primals, params);
    const rule = RULES[p];
    if (rule.jvp === "nondiff" || tangents.every((t) => t === null)) return out;
    return this.wrap(out, rule.jvp(tangents, primals, out, params));
  }
}
