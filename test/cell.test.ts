/** nn.Cell registration and naming, Parameter, ParameterTuple, nn.Dense, nn.MSELoss. */
import { describe, it, expect } from "vitest";
import { inspect } from "node:util";
import * as ms from "../src/index.js";
import { Tensor, Parameter, ParameterTuple, nn, ops } from "../src/index.js";

class Inner extends nn.Cell {
  fc = new nn.Dense(3, 2);
  construct(x: Tensor) {
    return this.fc(x);
  }
}
class Outer extends nn.Cell {
  scale: Parameter;
  block: Inner;
  head: nn.Dense;
  constructor() {
    super();
    this.scale = new Parameter(new Tensor([2], ms.float32));
    this.block = new Inner();
    this.head = new nn.Dense(2, 1);
  }
  construct(x: Tensor) {
    return ops.mul(this.head(this.block(x)), this.scale);
  }
}

describe("nn.Cell", () => {
  it("is callable and runs construct", () => {
    const net = new Outer();
    const y = net(ops.ones([4, 3]));
    expect(y.shape).toEqual([4, 1]);
    expect(typeof net).toBe("function");
    expect(net).toBeInstanceOf(nn.Cell);
    expect(net).toBeInstanceOf(Outer);
  });
  it("registers Parameters and sub-Cells with MindSpore's names, in order", () => {
    const net = new Outer();
    expect(net.parameters_and_names().map(([n]) => n)).toEqual(["scale", "block.fc.weight", "block.fc.bias", "head.weight", "head.bias"]);
    expect(net.trainable_params().map((p) => p.name)).toEqual(["scale", "block.fc.weight", "block.fc.bias", "head.weight", "head.bias"]);
    expect(net.cells_and_names().map(([n]) => n)).toEqual(["", "block", "block.fc", "head"]);
    expect([...net.parameters_dict().keys()]).toContain("block.fc.weight");
  });
  it("trainable_params skips requires_grad=false; get_parameters keeps it", () => {
    const net = new Outer();
    net.scale.requires_grad = false;
    expect(net.trainable_params().length).toBe(4);
    expect(net.untrainable_params().map((p) => p.name)).toEqual(["scale"]);
    expect(net.get_parameters().length).toBe(5);
  });
  it("set_train propagates to sub-cells", () => {
    const net = new Outer();
    net.set_train();
    expect(net.cells_and_names().every(([, c]) => c.training)).toBe(true);
    net.set_train(false);
    expect(net.block.training).toBe(false);
  });
  it("a missing construct is MindSpore's AttributeError", () => {
    class NoConstruct extends nn.Cell {}
    expect(() => new NoConstruct()(new Tensor([1]))).toThrowError(new ms.AttributeError("For 'Cell', the method 'construct' is not defined."));
  });
  it("reassigning an attribute replaces the registration", () => {
    const net = new Outer();
    (net as unknown as Record<string, unknown>).head = null;
    expect(net.parameters_and_names().map(([n]) => n)).toEqual(["scale", "block.fc.weight", "block.fc.bias"]);
  });
  it("repr as MindSpore prints it", () => {
    expect(inspect(new nn.Dense(3, 4))).toBe("Dense<input_channels=3, output_channels=4, has_bias=True>");
    expect(String(new Inner())).toBe("Inner<\n  (fc): Dense<input_channels=3, output_channels=2, has_bias=True>\n  >");
  });
  it("check_names finds duplicates", () => {
    const net = new Outer();
    net.scale.name = "head.bias";
    expect(() => net.check_names()).toThrow(ms.ValueError);
  });
  it("value_and_grad over a Cell with its trainable_params", () => {
    const net = new Outer();
    const weights = net.trainable_params();
    const [out, grads] = ms.value_and_grad((x: Tensor) => ops.sum(net(x)), null, weights)(ops.ones([2, 3]));
    expect(out.shape).toEqual([]);
    expect(grads.length).toBe(5);
    grads.forEach((g: Tensor, i: number) => expect(g.shape).toEqual(weights[i].shape));
    // d sum(scale * h) / d scale = sum(h)
    const h = ops.sum(net.head(net.block(ops.ones([2, 3]))));
    expect(Number(grads[0].item())).toBeCloseTo(Number(h.item()), 5);
  });
});

