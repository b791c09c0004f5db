/**
 * grad / value_and_grad with MindSpore's exact semantics: the output
 * structure table, has_aux, return_ids, get_grad, weights forms, zeros for
 * unused inputs, int inputs, stop_gradient, higher order, and every
 * validation error with its class and message (spec section 1).
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor, Parameter, ParameterTuple, nn, ops } from "../src/index.js";
import { traceDepth } from "../src/autodiff/trace.js";

const i32 = (v: number[]) => new Tensor(v, ms.int32);
const f32 = (v: number[] | number[][]) => new Tensor(v, ms.float32);
const f64 = (v: number[] | number) => new Tensor(v, ms.float64);
const list = (t: Tensor) => t.tolist();

/** out = w*x + b*y (w, b Parameters); int32 as in MindSpore's test_grad_return_type. */
class Affine extends nn.Cell {
  w = new Parameter(i32([6]), "w");
  b = new Parameter(i32([2]), "b");
  construct(x: Tensor, y: Tensor) {
    return ops.add(ops.mul(this.w, x), ops.mul(this.b, y));
  }
}
const x10 = () => i32([10]);
const y3 = () => i32([3]);

describe("the output structure table", () => {
  it("int or 1-tuple position gives a bare gradient", () => {
    const net = new Affine();
    expect(list(ms.grad(net, 0)(x10(), y3()))).toEqual([6]);
    expect(list(ms.grad(net, [1])(x10(), y3()))).toEqual([2]);
    expect(ms.grad(net, 0)(x10(), y3()).dtype).toBe(ms.int32);
  });
  it("a tuple of positions gives a tuple in the given order", () => {
    const net = new Affine();
    const g = ms.grad(net, [1, 0])(x10(), y3());
    expect(g.map(list)).toEqual([[2], [6]]);
  });
  it("weights as a single Parameter give a bare gradient; a list gives a tuple in the given order", () => {
    const net = new Affine();
    expect(list(ms.grad(net, null, net.w)(x10(), y3()))).toEqual([10]);
    const gs = ms.grad(net, null, [net.b, net.w])(x10(), y3());
    expect(gs.map(list)).toEqual([[3], [10]]);
    const one = ms.grad(net, null, [net.w])(x10(), y3());
    expect(Array.isArray(one) && one.length === 1).toBe(true);
    expect(ms.grad(net, null, [])(x10(), y3())).toEqual([]);
    const pt = ms.grad(net, null, new ParameterTuple(net.trainable_params()))(x10(), y3());
    expect(pt.map(list)).toEqual([[10], [3]]);
  });
  it("position and weights combine as [inputs, weights]", () => {
    const net = new Affine();
    const [g, gw] = ms.grad(net, 0, net.w)(x10(), y3());
    expect([list(g), list(gw)]).toEqual([[6], [10]]);
    const [g2, gws] = ms.grad(net, 0, [net.w])(x10(), y3());
    expect([list(g2), gws.map(list)]).toEqual([[6], [[10]]]);
    const [gs, gw3] = ms.grad(net, [0, 1], net.w)(x10(), y3());
    expect([gs.map(list), list(gw3)]).toEqual([[[6], [2]], [10]]);
    const [gs4, gws4] = ms.grad(net, [0, 1], [])(x10(), y3());
    expect([gs4.map(list), gws4]).toEqual([[[6], [2]], []]);
  });
  it("non-Tensor arguments are skipped, which can collapse a tuple to a bare gradient or to ()", () => {
    const f = (x: Tensor, k: number) => ops.mul(x, k);
    expect(list(ms.grad(f, [0, 1])(f32([1, 2]), 3))).toEqual([3, 3]);
    expect(ms.grad(f, 1)(f32([1, 2]), 3)).toEqual([]);
  });
});

