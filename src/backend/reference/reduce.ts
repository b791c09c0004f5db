/** Reductions, scans and arg-reductions of the reference backend. */
import type { Kernel, OutSpec, View } from "../backend.js";
import type { ReduceParams } from "../../primitives/params.js";
import { contiguousStrides, sizeOf } from "../../core/shape.js";
import { forEachStrided, hostData, toContiguous } from "./storage.js";
import { finishDtype, type MakeStorage } from "./elementwise.js";

/** Output strides that map every input index onto its reduced slot (0 on reduced axes). */
function reducedStrides(shape: readonly number[], axes: readonly number[]): number[] {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const cs = contiguousStrides(kept);
  return cs.map((s, i) => (axes.includes(i) ? 0 : s));
}

type Combine = (acc: number, v: number) => number;

type ReducePrim = "sum" | "prod" | "max" | "min";
function reduceKernel<P extends ReducePrim>(init: number, combine: Combine, make: MakeStorage): Kernel<P> {
  const kernel = (inputs: readonly View[], p: ReduceParams, out: OutSpec) => {
    const x = inputs[0];
    const acc = new Float64Array(sizeOf(out.shape)).fill(init);
    const src = hostData(x);
    forEachStrided(x.shape, [x.strides, reducedStrides(x.shape, p.axes)], [x.offset, 0], (_k, o) => {
      acc[o[1]] = combine(acc[o[1]], src[o[0]]);
    });
    const res = new out.dtype.storage(acc.length);
    res.set(acc);
    finishDtype(out, res, false);
    return make(out, res);
  };
  return kernel as unknown as Kernel<P>;
}

const nanMax: Combine = (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : v > a ? v : a);
const nanMin: Combine = (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : v < a ? v : a);

export const sumKernel = (make: MakeStorage) => reduceKernel<"sum">(0, (a, v) => a + v, make);
export const prodKernel = (make: MakeStorage) => reduceKernel<"prod">(1, (a, v) => a * v, make);
export const maxKernel = (make: MakeStorage) => reduceKernel<"max">(-Infinity, nanMax, make);
export const minKernel = (make: MakeStorage) => reduceKernel<"min">(Infinity, nanMin, make);

/** argmax/argmin: first index of the extreme value; NaN counts as the extreme (NumPy). */
export function argKernel<P extends "argmax" | "argmin">(isBetter: (v: number, best: number) => boolean, make: MakeStorage): Kernel<P> {
  const kernel = (inputs: readonly View[], p: { axis: number }, out: OutSpec) => {
    const x = inputs[0];
    const axis = p.axis;
    const dim = x.shape[axis];
    const inner = sizeOf(x.shape.slice(axis + 1));
    const best = new Float64Array(sizeOf(out.shape)).fill(NaN);
    const arg = new Float64Array(best.length).fill(-1);
    const src = hostData(x);
    forEachStrided(x.shape, [x.strides, reducedStrides(x.shape, [axis])], [x.offset, 0], (k, o) => {
      const v = src[o[0]];
      const slot = o[1];
      const i = Math.floor(k / inner) % dim;
      if (arg[slot] < 0 || (!Number.isNaN(best[slot]) && (Number.isNaN(v) || isBetter(v, best[slot])))) {
        best[slot] = v;
        arg[slot] = i;
      }
    });
    const res = new out.dtype.storage(arg.length);
    res.set(arg);
    return make(out, res);
  };
  return kernel as unknown as Kernel<P>;
}

export function cumsumKernel(make: MakeStorage): Kernel<"cumsum"> {
  return (inputs, p, out) => {
    const data = toContiguous(inputs[0], out.dtype);
    const shape = inputs[0].shape;
    const dim = shape[p.axis];
    const inner = sizeOf(shape.slice(p.axis + 1));
    const outer = sizeOf(shape.slice(0, p.axis));
    for (let a = 0; a < outer; a++) {
      for (let b = 0; b < inner; b++) {
        const base = a * dim * inner + b;
        let acc = 0;
        for (let t = 0; t < dim; t++) {
          const i = p.reverse ? dim - 1 - t : t;
          acc += data[base + i * inner];
          data[base + i * inner] = acc;
        }
      }
    }
    finishDtype(out, data, false);
    return make(out, data);
  };
}

/** pool_argmax: per window, the flat (H * W) index of the first maximum; a NaN wins (it is the maximum). */
export function poolArgmaxKernel(make: MakeStorage): Kernel<"pool_argmax"> {
  return (inputs, p, out) => {
    const x = inputs[0];
    const [b, , w] = x.shape;
    const [kh, kw] = p.kernel;
    const [sh, sw] = p.stride;
    const [dh, dw] = p.dilation;
    const [oh, ow] = p.out;
    const [xs0, xs1, xs2] = x.strides;
    const src = hostData(x);
    const res = new Float64Array(b * oh * ow);
    let o = 0;
    for (let bi = 0; bi < b; bi++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let best = NaN;
          let arg = -1;
          for (let ky = 0; ky < kh && !(arg >= 0 && Number.isNaN(best)); ky++) {
            const r = oy * sh + ky * dh;
            for (let kx = 0; kx < kw; kx++) {
              const c = ox * sw + kx * dw;
              const v = src[x.offset + bi * xs0 + r * xs1 + c * xs2];
              if (arg < 0 || Number.isNaN(v) || v > best) {
                best = v;
                arg = r * w + c;
                if (Number.isNaN(v)) break;
              }
            }
          }
          res[o++] = arg;
        }
      }
    }
    return make(out, res);
  };
}
