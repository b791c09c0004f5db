/**
 * Staging: the trace `jit` runs a function under. Instead of computing, every
 * primitive call becomes an equation of a graph (JAX's jaxpr), its result an
 * abstract value known by shape and dtype only. Anything below this level
 * that is not staged (a Tensor made outside, a constant made while tracing)
 * enters the graph as a constant, by reference: Parameters are read afresh
 * on every call, because `jit` stages each of them as an input first.
 */
import { Tensor } from "../core/tensor.js";
import type { DType } from "../core/dtype.js";
import type { Parameter } from "../nn/parameter.js";
import { Trace, type Tracer } from "../autodiff/trace.js";
import { avalOf } from "../primitives/bind.js";
import type { PrimName, PrimParams } from "../primitives/params.js";
import { RULES } from "../primitives/rules.js";

/** Where a graph value comes from. */
export type Source =
  | { readonly kind: "arg"; readonly index: number }
  | { readonly kind: "param"; readonly param: Parameter }
  | { readonly kind: "const"; readonly tensor: Tensor }
  | { readonly kind: "eqn"; readonly eqn: number };

export interface GraphVar {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly src: Source;
}

/** One primitive application: `out = prim(ins...; params)`. */
export interface Eqn {
  readonly prim: PrimName;
  readonly params: PrimParams[PrimName];
  readonly ins: readonly number[];
  readonly out: number;
}

export interface Graph {
  readonly vars: GraphVar[];
  readonly eqns: Eqn[];
  /** the values the function returned (tensor leaves, in order) */
  outputs: number[];
  /** Parameters the function assigned (set_data, optimizers), with their new values */
  effects: [Parameter, number][];
}

export class StageTracer implements Tracer {
  constructor(
    readonly trace: StageTrace,
    readonly primal: Tensor,
    readonly id: number,
  ) {}
}

export class StageTrace extends Trace {
  readonly graph: Graph = { vars: [], eqns: [], outputs: [], effects: [] };
  private readonly constIds = new Map<Tensor, number>();

  /** A new graph value as a traced Tensor. */
  newVar(shape: readonly number[], dtype: DType, src: Source): Tensor {
    const id = this.graph.vars.length;
    this.graph.vars.push({ shape: [...shape], dtype, src });
    return Tensor._fromTracer(new StageTracer(this, Tensor._abstract(shape, dtype), id));
  }

  /** The graph value behind `x`: its own, or `x` entered as a constant. */
  idOf(x: Tensor): number {
    const tr = x._liveTracer();
    if (tr instanceof StageTracer && tr.trace === this) return tr.id;
    const c = x._concrete();
    let id = this.constIds.get(c);
    if (id === undefined) {
      id = this.graph.vars.length;
      this.graph.vars.push({ shape: c.shape, dtype: c.dtype, src: { kind: "const", tensor: c } });
      this.constIds.set(c, id);
    }
    return id;
  }

  process<P extends PrimName>(p: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor {
    const ins = inputs.map((x) => this.idOf(x));
    // the shape rule checks the call exactly as eager evaluation would
    const aval = RULES[p].abstract(inputs.map(avalOf), params);
    const out = this.newVar(aval.shape, aval.dtype, { kind: "eqn", eqn: this.graph.eqns.length });
    this.graph.eqns.push({ prim: p, params, ins, out: this.graph.vars.length - 1 });
    return out;
  }
}
