/**
 * Tensor.getitem / Tensor.setitem: Python's x[...] and x[...] = v with
 * NumPy's rules, checked by hand; gradients through both.
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor, Parameter } from "../src/index.js";
import { gradcheck, randomTensor, rngFrom } from "./helpers/gradcheck.js";

const ops = ms.ops;
const { slice_ } = ms.ops;
const rng = rngFrom(9);
const rand = (shape: number[]) => randomTensor(shape, rng);
const ar = (...shape: number[]) => ops.reshape(ops.arange(shape.reduce((a, b) => a * b, 1)), shape);

describe("getitem: basic indexing (views)", () => {
  const x = ar(2, 3, 4);
  it("ints drop an axis, negative ints count from the end", () => {
    expect(x.getitem(1).shape).toEqual([3, 4]);
    expect(x.getitem(1, 2).tolist()).toEqual([20, 21, 22, 23]);
    expect(x.getitem(-1, -1, -1).tolist()).toEqual(23);
    expect(x.getitem(0, 1, 2).shape).toEqual([]);
  });
  it("slices as strings or slice_()", () => {
    expect(x.getitem(0, "1:3", "::2").tolist()).toEqual([[4, 6], [8, 10]]);
    expect(x.getitem(0, 0, "::-1").tolist()).toEqual([3, 2, 1, 0]);
    expect(x.getitem(0, 0, "-1:0:-2").tolist()).toEqual([3, 1]);
    expect(x.getitem(0, 0, slice_(2)).tolist()).toEqual([0, 1]);
    expect(x.getitem(0, 0, slice_(1, null, 2)).tolist()).toEqual([1, 3]);
    expect(x.getitem(0, 0, slice_(null, null, -3)).tolist()).toEqual([3, 0]);
    expect(x.getitem(0, 0, "10:20").shape).toEqual([0]);
    expect(x.getitem(0, 0, "-100:2").tolist()).toEqual([0, 1]);
    expect(x.getitem(":", ":", ":").shape).toEqual([2, 3, 4]);
    expect(String(slice_(1, null, 2))).toBe("1::2");
  });
  it("ellipsis, None (null) and bools", () => {
    expect(x.getitem("...", 1).tolist()).toEqual([[1, 5, 9], [13, 17, 21]]);
    expect(x.getitem(1, "...", 0).tolist()).toEqual([12, 16, 20]);
    expect(x.getitem(null, 0, null, ":").shape).toEqual([1, 1, 3, 4]);
    expect(x.getitem("...", null).shape).toEqual([2, 3, 4, 1]);
    expect(x.getitem(true).shape).toEqual([1, 2, 3, 4]);
    expect(x.getitem(false).shape).toEqual([0, 2, 3, 4]);
    expect(x.getitem().shape).toEqual([2, 3, 4]);
    expect(new Tensor(5).getitem(null).tolist()).toEqual([5]);
    expect(new Tensor(5).getitem("...").tolist()).toEqual(5);
  });
  it("basic indexing returns a view sharing the input's storage", () => {
    const v = x.getitem(1, "::2", null, "1:");
    expect(v._view?.storage).toBe(x._view?.storage);
  });
});

describe("getitem: advanced indexing (NumPy rules)", () => {
  const x = ar(2, 3, 4);
  it("one int array / Tensor selects along its axis", () => {
    expect(x.getitem([1, 0]).shape).toEqual([2, 3, 4]);
    expect(x.getitem([1, 0]).getitem(0, 0).tolist()).toEqual([12, 13, 14, 15]);
    expect(x.getitem(0, 1, new Tensor([3, -1, 0], ms.int32)).tolist()).toEqual([7, 7, 4]);
    expect(x.getitem(":", 1, new Tensor([3, -1, 0], ms.int32)).tolist()).toEqual([[7, 7, 4], [19, 19, 16]]);
    expect(x.getitem(0, [[0, 2], [1, 1]]).shape).toEqual([2, 2, 4]);
    expect(x.getitem([]).shape).toEqual([0, 3, 4]);
  });
  it("several arrays broadcast together; adjacent ones stay in place", () => {
    expect(x.getitem([0, 1], [2, 0]).tolist()).toEqual([[8, 9, 10, 11], [12, 13, 14, 15]]);
    expect(x.getitem(":", [0, 2], [1, 3]).tolist()).toEqual([[1, 11], [13, 23]]);
    expect(x.getitem([[0], [1]], [[1, 2]]).shape).toEqual([2, 2, 4]);
    // an int next to an array counts as an array index: adjacent, so the result axis stays in the middle
    expect(x.getitem(":", [0, 2], 1).tolist()).toEqual([[1, 9], [13, 21]]);
  });
  it("separated arrays put the broadcast axes first", () => {
    const r = x.getitem([1, 0], ":", [0, 3]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.tolist()).toEqual([[12, 16, 20], [3, 7, 11]]);
    // NumPy's quirk: the int 0 is an array index too, separated from [3, -1, 0] by the slice
    expect(x.getitem(0, ":", new Tensor([3, -1, 0], ms.int32)).tolist()).toEqual([[3, 7, 11], [3, 7, 11], [0, 4, 8]]);
    expect(x.getitem(0, ":", [1, 2]).shape).toEqual([2, 3]);
    expect(ar(2, 3, 4, 5).getitem(":", [0, 1], ":", [0, 1]).shape).toEqual([2, 2, 4]);
  });
  it("Bool masks select the True positions over as many axes as they have", () => {
    expect(x.getitem(x.gt(20)).tolist()).toEqual([21, 22, 23]);
    expect(x.getitem(new Tensor([false, true])).shape).toEqual([1, 3, 4]);
    expect(x.getitem(":", [true, false, true], 0).tolist()).toEqual([[0, 8], [12, 20]]);
    const m2 = new Tensor([[true, false, false], [false, false, true]]);
    expect(x.getitem(m2, 1).tolist()).toEqual([1, 21]);
    expect(x.getitem(ops.zeros([2, 3, 4], ms.bool_)).shape).toEqual([0]);
  });
});

describe("getitem: errors", () => {
  const x = ar(2, 3);
  it("IndexError / TypeError with what was wrong", () => {
    expect(() => x.getitem(2)).toThrow(ms.IndexError);
    expect(() => x.getitem(2)).toThrow(/For 'Tensor.getitem', index 2 is out of bounds for dimension 0 with size 2/);
    expect(() => x.getitem(0, -4)).toThrow(/index -4 is out of bounds for dimension 1 with size 3/);
    expect(() => x.getitem(0, 0, 0)).toThrow(/too many indices for a tensor of dimension 2/);
    expect(() => x.getitem("...", 0, "...")).toThrow(/single ellipsis/);
    expect(() => x.getitem(0.5)).toThrow(ms.TypeError);
    expect(() => x.getitem(new Tensor([0.5]))).toThrow(/must be integer or Bool, but got Float32/);
    expect(() => x.getitem([0.5])).toThrow(ms.IndexError);
    expect(() => x.getitem("a:b")).toThrow(/neither '...' nor a slice/);
    expect(() => x.getitem({} as never)).toThrow(ms.IndexError);
    expect(() => x.getitem([0, 5])).toThrow(/value 5 is out of bounds for dimension 0 of size 2/);
    expect(() => x.getitem([0, 1], [0, 1, 2])).toThrow(/could not be broadcast together with shapes \(2,\), \(3,\)/);
    expect(() => x.getitem(new Tensor([true, false, true]))).toThrow(/Bool mask of shape \(3,\) does not match the indexed dimensions \(2,\)/);
    expect(() => slice_(0, 3, 0)).toThrow(/step cannot be zero/);
    expect(() => slice_(0.5)).toThrow(ms.TypeError);
  });
});

describe("setitem", () => {
  it("writes through every kind of index and returns the tensor", () => {
    const y = ops.zeros([3, 4]);
    expect(y.setitem(1, ":", 5)).toBe(y);
    expect(y.tolist()).toEqual([[0, 0, 0, 0], [5, 5, 5, 5], [0, 0, 0, 0]]);
    y.setitem(":", 0, new Tensor([1, 2, 3], ms.float32));
    y.setitem(y.gt(4), -1);
    expect(y.tolist()).toEqual([[1, 0, 0, 0], [2, -1, -1, -1], [3, 0, 0, 0]]);
    y.setitem("...", "::2", [[7, 8]]);
    expect(y.tolist()).toEqual([[7, 0, 8, 0], [7, -1, 8, -1], [7, 0, 8, 0]]);
    y.setitem([0, 2], [3, 3], new Tensor([10, 20], ms.int32));
    expect(y.getitem(":", 3).tolist()).toEqual([10, -1, 20]);
    expect(y.dtype).toBe(ms.float32);
  });
  it("casts the value to x's dtype; leading size-1 axes of the value are dropped", () => {
    const z = new Tensor([1, 2, 3], ms.int32);
    z.setitem("1:", new Tensor([[2.7, -1.2]], ms.float32));
    expect(z.tolist()).toEqual([1, 2, -1]);
    expect(z.dtype).toBe(ms.int32);
  });
  it("repeated positions: the last write wins", () => {
    const z = ops.zeros([3]);
    z.setitem([0, 0, 2], new Tensor([1, 2, 3], ms.float32));
    expect(z.tolist()).toEqual([2, 0, 3]);
  });
  it("other tensors that shared the storage are not changed", () => {
    const a = ar(4);
    const view = a.getitem("1:");
    a.setitem(1, 100);
    expect(view.tolist()).toEqual([1, 2, 3]);
    expect(a.tolist()).toEqual([0, 100, 2, 3]);
  });
  it("bad indices or values throw and leave x unchanged", () => {
    const z = ar(2, 3);
    expect(() => z.setitem(2, 0)).toThrow(ms.IndexError);
    expect(() => z.setitem(0, new Tensor([1, 2]))).toThrow(/the value of shape \(2,\) cannot be broadcast to the indexed shape \(3,\)/);
    expect(() => z.setitem(0, "a")).toThrow(/value must be a number, bool, Tensor or nested list/);
    expect(() => (z.setitem as () => unknown)()).toThrow(/a value is required/);
    expect(() => z.setitem(0.5, 1)).toThrow(ms.TypeError);
    expect(z.tolist()).toEqual([[0, 1, 2], [3, 4, 5]]);
  });
  it("works on a Parameter", () => {
    const p = new Parameter(ops.zeros([2, 2]), "w");
    p.setitem(0, 1, 3);
    expect(p.tolist()).toEqual([[0, 3], [0, 0]]);
    expect(p.name).toBe("w");
  });
});

describe("gradients through getitem and setitem", () => {
  it("getitem: basic, advanced (repeated indices accumulate) and masks", () => {
    gradcheck((t) => t.getitem(1, "::-1", null), [rand([2, 3])]);
    gradcheck((t) => t.getitem("...", [0, 0, 2]), [rand([2, 3])]);
    gradcheck((t) => t.getitem([1, 0], ":", [0, 2]), [rand([2, 2, 3])]);
    gradcheck((t) => t.getitem(new Tensor([[true, false, true], [false, true, false]])), [rand([2, 3])]);
    gradcheck((t) => t.getitem([], 0), [rand([2, 3])]);
    const g = ms.grad((t: Tensor) => ops.sum(t.getitem([0, 0, 1])))(ops.zeros([3], ms.float64));
    expect(g.tolist()).toEqual([2, 1, 0]);
  });
  it("setitem: the old contents lose the written slots, the value gets their gradient", () => {
    const f = (x: Tensor, v: Tensor) => {
      const y = ops.mul(x, 1);
      y.setitem(":", [0, 2], v);
      return ops.mul(y, y);
    };
    gradcheck(f, [rand([2, 3]), rand([2, 1])]);
    gradcheck((x, v) => {
      const y = ops.mul(x, 1);
      y.setitem(ops.gt(x, 0), v);
      return y;
    }, [rand([3, 2]), rand([])]);
    const [gx, gv] = ms.grad((x: Tensor, v: Tensor) => {
      const y = ops.mul(x, 2);
      y.setitem(0, v);
      return ops.sum(y);
    }, [0, 1])(ops.ones([2, 2], ms.float64), new Tensor([1, 1], ms.float64));
    expect(gx.tolist()).toEqual([[0, 0], [2, 2]]);
    expect(gv.tolist()).toEqual([1, 1]);
  });
  it("a buffer filled inside a differentiated function carries the gradient", () => {
    const g = ms.grad((w: Tensor) => {
      const buf = ops.zeros([3], ms.float64);
      buf.setitem(1, ops.mul(w, w));
      return ops.sum(ops.mul(buf, new Tensor([1, 10, 100], ms.float64)));
    })(new Tensor(3, ms.float64));
    expect(g.item()).toBe(60);
  });
});
