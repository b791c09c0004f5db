/**
 * Shape, gather/scatter and padding ops: values by hand, gradients by
 * gradcheck (first and second order in float64, with size-1 and empty axes),
 * and one test per class of argument mistake.
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor } from "../src/index.js";
import { gradcheck, randomTensor, rngFrom } from "./helpers/gradcheck.js";

const ops = ms.ops;
const rng = rngFrom(3);
const rand = (shape: number[]) => randomTensor(shape, rng);
const ar = (...shape: number[]) => ops.reshape(ops.arange(shape.reduce((a, b) => a * b, 1)), shape);
const i64 = (v: number[] | number[][]) => new Tensor(v, ms.int64);
const i32 = (v: number[] | number[][]) => new Tensor(v, ms.int32);

describe("split / tile / narrow / slice / flip / roll", () => {
  it("split by size (last chunk smaller) and by sections; views of the input", () => {
    const x = ar(5, 2);
    expect(ops.split(x, 2).map((t) => t.tolist())).toEqual([[[0, 1], [2, 3]], [[4, 5], [6, 7]], [[8, 9]]]);
    expect(ops.split(x, [1, 4]).map((t) => t.shape)).toEqual([[1, 2], [4, 2]]);
    expect(ops.split(x, [0, 5])[0].shape).toEqual([0, 2]);
    expect(ops.split(ar(2, 4), [1, 3], { axis: -1 }).map((t) => t.tolist())).toEqual([[[0], [4]], [[1, 2, 3], [5, 6, 7]]]);
    expect(x.split(5).length).toBe(1);
    expect(ops.split(ops.zeros([0, 2]), 2).map((t) => t.shape)).toEqual([[0, 2]]);
  });
  it("tile aligns dims and shape from the right", () => {
    const x = new Tensor([[1, 2], [3, 4]]);
    expect(ops.tile(x, [2, 1]).tolist()).toEqual([[1, 2], [3, 4], [1, 2], [3, 4]]);
    expect(ops.tile(x, [2]).tolist()).toEqual([[1, 2, 1, 2], [3, 4, 3, 4]]);
    expect(ops.tile(new Tensor([7]), [2, 3]).tolist()).toEqual([[7, 7, 7], [7, 7, 7]]);
    expect(ops.tile(x, [0, 1]).shape).toEqual([0, 2]);
    expect(x.tile([1, 2]).shape).toEqual([2, 4]);
  });
  it("narrow and slice", () => {
    const x = ar(3, 4);
    expect(ops.narrow(x, 1, 1, 2).tolist()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(ops.narrow(x, -2, -1, 1).tolist()).toEqual([[8, 9, 10, 11]]);
    expect(ops.narrow(x, 0, 3, 0).shape).toEqual([0, 4]);
    expect(x.narrow(0, 0, 1).tolist()).toEqual([[0, 1, 2, 3]]);
    expect(ops.slice(x, [1, 1], [2, -1]).tolist()).toEqual([[5, 6, 7], [9, 10, 11]]);
    expect(ops.slice(x, [0, 4], [3, 0]).shape).toEqual([3, 0]);
  });
  it("flip and roll", () => {
    const x = ar(2, 3);
    expect(ops.flip(x, [1]).tolist()).toEqual([[2, 1, 0], [5, 4, 3]]);
    expect(ops.flip(x, [0, -1]).tolist()).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(x.flip(0).tolist()).toEqual([[3, 4, 5], [0, 1, 2]]);
    expect(ops.roll(x, 1, 1).tolist()).toEqual([[2, 0, 1], [5, 3, 4]]);
    expect(ops.roll(x, [1, -1], [0, 1]).tolist()).toEqual([[4, 5, 3], [1, 2, 0]]);
    expect(ops.roll(x, 2).tolist()).toEqual([[4, 5, 0], [1, 2, 3]]);
    expect(ops.roll(x, 7, { dims: 1 }).tolist()).toEqual([[2, 0, 1], [5, 3, 4]]);
    expect(x.roll(-1, 0).tolist()).toEqual([[3, 4, 5], [0, 1, 2]]);
  });
  it("gradients", () => {
    gradcheck((t) => ops.stack(ops.split(t, 2, 1).map((p) => ops.sum(p, 1))), [rand([2, 5])]);
    gradcheck((t) => ops.tile(t, [2, 1, 3]), [rand([2, 1])]);
    gradcheck((t) => ops.tile(t, [2, 2]), [rand([0, 2])]);
    gradcheck((t) => ops.narrow(t, 1, 1, 2), [rand([2, 4])]);
    gradcheck((t) => ops.slice(t, [1, 0], [1, -1]), [rand([3, 2])]);
    gradcheck((t) => ops.flip(t, [0, 1]), [rand([3, 2])]);
    gradcheck((t) => ops.roll(t, [1, 2], [0, 1]), [rand([2, 3])]);
    gradcheck((t) => ops.roll(t, 3), [rand([2, 1, 2])]);
  });
  it("errors", () => {
    const x = ar(3, 4);
    expect(() => ops.split(x, 0)).toThrow(/an int 'split_size_or_sections' must be > 0/);
    expect(() => ops.split(x, [1, 1])).toThrow(/must add up to the size 3 of axis 0, but add up to 2/);
    expect(() => ops.split(x, 1.5)).toThrow(ms.TypeError);
    expect(() => ops.split(x, 1, 2)).toThrow(/For 'split', the 'axis' must be in range \[-2, 2\), but got 2/);
    expect(() => ops.tile(x, 2 as never)).toThrow(/For 'tile', the 'dims' must be a tuple of ints/);
    expect(() => ops.tile(x, [-1])).toThrow(ms.ValueError);
    expect(() => ops.narrow(x, 1, 4, 1)).toThrow(/the 'start' must be in range \[-4, 4\), but got 4/);
    expect(() => ops.narrow(x, 1, 2, 3)).toThrow(/the 'length' must be in range \[0, 2\], but got 3/);
    expect(() => ops.narrow(x, 1, 0.5, 1)).toThrow(ms.TypeError);
    expect(() => (ops.narrow as (...a: unknown[]) => Tensor)(x, 1, 0)).toThrow(/required argument 'length'/);
    expect(() => ops.slice(x, [0], [1])).toThrow(/must equal the rank of 'input_x' \(2\)/);
    expect(() => ops.slice(x, [2, 0], [2, 1])).toThrow(/'size\[0\]' must be -1 or in range \[0, 1\]/);
    expect(() => ops.slice(x, [-1, 0], [1, 1])).toThrow(/'begin\[0\]' must be in range \[0, 3\]/);
    expect(() => ops.flip(x, [0, 0])).toThrow(/duplicate/);
    expect(() => ops.flip(x, [2])).toThrow(ms.ValueError);
    expect(() => ops.roll(x, [1, 2], [0])).toThrow(/same length/);
    expect(() => ops.roll(x, [1, 2])).toThrow(/single int when 'dims' is None/);
    expect(() => ops.roll(x, 1.5, 0)).toThrow(ms.TypeError);
  });
});

describe("pad", () => {
  const x = new Tensor([[1, 2, 3], [4, 5, 6]], ms.float32);
  it("constant: pairs start at the last axis; value; negative amounts crop", () => {
    expect(ops.pad(x, [1, 0]).tolist()).toEqual([[0, 1, 2, 3], [0, 4, 5, 6]]);
    expect(ops.pad(x, [0, 1, 1, 0], "constant", 9).tolist()).toEqual([[9, 9, 9, 9], [1, 2, 3, 9], [4, 5, 6, 9]]);
    expect(ops.pad(x, [-1, 1]).tolist()).toEqual([[2, 3, 0], [5, 6, 0]]);
    expect(ops.pad(x, [0, 0, -1, 0], { value: 7 }).tolist()).toEqual([[4, 5, 6]]);
    expect(ops.pad(new Tensor([[1]], ms.int32), [1, 1], "constant", 2).tolist()).toEqual([[2, 1, 2]]);
  });
  it("reflect, replicate and circular", () => {
    expect(ops.pad(x, [2, 1], "reflect").tolist()).toEqual([[3, 2, 1, 2, 3, 2], [6, 5, 4, 5, 6, 5]]);
    expect(ops.pad(x, [1, 2], { mode: "replicate" }).tolist()).toEqual([[1, 1, 2, 3, 3, 3], [4, 4, 5, 6, 6, 6]]);
    expect(ops.pad(x, [1, 1, 1, 0], "replicate").tolist()).toEqual([[1, 1, 2, 3, 3], [1, 1, 2, 3, 3], [4, 4, 5, 6, 6]]);
    expect(ops.pad(x, [1, 2], "circular").tolist()).toEqual([[3, 1, 2, 3, 1, 2], [6, 4, 5, 6, 4, 5]]);
    expect(ops.pad(x, [0, 0, 1, 1], "reflect").tolist()).toEqual([[4, 5, 6], [1, 2, 3], [4, 5, 6], [1, 2, 3]]);
  });
  it("gradients in every mode", () => {
    gradcheck((t) => ops.pad(t, [1, 2, 0, 1], "constant", 0.5), [rand([2, 3])]);
    gradcheck((t) => ops.pad(t, [-1, 1]), [rand([2, 3])]);
    gradcheck((t) => ops.pad(t, [2, 1], "reflect"), [rand([1, 2, 4])]);
    gradcheck((t) => ops.pad(t, [1, 1, 1, 1], "replicate"), [rand([1, 3, 3])]);
    gradcheck((t) => ops.pad(t, [1, 2], "circular"), [rand([2, 3])]);
    gradcheck((t) => ops.pad(t, [1, 1]), [rand([0, 2])]);
  });
  it("errors", () => {
    expect(() => ops.pad(x, [1])).toThrow(/must be even and at most 2 \* rank \(4\), but got 1/);
    expect(() => ops.pad(x, [1, 1, 1, 1, 1, 1])).toThrow(ms.ValueError);
    expect(() => ops.pad(x, 1 as never)).toThrow(ms.TypeError);
    expect(() => ops.pad(x, [1, 1], "edge")).toThrow(/'constant', 'reflect', 'replicate' or 'circular', but got 'edge'/);
    expect(() => ops.pad(x, [3, 0], "reflect")).toThrow(/must be less than the axis size 3, but got 3/);
    expect(() => ops.pad(x, [-1, 0], "replicate")).toThrow(/negative padding is only supported in 'constant' mode/);
    expect(() => ops.pad(x, [-2, -2])).toThrow(/crops more than the input/);
    expect(() => ops.pad(x, [1, 1], "reflect", 3)).toThrow(/only used in 'constant' mode/);
  });
});

describe("gather / gather_d / index_select", () => {
  const x = ar(3, 4);
  it("gather is NumPy's take along an axis", () => {
    expect(ops.gather(x, i32([2, 0]), 0).tolist()).toEqual([[8, 9, 10, 11], [0, 1, 2, 3]]);
    expect(ops.gather(x, i64([[0, 3], [1, 1]]), 1).tolist()).toEqual([[[0, 3], [1, 1]], [[4, 7], [5, 5]], [[8, 11], [9, 9]]]);
    expect(ops.gather(x, new Tensor(1, ms.int32), 0).tolist()).toEqual([4, 5, 6, 7]);
    expect(ops.gather(x, i64([-1]), -1).tolist()).toEqual([[3], [7], [11]]);
    expect(ops.gather(x, new Tensor([], ms.int32), 0).shape).toEqual([0, 4]);
    expect(x.gather(i32([1]), 1).tolist()).toEqual([[1], [5], [9]]);
  });
  it("batch_dims pairs the leading axes", () => {
    const p = ar(2, 3, 2);
    const idx = i32([[2, 0], [1, 1]]);
    const r = ops.gather(p, idx, 1, 1);
    expect(r.tolist()).toEqual([[[4, 5], [0, 1]], [[8, 9], [8, 9]]]);
    expect(ops.gather(p, idx, 1, { batch_dims: 1 }).shape).toEqual([2, 2, 2]);
  });
  it("gather_d / gather_elements and index_select", () => {
    const idx = i64([[0, 0], [1, 0], [3, 2]]);
    expect(ops.gather_d(x, 1, idx).tolist()).toEqual([[0, 0], [5, 4], [11, 10]]);
    expect(ops.gather_elements(x, 0, i64([[2, 1, 0, 0]])).tolist()).toEqual([[8, 5, 2, 3]]);
    expect(x.gather_elements(-1, i32([[1], [2], [3]])).tolist()).toEqual([[1], [6], [11]]);
    expect(ops.index_select(x, 1, i32([3, 0, 3])).tolist()).toEqual([[3, 0, 3], [7, 4, 7], [11, 8, 11]]);
    expect(x.index_select(0, i64([1])).tolist()).toEqual([[4, 5, 6, 7]]);
  });
  it("gradients scatter-add back, repeated indices accumulate", () => {
    const g = ms.grad((t: Tensor) => ops.sum(ops.gather(t, i32([0, 0, 2]), 0)))(ops.ones([3, 2], ms.float64));
    expect(g.tolist()).toEqual([[2, 2], [0, 0], [1, 1]]);
    gradcheck((t) => ops.gather(t, i64([[0, 2], [2, 2]]), 1), [rand([2, 3])]);
    gradcheck((t) => ops.gather(t, i32([[1, 0], [0, 0]]), 1, 1), [rand([2, 2, 3])]);
    gradcheck((t) => ops.gather(t, new Tensor([], ms.int32), 0), [rand([3, 2])]);
    gradcheck((t) => ops.gather_d(t, 0, i64([[1, 0, 1]])), [rand([2, 3])]);
    gradcheck((t) => ops.index_select(t, 0, i32([1, 1, 0])), [rand([2, 1])]);
  });
  it("errors", () => {
    expect(() => ops.gather(x, i32([3]), 0)).toThrow(ms.IndexError);
    expect(() => ops.gather(x, i32([3]), 0)).toThrow(/For 'gather', the 'input_indices' value 3 is out of bounds for axis 0 of size 3/);
    expect(() => ops.gather(x, new Tensor([0.5]), 0)).toThrow(/must be an integer tensor \(Int32 or Int64\), but got Float32/);
    expect(() => ops.gather(x, i32([0]), 2)).toThrow(/For 'gather', the 'axis' must be in range \[-2, 2\), but got 2/);
    expect(() => ops.gather(x, i32([0]), 0, 1)).toThrow(/'batch_dims' must be in range/);
    expect(() => ops.gather(ar(2, 3), i32([[0], [0], [0]]), 1, 1)).toThrow(/batch\) dimensions/);
    expect(() => (ops.gather as (...a: unknown[]) => Tensor)(x, i32([0]))).toThrow(/required argument 'axis'/);
    expect(() => ops.gather_d(x, 1, i32([0]))).toThrow(/same rank as 'x' \(2\), but got rank 1/);
    expect(() => ops.gather_d(x, 1, i32([[0], [0], [0], [0]]))).toThrow(/must not exceed/);
    expect(() => ops.gather_d(x, 1, i32([[4]]))).toThrow(ms.IndexError);
    expect(() => ops.index_select(x, 0, i32([[0]]))).toThrow(/must be 1-D/);
    expect(() => ops.index_select(x, 0, i32([-4]))).toThrow(ms.IndexError);
  });
});

describe("scatter family", () => {
  const x = ops.zeros([3, 4]);
  it("scatter replaces along an axis (src larger than index: only the indexed part is used)", () => {
    const src = new Tensor([[1, 2, 3], [4, 5, 6]], ms.float32);
    const r = ops.scatter(x, 1, i64([[0, 3], [2, 1]]), src);
    expect(r.tolist()).toEqual([[1, 0, 0, 2], [0, 5, 4, 0], [0, 0, 0, 0]]);
    expect(x.scatter(0, i32([[2, 0]]), src).tolist()).toEqual([[0, 2, 0, 0], [0, 0, 0, 0], [1, 0, 0, 0]]);
  });
  it("tensor_scatter_elements: 'none' replaces, 'add' accumulates duplicates", () => {
    const upd = new Tensor([[1, 2], [3, 4]], ms.float32);
    const idx = i32([[1, 1], [0, 3]]);
    expect(ops.tensor_scatter_elements(x, idx, upd, 1).getitem(0).tolist()).toEqual([0, 2, 0, 0]);
    const added = ops.tensor_scatter_elements(ops.ones([3, 4]), idx, upd, { axis: 1, reduction: "add" });
    expect(added.tolist()).toEqual([[1, 4, 1, 1], [4, 1, 1, 5], [1, 1, 1, 1]]);
  });
  it("tensor_scatter_add / tensor_scatter_update address the leading axes with K-tuples", () => {
    const base = ops.ones([3, 2]);
    const a = ops.tensor_scatter_add(base, i32([[0], [2], [0]]), new Tensor([[1, 2], [3, 4], [5, 6]], ms.float32));
    expect(a.tolist()).toEqual([[7, 9], [1, 1], [4, 5]]);
    const b = ops.tensor_scatter_add(base, i64([[0, 1], [2, 0], [0, 1]]), new Tensor([1, 2, 3], ms.float32));
    expect(b.tolist()).toEqual([[1, 5], [1, 1], [3, 1]]);
    const c = ops.tensor_scatter_update(base, i64([[1, 1], [-1, 0]]), new Tensor([8, 9], ms.float32));
    expect(c.tolist()).toEqual([[1, 1], [1, 8], [9, 1]]);
  });
  it("gradients: the input loses the written slots, the updates gather", () => {
    const gx = ms.grad((t: Tensor) => ops.sum(ops.scatter(t, 0, i32([[1, 0]]), ops.ones([1, 2], ms.float64))))(ops.zeros([2, 2], ms.float64));
    expect(gx.tolist()).toEqual([[1, 0], [0, 1]]);
    gradcheck((t, s) => ops.scatter(t, 1, i64([[0, 2], [1, 0]]), s), [rand([2, 3]), rand([2, 2])]);
    gradcheck((t, s) => ops.scatter(t, 0, i64([[1, 0]]), s), [rand([2, 2]), rand([2, 3])]);
    gradcheck((t, s) => ops.tensor_scatter_elements(t, i64([[0, 0, 1]]), s, 0, "add"), [rand([2, 3]), rand([1, 3])]);
    gradcheck((t, u) => ops.tensor_scatter_add(t, i32([[1], [1]]), u), [rand([3, 2]), rand([2, 2])]);
    gradcheck((t, u) => ops.tensor_scatter_update(t, i32([[0, 1], [2, 0]]), u), [rand([3, 2]), rand([2])]);
  });
  it("errors", () => {
    const src = ops.ones([1, 2]);
    expect(() => ops.scatter(x, 0, i32([[3, 0]]), src)).toThrow(/For 'scatter', the 'index' value 3 is out of bounds for axis 0 of size 3/);
    expect(() => ops.scatter(x, 0, i32([[0, 0]]), ops.ones([1, 2], ms.float64))).toThrow(/the 'src' must have the same dtype as 'input' \(Float32\), but got Float64/);
    expect(() => ops.scatter(x, 0, i32([[0, 0]]), ops.ones([1, 1]))).toThrow(/be at least its shape/);
    expect(() => ops.scatter(x, 0, i32([0]), src)).toThrow(/same rank/);
    expect(() => ops.scatter(x, 0, ops.zeros([1, 2]), src)).toThrow(ms.TypeError);
    expect(() => ops.tensor_scatter_elements(x, i32([[0]]), ops.ones([1, 1]), 0, "mul")).toThrow(/'none' or 'add', but got 'mul'/);
    expect(() => ops.tensor_scatter_add(x, i32([[0, 0, 0]]), ops.ones([1]))).toThrow(/must not exceed the rank/);
    expect(() => ops.tensor_scatter_add(x, i32([[0]]), ops.ones([2, 4]))).toThrow(/must have shape indices.shape\[:-1\] \+ input_x.shape\[1:\] = \(1, 4\)/);
    expect(() => ops.tensor_scatter_add(x, i32([[5]]), ops.ones([1, 4]))).toThrow(ms.IndexError);
    expect(() => ops.tensor_scatter_update(x, i32([[0]]), ops.ones([1, 4], ms.int32))).toThrow(ms.TypeError);
  });
});

describe("one_hot / masked_fill", () => {
  it("one_hot: Int64 for the int defaults, on_value's dtype otherwise; out-of-range rows are all off", () => {
    const r = ops.one_hot(i32([0, 2, -1, 3]), 3);
    expect(r.dtype).toBe(ms.int64);
    expect(r.tolist()).toEqual([[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]]);
    const f = ops.one_hot(i64([1]), 2, 1.5, -0.5);
    expect(f.dtype).toBe(ms.float32);
    expect(f.tolist()).toEqual([[-0.5, 1.5]]);
    const t = ops.one_hot(i32([1, 0]), 2, new Tensor(5, ms.float64), new Tensor(0, ms.float64), 0);
    expect(t.dtype).toBe(ms.float64);
    expect(t.tolist()).toEqual([[0, 5], [5, 0]]);
    expect(ops.one_hot(i32([[0, 1]]), 3, { axis: 1, on_value: 7, off_value: 2 }).tolist()).toEqual([[[7, 2], [2, 7], [2, 2]]]);
    expect(ops.one_hot(new Tensor(2, ms.int32), 3).tolist()).toEqual([0, 0, 1]);
  });
  it("masked_fill broadcasts the mask; a tensor value receives the gradient of the filled slots", () => {
    const x = new Tensor([[1, 2, 3], [4, 5, 6]], ms.float32);
    const m = new Tensor([true, false, true]);
    expect(ops.masked_fill(x, m, 0).tolist()).toEqual([[0, 2, 0], [0, 5, 0]]);
    expect(x.masked_fill(ops.gt(x, 4), -1).tolist()).toEqual([[1, 2, 3], [4, -1, -1]]);
    expect(ops.masked_fill(new Tensor([1, 2], ms.int32), new Tensor([false, true]), { value: 9 }).tolist()).toEqual([1, 9]);
    const [gx, gv] = ms.grad((a: Tensor, v: Tensor) => ops.sum(ops.masked_fill(a, m, v)), [0, 1])(ops.ones([2, 3], ms.float64), new Tensor(0, ms.float64));
    expect(gx.tolist()).toEqual([[0, 1, 0], [0, 1, 0]]);
    expect(gv.item()).toBe(4);
    gradcheck((a, v) => ops.masked_fill(a, m, v), [rand([2, 3]), rand([])]);
    gradcheck((a) => ops.masked_fill(a, new Tensor([true]), 0.5), [rand([0, 1])]);
  });
  it("errors", () => {
    const x = ops.ones([2]);
    expect(() => ops.one_hot(ops.zeros([2]), 3)).toThrow(/For 'one_hot', the 'indices' must be an integer tensor/);
    expect(() => ops.one_hot(i32([0]), -1)).toThrow(/'depth' must be >= 0/);
    expect(() => ops.one_hot(i32([0]), 2.5)).toThrow(ms.TypeError);
    expect(() => ops.one_hot(i32([0]), 2, 1, 0, 2)).toThrow(/'axis' must be in range \[-1, 1\], but got 2/);
    expect(() => ops.one_hot(i32([0]), 2, new Tensor(1, ms.float32), new Tensor(0, ms.float64))).toThrow(/same dtype/);
    expect(() => ops.masked_fill(x, new Tensor([1, 0]), 0)).toThrow(/'mask' must be a Bool tensor, but got Int64/);
    expect(() => ops.masked_fill(x, new Tensor([true, false]), new Tensor(1, ms.float64))).toThrow(ms.TypeError);
    expect(() => ops.masked_fill(x, new Tensor([true, false, true]), 0)).toThrow(ms.ValueError);
    expect(() => ops.masked_fill(x, new Tensor([true, false]), "a" as never)).toThrow(ms.TypeError);
  });
});

describe("existing shape ops: keyword arguments and checks", () => {
  const x = ar(2, 1, 3);
  it("keyword forms", () => {
    expect(ops.reshape(x, { shape: [3, -1] }).shape).toEqual([3, 2]);
    expect(ops.transpose(x, { input_perm: [2, 0, 1] }).shape).toEqual([3, 2, 1]);
    expect(ops.squeeze(x, { axis: 1 }).shape).toEqual([2, 3]);
    expect(ops.expand_dims(x, { axis: -1 }).shape).toEqual([2, 1, 3, 1]);
    expect(ops.unsqueeze(x, { dim: 0 }).shape).toEqual([1, 2, 1, 3]);
    expect(ops.concat([x, x], { axis: -1 }).shape).toEqual([2, 1, 6]);
    expect(ops.stack([x, x], { axis: 3 }).shape).toEqual([2, 1, 3, 2]);
    expect(ops.broadcast_to(x, { shape: [4, 2, -1, 3] }).shape).toEqual([4, 2, 1, 3]);
    expect(ops.flatten(x).shape).toEqual([2, 3]);
    expect(ops.flatten(x, { start_dim: 0 }).shape).toEqual([6]);
  });
  it("checks", () => {
    expect(() => ops.squeeze(x, 0)).toThrow(/dimension 0 to squeeze must have size 1, but has size 2/);
    expect(() => ops.expand_dims(x, 4)).toThrow(/For 'expand_dims', the 'axis' must be in range \[-4, 4\), but got 4/);
    expect(() => (ops.expand_dims as (...a: unknown[]) => Tensor)(x)).toThrow(/required argument 'axis'/);
    expect(() => ops.concat([x, ar(2, 2, 3)], 2)).toThrow(/same shape except on axis 2/);
    expect(() => ops.concat([new Tensor(1), new Tensor(2)])).toThrow(/rank >= 1, but tensor 0 is 0-D/);
    expect(() => ops.concat([])).toThrow(ms.TypeError);
    expect(() => ops.stack([x, ar(2, 3)])).toThrow(/same shape/);
    expect(() => ops.broadcast_to(x, [-1, 2, 1, 3])).toThrow(/-1 in 'shape' .* new leading axis 0/);
    expect(() => ops.broadcast_to(x, [3])).toThrow(/at least the rank/);
    expect(() => ops.broadcast_to(x, [3, 1, 3])).toThrow(/cannot be broadcast/);
    expect(() => ops.reshape(x, [4, -1])).toThrow(ms.ValueError);
    expect(() => ops.transpose(x, [0, 1])).toThrow(/length of 'input_perm' \(2\) must equal the rank/);
    expect(() => ops.flatten(x, { start_dim: 2, end_dim: 1 })).toThrow(ms.ValueError);
  });
});
