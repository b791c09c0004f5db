/**
 * `jit`: compiled functions give the eager results (bit for bit: the same
 * kernels run, fused or not), read Parameters afresh on every call, apply
 * optimizer updates, re-trace per signature, inline under other
 * transformations, and fall back to eager evaluation (or raise, with
 * fullgraph) when a function reads values while traced. Runs on every
 * backend like the rest of the suite; the fusion planner is checked on its
 * own, and the native fused kernel in backend_native.test.ts.
 */
import { describe, it, expect, vi } from "vitest";
import * as ms from "../src/index.js";
import { Tensor, nn, ops } from "../src/index.js";
import { pushTrace, popTrace, traceDepth } from "../src/autodiff/trace.js";
import { StageTrace } from "../src/jit/stage.js";
import { plan } from "../src/jit/fuse.js";
import { rngFrom } from "./helpers/gradcheck.js";

const rand = (shape: number[], seed: number, scale = 1) => {
  const r = rngFrom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return ops.reshape(new Tensor(Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale), ms.float32), shape);
};
const values = (t: Tensor) => Array.from(t.asnumpy().data as Float32Array);
/** Every tensor leaf of a nested result, as plain arrays. */
const leaves = (v: unknown): number[][] => (v instanceof Tensor ? [values(v)] : Array.isArray(v) ? v.flatMap(leaves) : []);

