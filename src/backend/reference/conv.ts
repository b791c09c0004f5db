/**
 * The `conv` kernel: im2col into a Float64Array, then a tight multiply-add
 * loop per group. Input dilation, padding (negative = crop), kernel dilation,
 * stride and groups are all resolved while building the columns, so the
 * inner loop is a plain axpy over output positions.
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
    const wt = toContiguous(wv, float64);
    const acc = new Float64Array(sizeOf(out.shape));
    const col = new Float64Array(taps * plane);
    for (let b = 0; b < n; b++) {
      for (let gi = 0; gi < g; gi++) {
        // im2col: one row per (channel, ky, kx) tap, one column per output position
        for (let ci = 0; ci < cg; ci++) {
          const cbase = x.offset + b * sn + (gi * cg + ci) * sc;
          for (let ky = 0; ky < kh; ky++) {
            for (let kx = 0; kx < kw; kx++) {
              let dst = ((ci * kh + ky) * kw + kx) * plane;
              for (let oy = 0; oy < oh; oy++) {
                const sy = rows[ky * oh + oy];
                if (sy < 0) {
                  col.fill(0, dst, dst + ow);
                  dst += ow;
                  continue;
                }
                const rbase = cbase + sy * sh;
                const cOff = kx * ow;
                for (let ox = 0; ox < ow; ox++) {
                  const sx = cols[cOff + ox];
                  col[dst++] = sx < 0 ? 0 : xd[rbase + sx * sw];
                }
              }
            }
          }
        }
        // out[oc, :] += w[oc, t] * col[t, :]
        for (let oc = 0; oc < og; oc++) {
          const oBase = (b * o + gi * og + oc) * plane;
          const wBase = (gi * og + oc) * taps;
          for (let t = 0; t < taps; t++) {
            const wval = wt[wBase + t];
            const cBase = t * plane;
            for (let q = 0; q < plane; q++) acc[oBase + q] += wval * col[cBase + q];
          }
        }
      }
    }
    const res = new out.dtype.storage(acc.length);
    res.set(acc);
    finishDtype(out, res, false);
    return make(out, res);
  };
}