describe("what is differentiated", () => {
  it("several outputs: the gradient is the sum over all of them", () => {
    const f = (x: Tensor) => [ops.pow(x, 3), ops.mul(x, 2)];
    expect(list(ms.grad(f)(f32([[1, 2], [3, 4]])))).toEqual([[5, 14], [29, 50]]);
  });
  it("outputs that are inputs or parameters contribute ones", () => {
    const w = new Parameter(f32([2, 2]), "w");
    const f = (x: Tensor, z: Tensor) => [ops.mul(ops.mul(x, w), z), x, w];
    const [gx, gw] = ms.grad(f, 0, w)(f32([1, 2]), f32([3, 3]));
    expect(list(gx)).toEqual([7, 7]);
    expect(list(gw)).toEqual([4, 7]);
  });
  it("unused inputs and weights get zeros of their shape and dtype", () => {
    const unused = new Parameter(new Tensor([[1, 2, 3]], ms.float64), "unused");
    const f = (x: Tensor, _y: Tensor) => ops.sum(ops.mul(x, x));
    const [[gx, gy], [gu]] = ms.grad(f, [0, 1], [unused])(f32([1, 2]), i32([5, 6, 7]));
    expect(list(gx)).toEqual([2, 4]);
    expect(list(gy)).toEqual([0, 0, 0]);
    expect(gy.dtype).toBe(ms.int32);
    expect(list(gu)).toEqual([[0, 0, 0]]);
    expect(gu.dtype).toBe(ms.float64);
  });
  it("a listed weight with requires_grad=false still gets a gradient slot (zeros if unused)", () => {
    const p = new Parameter(f32([1]), "p", false);
    const g = ms.grad((x: Tensor) => ops.mul(x, 2), null, [p])(f32([1]));
    expect(g.map(list)).toEqual([[0]]);
  });
  it("gradients have the dtype of their input: int32 in, int32 out", () => {
    const g = ms.grad((x: Tensor, y: Tensor) => ops.mul(x, y), [0, 1])(i32([10]), i32([6]));
    expect(g.map((t: Tensor) => t.dtype)).toEqual([ms.int32, ms.int32]);
    expect(g.map(list)).toEqual([[6], [10]]);
  });
  it("stop_gradient blocks the flow: [loss, stop_gradient(z)] differentiates like loss alone", () => {
    const f1 = (x: Tensor, y: Tensor) => { const z = ops.mul(x, y); return [ops.sum(ops.mul(z, z)), ms.stop_gradient(z)]; };
    const f2 = (x: Tensor, y: Tensor) => ops.sum(ops.mul(ops.mul(x, y), ops.mul(x, y)));
    const x = f32([1, 2]);
    const y = f32([3, -1]);
    expect(list(ms.grad(f1)(x, y))).toEqual(list(ms.grad(f2)(x, y)));
    expect(list(ms.grad((t: Tensor) => ops.mul(ms.stop_gradient(t), t))(x))).toEqual([1, 2]);
  });
});

describe("has_aux", () => {
  const fn = (x: Tensor, y: Tensor) => { const res1 = ops.mul(x, y); return [ops.mul(res1, 3), res1]; };
  it("grad returns [gradient, aux tuple]; only the first output is differentiated", () => {
    const [g, aux] = ms.grad(fn, 0, null, true)(f32([2]), f32([6]));
    expect(list(g)).toEqual([18]);
    expect(aux.length).toBe(1);
    expect(list(aux[0])).toEqual([12]);
  });
  it("value_and_grad returns [[out0, out1, ...], gradient]", () => {
    const [[out0, out1], g] = ms.value_and_grad(fn, 0, null, true)(f32([2]), f32([6]));
    expect([list(out0), list(out1), list(g)]).toEqual([[36], [12], [18]]);
  });
  it("the aux output carries no gradient into an enclosing transformation", () => {
    const outer = ms.grad((x: Tensor) => ms.grad(fn, 1, null, true)(x, f32([1]))[1][0]);
    expect(list(outer(f32([2])))).toEqual([0]);
  });
  it("without several outputs it is a ValueError", () => {
    const g = ms.grad((x: Tensor) => ops.mul(x, 2), 0, null, true);
    expect(() => g(f32([1]))).toThrowError(new ms.ValueError("When has_aux is True, origin fn requires more than one outputs."));
  });
  it("the options-object form takes the same snake_case keys", () => {
    const [[out0], g] = ms.value_and_grad(fn, { grad_position: 1, has_aux: true })(f32([2]), f32([6]));
    expect([list(out0), list(g)]).toEqual([[36], [6]]);
    const [g2] = ms.grad(fn, 0, { has_aux: true })(f32([2]), f32([6]));
    expect(list(g2)).toEqual([18]);
  });
});