describe("jit gives the eager results", () => {
  const x = rand([3000], 1);
  const y = rand([3000], 2, 0.5);
  const z = rand([3000], 3);
  const cases: [string, (...a: Tensor[]) => unknown, Tensor[]][] = [
    ["an elementwise chain", (a, b) => ops.mul(ops.sub(1, ops.tanh(a)), ops.exp(b)), [x, y]],
    ["broadcasting and a reduction", (a, b) => ops.sum(ops.add(ops.reshape(a, [30, 100]), ops.reshape(ops.sigmoid(b), [30, 100])), 1), [x, y]],
    ["value_and_grad of sum(x * exp(y) * z^2)", ms.value_and_grad((b: Tensor, c: Tensor) => ops.sum(ops.mul(ops.mul(x, ops.exp(b)), ops.square(c))), [0, 1]), [y, z]],
    ["grad of grad of sum(tanh)", ms.grad((a: Tensor) => ops.sum(ms.grad((u: Tensor) => ops.sum(ops.tanh(u)))(a))), [x]],
    ["matmul, softmax and views", (a, b) => ops.softmax(ops.matmul(ops.reshape(a, [60, 50]), ops.t(ops.reshape(b, [60, 50]))), -1), [x, y]],
    ["nested outputs and numbers", (a, b) => [ops.exp(a), [ops.neg(b), 3], { s: ops.sum(a) }], [x, y]],
  ];
  for (const [name, f, args] of cases) {
    it(name, () => {
      const eager = f(...args);
      const compiled = ms.jit(f);
      const first = compiled(...args);
      const again = compiled(...args);
      expect(leaves(first)).toEqual(leaves(eager));
      expect(leaves(again)).toEqual(leaves(eager));
      expect(leaves(eager).length).toBeGreaterThan(0);
    });
  }

  it("keeps the structure of the result, numbers and objects included", () => {
    const out = ms.jit((a: Tensor) => [ops.exp(a), [ops.neg(a), 3], { s: ops.sum(a) }])(x) as [Tensor, [Tensor, number], { s: Tensor }];
    expect(out[1][1]).toBe(3);
    expect(out[2].s).toBeInstanceOf(Tensor);
    expect(out[2].s.shape).toEqual([]);
    expect(out[0].shape).toEqual([3000]);
  });

  it("cross_entropy with class-index targets traces (targets are staged values)", () => {
    const logits = rand([8, 5], 4);
    const labels = new Tensor([0, 4, 2, 1, 3, 3, -100, 0], ms.int32);
    const f = ms.value_and_grad((l: Tensor, t: Tensor) => ops.cross_entropy(l, t), 0);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const compiled = ms.jit(f);
    expect(leaves(compiled(logits, labels))).toEqual(leaves(f(logits, labels)));
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});

describe("jit signatures", () => {
  it("re-traces for new shapes and dtypes, and treats other arguments as constants", () => {
    let traces = 0;
    const f = ms.jit((a: Tensor, k: number) => {
      traces++;
      return ops.mul(a, k);
    });
    expect(values(f(new Tensor([1, 2], ms.float32), 3))).toEqual([3, 6]);
    expect(values(f(new Tensor([5, 6], ms.float32), 3))).toEqual([15, 18]);
    expect(traces).toBe(1);
    expect(values(f(new Tensor([1, 2], ms.float32), 4))).toEqual([4, 8]);
    expect(traces).toBe(2);
    expect(values(f(new Tensor([1, 2, 3], ms.float32), 4))).toEqual([4, 8, 12]);
    expect(traces).toBe(3);
    expect(Array.from(f(new Tensor([1, 2, 3], ms.float64), 4).asnumpy().data as Float64Array)).toEqual([4, 8, 12]);
    expect(traces).toBe(4);
  });

  it("inlines under another transformation: grad of a jitted function is grad of the function", () => {
    const f = (a: Tensor) => ops.sum(ops.mul(ops.sin(a), a));
    const x = rand([50], 7);
    expect(values(ms.grad(ms.jit(f))(x))).toEqual(values(ms.grad(f)(x)));
    expect(traceDepth()).toBe(0);
  });

  it("rejects what is not a function", () => {
    expect(() => ms.jit(3 as never)).toThrow(ms.TypeError);
    expect(() => ms.jit(3 as never)).toThrow(/'function' must be a function or a Cell, but got int/);
    expect(() => ms.jit((a: Tensor) => a, { jit_level: "O2" } as never)).toThrow(/unexpected keyword argument 'jit_level'/);
    expect(() => ms.jit((a: Tensor) => a, { fullgraph: 1 } as never)).toThrow(ms.TypeError);
  });
});

describe("jit and Parameters", () => {
  it("reads Parameters afresh on every call", () => {
    const w = new ms.Parameter(new Tensor([1, 2, 3], ms.float32), "w");
    const f = ms.jit((a: Tensor) => ops.mul(a, w));
    const a = new Tensor([1, 1, 1], ms.float32);
    expect(values(f(a))).toEqual([1, 2, 3]);
    w.set_data(new Tensor([4, 5, 6], ms.float32));
    expect(values(f(a))).toEqual([4, 5, 6]);
  });

  const optimizers: [string, (p: ms.Parameter[]) => (g: Tensor[]) => unknown][] = [
    ["SGD", (p) => new nn.SGD(p, 0.1)],
    ["SGD with momentum", (p) => new nn.SGD(p, { learning_rate: 0.1, momentum: 0.9, weight_decay: 0.01 })],
    ["Momentum", (p) => new nn.Momentum(p, 0.1, 0.9)],
    ["Adam", (p) => new nn.Adam(p, 0.01)],
    ["AdamWeightDecay", (p) => new nn.AdamWeightDecay(p, { learning_rate: 0.01, weight_decay: 0.1 })],
    ["RMSProp", (p) => new nn.RMSProp(p, { learning_rate: 0.01 })],
    ["Adagrad", (p) => new nn.Adagrad(p, { learning_rate: 0.1 })],
  ];
  it.each(optimizers)("a compiled training step (%s) updates the Parameters exactly as the eager one", (_name, makeOpt) => {
    const make = () => {
      ms.set_seed(11);
      const net = new nn.Dense(6, 3);
      const opt = makeOpt(net.trainable_params());
      const vg = ms.value_and_grad((x: Tensor, t: Tensor) => ops.cross_entropy(net(x), t), null, net.trainable_params());
      const step = (x: Tensor, t: Tensor) => {
        const [loss, grads] = vg(x, t);
        opt(grads);
        return loss;
      };
      return { net, step };
    };
    const x = rand([10, 6], 9);
    const t = new Tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], ms.int32);
    const e = make();
    const c = make();
    const compiled = ms.jit(c.step, { fullgraph: true });
    const eagerLosses = [0, 1, 2, 3].map(() => (e.step(x, t) as Tensor).item() as number);
    const jitLosses = [0, 1, 2, 3].map(() => (compiled(x, t) as Tensor).item());
    expect(jitLosses).toEqual(eagerLosses);
    expect(eagerLosses[3] as number).toBeLessThan(eagerLosses[0]);
    const pe = e.net.trainable_params().map(values);
    const pc = c.net.trainable_params().map(values);
    expect(pc).toEqual(pe);
  });

  it("a learning-rate schedule (evaluated on the host) makes the step run eagerly, with the same numbers", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const run = (compile: boolean) => {
      ms.set_seed(5);
      const net = new nn.Dense(4, 2);
      const opt = new nn.SGD(net.trainable_params(), { learning_rate: new nn.ExponentialDecayLR(0.1, 0.9, 1) });
      const vg = ms.value_and_grad((x: Tensor) => ops.sum(ops.square(net(x))), null, net.trainable_params());
      const step = (x: Tensor) => {
        const [loss, grads] = vg(x);
        opt(grads);
        return loss;
      };
      const f = compile ? ms.jit(step) : step;
      const x = rand([3, 4], 21);
      return [0, 1, 2].map(() => (f(x) as Tensor).item() as number);
    };
    const eager = run(false);
    expect(run(true)).toEqual(eager);
    expect(eager[2]).toBeLessThan(eager[0]);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it("a failing trace leaves every Parameter as it was", () => {
    const w = new ms.Parameter(new Tensor([1, 2], ms.float32), "w");
    const bad = ms.jit((a: Tensor) => {
      w.set_data(ops.mul(w, 2));
      return ops.add(a, ops.ones([3], ms.float32)); // shapes [2] and [3] do not broadcast
    });
    expect(() => bad(new Tensor([1, 1], ms.float32))).toThrow(ms.ValueError);
    expect(values(w)).toEqual([1, 2]);
    expect(w.isDisposed).toBe(false);
    expect(traceDepth()).toBe(0);
  });
});

describe("jit frees a replaced Parameter value only where nothing else can hold it", () => {
  // fresh tensors of the Parameter's size between steps take over any block freed too early
  const churn = (n: number) => [0, 1, 2, 3].map((i) => ops.add(ops.zeros([n], ms.float32), 100 + i));
  const all = (t: Tensor) => [...new Set(values(t))];

  it("values read from outside, returned as views or as the new value, or assigned to another Parameter keep their numbers", () => {
    const n = 4096;
    const w = new ms.Parameter(ops.ones([n], ms.float32), "w");
    const v = new ms.Parameter(ops.zeros([n], ms.float32), "v");
    const k = ops.ones([n], ms.float32);
    const plain = ms.jit((d: Tensor) => {
      w.set_data(ops.add(w, d));
      return ops.sum(d);
    });
    const returnsOldView = ms.jit((d: Tensor) => {
      const before = ops.reshape(w, [64, 64]);
      w.set_data(ops.add(w, d));
      return before;
    });
    const returnsNew = ms.jit((d: Tensor) => {
      w.set_data(ops.add(w, d));
      return w;
    });
    const copiesToV = ms.jit((d: Tensor) => {
      v.set_data(w);
      w.set_data(ops.add(w, d));
      return ops.sum(d);
    });
    const run = (f: (d: Tensor) => unknown) => {
      const r = f(k);
      churn(n);
      return r;
    };
    const bumpsV = ms.jit((d: Tensor) => {
      v.set_data(ops.add(v, d));
      return ops.sum(d);
    });
    // compiling reads the Parameters (a snapshot), so first compile all five: w = 5, v = 5
    for (const f of [plain, returnsOldView, returnsNew, copiesToV, bumpsV]) run(f);
    run(plain);
    run(plain); // w = 7, its storage its own
    const view = run(returnsOldView) as Tensor; // holds 7; w = 8
    run(plain); // w = 9
    const held = w.value(); // 9
    run(plain); // w = 10
    run(plain); // w = 11
    const held2 = w.value(); // 11
    run(copiesToV); // v = 11, sharing held2's storage; w = 12
    run(bumpsV); // v = 12
    const newValue = run(returnsNew) as Tensor; // 13, shared with w
    for (let i = 0; i < 4; i++) expect((run(plain) as Tensor).item()).toBe(n); // w = 17
    expect(view.shape).toEqual([64, 64]);
    expect(all(view)).toEqual([7]);
    expect(all(held)).toEqual([9]);
    expect(all(held2)).toEqual([11]);
    expect(all(newValue)).toEqual([13]);
    expect(all(v)).toEqual([12]);
    expect(all(w)).toEqual([17]);
  });
});

describe("jit falls back to eager evaluation", () => {
  it("when the function reads values while traced: warns once, returns the eager result", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const f = ms.jit((a: Tensor) => ((ops.sum(a).item() as number) > 0 ? ops.exp(a) : ops.neg(a)));
    expect(values(f(new Tensor([1, 2], ms.float32)))).toEqual(values(ops.exp(new Tensor([1, 2], ms.float32))));
    expect(values(f(new Tensor([-1, -2], ms.float32)))).toEqual([1, 2]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/jit runs .* eagerly/);
    warn.mockRestore();
  });

  it("when it draws random numbers (a dropout mask is not frozen into the graph)", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const f = ms.jit((a: Tensor) => ops.dropout(a, 0.5, true));
    const a = ops.ones([200], ms.float32);
    const m1 = values(f(a));
    const m2 = values(f(a));
    expect(m1).not.toEqual(m2);
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });

  it("fullgraph: true makes it a RuntimeError instead", () => {
    const f = ms.jit((a: Tensor) => ops.mul(a, ops.sum(a).item() as number), { fullgraph: true });
    expect(() => f(new Tensor([1, 2], ms.float32))).toThrow(ms.RuntimeError);
    expect(() => f(new Tensor([1, 2], ms.float32))).toThrow(/values were read while the function was being traced/);
  });
});

