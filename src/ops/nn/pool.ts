/**
 * Pooling as compositions that stay fast on the reference backend:
 * - max_pool2d finds each window's maximum with the pool_argmax primitive
 *   (no gradient of its own) and gathers the maxima from the traced input, so
 *   the gradient is a single scatter onto the max element of each window
 *   (MindSpore's rule; the first one on ties);
 * - avg_pool2d is a depthwise convolution with a ones kernel divided by each
 *   window's divisor;
 * - adaptive_avg_pool2d is two small matrix products (bins are separable).
 */
import { Tensor } from "../../core/tensor.js";
import { type DType } from "../../core/dtype.js";
import { fmtShape } from "../../core/shape.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as L from "../../primitives/lax.js";
import { bind } from "../../primitives/bind.js";
import { checkTensor, optionalArgs } from "../args.js";
import { checkBool, checkInt, checkRank, floatConst, floatTensor, fmtTuple, int64Const, intTuple } from "./common.js";

/** The lowest value of a dtype: what max pooling pads with. */
function lowest(dtype: DType): number {
  if (dtype.kind === "float") return -Infinity;
  switch (dtype.name) {
    case "Int8":
      return -128;
    case "Int16":
      return -32768;
    case "Int32":
      return -2147483648;
    case "Int64":
      return -(2 ** 53);
    default:
      return 0;
  }
}

/** Output length of a pooling window walk; ceil_mode adds a last partial window that starts inside the input or the leading padding. */
function poolOut(size: number, k: number, stride: number, padBefore: number, padAfter: number, dilation: number, ceil: boolean): number {
  const span = size + padBefore + padAfter - dilation * (k - 1) - 1;
  let out = Math.floor((span + (ceil ? stride - 1 : 0)) / stride) + 1;
  if (ceil && (out - 1) * stride >= size + padBefore) out--;
  return out;
}

/**
 * `ops.max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)`.
 * With return_indices, also the int64 flat index (into H * W of each plane)
 * of every maximum.
 */
export function max_pool2d(x: Tensor, kernel_size: number | number[], ...rest: unknown[]): Tensor | [Tensor, Tensor] {
  const op = "max_pool2d";
  const o = optionalArgs(op, rest, {
    stride: null as number | number[] | null,
    padding: 0 as number | number[],
    dilation: 1 as number | number[],
    return_indices: false as boolean,
    ceil_mode: false as boolean,
  });
  const input = checkTensor(x, op, "x");
  checkRank(input, [4], op, "x", "(N, C, H, W)");
  if (input.dtype.kind === "bool") throw new TypeError(`For '${op}', the 'x' must be a numeric Tensor, but got ${input.dtype.name}.`);
  const k = intTuple(kernel_size, 2, op, "kernel_size", 1);
  const s = o.stride === null ? k : intTuple(o.stride, 2, op, "stride", 1);
  const p = intTuple(o.padding, 2, op, "padding", 0);
  const d = intTuple(o.dilation, 2, op, "dilation", 1);
  const ceil = checkBool(o.ceil_mode, op, "ceil_mode");
  checkBool(o.return_indices, op, "return_indices");
  p.forEach((pi, i) => {
    if (pi * 2 > k[i]) throw new ValueError(`For '${op}', the 'padding' must be at most half of 'kernel_size', but got padding=${fmtTuple(p)} and kernel_size=${fmtTuple(k)}.`);
  });
  const [n, c, h, w] = input.shape;
  const [oh, ow] = [h, w].map((size, i) => poolOut(size, k[i], s[i], p[i], p[i], d[i], ceil));
  if (oh < 1 || ow < 1) throw new ValueError(`For '${op}', the output size (${oh}, ${ow}) must be positive for input ${fmtShape(input.shape)}, kernel_size=${fmtTuple(k)}, padding=${fmtTuple(p)}, dilation=${fmtTuple(d)}.`);
  // pad with the lowest value, enough for every window (ceil_mode may need more at the end)
  const after = [oh, ow].map((out, i) => Math.max(p[i], (out - 1) * s[i] + d[i] * (k[i] - 1) + 1 - [h, w][i] - p[i]));
  const hp = h + p[0] + after[0];
  const wp = w + p[1] + after[1];
  const xp = L.pad(input, [0, 0, p[0], p[1]], [0, 0, after[0], after[1]], lowest(input.dtype));
  const nc = n * c;
  const flat = L.reshape(xp, [nc, hp * wp]);
  // each window's maximum, as a flat index into its padded plane; gathering the
  // maxima from the traced input makes the gradient one scatter onto them
  const where = bind("pool_argmax", [L.reshape(L.stop_gradient(xp), [nc, hp, wp])], { kernel: k, stride: s, dilation: d, out: [oh, ow] });
  const out = L.reshape(L.take_along_axis(flat, where, 1), [n, c, oh, ow]);
  if (!o.return_indices) return out;
  // the same position in the unpadded plane: (row - pad_h) * W + (col - pad_w)
  const int = (v: number) => int64Const([v], []);
  const row = L.floor_div(where, int(wp));
  const col = L.sub(where, L.mul(row, int(wp)));
  const unpadded = L.add(L.mul(L.sub(row, int(p[0])), int(w)), L.sub(col, int(p[1])));
  return [out, L.reshape(unpadded, [n, c, oh, ow])];
}

/** avg_pool2d's padding: an int, (pad_h, pad_w), or (top, bottom, left, right). */
function poolPadding(v: unknown, op: string): number[] {
  if (Array.isArray(v) && v.length === 4) return intTuple(v, 4, op, "padding", 0);
  const pair = intTuple(v, 2, op, "padding", 0);
  return [pair[0], pair[0], pair[1], pair[1]];
}

