/** Tensor construction, dtypes, promotion, conversion, views, creation, seeded randomness, printing. */
import { describe, it, expect } from "vitest";
import { inspect } from "node:util";
import * as ms from "../src/index.js";
import { Tensor, ops } from "../src/index.js";

describe("construction and default dtypes (MindSpore's rules for Python data)", () => {
  it("numbers: integers are Int64, fractions Float32, booleans Bool", () => {
    expect(new Tensor(3).dtype).toBe(ms.int64);
    expect(new Tensor(0.1).dtype).toBe(ms.float32);
    expect(new Tensor(true).dtype).toBe(ms.bool_);
    expect(new Tensor(0.1).shape).toEqual([]);
    expect(String(new Tensor(0.1))).toBe("0.1");
  });
  it("nested arrays infer shape; mixed ints and floats are Float32", () => {
    const t = new Tensor([[1, 2.5], [3, 4]]);
    expect(t.shape).toEqual([2, 2]);
    expect(t.dtype).toBe(ms.float32);
    expect(new Tensor([1, 2]).dtype).toBe(ms.int64);
    expect(String(new Tensor([1, 2]))).toBe("[1 2]");
  });
  it("TypedArrays keep their dtype, as numpy arrays do", () => {
    expect(new Tensor(new Float64Array([1, 2])).dtype).toBe(ms.float64);
    expect(new Tensor(new Int32Array([1, 2])).dtype).toBe(ms.int32);
    expect(new Tensor(new Float32Array([1, 2])).dtype).toBe(ms.float32);
    expect(new Tensor(new Uint8Array([1, 2])).dtype).toBe(ms.uint8);
  });
  it("an explicit dtype converts", () => {
    const t = new Tensor([1, 2], ms.float32);
    expect(String(t)).toBe("[1. 2.]");
    expect(new Tensor([1.7, -1.7], ms.int32).tolist()).toEqual([1, -1]);
    expect(new Tensor([0, 2], ms.bool_).tolist()).toEqual([false, true]);
    expect(new Tensor(t, ms.float64).dtype).toBe(ms.float64);
  });
  it("float16 rounds to half precision", () => {
    expect(new Tensor([0.1, 65504, 1e6], ms.float16).tolist()).toEqual([0.0999755859375, 65504, Infinity]);
  });
  it("ragged lists and bad dtypes are rejected", () => {
    expect(() => new Tensor([[1, 2], [3]])).toThrow(ms.ValueError);
    expect(() => new Tensor([1, "a"] as never)).toThrow(ms.TypeError);
    expect(() => new Tensor([1], "float32" as never)).toThrow(ms.TypeError);
  });
  it("properties", () => {
    const t = new Tensor([[1, 2, 3], [4, 5, 6]], ms.float32);
    expect([t.ndim, t.size, t.itemsize, t.nbytes]).toEqual([2, 6, 4, 24]);
    expect(t.strides).toEqual([12, 4]);
    expect(String(t.dtype)).toBe("Float32");
  });
});

describe("conversion", () => {
  it("asnumpy returns a copy with shape and dtype; Int64 as BigInt64Array", () => {
    const t = new Tensor([[1, 2], [3, 4]], ms.float32);
    const a = t.asnumpy();
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data as Float32Array)).toEqual([1, 2, 3, 4]);
    (a.data as Float32Array)[0] = 99;
    expect(t.tolist()).toEqual([[1, 2], [3, 4]]);
    const i = new Tensor([5, -6]).asnumpy();
    expect(i.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(i.data as BigInt64Array)).toEqual([5n, -6n]);
  });
  it("item, tolist, astype", () => {
    expect(new Tensor([[7]], ms.int32).item()).toBe(7);
    expect(new Tensor(true).item()).toBe(true);
    expect(() => new Tensor([1, 2]).item()).toThrow(ms.ValueError);
    expect(new Tensor([1.5, 2.5], ms.float32).astype(ms.int32).tolist()).toEqual([1, 2]);
  });
});

