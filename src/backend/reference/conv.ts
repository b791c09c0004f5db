/**
 * The `conv` kernel: im2col into a Float64Array, then dot products per
 * group. Input dilation, padding (negative = crop), kernel dilation, stride
 * and groups are all resolved while building the columns, so the inner loop
 * is a plain dot product of two contiguous rows.
 */
import type { Kernel } from "../backend.js";
import { float64 } from "../../core/dtype.js";
import { sizeOf } from "../../core/shape.js";
import { hostData, toContiguous } from "./storage.js";
import { finishDtype, type MakeStorage } from "./elementwise.js";

/**
 * For one spatial axis: the source coordinate read by kernel tap k at output
 * position i (table[k * outSize + i]), or -1 where it falls on padding or
 * between dilated input elements.
 */
function sourceTable(inSize: number, kSize: number, outSize: number, stride: number, padBefore: number, lhsDil: number, rhsDil: number): Int32Array {
  const t = new Int32Array(kSize * outSize);
  const span = (inSize - 1) * lhsDil + 1;
  for (let k = 0; k < kSize; k++) {
    for (let i = 0; i < outSize; i++) {
      const j = i * stride + k * rhsDil - padBefore;
      t[k * outSize + i] = j >= 0 && j < span && j % lhsDil === 0 ? j / lhsDil : -1;
    }
  }
  return t;
}

export function convKernel(make: MakeStorage): Kernel<"conv"> {
  return (inputs, p, out) => {
    const [x, wv] = inputs;
    const [n, , h, wd] = x.shape;
    const [o, cg, kh, kw] = wv.shape;
    const [, , oh, ow] = out.shape;
    const g = p.groups;
    const og = o / g;
    const plane = oh * ow;
    const taps = cg * kh * kw;
    const rows = sourceTable(h, kh, oh, p.stride[0], p.padding[0], p.lhs_dilation[0], p.rhs_dilation[0]);
    const cols = sourceTable(wd, kw, ow, p.stride[1], p.padding[2], p.lhs_dilation[1], p.rhs_dilation[1]);
    const xd = hostData(x);
    const [sn, sc, sh, sw] = x.strides;
    const wt = toContiguous(wv, float64) as Float64Array;
    const acc = new Float64Array(sizeOf(out.shape));
    // im2col, transposed: one row of `taps` values per output position, so
    // each output is a dot product of two contiguous rows
    const col = new Float64Array(plane * taps);
    for (let b = 0; b < n; b++) {
      for (let gi = 0; gi < g; gi++) {
        for (let ci = 0; ci < cg; ci++) {
          const cbase = x.offset + b * sn + (gi * cg + ci) * sc;
          for (let ky = 0; ky < kh; ky++) {
            for (let kx = 0; kx < kw; kx++) {
              const tap = (ci * kh + ky) * kw + kx;
              for (let oy = 0; oy < oh; oy++) {
                const sy = rows[ky * oh + oy];
                let dst = oy * ow * taps + tap;
                if (sy < 0) {
                  for (let ox = 0; ox < ow; ox++, dst += taps) col[dst] = 0;
                  continue;
                }
                const rbase = cbase + sy * sh;
                const cOff = kx * ow;
                for (let ox = 0; ox < ow; ox++, dst += taps) {
                  const sx = cols[cOff + ox];
                  col[dst] = sx < 0 ? 0 : xd[rbase + sx * sw];
                }
              }
            }
          }
        }
        dotRows(col, wt, acc, plane, taps, gi * og, og, (b * o + gi * og) * plane);
      }
    }
    const res = new out.dtype.storage(acc.length);
    res.set(acc);
    finishDtype(out, res, false);
    return make(out, res);
  };
}

/**
 * acc[outBase + oc * plane + q] = dot(w[(w0 + oc) * taps ...], col[q * taps ...])
 * for oc < count, four output channels at a time so each column value is
 * loaded once per four multiply-adds.
 */
function dotRows(col: Float64Array, w: Float64Array, acc: Float64Array, plane: number, taps: number, w0: number, count: number, outBase: number): void {
  let oc = 0;
  for (; oc + 4 <= count; oc += 4) {
    const a0 = (w0 + oc) * taps;
    const a1 = a0 + taps;
    const a2 = a1 + taps;
    const a3 = a2 + taps;
    const o0 = outBase + oc * plane;
    for (let q = 0; q < plane; q++) {
      const cb = q * taps;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < taps; t++) {
        const c = col[cb + t];
        s0 += w[a0 + t] * c;
        s1 += w[a1 + t] * c;
        s2 += w[a2 + t] * c;
        s3 += w[a3 + t] * c;
      }
      acc[o0 + q] = s0;
      acc[o0 + plane + q] = s1;
      acc[o0 + 2 * plane + q] = s2;
      acc[o0 + 3 * plane + q] = s3;
    }
  }
  for (; oc < count; oc++) {
    const a0 = (w0 + oc) * taps;
    const o0 = outBase + oc * plane;
    for (let q = 0; q < plane; q++) {
      const cb = q * taps;
      let s0 = 0;
      for (let t = 0; t < taps; t++) s0 += w[a0 + t] * col[cb + t];
      acc[o0 + q] = s0;
    }
  }
}
