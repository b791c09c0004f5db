/**
 * Replays the PyTorch reference fixtures (tools/gen_fixtures.py, committed in
 * test/fixtures/ops/): forward values, first-order gradients and second-order
 * gradients of every op, with MindSpore's call signatures.
 */
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as ms from "../src/index.js";
import { Tensor } from "../src/index.js";

type Num = number | string | boolean;
interface TSpec { dtype: string; shape: number[]; data: Num[] }
type Arg = { tensor: TSpec } | { tensor_list: TSpec[] } | { value: unknown };
type Out = TSpec | { tuple: TSpec[] };
interface Case {
  id: string;
  op: string;
  args: Arg[];
  kwargs?: Record<string, unknown>;
  out: Out;
  grad?: { wrt: number[]; cotangent: Out; values: Out[] };
  grad2?: { u: Out[]; values: Out[] };
  rtol?: number;
  atol?: number;
}
interface FixtureFile { group: string; tolerance: Record<string, { rtol: number; atol: number }>; cases: Case[] }

const DTYPES: Record<string, ms.DType> = {
  float16: ms.float16, float32: ms.float32, float64: ms.float64, int8: ms.int8, int16: ms.int16,
  int32: ms.int32, int64: ms.int64, uint8: ms.uint8, bool: ms.bool_,
};
const num = (v: Num): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v));

function tensorOf(t: TSpec): Tensor {
  const dt = DTYPES[t.dtype];
  const flat = new Tensor(Float64Array.from(t.data.map(num)), ms.float64);
  return ms.ops.reshape(ms.ops.cast(flat, dt), t.shape);
}

function argOf(a: Arg): unknown {
  if ("tensor" in a) return tensorOf(a.tensor);
  if ("tensor_list" in a) return a.tensor_list.map(tensorOf);
  return a.value;
}

function kwargsOf(kw: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!kw) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kw)) out[k] = k === "dtype" && typeof v === "string" ? DTYPES[v] : v;
  return out;
}

function compare(actual: unknown, expected: Out, tol: { rtol: number; atol: number }, what: string): void {
  if ("tuple" in expected) {
    expect(Array.isArray(actual), `${what}: expected a tuple`).toBe(true);
    const arr = actual as unknown[];
    expect(arr.length, `${what}: tuple length`).toBe(expected.tuple.length);
    expected.tuple.forEach((e, i) => compare(arr[i], e, tol, `${what}[${i}]`));
    return;
  }
  expect(actual, `${what}: expected a Tensor`).toBeInstanceOf(Tensor);
  const t = actual as Tensor;
  expect(t.shape, `${what}: shape`).toEqual(expected.shape);
  expect(t.dtype.name, `${what}: dtype`).toBe(DTYPES[expected.dtype].name);
  const got = Array.from(t.asnumpy().data as ArrayLike<number | bigint>, Number);
  const want = expected.data.map(num);
  const exact = expected.dtype === "bool" || expected.dtype.startsWith("int") || expected.dtype === "uint8";
  for (let i = 0; i < want.length; i++) {
    const [a, e] = [got[i], want[i]];
    const ok = exact ? a === e : Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
    if (!ok) throw new Error(`${what}: element ${i}: got ${a}, expected ${e} (rtol ${tol.rtol}, atol ${tol.atol})`);
  }
}

/** Sum over the float members of an output weighted by a cotangent. */
function weightedSum(out: unknown, cot: Out): Tensor {
  if ("tuple" in cot) {
    const outs = out as Tensor[];
    return cot.tuple.reduce((acc: Tensor, c, i) => (outs[i].dtype.is_floating_point ? ms.ops.add(acc, weightedSum(outs[i], c)) : acc), new Tensor(0, ms.float64));
  }
  return ms.ops.sum(ms.ops.mul(out as Tensor, tensorOf(cot)));
}

/** Tensors at the wrt positions, flattened (a tensor_list contributes each member). */
function leavesOf(args: unknown[], wrt: number[]): Tensor[] {
  return wrt.flatMap((k) => (Array.isArray(args[k]) ? (args[k] as Tensor[]) : [args[k] as Tensor]));
}

function withLeaves(args: unknown[], wrt: number[], leaves: Tensor[]): unknown[] {
  const out = args.slice();
  let at = 0;
  for (const k of wrt) {
    if (Array.isArray(args[k])) {
      out[k] = leaves.slice(at, at + (args[k] as Tensor[]).length);
      at += (args[k] as Tensor[]).length;
    } else out[k] = leaves[at++];
  }
  return out;
}

/** Regroup flat leaf gradients into the fixture's layout (a tuple per tensor_list). */
function regroup(args: unknown[], wrt: number[], flat: Tensor[]): unknown[] {
  let at = 0;
  return wrt.map((k) => {
    if (Array.isArray(args[k])) {
      const n = (args[k] as Tensor[]).length;
      at += n;
      return flat.slice(at - n, at);
    }
    return flat[at++];
  });
}

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, "fixtures", "ops");
const ops = ms.ops as unknown as Record<string, (...a: unknown[]) => unknown>;

for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
  const fx = JSON.parse(readFileSync(join(dir, file), "utf8")) as FixtureFile;
  describe(`PyTorch fixtures: ${fx.group}`, () => {
    for (const c of fx.cases) {
      it(c.id, () => {
        const fn = ops[c.op];
        expect(typeof fn, `ops.${c.op} exists`).toBe("function");
        const args = c.args.map(argOf);
        const kw = kwargsOf(c.kwargs);
        const call = (a: unknown[]) => (kw ? fn(...a, kw) : fn(...a));
        const outDtype = "tuple" in c.out ? c.out.tuple[0].dtype : c.out.dtype;
        const tolFor = (dtype: string) => ({ rtol: c.rtol ?? fx.tolerance[dtype]?.rtol ?? 0, atol: c.atol ?? fx.tolerance[dtype]?.atol ?? 0 });
        compare(call(args), c.out, tolFor(outDtype), "forward");
        if (!c.grad) return;
        const { wrt, cotangent } = c.grad;
        const leaves = leavesOf(args, wrt);
        const positions = leaves.map((_, i) => i);
        const L = (...ls: Tensor[]) => weightedSum(call(withLeaves(args, wrt, ls)), cotangent);
        const g = ms.grad(L, positions)(...leaves);
        const flat: Tensor[] = positions.length === 1 ? [g] : g;
        regroup(args, wrt, flat).forEach((gk, k) => {
          const exp = c.grad!.values[k];
          compare(gk, exp, tolFor("tuple" in exp ? exp.tuple[0].dtype : exp.dtype), `grad wrt arg ${wrt[k]}`);
        });
        if (!c.grad2) return;
        const us = c.grad2.u.flatMap((u) => ("tuple" in u ? u.tuple.map(tensorOf) : [tensorOf(u)]));
        const M = (...ls: Tensor[]) => {
          const gi = ms.grad(L, positions)(...ls);
          const list: Tensor[] = positions.length === 1 ? [gi] : gi;
          return list.reduce((acc: Tensor, t, i) => ms.ops.add(acc, ms.ops.sum(ms.ops.mul(t, us[i]))), new Tensor(0, ms.float64));
        };
        const h = ms.grad(M, positions)(...leaves);
        const hflat: Tensor[] = positions.length === 1 ? [h] : h;
        regroup(args, wrt, hflat).forEach((hk, k) => {
          const exp = c.grad2!.values[k];
          compare(hk, exp, tolFor("tuple" in exp ? exp.tuple[0].dtype : exp.dtype), `grad2 wrt arg ${wrt[k]}`);
        });
      });
    }
  });
}