describe("type promotion", () => {
  it("tensor with tensor follows the lattice", () => {
    const f = (a: ms.DType, b: ms.DType) => ops.add(new Tensor([1], a), new Tensor([1], b)).dtype;
    expect(f(ms.int32, ms.float32)).toBe(ms.float32);
    expect(f(ms.int8, ms.uint8)).toBe(ms.int16);
    expect(f(ms.int32, ms.int64)).toBe(ms.int64);
    expect(f(ms.float16, ms.float64)).toBe(ms.float64);
    expect(f(ms.bool_, ms.int8)).toBe(ms.int8);
  });
  it("JS numbers act as Python scalars (weak types)", () => {
    expect(ops.mul(new Tensor([1], ms.float16), 2.5).dtype).toBe(ms.float16);
    expect(ops.mul(new Tensor([1], ms.int32), 2).dtype).toBe(ms.int32);
    expect(ops.mul(new Tensor([1], ms.int32), 2.5).dtype).toBe(ms.float32);
    expect(ops.add(new Tensor([true]), 1).dtype).toBe(ms.int64);
  });
  it("int division is true division to Float32", () => {
    expect(ops.div(new Tensor([3]), new Tensor([2])).tolist()).toEqual([1.5]);
    expect(ops.div(new Tensor([-7]), new Tensor([2]), { rounding_mode: "floor" }).tolist()).toEqual([-4]);
    expect(ops.div(new Tensor([-7]), new Tensor([2]), { rounding_mode: "trunc" }).tolist()).toEqual([-3]);
  });
});

describe("broadcasting and views", () => {
  it("binary ops broadcast with NumPy rules, and mismatches are ValueErrors", () => {
    const a = new Tensor([[1], [2], [3]], ms.float32);
    const b = new Tensor([10, 20], ms.float32);
    expect(ops.add(a, b).tolist()).toEqual([[11, 21], [12, 22], [13, 23]]);
    expect(() => ops.add(new Tensor([1, 2, 3]), new Tensor([1, 2]))).toThrow(ms.ValueError);
  });
  it("reshape, transpose, broadcast_to and expand_dims are views on the same storage", () => {
    const x = new Tensor([[1, 2, 3], [4, 5, 6]], ms.float32);
    const storage = x._view!.storage;
    for (const v of [ops.reshape(x, [3, 2]), ops.transpose(x, [1, 0]), ops.broadcast_to(x, [4, 2, 3]), ops.expand_dims(x, 0)]) {
      expect(v._view!.storage).toBe(storage);
    }
    expect(ops.transpose(x, [1, 0]).tolist()).toEqual([[1, 4], [2, 5], [3, 6]]);
    // a reshape of a transposed view cannot be a view: it copies, with the right values
    const r = ops.reshape(ops.transpose(x, [1, 0]), [6]);
    expect(r.tolist()).toEqual([1, 4, 2, 5, 3, 6]);
  });
  it("reshape infers -1 and checks sizes", () => {
    expect(ops.reshape(new Tensor([1, 2, 3, 4, 5, 6]), [-1, 2]).shape).toEqual([3, 2]);
    expect(() => ops.reshape(new Tensor([1, 2, 3]), [2, 2])).toThrow(ms.ValueError);
  });
});