/**
 * `ops.avg_pool2d(input_x, kernel_size=1, stride=1, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=0)`
 * (MindSpore's defaults: kernel and stride 1). The divisor of a window is its
 * size clipped to the padded input (count_include_pad) or to the input, or
 * divisor_override when non-zero.
 */
export function avg_pool2d(input_x: Tensor, ...rest: unknown[]): Tensor {
  const op = "avg_pool2d";
  const o = optionalArgs(op, rest, {
    kernel_size: 1 as number | number[],
    stride: 1 as number | number[],
    padding: 0 as number | number[],
    ceil_mode: false as boolean,
    count_include_pad: true as boolean,
    divisor_override: 0 as number,
  });
  const x = floatTensor(input_x, op, "input_x");
  checkRank(x, [4], op, "input_x", "(N, C, H, W)");
  const k = intTuple(o.kernel_size, 2, op, "kernel_size", 1);
  const s = intTuple(o.stride, 2, op, "stride", 1);
  const [pt, pb, pl, pr] = poolPadding(o.padding, op);
  const ceil = checkBool(o.ceil_mode, op, "ceil_mode");
  const includePad = checkBool(o.count_include_pad, op, "count_include_pad");
  const divisor = checkInt(o.divisor_override, op, "divisor_override", 0);
  const [n, c, h, w] = x.shape;
  const oh = poolOut(h, k[0], s[0], pt, pb, 1, ceil);
  const ow = poolOut(w, k[1], s[1], pl, pr, 1, ceil);
  if (oh < 1 || ow < 1) throw new ValueError(`For '${op}', the output size (${oh}, ${ow}) must be positive for input ${fmtShape(x.shape)}, kernel_size=${fmtTuple(k)}, padding=${fmtTuple([pt, pb, pl, pr])}.`);
  // window sums: a depthwise convolution with a ones kernel; the end padding makes exactly oh x ow windows
  const sums = L.conv(L.reshape(x, [n * c, 1, h, w]), L.broadcast_to(L.scalar(1, x.dtype), [1, 1, k[0], k[1]]), {
    stride: s,
    padding: [pt, (oh - 1) * s[0] + k[0] - h - pt, pl, (ow - 1) * s[1] + k[1] - w - pl],
    lhs_dilation: [1, 1],
    rhs_dilation: [1, 1],
    groups: 1,
  });
  const div = new Float64Array(oh * ow);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      if (divisor > 0) {
        div[oy * ow + ox] = divisor;
        continue;
      }
      const hs = oy * s[0] - pt;
      const ws = ox * s[1] - pl;
      const he = Math.min(hs + k[0], h + pb);
      const we = Math.min(ws + k[1], w + pr);
      div[oy * ow + ox] = includePad ? (he - hs) * (we - ws) : (Math.min(he, h) - Math.max(hs, 0)) * (Math.min(we, w) - Math.max(ws, 0));
    }
  }
  return L.reshape(L.div(sums, floatConst(div, [oh, ow], x.dtype)), [n, c, oh, ow]);
}

/** Bin i of n over a length: [floor(i * len / n), ceil((i + 1) * len / n)). */
function binMatrix(len: number, bins: number): { ones: Float64Array; counts: number[] } {
  const ones = new Float64Array(bins * len);
  const counts: number[] = [];
  for (let i = 0; i < bins; i++) {
    const start = Math.floor((i * len) / bins);
    const end = Math.ceil(((i + 1) * len) / bins);
    for (let j = start; j < end; j++) ones[i * len + j] = 1;
    counts.push(end - start);
  }
  return { ones, counts };
}

/** `ops.adaptive_avg_pool2d(input, output_size)`: output_size an int or (H, W), None keeping that size. */
export function adaptive_avg_pool2d(input: Tensor, output_size: number | (number | null)[]): Tensor {
  const op = "adaptive_avg_pool2d";
  const x = floatTensor(input, op, "input");
  checkRank(x, [3, 4], op, "input", "(N, C, H, W) or (C, H, W)");
  const [h, w] = x.shape.slice(-2);
  const given = typeof output_size === "number" ? [output_size, output_size] : Array.isArray(output_size) ? output_size : null;
  if (given === null || given.length !== 2) {
    throw new TypeError(`For '${op}', the 'output_size' must be an int or a tuple of 2 ints (or None), but got ${Array.isArray(output_size) ? `a tuple of length ${output_size.length}` : typeName(output_size)}.`);
  }
  const [oh, ow] = given.map((v, i) => (v === null ? [h, w][i] : checkInt(v, op, "output_size", 1)));
  return adaptiveAvg(x, oh, ow);
}

/** Average over adaptive bins, exactly: 0/1 bin matrices for the sums, then one division by the bin areas. */
export function adaptiveAvg(x: Tensor, oh: number, ow: number): Tensor {
  const [h, w] = x.shape.slice(-2);
  const rows = binMatrix(h, oh);
  const cols = binMatrix(w, ow);
  const a = floatConst(rows.ones, [oh, h], x.dtype);
  const bt = floatConst(cols.ones, [ow, w], x.dtype);
  const sums = L.matmul(L.matmul(a, x), L.mT(bt));
  const areas = new Float64Array(oh * ow);
  for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) areas[i * ow + j] = rows.counts[i] * cols.counts[j];
  return L.div(sums, floatConst(areas, [oh, ow], x.dtype));
}
