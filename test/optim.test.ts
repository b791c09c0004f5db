/**
 * nn optimizers and learning-rate schedules:
 *  1. PyTorch trajectories (tools/gen_optim_fixtures.py) where the formulas agree;
 *  2. MindSpore's own formulas, written out step by step in float64, where they differ
 *     (eps placement, AdamWeightDecay, amsgrad, decay filter, groups, loss_scale, RMSProp, Adagrad);
 *  3. learning-rate schedules and dynamic-lr lists against their formulas;
 *  4. errors: MindSpore's classes and messages, and nothing updated;
 *  5. the training idiom of the spec.
 */
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as ms from "../src/index.js";
import { Tensor, Parameter, nn, ops } from "../src/index.js";

const vals = (t: Tensor): number[] => Array.from(t.asnumpy().data as ArrayLike<number>, Number);
const f32 = Math.fround;

function expectClose(actual: number[], expected: number[], rtol: number, atol: number, label = ""): void {
  expect(actual.length, label).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${label}[${i}]: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// 1. PyTorch trajectories
// ---------------------------------------------------------------------------------------------

interface TSpec {
  shape: number[];
  data: number[];
}
interface TrajCase {
  id: string;
  optimizer: "SGD" | "Momentum" | "Adam" | "Adagrad" | "RMSProp";
  kwargs: Record<string, unknown>;
  trajectory: { loss: number; weight: number[]; bias: number[] }[];
}
interface TrajFile {
  steps: number;
  problem: { x: TSpec; y: TSpec; weight: TSpec; bias: TSpec };
  tolerance: { rtol: number; atol: number };
  cases: TrajCase[];
}

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, "fixtures", "optim", "torch_trajectories.json"), "utf8")) as TrajFile;
const tensorOf = (t: TSpec) => ops.reshape(new Tensor(Float32Array.from(t.data), ms.float32), t.shape);

const OPTIMIZERS: Record<TrajCase["optimizer"], new (params: Parameter[], options: any) => nn.Optimizer> = {
  SGD: nn.SGD,
  Momentum: nn.Momentum,
  Adam: nn.Adam,
  Adagrad: nn.Adagrad,
  RMSProp: nn.RMSProp,
};
const SCHEDULES: Record<string, new (...args: any[]) => nn.LearningRateSchedule> = {
  ExponentialDecayLR: nn.ExponentialDecayLR,
  CosineDecayLR: nn.CosineDecayLR,
};

/** The fixture's MindSpore kwargs as JS values: {list: [...]} is a per-step list, {schedule, args} a schedule Cell. */
function kwargsOf(k: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...k };
  const lr = k.learning_rate as { list?: number[]; schedule?: string; args?: unknown[] } | number;
  if (typeof lr === "object" && lr.list) out.learning_rate = lr.list;
  if (typeof lr === "object" && lr.schedule) out.learning_rate = new SCHEDULES[lr.schedule](...(lr.args as unknown[]));
  return out;
}