describe("creation", () => {
  it("zeros, ones, full, *_like", () => {
    expect(ops.zeros([2, 2]).dtype).toBe(ms.float32);
    expect(ops.ones([2], ms.int32).tolist()).toEqual([1, 1]);
    expect(ops.full([2], 7, { dtype: ms.float64 }).tolist()).toEqual([7, 7]);
    const t = new Tensor([[1, 2]], ms.int32);
    expect(ops.zeros_like(t).tolist()).toEqual([[0, 0]]);
    expect(ops.ones_like(t).dtype).toBe(ms.int32);
    expect(ops.ones_like(t, { dtype: ms.float32 }).dtype).toBe(ms.float32);
  });
  it("arange, linspace, eye", () => {
    expect(ops.arange(5).tolist()).toEqual([0, 1, 2, 3, 4]);
    expect(ops.arange(5).dtype).toBe(ms.int64);
    expect(ops.arange(1, 2, 0.25).tolist()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(ops.arange(1, 2, 0.25).dtype).toBe(ms.float32);
    expect(ops.linspace(0, 1, 5).tolist()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(ops.eye(2, 3).tolist()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(() => ops.arange(0, 5, 0)).toThrow(ms.ValueError);
  });
  it("seeded randomness is reproducible and has the right moments", () => {
    ms.set_seed(123);
    const a = ops.randn(1000);
    const u = ops.rand(2, 3);
    ms.set_seed(123);
    const b = ops.randn(1000);
    expect(b.tolist()).toEqual(a.tolist());
    expect(ops.rand(2, 3).tolist()).toEqual(u.tolist());
    expect(u.shape).toEqual([2, 3]);
    const mean = Number(ops.mean(a).item());
    const sd = Math.sqrt(Number(ops.mean(ops.square(a)).item()) - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(sd - 1)).toBeLessThan(0.1);
    const un = ops.uniform([500], 2, 3, 7);
    expect(Number(ops.amin(un).item())).toBeGreaterThanOrEqual(2);
    expect(Number(ops.amax(un).item())).toBeLessThan(3);
    expect(ops.uniform([500], 2, 3, 7).tolist()).toEqual(un.tolist());
    expect(ops.normal([3], 0, 1, 5).shape).toEqual([3]);
  });
});

describe("printing: str is NumPy's, repr (console.log) is MindSpore's", () => {
  it("0-d", () => {
    expect(String(new Tensor(2, ms.float32))).toBe("2.0");
    expect(inspect(new Tensor(20, ms.float32))).toBe("Tensor(shape=[], dtype=Float32, value= 20)");
    expect(inspect(new Tensor(3))).toBe("Tensor(shape=[], dtype=Int64, value= 3)");
    expect(inspect(new Tensor(true))).toBe("Tensor(shape=[], dtype=Bool, value= True)");
  });
  it("1-d floats with negative zero; ints; bools", () => {
    expect(String(new Tensor([-0, 18], ms.float32))).toBe("[-0. 18.]");
    expect(inspect(new Tensor([75, 75], ms.float32))).toBe("Tensor(shape=[2], dtype=Float32, value= [ 7.50000000e+01,  7.50000000e+01])");
    expect(inspect(new Tensor([1, 10]))).toBe("Tensor(shape=[2], dtype=Int64, value= [ 1, 10])");
    expect(String(new Tensor([true, false]))).toBe("[ True False]");
    expect(inspect(new Tensor([true, false]))).toBe("Tensor(shape=[2], dtype=Bool, value= [ True, False])");
  });
  it("2-d and 3-d", () => {
    expect(inspect(new Tensor([[3, 12], [27, 48]], ms.float32))).toBe(
      "Tensor(shape=[2, 2], dtype=Float32, value=\n[[ 3.00000000e+00,  1.20000000e+01],\n [ 2.70000000e+01,  4.80000000e+01]])",
    );
    expect(String(ops.reshape(ops.arange(8), [2, 2, 2]))).toBe("[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]");
  });
  it("large tensors are summarised", () => {
    expect(String(ops.arange(2000))).toBe("[   0    1    2 ... 1997 1998 1999]");
    const r = inspect(ops.reshape(ops.arange(64), [8, 8]));
    expect(r.split("\n")[1]).toBe("[[ 0,  1,  2 ...  5,  6,  7],");
  });
  it("ms.print follows Python: str at top level, repr inside tuples", () => {
    expect(ms.str([new Tensor([1], ms.float32), 2])).toBe("(Tensor(shape=[1], dtype=Float32, value= [ 1.00000000e+00]), 2)");
    expect(ms.str([16, 1])).toBe("(16, 1)");
    expect(ms.str([3])).toBe("(3,)");
  });
});

describe("dispose", () => {
  it("frees a tensor explicitly; reading it afterwards is a RuntimeError", () => {
    const t = new Tensor([1, 2, 3], ms.float32);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.tolist()).toThrow(ms.RuntimeError);
  });
  it("works with `using`-style Symbol.dispose", () => {
    const t = new Tensor([1], ms.float32);
    const d = (t as unknown as Record<symbol, () => void>)[(Symbol as { dispose?: symbol }).dispose ?? Symbol.for("Symbol.dispose")];
    d.call(t);
    expect(t.isDisposed).toBe(true);
  });
});
