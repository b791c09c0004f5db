/**
 * Reverse mode as a trace that records a tape. Each traced tensor points at
 * the node that made it; `backward` walks the nodes newest-first and applies
 * each primitive's vjp rule. The rules bind ordinary primitives on primal
 * (one-level-down) tensors, so an enclosing transformation traces the backward
 * pass too: that is how grad of grad works.
 *
 * The tape lives exactly as long as the trace object: nothing global refers
 * to it, and `backward` drops each node's saved tensors as soon as it is done.
 */
import { Tensor } from "../core/tensor.js";
import { RuntimeError } from "../core/errors.js";
import { shapesEqual } from "../core/shape.js";
import { bind } from "../primitives/bind.js";
import * as L from "../primitives/lax.js";
import type { PrimName, PrimParams } from "../primitives/params.js";
import { RULES } from "../primitives/rules.js";
import { collectStorages, releaseStorages } from "../backend/registry.js";
import type { Storage } from "../backend/backend.js";
import { Trace, type Tracer } from "./trace.js";

/** Custom backward (Cell.bprop): input cotangents from (inputs, out, dout). */
export type CustomVjp = (primals: readonly Tensor[], out: Tensor, ct: Tensor) => readonly (Tensor | null)[];

export class TapeNode {
  constructor(
    readonly id: number,
    /** null for a leaf (an input being differentiated) */
    public backward: CustomVjp | null,
    public primals: readonly Tensor[],
    public out: Tensor | null,
    public parents: readonly (TapeNode | null)[],
  ) {}
}

export class ReverseTracer implements Tracer {
  constructor(
    readonly trace: ReverseTrace,
    readonly primal: Tensor,
    readonly node: TapeNode,
  ) {}
}

export class ReverseTrace extends Trace {
  private nodes: TapeNode[] = [];
  /** A user-written backward (Cell.bprop) is on the tape: it may keep what it computes. */
  private userBackward = false;

  /** This trace's node behind `x`, if `x` is traced here. */
  nodeOf(x: Tensor): TapeNode | null {
    const tr = x._liveTracer();
    return tr instanceof ReverseTracer && tr.trace === this ? tr.node : null;
  }

  private lower(x: Tensor): Tensor {
    return this.nodeOf(x) ? (x._liveTracer() as ReverseTracer).primal : x;
  }

  /** Wrap `x` as an input to differentiate: a fresh leaf of the tape. */
  leaf(x: Tensor): Tensor {
    const node = new TapeNode(this.nodes.length, null, [], null, []);
    this.nodes.push(node);
    return Tensor._fromTracer(new ReverseTracer(this, x, node));
  }

  process<P extends PrimName>(p: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor {
    const parents = inputs.map((x) => this.nodeOf(x));
    const primals = inputs.map((x) => this.lower(x));
    const out = bind(p, primals, params);
    const rule = RULES[p];
    if (rule.vjp === "nondiff") return out;
    const vjp = rule.vjp;
    // only inputs on this tape need a cotangent (e.g. not the image under a first convolution)
    const needs = parents.map((n) => n !== null);
    return this.record((ps, o, ct) => vjp(ct, ps, o, params, needs), primals, out, parents);
  }

  /** Record a node whose backward is `backward` and return its traced output. */
  record(backward: CustomVjp, primals: readonly Tensor[], out: Tensor, parents: readonly (TapeNode | null)[]): Tensor {
    const node = new TapeNode(this.nodes.length, backward, primals, out, parents);
    this.nodes.push(node);
    return Tensor._fromTracer(new ReverseTracer(this, out, node));
  }

  /** Run a function with custom backward at this level (Cell.bprop). */
  custom(inputs: readonly Tensor[], forward: (primals: Tensor[]) => Tensor, backward: CustomVjp): Tensor {
    const parents = inputs.map((x) => this.nodeOf(x));
    const primals = inputs.map((x) => this.lower(x));
    const out = forward(primals);
    if (parents.every((n) => n === null)) return out;
    this.userBackward = true;
    return this.record(backward, primals, out, parents);
  }

  /**
   * Seed nodes with cotangents and propagate to the leaves; returns the
   * cotangent reaching each node that has one (the leaves among them).
   * With `free`, the tape is dismantled as it goes (a one-shot grad); without,
   * it stays usable for further pulls (vjp, jacrev).
   *
   * A one-shot pull at the lowest level (no transformation above it records
   * the backward pass) also frees its intermediates at once: every storage
   * its kernels made, except those of the returned cotangents, can be reached
   * by nothing else. That keeps a training step's memory to about what the
   * forward pass holds, instead of waiting for the GC.
   */
  backward(seeds: readonly (readonly [TapeNode, Tensor])[], free: boolean): Map<TapeNode, Tensor> {
    if (!free || this.level !== 1 || this.userBackward) return this.pull(seeds, free);
    const { result: cts, made } = collectStorages(() => this.pull(seeds, true));
    const keep = new Set<Storage>();
    for (const ct of cts.values()) keep.add(ct._concreteView().storage);
    releaseStorages(made.filter((s) => !keep.has(s)));
    return cts;
  }

  private pull(seeds: readonly (readonly [TapeNode, Tensor])[], free: boolean): Map<TapeNode, Tensor> {
    const cts = new Map<TapeNode, Tensor>();
    const accumulate = (n: TapeNode, g: Tensor) => {
      const prev = cts.get(n);
      cts.set(n, prev ? L.add(prev, g) : g);
    };
    for (const [n, ct] of seeds) accumulate(n, ct);
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i];
      const backward = node.backward;
      if (!backward) continue; // a leaf keeps its cotangent for the caller
      const ct = cts.get(node);
      const { primals, out, parents } = node;
      if (free) {
        // this node is never visited again: let its saved tensors go
        cts.delete(node);
        node.primals = [];
        node.out = null;
        node.parents = [];
        node.backward = null;
      }
      if (!ct || !out) continue;
      const grads = backward(primals, out, ct);
      parents.forEach((parent, k) => {
        const g = grads[k];
        if (parent && g) accumulate(parent, fitCotangent(g, primals[k], "grad"));
      });
    }
    return cts;
  }
}

/** Make a cotangent fit its primal: dtype (int inputs get int gradients) and shape. */
export function fitCotangent(g: Tensor, like: Tensor, what: string): Tensor {
  let out = g.dtype === like.dtype ? g : L.cast(g, like.dtype);
  if (!shapesEqual(out.shape, like.shape)) {
    if (out.size === like.size) out = L.reshape(out, like.shape);
    else throw new RuntimeError(`For '${what}', a gradient of shape [${out.shape}] does not match its input of shape [${like.shape}].`);
  }
  return out;
}