describe("Parameter and ParameterTuple", () => {
  it("is a Tensor with a name and requires_grad", () => {
    const p = new Parameter(new Tensor([[1, 2, 3]], ms.float32), "fc.weight");
    expect(p).toBeInstanceOf(Tensor);
    expect(inspect(p)).toBe("Parameter (name=fc.weight, shape=(1, 3), dtype=Float32, requires_grad=True)");
    expect(ops.mul(p, 2).tolist()).toEqual([[2, 4, 6]]);
    expect(new Parameter(new Tensor([1])).name).toBe("Parameter");
  });
  it("set_data replaces the value in place and checks the shape", () => {
    const p = new Parameter(new Tensor([1, 2], ms.float32), "w");
    p.set_data(new Tensor([5, 6], ms.float64));
    expect(p.tolist()).toEqual([5, 6]);
    expect(p.dtype).toBe(ms.float32);
    expect(() => p.set_data(new Tensor([1, 2, 3], ms.float32))).toThrow(ms.ValueError);
    expect(p.tolist()).toEqual([5, 6]);
  });
  it("ParameterTuple accepts only Parameters", () => {
    const p = new Parameter(new Tensor([1]), "a");
    expect(new ParameterTuple([p]).length).toBe(1);
    expect(() => new ParameterTuple([new Tensor([1]) as never])).toThrow(ms.TypeError);
  });
});

describe("nn.Dense", () => {
  it("has weight (out, in) and bias (out,), with MindSpore 2.x default initialisers", () => {
    ms.set_seed(1);
    const d = new nn.Dense(50, 40);
    expect(d.weight.shape).toEqual([40, 50]);
    expect(d.bias!.shape).toEqual([40]);
    const bound = 1 / Math.sqrt(50); // HeUniform(sqrt(5)) and Uniform(1/sqrt(in)) share this bound
    const w = d.weight.tolist() as number[][];
    const flat = w.flat();
    expect(Math.max(...flat.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...flat.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    const variance = flat.reduce((a, v) => a + v * v, 0) / flat.length;
    expect(variance).toBeCloseTo((bound * bound) / 3, 3);
    expect(Math.max(...(d.bias!.tolist() as number[]).map(Math.abs))).toBeLessThanOrEqual(bound);
  });
  it("computes x Wᵀ + b, with initialisers given as tensors, strings or numbers", () => {
    const d = new nn.Dense(2, 3, new Tensor([[1, 2], [3, 4], [5, 6]], ms.float32), "zeros");
    expect(d(new Tensor([[1, 1]], ms.float32)).tolist()).toEqual([[3, 7, 11]]);
    const e = new nn.Dense(2, 1, 0.5, 1, true, "relu");
    expect(e(new Tensor([[-4, 1]], ms.float32)).tolist()).toEqual([[0]]);
    const nb = new nn.Dense(2, 2, "ones", null, false);
    expect(nb.bias).toBeNull();
    expect(nb.trainable_params().length).toBe(1);
  });
  it("rejects bad arguments and inputs", () => {
    expect(() => new nn.Dense(0, 1)).toThrow(ms.ValueError);
    expect(() => new nn.Dense(2.5, 1)).toThrow(ms.TypeError);
    expect(() => new nn.Dense(2, 3, new Tensor([[1, 2]], ms.float32))).toThrow(ms.ValueError);
    expect(() => new nn.Dense(2, 3)(ops.ones([4, 5]))).toThrow(ms.ValueError);
  });
});

describe("nn.MSELoss", () => {
  const x = new Tensor([1, 2, 3], ms.float32);
  const y = new Tensor([1, 1, 1], ms.float32);
  it("reductions mean, sum, none", () => {
    expect(String(new nn.MSELoss()(x, y))).toBe("1.6666666");
    expect(Number(new nn.MSELoss("sum")(x, y).item())).toBe(5);
    expect(new nn.MSELoss("none")(x, y).tolist()).toEqual([0, 1, 4]);
  });
  it("gradient 2(x - y)/N", () => {
    const g = ms.grad((a: Tensor) => new nn.MSELoss()(a, y))(x);
    expect((g.tolist() as number[]).map((v) => Number(v.toFixed(6)))).toEqual([0, 0.666667, 1.333333]);
  });
  it("an invalid reduction is a ValueError", () => {
    expect(() => new nn.MSELoss("avg" as never)).toThrow(ms.ValueError);
  });
});