describe("optimizers against PyTorch (20 steps of a Dense(3, 2) + MSELoss regression)", () => {
  const { x, y, weight, bias } = fixture.problem;
  const X = tensorOf(x);
  const Y = tensorOf(y);
  for (const c of fixture.cases) {
    it(c.id, () => {
      const net = new nn.Dense(3, 2, tensorOf(weight), tensorOf(bias));
      const loss_fn = new nn.MSELoss();
      const opt = new OPTIMIZERS[c.optimizer](net.trainable_params(), kwargsOf(c.kwargs));
      const grad_fn = ms.value_and_grad((a: Tensor, b: Tensor) => loss_fn(net(a), b), null, opt.parameters);
      const { rtol, atol } = fixture.tolerance;
      c.trajectory.forEach((t, step) => {
        const [loss, grads] = grad_fn(X, Y);
        expectClose([loss.item() as number], [t.loss], rtol, atol, `${c.id} loss before step ${step}`);
        opt(grads);
        expectClose(vals(net.weight), t.weight, rtol, atol, `${c.id} weight after step ${step}`);
        expectClose(vals(net.bias as Parameter), t.bias, rtol, atol, `${c.id} bias after step ${step}`);
      });
      // the last loss of the trajectory is well below the first: the run really trained
      expect(c.trajectory[fixture.steps - 1].loss).toBeLessThan(c.trajectory[0].loss);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 2. MindSpore's formulas, step by step in float64
// ---------------------------------------------------------------------------------------------

/** 'w' is decayed without groups; 'bn.gamma' is not (its name contains 'gamma'). */
function makeParams(): Parameter[] {
  return [
    new Parameter(new Tensor([0.5, -1.0, 2.0], ms.float32), "w"),
    new Parameter(new Tensor([[1.0, 0.25], [-0.5, 0.75]], ms.float32), "bn.gamma"),
  ];
}
/** Deterministic gradients (float32 values) for step k of parameter i: they do not depend on the parameters. */
const gradValues = (k: number, i: number, n: number, scale = 1): number[] =>
  Array.from({ length: n }, (_, j) => f32(scale * Math.sin(1.3 * k + 0.7 * j + 2 * i) * (i + 1) * 0.5));
const gradsFor = (params: readonly Parameter[], k: number, scale = 1): Tensor[] =>
  params.map((p, i) => ops.reshape(new Tensor(Float32Array.from(gradValues(k, i, p.size, scale)), ms.float32), p.shape));

type RefStep = (k: number, p: number[][], g: number[][]) => void;

/**
 * Run `opt` for `steps` calls with gradsFor(opt.parameters, k, gradScale) and the float64
 * reference `ref` on the same gradients; compare every parameter after every step.
 */
function checkAgainst(opt: nn.Optimizer, steps: number, ref: RefStep, gradScale = 1, tol = { rtol: 1e-5, atol: 1e-6 }): number[][] {
  const params = [...opt.parameters];
  const p = params.map((q) => vals(q));
  for (let k = 0; k < steps; k++) {
    const grads = gradsFor(params, k, gradScale);
    ref(
      k,
      p,
      params.map((q, i) => gradValues(k, i, q.size)),
    );
    opt(grads);
    params.forEach((q, i) => expectClose(vals(q), p[i], tol.rtol, tol.atol, `${opt.constructor.name} ${q.name} step ${k}`));
  }
  return p;
}
const zerosLike = (p: number[][]) => p.map((r) => r.map(() => 0));

describe("Momentum (ApplyMomentum)", () => {
  for (const use_nesterov of [false, true]) {
    it(`v = u·v + g, p -= ${use_nesterov ? "lr·g + lr·u·v" : "lr·v"}; weight decay skips 'gamma'`, () => {
      const [lr, u, wd] = [0.1, 0.9, 0.05];
      const opt = new nn.Momentum(makeParams(), lr, u, wd, 1.0, use_nesterov);
      let v: number[][] | null = null;
      checkAgainst(opt, 8, (_k, p, g) => {
        v ??= zerosLike(p);
        p.forEach((row, i) =>
          row.forEach((w, j) => {
            const gi = g[i][j] + (i === 0 ? wd * w : 0); // 'bn.gamma' (i = 1) is not decayed
            v![i][j] = u * v![i][j] + gi;
            row[j] = use_nesterov ? w - (lr * gi + lr * u * v![i][j]) : w - lr * v![i][j];
          }),
        );
      });
      expect(opt.moments.map((m) => m.name)).toEqual(["moments.w", "moments.bn.gamma"]);
      expect(opt.global_step.tolist()).toEqual([0]); // fixed rate: global_step does not move
    });
  }
});

describe("SGD (the SGD kernel)", () => {
  it("first step v = g, then v = u·v + (1 − dampening)·g; stat flips to 0", () => {
    const [lr, u, d] = [0.1, 0.9, 0.4];
    const opt = new nn.SGD(makeParams(), lr, u, d);
    let v: number[][] | null = null;
    checkAgainst(opt, 6, (k, p, g) => {
      v ??= zerosLike(p);
      p.forEach((row, i) =>
        row.forEach((w, j) => {
          v![i][j] = k === 0 ? g[i][j] : u * v![i][j] + (1 - d) * g[i][j];
          row[j] = w - lr * v![i][j];
        }),
      );
    });
    expect(opt.accum.map((a) => a.name)).toEqual(["accum.w", "accum.bn.gamma"]);
    expect(opt.stat.map((s) => vals(s))).toEqual([[0, 0, 0], [0, 0, 0, 0]]);
  });
  it("weight decay applies to every parameter ('gamma' too) and is not scaled; loss_scale divides the gradient", () => {
    const [lr, wd, ls] = [0.1, 0.2, 4];
    const opt = new nn.SGD(makeParams(), { learning_rate: lr, weight_decay: wd, loss_scale: ls });
    checkAgainst(
      opt,
      4,
      (_k, p, g) => p.forEach((row, i) => row.forEach((w, j) => (row[j] = w - lr * (g[i][j] + wd * w)))),
      ls, // the gradients fed are scaled by loss_scale
    );
  });
  it("with groups the kernel's decay is weight_decay·loss_scale (MindSpore's quirk)", () => {
    const [lr, wd, ls] = [0.1, 0.2, 4];
    const [w, gamma] = makeParams();
    const opt = new nn.SGD([{ params: [w, gamma], weight_decay: wd }], { learning_rate: lr, loss_scale: ls });
    checkAgainst(opt, 4, (_k, p, g) => p.forEach((row, i) => row.forEach((x, j) => (row[j] = x - lr * (g[i][j] + wd * ls * x)))), ls);
  });
});

describe("Adam (the Adam kernel)", () => {
  const msAdam = (lr: number, b1: number, b2: number, eps: number, opts: { nesterov?: boolean; amsgrad?: boolean; wd?: number } = {}) => {
    let m: number[][] | null = null;
    let v: number[][] | null = null;
    let vhat: number[][] | null = null;
    const state = { vhatDiffers: false };
    const step: RefStep = (k, p, g) => {
      m ??= zerosLike(p);
      v ??= zerosLike(p);
      vhat ??= zerosLike(p);
      const t = k + 1;
      const lr_t = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      p.forEach((row, i) =>
        row.forEach((w, j) => {
          const gi = g[i][j] + (opts.wd && i === 0 ? opts.wd * w : 0);
          m![i][j] += (gi - m![i][j]) * (1 - b1);
          v![i][j] += (gi * gi - v![i][j]) * (1 - b2);
          if (opts.amsgrad) {
            vhat![i][j] = Math.max(vhat![i][j], v![i][j]);
            if (vhat![i][j] > v![i][j] * (1 + 1e-3)) state.vhatDiffers = true;
            row[j] = w - (lr_t * m![i][j]) / (Math.sqrt(vhat![i][j]) + eps);
          } else {
            const numer = opts.nesterov ? b1 * m![i][j] + (1 - b1) * gi : m![i][j];
            row[j] = w - (lr_t * numer) / (Math.sqrt(v![i][j]) + eps);
          }
        }),
      );
    };
    return { step, state };
  };

  it("eps is added to √v, not to the bias-corrected √v̂ (differs from PyTorch with a large eps)", () => {
    const [lr, b1, b2, eps] = [0.05, 0.9, 0.999, 0.1];
    const opt = new nn.Adam(makeParams(), { learning_rate: lr, eps });
    const ref = msAdam(lr, b1, b2, eps);
    const msFinal = checkAgainst(opt, 10, ref.step);
    // PyTorch's form p -= lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + eps) on the same gradients ends elsewhere
    const p = makeParams().map((q) => vals(q));
    const m = zerosLike(p);
    const v = zerosLike(p);
    for (let k = 0; k < 10; k++) {
      const t = k + 1;
      p.forEach((row, i) =>
        row.forEach((w, j) => {
          const g = gradValues(k, i, row.length)[j];
          m[i][j] = b1 * m[i][j] + (1 - b1) * g;
          v[i][j] = b2 * v[i][j] + (1 - b2) * g * g;
          row[j] = w - ((lr / (1 - b1 ** t)) * m[i][j]) / (Math.sqrt(v[i][j]) / Math.sqrt(1 - b2 ** t) + eps);
        }),
      );
    }
    const gap = Math.max(...p.flat().map((x, n) => Math.abs(x - msFinal.flat()[n])));
    expect(gap).toBeGreaterThan(1e-2);
    expect(opt.beta1_power.item()).toBeCloseTo(0.9 ** 10, 6);
    expect(opt.beta2_power.item()).toBeCloseTo(0.999 ** 10, 6);
  });
  it("use_nesterov: p -= lr_t·(β1·m + (1 − β1)·g)/(√v + eps); L2 weight decay skips 'gamma'", () => {
    const opt = new nn.Adam(makeParams(), 0.02, 0.8, 0.95, 1e-3, false, true, 0.1);
    checkAgainst(opt, 8, msAdam(0.02, 0.8, 0.95, 1e-3, { nesterov: true, wd: 0.1 }).step);
  });
  it("use_amsgrad keeps vhat = max(vhat, v) in 'vhat.*' and divides by √vhat", () => {
    const opt = new nn.Adam(makeParams(), { learning_rate: 0.02, beta2: 0.9, eps: 1e-6, use_amsgrad: true });
    const ref = msAdam(0.02, 0.9, 0.9, 1e-6, { amsgrad: true });
    checkAgainst(opt, 12, ref.step);
    expect(ref.state.vhatDiffers).toBe(true); // the max mattered on this gradient sequence
    expect(opt.vhat.map((q) => q.name)).toEqual(["vhat.w", "vhat.bn.gamma"]);
  });
});

describe("AdamWeightDecay (decoupled decay, no bias correction)", () => {
  const ref = (lr: number, b1: number, b2: number, eps: number, decayOf: (i: number) => number): RefStep => {
    let m: number[][] | null = null;
    let v: number[][] | null = null;
    return (_k, p, g) => {
      m ??= zerosLike(p);
      v ??= zerosLike(p);
      p.forEach((row, i) =>
        row.forEach((w, j) => {
          m![i][j] += (g[i][j] - m![i][j]) * (1 - b1);
          v![i][j] += (g[i][j] * g[i][j] - v![i][j]) * (1 - b2);
          row[j] = w - lr * (m![i][j] / (Math.sqrt(v![i][j]) + eps) + decayOf(i) * w);
        }),
      );
    };
  };
  it("p -= lr·(m/(√v + eps) + wd·p); 'gamma' is not decayed without groups", () => {
    const opt = new nn.AdamWeightDecay(makeParams(), 0.01, 0.9, 0.999, 1e-6, 0.3);
    checkAgainst(opt, 10, ref(0.01, 0.9, 0.999, 1e-6, (i) => (i === 0 ? 0.3 : 0)));
    expect(opt.moments1.map((q) => q.name)).toEqual(["adam_m.w", "adam_m.bn.gamma"]);
    expect(opt.moments2.map((q) => q.name)).toEqual(["adam_v.w", "adam_v.bn.gamma"]);
  });
  it("with groups each group's weight_decay applies (to 'gamma' too), and 0 means no decay", () => {
    const [w, gamma] = makeParams();
    const opt = new nn.AdamWeightDecay([{ params: [w], weight_decay: 0.0 }, { params: [gamma], weight_decay: 0.5 }], { learning_rate: 0.01 });
    expect(opt.decay_flags).toEqual([false, true]);
    checkAgainst(opt, 6, ref(0.01, 0.9, 0.999, 1e-6, (i) => (i === 1 ? 0.5 : 0)));
  });
});

describe("RMSProp (ApplyRMSProp / ApplyCenteredRMSProp)", () => {
  const ref = (lr: number | number[], decay: number, u: number, eps: number, centered: boolean): RefStep => {
    let s: number[][] | null = null;
    let mg: number[][] | null = null;
    let mom: number[][] | null = null;
    return (k, p, g) => {
      s ??= p.map((r) => r.map(() => 1)); // mean_square starts at 1
      mg ??= zerosLike(p);
      mom ??= zerosLike(p);
      const rate = Array.isArray(lr) ? lr[k] : lr;
      p.forEach((row, i) =>
        row.forEach((w, j) => {
          s![i][j] += (g[i][j] * g[i][j] - s![i][j]) * (1 - decay);
          let radicand = s![i][j] + eps;
          if (centered) {
            mg![i][j] += (g[i][j] - mg![i][j]) * (1 - decay);
            radicand = s![i][j] - mg![i][j] * mg![i][j] + eps;
          }
          mom![i][j] = u * mom![i][j] + (rate * g[i][j]) / Math.sqrt(radicand);
          row[j] = w - mom![i][j];
        }),
      );
    };
  };
  it("mean_square starts at 1 and eps sits inside the root", () => {
    const opt = new nn.RMSProp(makeParams(), 0.05, 0.9, 0.0, 0.1);
    checkAgainst(opt, 8, ref(0.05, 0.9, 0, 0.1, false));
    expect(vals(opt.ms[0]).every((x) => x !== 1)).toBe(true);
    expect(opt.ms.map((q) => q.name)).toEqual(["mean_square.w", "mean_square.bn.gamma"]);
    expect(opt.moment.map((q) => q.name)).toEqual(["moment.w", "moment.bn.gamma"]);
  });
  it("centered with momentum subtracts the mean gradient squared", () => {
    const opt = new nn.RMSProp(makeParams(), { learning_rate: 0.02, decay: 0.8, momentum: 0.6, epsilon: 1e-4, centered: true });
    checkAgainst(opt, 8, ref(0.02, 0.8, 0.6, 1e-4, true));
    expect(opt.mg.map((q) => q.name)).toEqual(["mean_grad.w", "mean_grad.bn.gamma"]);
  });
  it("advances global_step on every call, twice with a dynamic rate (reads steps 0, 2, 4)", () => {
    const fixed = new nn.RMSProp(makeParams());
    for (let k = 0; k < 3; k++) fixed(gradsFor(fixed.parameters, k));
    expect(fixed.global_step.tolist()).toEqual([3]);
    const table = [0.1, 0, 0.2, 0, 0.3, 0];
    const opt = new nn.RMSProp(makeParams(), { learning_rate: table });
    checkAgainst(opt, 3, ref([0.1, 0.2, 0.3], 0.9, 0, 1e-10, false));
    expect(opt.global_step.tolist()).toEqual([6]);
  });
});

describe("Adagrad (ApplyAdagrad)", () => {
  for (const update_slots of [true, false]) {
    it(`h ${update_slots ? "+= g²" : "stays at accum"}; p -= lr·g/√(h + 1e-6); loss_scale and decay`, () => {
      const [accum, lr, wd, ls] = [0.2, 0.1, 0.05, 2];
      const opt = new nn.Adagrad(makeParams(), accum, lr, update_slots, ls, wd);
      let h: number[][] | null = null;
      checkAgainst(
        opt,
        6,
        (_k, p, g) => {
          h ??= p.map((r) => r.map(() => accum));
          p.forEach((row, i) =>
            row.forEach((w, j) => {
              const gi = g[i][j] + (i === 0 ? wd * w : 0);
              if (update_slots) h![i][j] += gi * gi;
              row[j] = w - (lr * gi) / Math.sqrt(h![i][j] + 1e-6);
            }),
          );
        },
        ls,
      );
      expect(vals(opt.accum[0]).every((x) => (update_slots ? x > accum : x === f32(accum)))).toBe(true);
    });
  }
});

describe("weight decay, loss_scale and parameter groups", () => {
  it("without groups weight decay skips names containing 'beta' or 'gamma'", () => {
    const params = [
      new Parameter(new Tensor([1.0, 2.0], ms.float32), "fc.weight"),
      new Parameter(new Tensor([1.0, 2.0], ms.float32), "ln.beta"),
      new Parameter(new Tensor([1.0, 2.0], ms.float32), "bn.gamma"),
    ];
    const opt = new nn.Momentum(params, 0.1, 0.0, 0.5);
    expect(opt.decay_flags).toEqual([true, false, false]);
    opt(params.map(() => ops.zeros([2])));
    expect(params.map((p) => vals(p))).toEqual([[f32(1 - 0.1 * 0.5), f32(2 - 0.1 * 0.5 * 2)], [1, 2], [1, 2]]);
  });
  it("loss_scale: decay is stored ×loss_scale and gradients are divided by it, so scaled gradients give the unscaled step", () => {
    const run = (ls: number) => {
      const opt = new nn.Momentum(makeParams(), { learning_rate: 0.1, momentum: 0.9, weight_decay: 0.05, loss_scale: ls });
      for (let k = 0; k < 5; k++) opt(gradsFor(opt.parameters, k, ls));
      return opt;
    };
    const plain = run(1);
    const scaled = run(8);
    expect(scaled.weight_decay).toBeCloseTo(0.4, 12);
    plain.parameters.forEach((p, i) => expectClose(vals(scaled.parameters[i]), vals(p), 1e-6, 1e-7, p.name));
  });
  it("groups: per-group lr and weight_decay, order_params, names and get_lr", () => {
    const [w, gamma] = makeParams();
    const opt = new nn.Momentum(
      [{ params: [w], lr: 0.05, weight_decay: 0.1 }, { params: [gamma], weight_decay: 0.2 }, { order_params: [gamma, w] }],
      0.1,
      0.9,
    );
    expect(opt.parameters.map((p) => p.name)).toEqual(["bn.gamma", "w"]);
    expect(opt.decay_flags).toEqual([true, true]); // groups decay 'gamma' too
    const lrs = opt.get_lr() as Tensor[];
    expect(lrs.map((t) => t.item())).toEqual([f32(0.1), f32(0.05)]);
    expect((opt.get_lr_parameter(w) as Parameter).name).toBe("learning_rate_group_0");
    expect((opt.get_lr_parameter(gamma) as Parameter).name).toBe("learning_rate");
    const rate = [0.1, 0.05];
    const wd = [0.2, 0.1];
    let v: number[][] | null = null;
    checkAgainst(opt, 5, (_k, p, g) => {
      v ??= zerosLike(p);
      p.forEach((row, i) =>
        row.forEach((x, j) => {
          v![i][j] = 0.9 * v![i][j] + g[i][j] + wd[i] * x;
          row[j] = x - rate[i] * v![i][j];
        }),
      );
    });
  });
  it("groups mixing a dynamic and a fixed rate: the fixed one is read as a schedule too", () => {
    const [w, gamma] = makeParams();
    const opt = new nn.SGD([{ params: [w], lr: [0.1, 0.2, 0.3] }, { params: [gamma] }], 0.05);
    expect(opt.dynamic_lr && opt.is_group_lr).toBe(true);
    const rates = [
      [0.1, 0.05],
      [0.2, 0.05],
      [0.3, 0.05],
    ];
    checkAgainst(opt, 3, (k, p, g) => p.forEach((row, i) => row.forEach((x, j) => (row[j] = x - rates[k][i] * g[i][j]))));
    expect(opt.global_step.tolist()).toEqual([3]);
  });
  it("a Cell weight decay is dynamic: called with global_step, times loss_scale, and it advances global_step", () => {
    const p = new Parameter(new Tensor([1.0, -2.0], ms.float32), "w");
    const opt = new nn.Momentum([p], { learning_rate: 0.5, momentum: 0.0, weight_decay: new nn.WarmUpLR(0.2, 2), loss_scale: 2 });
    expect(opt.dynamic_weight_decay).toBe(true);
    let expected = [1.0, -2.0];
    for (const wd of [0, 0.1, 0.2, 0.2]) {
      opt([ops.zeros([2])]);
      expected = expected.map((x) => x - 0.5 * wd * x); // (0 + wd·ls·x)/ls
      expectClose(vals(p), expected, 1e-6, 1e-7, `wd ${wd}`);
    }
    expect(opt.global_step.tolist()).toEqual([4]);
  });
  it("a user-defined optimizer built on nn.Optimizer's helpers", () => {
    class PlainSGD extends nn.Optimizer {
      declare moments: ms.ParameterTuple;
      constructor(params: Parameter[], learning_rate: unknown) {
        super(learning_rate, params);
        this.moments = new ms.ParameterTuple(this.parameters.map((q) => new Parameter(ops.zeros_like(q), `moments.${q.name}`)));
      }
      construct(gradients: Tensor[]) {
        const lr = this.get_lr() as Tensor;
        this.parameters.forEach((q, i) => {
          this.moments[i].set_data(gradients[i]);
          q.set_data(ops.sub(q, ops.mul(lr, gradients[i])));
        });
        return true;
      }
    }
    const p = new Parameter(new Tensor([1.0], ms.float32), "w");
    const opt = new PlainSGD([p], [0.5, 0.25]);
    opt([new Tensor([2.0])]);
    opt([new Tensor([2.0])]);
    expect(p.item()).toBe(-0.5);
    expect(opt.global_step.tolist()).toEqual([2]);
    expect(opt.parameters_and_names().map(([n]) => n)).toContain("moments.w");
  });
  it("grad_centralization subtracts the per-row mean of 2-D gradients whose dim 1 is a multiple of 16", () => {
    const w = new Parameter(ops.zeros([2, 16]), "conv.weight");
    const b = new Parameter(ops.zeros([2, 3]), "b");
    const opt = new nn.SGD([{ params: [w, b], grad_centralization: true }], 1.0);
    const g = (n: number) => ops.reshape(new Tensor(Float32Array.from({ length: 2 * n }, (_, i) => i)), [2, n]);
    opt([g(16), g(3)]);
    // row means 7.5 and 23.5 removed from the 16-wide gradient; the 3-wide one is left alone
    expect(vals(w)).toEqual(Array.from({ length: 32 }, (_, i) => -(i - (i < 16 ? 7.5 : 23.5))));
    expect(vals(b)).toEqual([0, -1, -2, -3, -4, -5]);
  });
});

describe("optimizer state is made of named, registered Parameters", () => {
  it("Adam's checkpointable state: global_step, learning_rate, parameters, beta powers, moments", () => {
    class Net extends nn.Cell {
      fc = new nn.Dense(2, 1);
      construct(x: Tensor) {
        return this.fc(x);
      }
    }
    const opt = new nn.Adam(new Net().trainable_params());
    expect(opt.parameters_and_names().map(([n]) => n)).toEqual([
      "global_step",
      "learning_rate",
      "fc.weight",
      "fc.bias",
      "beta1_power",
      "beta2_power",
      "moment1.fc.weight",
      "moment1.fc.bias",
      "moment2.fc.weight",
      "moment2.fc.bias",
    ]);
    expect(opt.global_step.dtype).toBe(ms.int32);
    expect(opt.global_step.shape).toEqual([1]);
    expect((opt.learning_rate as Parameter).item()).toBe(f32(1e-3));
    expect(opt.parameters).toBeInstanceOf(ms.ParameterTuple);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. learning-rate schedules and dynamic-lr lists
// ---------------------------------------------------------------------------------------------

const steps = Array.from({ length: 12 }, (_, i) => i);
const at = (s: nn.LearningRateSchedule, step: number) => s(new Tensor(step, ms.int32)).item() as number;

describe("LearningRateSchedule Cells", () => {
  it("ExponentialDecayLR: lr·rate^(step/decay_steps), floor with is_stair", () => {
    const smooth = new nn.ExponentialDecayLR(0.1, 0.9, 4);
    const stair = new nn.ExponentialDecayLR(0.1, 0.9, 4, true);
    for (const s of steps) {
      expect(at(smooth, s)).toBe(f32(0.1 * 0.9 ** (s / 4)));
      expect(at(stair, s)).toBe(f32(0.1 * 0.9 ** Math.floor(s / 4)));
    }
    expect(at(smooth, 2)).toBeCloseTo(0.09486833, 8); // MindSpore's docstring example
  });
  it("NaturalExpDecayLR: lr·e^(−rate·step) as MindSpore's construct computes it; stair rounds step down to a multiple of decay_steps", () => {
    const smooth = new nn.NaturalExpDecayLR(0.1, 0.9, 4);
    const stair = new nn.NaturalExpDecayLR(0.1, 0.9, 4, true);
    for (const s of steps) {
      expect(at(smooth, s)).toBe(f32(0.1 * Math.exp(-0.9 * s)));
      expect(at(stair, s)).toBe(f32(0.1 * Math.exp(-0.9 * Math.floor(s / 4) * 4)));
    }
  });
  it("InverseDecayLR: lr/(1 + rate·step/decay_steps)", () => {
    const smooth = new nn.InverseDecayLR(0.1, 0.9, 4);
    const stair = new nn.InverseDecayLR(0.1, 0.9, 4, true);
    for (const s of steps) {
      expect(at(smooth, s)).toBe(f32(0.1 / (1 + (0.9 * s) / 4)));
      expect(at(stair, s)).toBe(f32(0.1 / (1 + 0.9 * Math.floor(s / 4))));
    }
  });
  it("CosineDecayLR: min + ½(max − min)(1 + cos(π·min(step, decay)/decay)), flat after decay_steps", () => {
    const c = new nn.CosineDecayLR(0.01, 0.1, 4);
    for (const s of steps) expect(at(c, s)).toBe(f32(0.01 + 0.045 * (1 + Math.cos((Math.PI * Math.min(s, 4)) / 4))));
    expect(at(c, 2)).toBeCloseTo(0.055, 7);
    expect(at(c, 9)).toBe(f32(0.01));
  });
  it("PolynomialDecayLR: clamped, or with a horizon that grows with update_decay_steps", () => {
    const p = new nn.PolynomialDecayLR(0.1, 0.01, 4, 0.5);
    const u = new nn.PolynomialDecayLR(0.1, 0.01, 4, 0.5, true);
    for (const s of steps) {
      expect(at(p, s)).toBe(f32(0.09 * (1 - Math.min(s, 4) / 4) ** 0.5 + 0.01));
      const horizon = 4 * Math.max(Math.ceil(s / 4), 1);
      expect(at(u, s)).toBe(f32(0.09 * (1 - s / horizon) ** 0.5 + 0.01));
    }
    expect(at(u, 6)).toBeCloseTo(0.09 * 0.5 + 0.01, 7);
  });
  it("WarmUpLR: lr·min(step, warmup)/warmup", () => {
    const w = new nn.WarmUpLR(0.1, 2);
    expect(steps.slice(0, 4).map((s) => at(w, s))).toEqual([0, f32(0.05), f32(0.1), f32(0.1)]);
  });
  it("keep the step's shape: [1] in, [1] out (the optimizer's global_step); 0-d for a 0-d step", () => {
    const s = new nn.WarmUpLR(0.1, 4);
    expect(s(new Tensor([2], ms.int32)).shape).toEqual([1]);
    expect(s(new Tensor(2, ms.int32)).shape).toEqual([]);
    expect(s(new Tensor(2, ms.int32)).dtype).toBe(ms.float32);
  });
});

describe("dynamic-lr lists (MindSpore's docstring examples)", () => {
  const same = (a: number[], e: number[]) => expectClose(a, e, 1e-15, 0);
  it("piecewise_constant_lr", () => {
    expect(nn.piecewise_constant_lr([2, 5, 10], [0.1, 0.05, 0.01])).toEqual([0.1, 0.1, 0.05, 0.05, 0.05, 0.01, 0.01, 0.01, 0.01, 0.01]);
  });
  it("exponential_decay_lr", () => {
    same(nn.exponential_decay_lr(0.1, 0.9, 6, 2, 1), [0.1, 0.1, 0.09000000000000001, 0.09000000000000001, 0.08100000000000002, 0.08100000000000002]);
    same(nn.exponential_decay_lr(0.1, 0.9, 6, 1, 4, true), [0.1, 0.1, 0.1, 0.1, 0.09000000000000001, 0.09000000000000001]);
  });
  it("natural_exp_decay_lr", () => {
    same(nn.natural_exp_decay_lr(0.1, 0.9, 6, 2, 2, true), [0.1, 0.1, 0.1, 0.1, 0.016529888822158657, 0.016529888822158657]);
    same(nn.natural_exp_decay_lr(0.1, 0.9, 3, 1, 2), [0.1, 0.1 * Math.exp(-0.9), 0.1 * Math.exp(-1.8)]);
  });
  it("inverse_decay_lr", () => {
    same(nn.inverse_decay_lr(0.1, 0.5, 6, 1, 1, true), [0.1, 0.06666666666666667, 0.05, 0.04, 0.03333333333333333, 0.028571428571428574]);
    same(nn.inverse_decay_lr(0.1, 0.5, 3, 1, 2), [0.1, 0.1 / 1.25, 0.1 / 1.5]);
  });
  it("cosine_decay_lr", () => {
    same(nn.cosine_decay_lr(0.01, 0.1, 6, 2, 2), [0.1, 0.1, 0.05500000000000001, 0.05500000000000001, 0.01, 0.01]);
  });
  it("polynomial_decay_lr", () => {
    same(nn.polynomial_decay_lr(0.1, 0.01, 6, 2, 2, 0.5), [0.1, 0.1, 0.07363961030678928, 0.07363961030678928, 0.01, 0.01]);
    // update_decay_epoch: the horizon becomes 2·ceil(epoch/2)
    same(nn.polynomial_decay_lr(0.1, 0.01, 4, 1, 2, 1.0, true), [0.1, 0.09 * 0.5 + 0.01, 0.01, 0.09 * 0.25 + 0.01]);
  });
  it("warmup_lr", () => {
    same(nn.warmup_lr(0.1, 6, 2, 2), [0.0, 0.0, 0.05, 0.05, 0.1, 0.1]);
  });
});

describe("dynamic learning rates in an optimizer", () => {
  const one = () => new Parameter(new Tensor([1.0], ms.float32), "p");
  const unitGrad = [new Tensor([1.0], ms.float32)];
  it("a list, a 1-d Tensor and a schedule give step i the rate of global_step i; the list runs out to 0", () => {
    const rates = [0.1, 0.2, 0.3];
    for (const lr of [rates, new Tensor(rates, ms.float32), nn.piecewise_constant_lr([1, 2, 3], rates)]) {
      const p = one();
      const opt = new nn.SGD([p], lr);
      expect(opt.dynamic_lr).toBe(true);
      let expected = 1;
      for (let k = 0; k < 5; k++) {
        opt(unitGrad);
        expected -= f32(k < 3 ? rates[k] : 0); // MindSpore's CPU Gather reads 0 past the end
        expect(p.item()).toBeCloseTo(expected, 6);
        expect(opt.global_step.tolist()).toEqual([k + 1]);
      }
    }
    const p = one();
    const opt = new nn.SGD([p], new nn.WarmUpLR(0.2, 2));
    for (const expected of [1, 1, 0.9, 0.7, 0.5]) {
      expect(p.item()).toBeCloseTo(expected, 6);
      opt(unitGrad);
    }
  });
  it("get_lr returns the current rate and advances global_step when dynamic; a fixed rate is the Parameter", () => {
    const opt = new nn.Adam([one()], new nn.ExponentialDecayLR(0.1, 0.5, 1));
    expect((opt.get_lr() as Tensor).item()).toBeCloseTo(0.1, 7);
    expect((opt.get_lr() as Tensor).item()).toBeCloseTo(0.05, 7);
    expect(opt.global_step.tolist()).toEqual([2]);
    const fixed = new nn.Adam([one()], 0.01);
    const lr = fixed.get_lr() as Parameter;
    expect(lr).toBeInstanceOf(Parameter);
    expect(lr.name).toBe("learning_rate");
    expect(fixed.global_step.tolist()).toEqual([0]);
  });
  it("a 0-d Tensor rate is fixed", () => {
    const p = one();
    const opt = new nn.SGD([p], new Tensor(0.5, ms.float32));
    expect(opt.dynamic_lr).toBe(false);
    opt(unitGrad);
    opt(unitGrad);
    expect(p.item()).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. errors
// ---------------------------------------------------------------------------------------------

describe("errors raise MindSpore's classes and leave everything unchanged", () => {
  const snapshot = (opt: nn.Optimizer) => opt.get_parameters().map((p) => [p.name, vals(p)]);
  const cases: [string, (opt: nn.Optimizer) => unknown, new (...a: any[]) => Error, RegExp][] = [
    ["too few gradients", (o) => o([ops.zeros([3])]), ms.ValueError, /number of 'gradients' must equal the number of parameters \(2\), but got 1/],
    ["too many gradients", (o) => o([ops.zeros([3]), ops.zeros([2, 2]), ops.zeros([1])]), ms.ValueError, /but got 3/],
    ["not a list", (o) => o(ops.zeros([3])), ms.TypeError, /'gradients' must be a tuple or list of Tensors/],
    ["a non-Tensor element", (o) => o([ops.zeros([3]), [1, 2, 3, 4]]), ms.TypeError, /gradients\[1\] \(of parameter 'bn.gamma'\) must be a Tensor, but got list/],
    ["a wrong shape", (o) => o([ops.zeros([3]), ops.zeros([4])]), ms.ValueError, /shape of gradients\[1\] must be the shape \(2, 2\) of parameter 'bn.gamma', but got \(4,\)/],
    ["an int gradient", (o) => o([ops.zeros([3], ms.int32), ops.zeros([2, 2])]), ms.TypeError, /must be a floating Tensor, but got Int32/],
  ];
  const makers: [string, (p: Parameter[]) => nn.Optimizer][] = [
    ["SGD", (p) => new nn.SGD(p, [0.1, 0.2], 0.9)],
    ["Momentum", (p) => new nn.Momentum(p, 0.1, 0.9, 0.01)],
    ["Adam", (p) => new nn.Adam(p, new nn.WarmUpLR(0.1, 3), 0.9, 0.999, 1e-8, false, false, 0.0, 1.0, true)],
    ["AdamWeightDecay", (p) => new nn.AdamWeightDecay(p, { weight_decay: 0.1 })],
    ["RMSProp", (p) => new nn.RMSProp(p, { centered: true, momentum: 0.5 })],
    ["Adagrad", (p) => new nn.Adagrad(p)],
  ];
  for (const [name, make] of makers) {
    it(`${name}: bad gradients`, () => {
      const opt = make(makeParams());
      opt(gradsFor(opt.parameters, 0)); // one good step so that the state is not trivial
      const before = snapshot(opt);
      for (const [what, call, cls, msg] of cases) {
        expect(() => call(opt), what).toThrowError(cls);
        expect(() => call(opt), what).toThrowError(msg);
        expect(snapshot(opt), what).toEqual(before);
      }
    });
  }

  const bad = (f: () => unknown, cls: new (...a: any[]) => Error, msg: string | RegExp) => {
    expect(f).toThrowError(cls);
    expect(f).toThrowError(msg);
  };
  it("bad hyper-parameters of the base class", () => {
    const p = makeParams();
    bad(() => new nn.SGD(p, -0.1), ms.ValueError, "For 'SGD', the 'learning rate' must be float and must >= 0, but got '-0.1' with type 'float'.");
    bad(() => new nn.SGD(p, "0.1" as any), ms.TypeError, "For 'Optimizer', the argument 'learning_rate' must be int, float, Tensor, Iterable or LearningRateSchedule, but got <class 'str'>.");
    bad(() => new nn.SGD(p, ops.ones([2, 2])), ms.ValueError, "For 'Optimizer', if 'learning_rate' is Tensor type, then the dimension of it should be 0 or 1, but got 2.");
    bad(() => new nn.SGD(p, { weight_decay: -1 }), ms.ValueError, "For 'SGD', the 'weight_decay' must be float and must >= 0, but got '-1.0' with type 'float'.");
    bad(() => new nn.Momentum(p, 0.1, 0.9, "x" as any), ms.TypeError, "For 'Optimizer', the argument 'Weight_decay' must be int, float or Cell.but got <class 'str'>");
    bad(() => new nn.Adam(p, { loss_scale: 0 }), ms.ValueError, "For 'Adam', the 'loss_scale' must be float and must > 0, but got '0.0' with type 'float'.");
    bad(() => new nn.SGD(null as any), ms.ValueError, "For 'Optimizer', the argument parameters can not be None.");
    bad(() => new nn.SGD([]), ms.ValueError, "For 'Optimizer', the argument parameters must not be empty.");
    bad(() => new nn.SGD(5 as any), ms.TypeError, "For 'Optimizer', the argument parameters must be Iterable type, but got <class 'int'>.");
    bad(() => new nn.SGD([p[0], { params: [p[1]] }] as any), ms.TypeError, "all elements of the argument 'parameters' must be 'Parameter' or 'dict'");
    bad(() => new nn.SGD(p, { momentun: 0.9 } as any), ms.TypeError, "For 'SGD', got an unexpected keyword argument 'momentun'.");
  });
  it("bad parameter groups", () => {
    const [w, gamma] = makeParams();
    const f = () => new nn.SGD([{ params: [w], learning_rate: 0.1 } as any]);
    expect(f).toThrowError("For 'Optimizer', the key in group params must be one of in ['params', 'lr', 'weight_decay', 'order_params', 'grad_centralization'], but got ['learning_rate'].");
    try {
      f();
    } catch (e) {
      expect((e as Error).name).toBe("KeyError");
    }
    bad(() => new nn.SGD([{ params: [w] }, { params: [w, gamma] }]), ms.RuntimeError, "For 'Optimizer', the w parameter already exists, it does not support repeated setting.");
    bad(() => new nn.SGD([{ params: [w, 3 as any] }]), ms.TypeError, "For 'Optimizer', the element in group parameters must be Parameter type, but got <class 'int'> at index 1.");
    bad(() => new nn.SGD([{ params: [w] }, { order_params: [w], lr: 0.1 }]), ms.ValueError, "should only include the 'order_params' key");
    bad(() => new nn.SGD([{ params: [w] }, { order_params: [w, gamma] }]), ms.ValueError, "the length of order parameters must be the same as the length of group parameters");
    bad(() => new nn.SGD([{ params: [w], lr: [0.1, 0.2] }, { params: [gamma], lr: [0.1] }]), ms.ValueError, "the Tensor type dynamic learning rate in group must be the same size");
    bad(() => new nn.SGD([{ params: [w], grad_centralization: 1 as any }]), ms.TypeError, "the 'gradients_centralization' must be bool type, but got <class 'int'>.");
  });
  it("bad hyper-parameters of each optimizer", () => {
    const p = makeParams();
    bad(() => new nn.SGD(p, 0.1, -0.9), ms.ValueError, "For 'SGD', the argument 'momentum' must be at least 0.0, but got -0.9");
    bad(() => new nn.SGD(p, 0.1, 0.9, -0.1), ms.ValueError, "For 'SGD', the argument 'dampening' must be at least 0.0, but got 'dampening' -0.1");
    bad(() => new nn.SGD(p, { nesterov: true }), ms.ValueError, "For 'SGD', if 'nesterov' is true, 'momentum' must be > 0.0 and 'dampening' must equal to 0.0, but got 'momentum' 0.0, 'dampening' 0.0");
    bad(() => new nn.SGD(p, { nesterov: 1 as any }), ms.TypeError, "For 'SGD', the type of 'nesterov' should be 'bool', but got type 'int'.");
    bad(() => new nn.SGD(p, { weight_decay: new nn.WarmUpLR(0.1, 2) as any }), ms.TypeError, "For 'SGD', dynamic weight decay is currently not supported");
    bad(() => new (nn.Momentum as any)(p, 0.1), ms.TypeError, "Momentum.__init__() missing 1 required positional argument: 'momentum'");
    bad(() => new nn.Momentum(p, 0.1, -1), ms.ValueError, "For 'Momentum', the argument 'momentum' must be at least 0.0, but got -1.0");
    bad(() => new nn.Momentum(p, 0.1, 0.9, 0, 1, 1 as any), ms.TypeError, "The input value must be a bool, but got int.");
    bad(() => new nn.Adam(p, { beta1: 1.0 }), ms.ValueError, "For 'Adam', the 'beta1' must be in range of (0.0, 1.0), but got 1.0 with type 'float'.");
    bad(() => new nn.Adam(p, { beta2: "x" as any }), ms.TypeError, "For 'Adam', the type of 'beta2' should be 'float', but got type 'str'.");
    bad(() => new nn.Adam(p, { eps: 0 }), ms.ValueError, "For 'Adam', the 'eps' must be float and must > 0, but got '0.0' with type 'float'.");
    bad(() => new nn.Adam(p, { use_amsgrad: "yes" as any }), ms.TypeError, "For 'Adam', the type of 'use_amsgrad' should be 'bool', but got type 'str'.");
    bad(() => new nn.Adam(p, { use_lazy: true, use_offload: true }), ms.ValueError, "For 'Adam', 'use_lazy' and 'use_offload' can not both be True.");
    bad(() => new nn.AdamWeightDecay(p, { beta2: 0 }), ms.ValueError, "For 'AdamWeightDecay', the 'beta2' must be in range of (0.0, 1.0), but got 0.0 with type 'float'.");
    bad(() => new nn.RMSProp(p, { epsilon: 0 }), ms.ValueError, "For 'RMSProp', the 'epsilon' must be float and must > 0, but got '0.0' with type 'float'.");
    bad(() => new nn.RMSProp(p, { decay: -0.5 }), ms.ValueError, "For 'RMSProp', the 'decay' must be float and must >= 0, but got '-0.5' with type 'float'.");
    bad(() => new nn.RMSProp(p, { centered: 0 as any }), ms.TypeError, "For 'RMSProp', the type of 'centered' should be 'bool', but got type 'int'.");
    bad(() => new nn.Adagrad(p, -0.1), ms.ValueError, "For 'Adagrad', the 'accum' must be float and must >= 0, but got '-0.1' with type 'float'.");
    bad(() => new nn.Adagrad(p, 0.1, 0.1, "no" as any), ms.TypeError, "For 'Adagrad', the type of 'update_slots' should be 'bool', but got type 'str'.");
  });
  it("bad schedules and lists", () => {
    bad(() => new nn.ExponentialDecayLR(0.1, 0.9, 0), ms.ValueError, "For 'ExponentialDecayLR', the 'decay_steps' must be int and must > 0, but got '0' with type 'int'.");
    bad(() => new nn.ExponentialDecayLR(0.1, 0.9, 1.5), ms.TypeError, "For 'ExponentialDecayLR', the 'decay_steps' must be int, but got 'float'");
    bad(() => new nn.InverseDecayLR(-0.1, 0.9, 2), ms.ValueError, "For 'InverseDecayLR', the 'learning_rate' must be float and must > 0, but got '-0.1' with type 'float'.");
    bad(() => new nn.NaturalExpDecayLR(0.1, 0.9, 2, 1 as any), ms.TypeError, "For 'NaturalExpDecayLR', the type of 'is_stair' should be 'bool', but got type 'int'.");
    bad(() => new nn.CosineDecayLR(0.1, 0.1, 2), ms.ValueError, "For 'CosineDecayLR', the 'max_lr' must be greater than the 'min_lr', but got 'max_lr' value: 0.1, 'min_lr' value: 0.1.");
    bad(() => new nn.PolynomialDecayLR(0.1, 0.01, 2, 0), ms.ValueError, "For 'PolynomialDecayLR', the 'power' must be float and must > 0, but got '0.0' with type 'float'.");
    bad(() => new nn.WarmUpLR(0.1, 0), ms.ValueError, "For 'WarmUpLR', the 'warmup_steps' must be int and must > 0, but got '0' with type 'int'.");
    bad(() => nn.piecewise_constant_lr([2, 1], [0.1, 0.2]), ms.ValueError, "the value of milestone[1] must be greater than milestone[0], but got milestone[1]: 1, milestone[0]: 2.");
    bad(() => nn.piecewise_constant_lr([2], [0.1, 0.2]), ms.ValueError, "the size of 'milestone' must be same with the size of 'learning_rates'");
    bad(() => nn.exponential_decay_lr(0.1, 0.9, 0, 1, 1), ms.ValueError, "The 'total_step' must be int and must > 0, but got '0' with type 'int'.");
    bad(() => nn.warmup_lr(0.1, 4, 1, 0), ms.ValueError, "The 'warmup_epoch' must be int and must > 0, but got '0' with type 'int'.");
  });
  it("the base class cannot step", () => {
    const opt = new nn.Optimizer(0.1, makeParams());
    expect(() => opt(gradsFor(opt.parameters, 0))).toThrowError(nn.NotImplementedError);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. the training idiom
// ---------------------------------------------------------------------------------------------

describe("the training idiom: value_and_grad(forward_fn, None, optimizer.parameters, has_aux=True); optimizer(grads)", () => {
  for (const [name, make] of [
    ["Momentum", (p: Parameter[]) => new nn.Momentum(p, 0.05, 0.9)],
    ["Adam", (p: Parameter[]) => new nn.Adam(p, 0.05)],
  ] as const) {
    it(`reduces the loss of a tiny Dense regression (${name})`, () => {
      ms.set_seed(7);
      const model = new nn.Dense(4, 1);
      const loss_fn = new nn.MSELoss();
      const optimizer = make(model.trainable_params());
      const data = ops.reshape(new Tensor(Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.37) * 2)), [16, 4]);
      const label = ops.add(ops.matmul(data, new Tensor([[0.5], [-1.0], [2.0], [0.25]])), 0.3);
      const forward_fn = (d: Tensor, l: Tensor) => {
        const logits = model(d);
        return [loss_fn(logits, l), logits];
      };
      const grad_fn = ms.value_and_grad(forward_fn, null, optimizer.parameters, true);
      const train_step = (d: Tensor, l: Tensor) => {
        const [[loss], grads] = grad_fn(d, l);
        optimizer(grads);
        return loss.item() as number;
      };
      const losses = Array.from({ length: 60 }, () => train_step(data, label));
      expect(losses[59]).toBeLessThan(losses[0] * 0.05);
      expect(losses[59]).toBeLessThan(losses[30]);
    });
  }
});