describe("return_ids and get_grad", () => {
  it("pairs each gradient with its position or Parameter name", () => {
    const net = new Affine();
    const r = ms.grad(net, 0, null, false, true)(x10(), y3());
    expect(r[0]).toBe(0);
    expect(list(r[1])).toEqual([6]);
    const r2 = ms.grad(net, [0, 1], [net.w, net.b], false, true)(x10(), y3());
    expect(r2[0].map((p: [number, Tensor]) => [p[0], list(p[1])])).toEqual([[0, [6]], [1, [2]]]);
    expect(r2[1].map((p: [string, Tensor]) => [p[0], list(p[1])])).toEqual([["w", [10]], ["b", [3]]]);
    const r3 = ms.grad(net, 0, net.w, false, true)(x10(), y3());
    expect([r3[0][0], r3[1][0]]).toEqual([0, "w"]);
    const r4 = ms.grad(net, 0, [net.w], false, true)(x10(), y3());
    expect(r4[1].length).toBe(1);
    expect(r4[1][0][0]).toBe("w");
  });
  it("get_grad finds a gradient by position or by Parameter", () => {
    const net = new Affine();
    const r = ms.grad(net, [0, 1], [net.w, net.b], false, true)(x10(), y3());
    expect(list(ms.get_grad(r, 1))).toEqual([2]);
    expect(list(ms.get_grad(r, net.b))).toEqual([3]);
    expect(() => ms.get_grad(r, 5)).toThrow(ms.RuntimeError);
  });
  it("value_and_grad has no return_ids option", () => {
    expect(() => ms.value_and_grad((x: Tensor) => x, { return_ids: true } as never)).toThrow(ms.TypeError);
  });
});

describe("validation errors: MindSpore's classes and messages", () => {
  const f = (x: Tensor, y: Tensor) => ops.mul(x, y);
  const cases: [string, () => unknown, new (m: string) => Error, string][] = [
    ["no position and no weights", () => ms.grad(f, null, null), ms.ValueError, "`grad_position` and `weight` can not be None at the same time."],
    ["duplicate positions", () => ms.grad(f, [0, 0]), ms.ValueError, "There are duplicate positions in `grad_position`, please check it"],
    ["a non-int element", () => ms.grad(f, [0, 1.5] as never), ms.TypeError, "For 'F.grad', the element in 'grad_position' must be int."],
    ["a negative element", () => ms.grad(f, [0, -1]), ms.ValueError, "The element in grad_position must be >= 0."],
    ["a negative int", () => ms.grad(f, -1), ms.ValueError, "grad_position must be >= 0."],
    ["a string position", () => ms.grad(f, "0" as never), ms.TypeError, "For 'F.grad', the 'grad_position' must be int or tuple."],
    ["has_aux not bool", () => ms.grad(f, 0, null, 1 as never), ms.TypeError, "For '_Grad', the 'has_aux' should be bool, but got int"],
    ["return_ids not bool", () => ms.grad(f, 0, null, false, "yes" as never), ms.TypeError, "For '_Grad', the 'return_ids' should be bool, but got str"],
    ["a position out of range (at call time)", () => ms.grad(f, [0, 3])(f32([1]), f32([2])), ms.RuntimeError, "Position index 3 is exceed input size."],
    ["an empty position tuple (at call time)", () => ms.grad(f, [])(f32([1]), f32([2])), ms.RuntimeError, "grad_position should not be empty when grad by position."],
  ];
  for (const [what, call, cls, msg] of cases) {
    it(what, () => {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(cls);
      expect((err as Error).name).toBe(cls.name);
      expect((err as Error).message).toBe(msg);
    });
  }
  it("weights that are not Parameters are a TypeError", () => {
    expect(() => ms.grad(f, 0, [f32([1])] as never)).toThrow(ms.TypeError);
    expect(() => ms.grad(f, 0, 3 as never)).toThrow(ms.TypeError);
  });
  it("an error inside fn leaves Parameters as they were and closes the trace", () => {
    const w = new Parameter(f32([1, 2]), "w");
    const bad = (x: Tensor) => ops.add(ops.mul(x, w), f32([1, 2, 3]));
    expect(() => ms.grad(bad, 0, [w])(f32([1, 1]))).toThrow(ms.ValueError);
    expect(traceDepth()).toBe(0);
    expect(w._tracer).toBeNull();
    expect(list(w)).toEqual([1, 2]);
    expect(list(ms.grad((x: Tensor) => ops.sum(ops.mul(x, w)), null, w)(f32([3, 4])))).toEqual([3, 4]);
  });
});

