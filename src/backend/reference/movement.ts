/** Kernels that move data: padding, concatenation, gathers and scatters. */
import type { Kernel, View } from "../backend.js";
import { contiguousStrides, sizeOf } from "../../core/shape.js";
import { IndexError } from "../../core/errors.js";
import type { TypedArray } from "../../core/dtype.js";
import { forEachStrided, hostData, toContiguous } from "./storage.js";
import type { MakeStorage } from "./elementwise.js";

/** Copy `src` into `dst` (contiguous with strides `dstStrides`) starting at `dstOffset`. */
function copyInto(dst: TypedArray, dstStrides: readonly number[], dstOffset: number, src: View): void {
  const s = hostData(src);
  forEachStrided(src.shape, [src.strides, dstStrides], [src.offset, dstOffset], (_k, o) => {
    dst[o[1]] = s[o[0]];
  });
}

export function padKernel(make: MakeStorage): Kernel<"pad"> {
  return (inputs, p, out) => {
    const res = new out.dtype.storage(sizeOf(out.shape)).fill(p.value);
    const cs = contiguousStrides(out.shape);
    const start = p.before.reduce((acc, b, i) => acc + b * cs[i], 0);
    copyInto(res, cs, start, inputs[0]);
    return make(out, res);
  };
}

export function concatKernel(make: MakeStorage): Kernel<"concat"> {
  return (inputs, p, out) => {
    const res = new out.dtype.storage(sizeOf(out.shape));
    const cs = contiguousStrides(out.shape);
    let at = 0;
    for (const v of inputs) {
      copyInto(res, cs, at * cs[p.axis], v);
      at += v.shape[p.axis];
    }
    return make(out, res);
  };
}

function checkIndex(i: number, dim: number, op: string): number {
  if (i < -dim || i >= dim) throw new IndexError(`For '${op}', the index ${i} is out of bounds for a dimension of size ${dim}.`);
  return i < 0 ? i + dim : i;
}

/** Strides of `x` with the gather axis zeroed: the index supplies that coordinate. */
function withoutAxis(strides: readonly number[], axis: number): number[] {
  return strides.map((s, i) => (i === axis ? 0 : s));
}

export function takeAlongAxisKernel(make: MakeStorage): Kernel<"take_along_axis"> {
  return (inputs, p, out) => {
    const [x, index] = inputs;
    const res = new out.dtype.storage(sizeOf(out.shape));
    const dx = hostData(x);
    const di = hostData(index);
    const dim = x.shape[p.axis];
    const sAxis = x.strides[p.axis];
    forEachStrided(index.shape, [index.strides, withoutAxis(x.strides, p.axis)], [index.offset, x.offset], (k, o) => {
      res[k] = dx[o[1] + checkIndex(di[o[0]], dim, "gather_d") * sAxis];
    });
    return make(out, res);
  };
}

export function scatterAddAlongAxisKernel(make: MakeStorage): Kernel<"scatter_add_along_axis"> {
  return (inputs, p, out) => {
    const [src, index] = inputs;
    const res = new out.dtype.storage(sizeOf(out.shape));
    const cs = contiguousStrides(out.shape);
    const ds = hostData(src);
    const di = hostData(index);
    const dim = out.shape[p.axis];
    forEachStrided(index.shape, [index.strides, src.strides, withoutAxis(cs, p.axis)], [index.offset, src.offset, 0], (_k, o) => {
      res[o[2] + checkIndex(di[o[0]], dim, "scatter_add") * cs[p.axis]] += ds[o[1]];
    });
    return make(out, res);
  };
}

export function scatterAlongAxisKernel(make: MakeStorage): Kernel<"scatter_along_axis"> {
  return (inputs, p, out) => {
    const [x, index, src] = inputs;
    const res = toContiguous(x, out.dtype);
    const cs = contiguousStrides(out.shape);
    const ds = hostData(src);
    const di = hostData(index);
    const dim = out.shape[p.axis];
    forEachStrided(index.shape, [index.strides, src.strides, withoutAxis(cs, p.axis)], [index.offset, src.offset, 0], (_k, o) => {
      res[o[2] + checkIndex(di[o[0]], dim, "scatter") * cs[p.axis]] = ds[o[1]];
    });
    return make(out, res);
  };
}
