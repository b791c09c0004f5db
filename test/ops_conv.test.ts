/**
 * Convolutions: the `conv` primitive and ops.conv1d / conv2d /
 * conv_transpose2d against naive loop nests over every combination of
 * stride, padding (including negative), input and kernel dilation and
 * groups; gradients to second order; MindSpore's argument errors.
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor } from "../src/index.js";
import * as L from "../src/primitives/lax.js";
import { gradcheck, randomTensor, rngFrom } from "./helpers/gradcheck.js";

const { ops } = ms;
const rng = rngFrom(2024);
const rand = (shape: number[]) => randomTensor(shape, rng);
const vals = (t: Tensor) => Array.from(t.asnumpy().data as ArrayLike<number>, Number);

function expectAllClose(actual: number[], expected: number[], tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])))) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

interface Geometry {
  stride: number[];
  padding: number[];
  lhs: number[];
  rhs: number[];
  groups: number;
}

/** The definition, as a 7-deep loop nest: out[n, o, y, x] = sum_{c, ky, kx} xdil_pad[n, g*Cg + c, y*s + ky*d, x*s + kx*d] * w[o, c, ky, kx]. */
function naiveConv(x: Tensor, w: Tensor, g: Geometry): { data: number[]; shape: number[] } {
  const [n, , h, wd] = x.shape;
  const [o, cg, kh, kw] = w.shape;
  const xv = vals(x);
  const wv = vals(w);
  const span = (size: number, d: number) => (size - 1) * d + 1;
  const hd = span(h, g.lhs[0]);
  const wdd = span(wd, g.lhs[1]);
  const oh = Math.floor((hd + g.padding[0] + g.padding[1] - span(kh, g.rhs[0])) / g.stride[0]) + 1;
  const ow = Math.floor((wdd + g.padding[2] + g.padding[3] - span(kw, g.rhs[1])) / g.stride[1]) + 1;
  const og = o / g.groups;
  const c = cg * g.groups;
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const grp = Math.floor(oc / og);
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let acc = 0;
          for (let ci = 0; ci < cg; ci++) {
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) {
                const r = y * g.stride[0] + ky * g.rhs[0] - g.padding[0];
                const q = xx * g.stride[1] + kx * g.rhs[1] - g.padding[2];
                if (r < 0 || r >= hd || q < 0 || q >= wdd || r % g.lhs[0] || q % g.lhs[1]) continue;
                const xi = ((b * c + grp * cg + ci) * h + r / g.lhs[0]) * wd + q / g.lhs[1];
                acc += xv[xi] * wv[((oc * cg + ci) * kh + ky) * kw + kx];
              }
            }
          }
          out.push(acc);
        }
      }
    }
  }
  return { data: out, shape: [n, o, oh, ow] };
}