describe("higher order", () => {
  it("grad(grad(f)) with positions (1, 2): f = x^2 y z gives (2xz, 2xy)", () => {
    const f = (x: Tensor, y: Tensor, z: Tensor) => ops.mul(ops.mul(ops.pow(x, 2), y), z);
    const g = ms.grad(ms.grad(f), [1, 2])(f32([2]), f32([3]), f32([4]));
    expect(g.map(list)).toEqual([[16], [12]]);
  });
  it("second and third derivatives of tanh", () => {
    const x = f64([-1.5, -0.2, 0.4, 2]);
    const t = (x.tolist() as number[]).map(Math.tanh);
    const d2 = list(ms.grad(ms.grad(ops.tanh))(x)) as number[];
    const d3 = list(ms.grad(ms.grad(ms.grad(ops.tanh)))(x)) as number[];
    t.forEach((ti, i) => {
      expect(d2[i]).toBeCloseTo(-2 * ti * (1 - ti * ti), 12);
      expect(d3[i]).toBeCloseTo(-2 * (1 - ti * ti) * (1 - 3 * ti * ti), 12);
    });
    // MindSpore docs: grad(grad(tanh))(Tensor(2.0)) = -0.13621868 (float32)
    expect(Number(ms.grad(ms.grad(ops.tanh))(new Tensor(2.0, ms.float32)).item())).toBeCloseTo(-0.13621868, 6);
  });
  it("a fourth derivative of exp(2x) is 16 exp(2x)", () => {
    let g: (x: Tensor) => Tensor = (x) => ops.exp(ops.mul(x, 2));
    for (let i = 0; i < 4; i++) g = ms.grad(g);
    expect(Number(g(f64(0.3)).item())).toBeCloseTo(16 * Math.exp(0.6), 10);
  });
  it("grad inside a closure over an outer traced value (no perturbation confusion)", () => {
    // d/dx [ x * d/dy (x*y) ] = d/dx [x * x] = 2x
    const outer = ms.grad((x: Tensor) => ops.mul(x, ms.grad((y: Tensor) => ops.mul(x, y))(f64(5))));
    expect(Number(outer(f64(3)).item())).toBe(6);
  });
});

describe("Cell.bprop", () => {
  class Custom extends nn.Cell {
    construct(x: Tensor, y: Tensor) {
      return ops.add(ops.mul(x, 2), y);
    }
    bprop(_x: Tensor, y: Tensor, _out: Tensor, dout: Tensor) {
      return [ops.mul(dout, 2), ops.mul(y, 2)];
    }
  }
  it("replaces the backward of construct", () => {
    const g = ms.grad(new Custom(), [0, 1])(i32([1]), i32([2]));
    expect(g.map(list)).toEqual([[2], [4]]);
  });
  it("is used inside larger functions and composes with the chain rule", () => {
    const net = new Custom();
    const f = (x: Tensor, y: Tensor) => ops.mul(net(x, y), 3);
    expect(ms.grad(f, [0, 1])(f32([1]), f32([5])).map(list)).toEqual([[6], [10]]);
  });
  it("must return one gradient per input", () => {
    class Bad extends nn.Cell {
      construct(x: Tensor) { return ops.mul(x, 2); }
      bprop(_x: Tensor, _out: Tensor, dout: Tensor) { return [dout, dout]; }
    }
    expect(() => ms.grad(new Bad())(f32([1]))).toThrow(ms.ValueError);
  });
});

describe("memory: the tape does not outlive the call", () => {
  it("no transformation stays open and intermediates are collectable", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(typeof gc).toBe("function");
    const refs: WeakRef<Tensor>[] = [];
    const f = (x: Tensor) => {
      const a = ops.exp(x);
      const b = ops.mul(a, x);
      refs.push(new WeakRef(a), new WeakRef(b));
      return ops.sum(b);
    };
    for (let i = 0; i < 5; i++) ms.value_and_grad(f)(f32([1, 2, 3]));
    expect(traceDepth()).toBe(0);
    await new Promise((r) => setTimeout(r, 0));
    gc!();
    await new Promise((r) => setTimeout(r, 0));
    gc!();
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
  });
});
