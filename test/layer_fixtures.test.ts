/**
 * Replays the PyTorch reference fixtures of the nn layers and loss Cells
 * (tools/gen_layer_fixtures.py -> test/fixtures/layers/*.json): each case
 * builds the MindSpore Cell with MindSpore's arguments, checks its parameter
 * names are exactly the fixture's, sets the parameters with set_data, and
 * compares the outputs, the gradients of sum(out * cotangent) with respect to
 * the inputs and the trainable parameters, and any state updated in place.
 */
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as ms from "../src/index.js";
import { Tensor, nn } from "../src/index.js";

interface TSpec { dtype: string; shape: number[]; data: (number | boolean)[] }
type ArgSpec = { tensor: TSpec } | { tuple: ArgSpec[] } | { value: unknown };
interface Case {
  id: string;
  layer: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  dtype: string;
  train: boolean;
  params: Record<string, TSpec>;
  inputs: ArgSpec[];
  call_kwargs?: Record<string, ArgSpec>;
  out: TSpec[];
  cotangent: TSpec[];
  wrt: number[];
  input_grads: TSpec[];
  param_grads: Record<string, TSpec>;
  after?: Record<string, TSpec>;
  rtol: number;
  atol: number;
}

const DTYPES: Record<string, ms.DType> = {
  float32: ms.float32, float64: ms.float64, int32: ms.int32, int64: ms.int64, bool: ms.bool_,
};

function tensorOf(t: TSpec): Tensor {
  const dt = DTYPES[t.dtype];
  if (t.dtype === "bool") return ms.ops.reshape(new Tensor((t.data as boolean[]).map(Boolean), ms.bool_), t.shape);
  return ms.ops.reshape(new Tensor(Float64Array.from(t.data as number[]), ms.float64), t.shape).astype(dt);
}

/** Constructor arguments: {"dtype": name} is a mindspore dtype, {"tensor": T} a Tensor, objects map recursively. */
function ctorArg(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(ctorArg);
  const o = v as Record<string, unknown>;
  if (typeof o.dtype === "string" && Object.keys(o).length === 1) return DTYPES[o.dtype];
  if ("tensor" in o) return tensorOf(o.tensor as TSpec);
  return Object.fromEntries(Object.entries(o).map(([k, e]) => [k, ctorArg(e)]));
}

/** Build a construct argument from its spec, collecting its tensor leaves depth-first. */
function buildArg(spec: ArgSpec, leaves: Tensor[]): unknown {
  if ("tensor" in spec) {
    const t = tensorOf(spec.tensor);
    leaves.push(t);
    return t;
  }
  if ("tuple" in spec) return spec.tuple.map((s) => buildArg(s, leaves));
  return spec.value;
}

/** Rebuild the arguments with some tensor leaves replaced. */
function rebuild(spec: ArgSpec, leaves: Tensor[], counter: { i: number }): unknown {
  if ("tensor" in spec) return leaves[counter.i++];
  if ("tuple" in spec) return spec.tuple.map((s) => rebuild(s, leaves, counter));
  return spec.value;
}

function flat(out: unknown, acc: Tensor[] = []): Tensor[] {
  if (out instanceof Tensor) acc.push(out);
  else if (Array.isArray(out)) for (const o of out) flat(o, acc);
  return acc;
}

function expectClose(actual: Tensor, expected: TSpec, rtol: number, atol: number, what: string): void {
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const a = actual.astype(ms.float64).asnumpy().data as Float64Array;
  const e = expected.data as number[];
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
    if (!(err <= 0) && (worst < 0 || err > worstErr || Number.isNaN(a[i]))) {
      worst = i;
      worstErr = err;
    }
  }
  expect(worst, `${what}: element ${worst} is ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol})`).toBe(-1);
}

const dir = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "layers");
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

for (const file of files) {
  const doc = JSON.parse(readFileSync(join(dir, file), "utf8")) as { group: string; cases: Case[] };
  describe(`layer fixtures: ${doc.group}`, () => {
    for (const c of doc.cases) {
      it(c.id, () => {
        ms.set_seed(0);
        const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => nn.Cell>)[c.layer];
        expect(Ctor, `nn.${c.layer} exists`).toBeTypeOf("function");
        const args = c.args.map(ctorArg);
        const cell = Object.keys(c.kwargs).length > 0 ? new Ctor(...args, ctorArg(c.kwargs)) : new Ctor(...args);
        cell.set_train(c.train);
        const named = new Map(cell.parameters_and_names());
        expect([...named.keys()].sort(), "parameter names").toEqual(Object.keys(c.params).sort());
        for (const [name, spec] of Object.entries(c.params)) named.get(name)!.set_data(tensorOf(spec));

        const leaves: Tensor[] = [];
        c.inputs.forEach((s) => buildArg(s, leaves));
        const callKwargs = c.call_kwargs ? Object.fromEntries(Object.entries(c.call_kwargs).map(([k, s]) => [k, buildArg(s, [])])) : null;
        const cots = c.cotangent.map(tensorOf);
        let outs: Tensor[] = [];
        const f = (...ls: Tensor[]) => {
          const counter = { i: 0 };
          const callArgs = c.inputs.map((s) => rebuild(s, ls, counter));
          if (callKwargs) callArgs.push(callKwargs);
          const out = flat(cell(...callArgs));
          outs = out.map((o) => ms.ops.stop_gradient(o));
          return out.reduce((acc: Tensor, o, i) => ms.ops.add(acc, ms.ops.sum(ms.ops.mul(o, cots[i]))), ms.ops.zeros([], out[0].dtype));
        };
        const trainable = cell.trainable_params();
        const trainableNames = cell.parameters_and_names().filter(([, p]) => p.requires_grad).map(([n]) => n);
        expect(trainableNames.sort()).toEqual(Object.keys(c.param_grads).sort());
        const order = cell.parameters_and_names().filter(([, p]) => p.requires_grad).map(([n]) => n);
        const positions = c.wrt.length > 0 ? c.wrt : null;
        let inputGrads: Tensor[] = [];
        let paramGrads: Tensor[] = [];
        if (positions === null && trainable.length === 0) {
          f(...leaves);
        } else {
          const g = ms.grad(f, positions, trainable.length > 0 ? trainable : null)(...leaves);
          if (positions && trainable.length > 0) {
            inputGrads = positions.length === 1 ? [g[0]] : g[0];
            paramGrads = g[1];
          } else if (positions) {
            inputGrads = positions.length === 1 ? [g] : g;
          } else {
            paramGrads = g;
          }
        }
        expect(outs.length, "number of outputs").toBe(c.out.length);
        outs.forEach((o, i) => expectClose(o, c.out[i], c.rtol, c.atol, `out[${i}]`));
        inputGrads.forEach((gr, i) => expectClose(gr, c.input_grads[i], c.rtol, c.atol, `input grad ${c.wrt[i]}`));
        paramGrads.forEach((gr, i) => expectClose(gr, c.param_grads[order[i]], c.rtol, c.atol, `grad of ${order[i]}`));
        for (const [name, spec] of Object.entries(c.after ?? {})) expectClose(named.get(name)!, spec, c.rtol, c.atol, `${name} after the call`);
      });
    }
  });
}