describe("conv primitive against the naive loop nest", () => {
  it("every combination of stride, padding, input/kernel dilation and groups", () => {
    let cases = 0;
    for (const stride of [[1, 1], [2, 1], [3, 2]]) {
      for (const padding of [[0, 0, 0, 0], [1, 2, 0, 1], [2, 2, 2, 2], [-1, 0, 1, -1]]) {
        for (const lhs of [[1, 1], [2, 1]]) {
          for (const rhs of [[1, 1], [1, 2]]) {
            for (const groups of [1, 2]) {
              const x = rand([2, 2 * groups, 5, 6]);
              const w = rand([3 * groups, 2, 2, 3]);
              const g = { stride, padding, lhs, rhs, groups };
              const got = L.conv(x, w, { stride, padding, lhs_dilation: lhs, rhs_dilation: rhs, groups });
              const want = naiveConv(x, w, g);
              expect(got.shape).toEqual(want.shape);
              expectAllClose(vals(got), want.data);
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBe(96);
  });

  it("reads strided (non-contiguous) inputs and keeps float32", () => {
    const x = ops.transpose(rand([1, 6, 5, 3]), [0, 3, 2, 1]); // (1, 3, 5, 6), non-contiguous
    const w = rand([2, 3, 3, 3]);
    const p = { stride: [1, 2], padding: [1, 1, 0, 2], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 1 };
    const want = naiveConv(x, w, { stride: p.stride, padding: p.padding, lhs: [1, 1], rhs: [1, 1], groups: 1 });
    expectAllClose(vals(L.conv(x, w, p)), want.data);
    const f32 = L.conv(ops.cast(x, ms.float32), ops.cast(w, ms.float32), p);
    expect(f32.dtype).toBe(ms.float32);
    expectAllClose(vals(f32), want.data, 1e-5);
  });

  it("rejects mismatched channels, dtypes and windows larger than the input", () => {
    const base = { stride: [1, 1], padding: [0, 0, 0, 0], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 1 };
    expect(() => L.conv(rand([1, 3, 4, 4]), rand([2, 2, 3, 3]), base)).toThrow(ms.ValueError);
    expect(() => L.conv(rand([1, 2, 4, 4]), ops.cast(rand([2, 2, 3, 3]), ms.float32), base)).toThrow(ms.TypeError);
    expect(() => L.conv(rand([1, 2, 2, 2]), rand([2, 2, 3, 3]), base)).toThrow(/dilated kernel/);
  });
});

describe("conv gradients (float64 finite differences, first and second order)", () => {
  it("conv primitive with groups, stride, padding and both dilations", () => {
    const p = { stride: [2, 1], padding: [1, 0, 2, -1], lhs_dilation: [1, 2], rhs_dilation: [2, 1], groups: 2 };
    gradcheck((x, w) => L.conv(x, w, p), [rand([2, 4, 4, 3]), rand([4, 2, 2, 2])]);
  });
  it("ops.conv2d with bias, pad_mode 'same' and stride 2", () => {
    gradcheck((x, w, b) => ops.conv2d(x, w, b, 2, "same"), [rand([1, 2, 5, 4]), rand([3, 2, 3, 2]), rand([3])]);
  });
  it("ops.conv1d with groups and dilation", () => {
    gradcheck((x, w) => ops.conv1d(x, w, null, 1, "pad", 2, 2, 3), [rand([2, 3, 6]), rand([6, 1, 3])]);
  });
  it("ops.conv_transpose2d with stride, padding, output_padding and groups", () => {
    gradcheck((x, w, b) => ops.conv_transpose2d(x, w, b, [2, 1], 1, [1, 0], 2), [rand([1, 4, 3, 3]), rand([4, 1, 3, 2]), rand([2])]);
  });
});

describe("ops.conv2d / conv1d", () => {
  it("pad_mode 'valid' (default), 'pad' with int, pair and 4-tuple padding", () => {
    const x = rand([2, 4, 7, 6]);
    const w = rand([6, 2, 3, 2]);
    const b = rand([6]);
    const ref = (padding: number[], stride: number[], dil: number[]) => naiveConv(x, w, { stride, padding, lhs: [1, 1], rhs: dil, groups: 2 });
    const withBias = (r: { data: number[]; shape: number[] }) => {
      const plane = r.shape[2] * r.shape[3];
      const bv = vals(b);
      return r.data.map((v, i) => v + bv[Math.floor(i / plane) % 6]);
    };
    expectAllClose(vals(ops.conv2d(x, w, null, 1, "valid", 0, 1, 2)), ref([0, 0, 0, 0], [1, 1], [1, 1]).data);
    expectAllClose(vals(ops.conv2d(x, w, b, [2, 1], "pad", 1, [1, 2], 2)), withBias(ref([1, 1, 1, 1], [2, 1], [1, 2])));
    expectAllClose(vals(ops.conv2d(x, w, null, 1, "pad", [2, 1], 1, 2)), ref([2, 2, 1, 1], [1, 1], [1, 1]).data);
    expectAllClose(vals(ops.conv2d(x, w, null, { pad_mode: "pad", padding: [0, 2, 1, 0], groups: 2 })), ref([0, 2, 1, 0], [1, 1], [1, 1]).data);
  });

  it("pad_mode 'same' gives ceil(in / stride) with the odd padding element at the end (TensorFlow SAME)", () => {
    for (const [size, k, s, d] of [[7, 3, 1, 1], [7, 4, 1, 1], [7, 3, 2, 1], [8, 3, 3, 2], [5, 2, 2, 1], [6, 5, 4, 1]]) {
      const x = rand([1, 1, size, size]);
      const w = rand([1, 1, k, k]);
      const out = ops.conv2d(x, w, null, s, "same", 0, d);
      const o = Math.ceil(size / s);
      expect(out.shape).toEqual([1, 1, o, o]);
      const total = Math.max((o - 1) * s + (k - 1) * d + 1 - size, 0);
      const lo = Math.floor(total / 2);
      const want = naiveConv(x, w, { stride: [s, s], padding: [lo, total - lo, lo, total - lo], lhs: [1, 1], rhs: [d, d], groups: 1 });
      expectAllClose(vals(out), want.data);
    }
  });

  it("conv1d equals conv2d on a height-1 image", () => {
    const x = rand([2, 3, 9]);
    const w = rand([4, 3, 3]);
    const b = rand([4]);
    const got = ops.conv1d(x, w, b, 2, "pad", 1, 2);
    const want = ops.conv2d(ops.reshape(x, [2, 3, 1, 9]), ops.reshape(w, [4, 3, 1, 3]), b, [1, 2], "pad", [0, 0, 1, 1], [1, 2]);
    expect(got.shape).toEqual([2, 4, 4]);
    expectAllClose(vals(got), vals(want));
    expect(ops.conv1d(x, w, null, 1, "same").shape).toEqual([2, 4, 9]);
  });

  it("a hand-computed 2x2 example", () => {
    const x = new Tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], ms.float32);
    const w = new Tensor([[[[1, 0], [0, -1]]]], ms.float32);
    expect(ops.conv2d(x, w).tolist()).toEqual([[[[-4, -4], [-4, -4]]]]);
    expect(ops.conv2d(x, w, new Tensor([10], ms.float32), 2, "pad", 1).tolist()).toEqual([[[[9, 7], [3, 6]]]]);
  });

  it("raises MindSpore's errors naming the op and argument", () => {
    const x = rand([1, 2, 5, 5]);
    const w = rand([4, 2, 3, 3]);
    expect(() => ops.conv2d(rand([2, 5, 5]), w)).toThrow(ms.ValueError);
    expect(() => ops.conv2d(rand([2, 5, 5]), w)).toThrow(/For 'conv2d', the 'input' must be a 4-D Tensor/);
    expect(() => ops.conv2d(x, rand([4, 2, 3]))).toThrow(/'weight' must be a 4-D/);
    expect(() => ops.conv2d(x, rand([4, 3, 3, 3]))).toThrow(/For 'conv2d', weight.shape\[1\] \* groups/);
    expect(() => ops.conv2d(x, w, null, 1, "full")).toThrow(/For 'conv2d', the 'pad_mode' must be one of \['valid', 'same', 'pad'\], but got 'full'/);
    expect(() => ops.conv2d(x, w, null, 1, "same", 1)).toThrow(/For 'conv2d', the 'padding' must be 0 when 'pad_mode' is 'same'/);
    expect(() => ops.conv2d(x, w, null, 1, "valid", [1, 1])).toThrow(ms.ValueError);
    expect(() => ops.conv2d(x, w, null, 0)).toThrow(/For 'conv2d', every element of 'stride' must be >= 1/);
    expect(() => ops.conv2d(x, w, null, 1, "pad", -1)).toThrow(/'padding' must be non-negative/);
    expect(() => ops.conv2d(x, w, null, 1, "valid", 0, 1, 3)).toThrow(/divisible by 'groups'/);
    expect(() => ops.conv2d(x, w, rand([3]))).toThrow(/For 'conv2d', the 'bias' must have shape \(C_out,\) = \(4,\)/);
    expect(() => ops.conv2d(x, ops.cast(w, ms.float32))).toThrow(ms.TypeError);
    expect(() => ops.conv2d(ops.cast(x, ms.int32), w)).toThrow(ms.TypeError);
    expect(() => ops.conv2d(rand([1, 2, 2, 2]), w)).toThrow(/smaller than the dilated kernel/);
    expect(() => ops.conv2d(x, w, null, 1.5)).toThrow(ms.TypeError);
    expect(() => ops.conv1d(x, w)).toThrow(/For 'conv1d', the 'input' must be a 3-D Tensor/);
    expect(() => ops.conv1d(rand([1, 2, 5]), rand([4, 2, 3]), null, 1, "pad", [1, 1, 1])).toThrow(/For 'conv1d', the 'padding'/);
  });
});

/** conv_transpose2d by its definition: every input element scatters weight * value onto the output. */
function naiveConvTranspose(x: Tensor, w: Tensor, stride: number[], padding: number[], outPad: number[], groups: number, dil: number[]): { data: number[]; shape: number[] } {
  const [n, cin, h, wd] = x.shape;
  const [, og, kh, kw] = w.shape;
  const cg = cin / groups;
  const cout = og * groups;
  const oh = (h - 1) * stride[0] - 2 * padding[0] + dil[0] * (kh - 1) + outPad[0] + 1;
  const ow = (wd - 1) * stride[1] - 2 * padding[1] + dil[1] * (kw - 1) + outPad[1] + 1;
  const xv = vals(x);
  const wv = vals(w);
  const out = new Array<number>(n * cout * oh * ow).fill(0);
  for (let b = 0; b < n; b++) {
    for (let ci = 0; ci < cin; ci++) {
      const grp = Math.floor(ci / cg);
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < wd; xx++) {
          const v = xv[((b * cin + ci) * h + y) * wd + xx];
          for (let o = 0; o < og; o++) {
            for (let ky = 0; ky < kh; ky++) {
              for (let kx = 0; kx < kw; kx++) {
                const r = y * stride[0] - padding[0] + ky * dil[0];
                const q = xx * stride[1] - padding[1] + kx * dil[1];
                if (r < 0 || r >= oh || q < 0 || q >= ow) continue;
                out[((b * cout + grp * og + o) * oh + r) * ow + q] += v * wv[((ci * og + o) * kh + ky) * kw + kx];
              }
            }
          }
        }
      }
    }
  }
  return { data: out, shape: [n, cout, oh, ow] };
}

describe("ops.conv_transpose2d", () => {
  it("matches the scatter definition for strides, paddings, output_padding, groups and dilation", () => {
    const configs: [number[], number[], number[], number, number[]][] = [
      [[1, 1], [0, 0], [0, 0], 1, [1, 1]],
      [[2, 2], [1, 1], [1, 1], 1, [1, 1]],
      [[2, 3], [0, 1], [1, 2], 2, [1, 1]],
      [[1, 2], [2, 0], [0, 1], 2, [2, 1]],
      [[3, 1], [1, 2], [2, 0], 1, [1, 3]],
    ];
    for (const [stride, padding, outPad, groups, dil] of configs) {
      const x = rand([2, 2 * groups, 3, 4]);
      const w = rand([2 * groups, 3, 3, 2]);
      const got = ops.conv_transpose2d(x, w, null, stride, padding, outPad, groups, dil);
      const want = naiveConvTranspose(x, w, stride, padding, outPad, groups, dil);
      expect(got.shape).toEqual(want.shape);
      expectAllClose(vals(got), want.data);
    }
  });

  it("is the adjoint of conv2d: <conv(x, w), y> = <x, conv_transpose(y, w)>", () => {
    const x = rand([1, 2, 7, 6]);
    const w = rand([3, 2, 3, 3]);
    const y = ops.conv2d(x, w, null, 2, "pad", 1);
    const ct = rand(y.shape);
    const lhs = vals(ops.sum(ops.mul(y, ct)))[0];
    const back = ops.conv_transpose2d(ct, w, null, 2, 1, [0, 1]);
    expect(back.shape).toEqual(x.shape);
    expect(vals(ops.sum(ops.mul(x, back)))[0]).toBeCloseTo(lhs, 10);
  });

  it("accepts an unbatched input and raises on bad arguments", () => {
    const w = rand([2, 3, 2, 2]);
    expect(ops.conv_transpose2d(rand([2, 3, 3]), w).shape).toEqual([3, 4, 4]);
    expect(() => ops.conv_transpose2d(rand([1, 3, 3, 3]), w)).toThrow(/For 'conv_transpose2d', weight.shape\[0\] \(2\) must equal the input channels \(3\)/);
    expect(() => ops.conv_transpose2d(rand([1, 2, 3, 3]), w, null, 1, 0, 1)).toThrow(/'output_padding' must be smaller than either 'stride' or 'dilation'/);
    expect(() => ops.conv_transpose2d(rand([1, 2, 3, 3]), w, null, 1, 0, 0, 4)).toThrow(ms.ValueError);
    expect(() => ops.conv_transpose2d(rand([3, 3]), w)).toThrow(ms.ValueError);
  });
});