describe("the fusion planner", () => {
  /** Stage `f` on abstract arguments of `shapes` and plan it with fusion. */
  const planOf = (f: (...a: Tensor[]) => Tensor[], shapes: number[][]) => {
    const trace = pushTrace((level) => new StageTrace(level));
    try {
      const args = shapes.map((s, i) => trace.newVar(s, ms.float32, { kind: "arg", index: i }));
      trace.graph.outputs = f(...args).map((t) => trace.idOf(t));
    } finally {
      popTrace(trace);
    }
    return { graph: trace.graph, steps: plan(trace.graph, true) };
  };

  it("fuses a forward and backward elementwise chain into one kernel around a reduction", () => {
    const { steps } = planOf((y, z) => {
      const p = ops.mul(ops.exp(y), ops.square(z));
      return [ops.sum(p), ops.mul(ops.exp(y), z), ops.mul(z, 2)];
    }, [[100], [100]]);
    const fused = steps.filter((s) => s.kind === "fused");
    expect(fused.length).toBe(1);
    expect(steps.map((s) => (s.kind === "eqn" ? s.eqn.prim : "fused"))).toEqual(["fused", "sum"]);
    const f = fused[0] as Extract<(typeof steps)[number], { kind: "fused" }>;
    // the product feeds the sum and two results leave: three outputs, no temporary written out
    expect(f.outs.length).toBe(3);
    expect(f.program.nOutputs).toBe(3);
    expect(f.program.code.every((c) => c.dst >= f.program.nInputs)).toBe(true);
  });

  it("never fuses across a value that leaves the cluster and comes back", () => {
    // a = exp(x); s = sum(a) (not fusable); b = a * s (broadcast of a reduction of a): a and b cannot be one kernel
    const { steps } = planOf((x) => {
      const a = ops.exp(x);
      const s = ops.sum(a, 0, true);
      return [ops.mul(ops.mul(a, s), a)];
    }, [[10]]);
    const order = steps.map((s) => (s.kind === "eqn" ? s.eqn.prim : `fused(${s.eqns.map((e) => e.prim).join(",")})`));
    expect(order).toEqual(["exp", "sum", "fused(mul,mul)"]);
  });

  it("leaves different shapes and dtypes apart", () => {
    // exp(w) has one element: a broadcast input of the cluster, not a member of it
    const a = planOf((x, w) => [ops.exp(ops.add(ops.exp(x), ops.exp(w)))], [[4, 5], [1]]);
    const kinds = (steps: ReturnType<typeof plan>) => steps.map((s) => (s.kind === "eqn" ? s.eqn.prim : `fused(${s.eqns.map((e) => e.prim).join(",")})`));
    expect(kinds(a.steps)).toEqual(["exp", "fused(exp,add,exp)"]);
    // a row broadcast ([5] against [4, 5]) is not an input a fused kernel takes: add runs alone
    const b = planOf((x, w) => [ops.exp(ops.add(ops.exp(x), ops.exp(w)))], [[4, 5], [5]]);
    expect(kinds(b.steps)).toEqual(["exp", "exp", "add", "exp"]);
    // float64 values do not join a float32 chain
    const c = planOf((x) => [ops.exp(ops.cast(ops.exp(ops.cast(ops.exp(x), ms.float64)), ms.float32))], [[6]]);
    expect(kinds(c.steps)).toEqual(["exp", "cast", "exp", "cast", "exp"]);
  });
});
