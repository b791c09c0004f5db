/**
 * interpolate and embedding: gathers with constant index tables, so their
 * gradients are scatter-adds and no primitive of their own is needed.
 */
import { Tensor } from "../../core/tensor.js";
import { fmtShape } from "../../core/shape.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as L from "../../primitives/lax.js";
import { Parameter } from "../../nn/parameter.js";
import { checkTensor, optionalArgs } from "../args.js";
import { checkBool, checkInt, checkNumber, floatConst, floatTensor, int64Const } from "./common.js";
import { adaptiveAvg } from "./pool.js";

/** Gather along `axis` with one index per output position (the same for every other coordinate). */
function gatherAxis(x: Tensor, axis: number, index: ArrayLike<number>): Tensor {
  const shape = x.shape;
  shape[axis] = index.length;
  const tableShape = shape.map((d, i) => (i === axis ? d : 1));
  return L.take_along_axis(x, L.broadcast_to(int64Const(index, tableShape), shape), axis);
}

type Mode = "nearest" | "nearest-exact" | "linear" | "bilinear" | "area";
const MODES: Record<string, number> = { nearest: 0, "nearest-exact": 0, linear: 1, bilinear: 2, area: 0 };

/** Resample one axis of `x` from its length to `out` samples. */
function resampleAxis(x: Tensor, axis: number, out: number, mode: Mode, alignCorners: boolean): Tensor {
  const size = x.shape[axis];
  if (out === size) return x;
  const ratio = size / out;
  if (mode === "nearest" || mode === "nearest-exact") {
    const idx = Array.from({ length: out }, (_, i) => Math.min(Math.floor(mode === "nearest" ? i * ratio : (i + 0.5) * ratio), size - 1));
    return gatherAxis(x, axis, idx);
  }
  // linear: lo/hi neighbours and the weight of hi
  const lo = new Float64Array(out);
  const hi = new Float64Array(out);
  const t = new Float64Array(out);
  for (let i = 0; i < out; i++) {
    let src: number;
    if (alignCorners) src = out > 1 ? (i * (size - 1)) / (out - 1) : 0;
    else src = out > 1 ? Math.max((i + 0.5) * ratio - 0.5, 0) : 0;
    const i0 = Math.min(Math.floor(src), size - 1);
    lo[i] = i0;
    hi[i] = Math.min(i0 + 1, size - 1);
    t[i] = src - i0;
  }
  const wShape = x.shape.map((d, i) => (i === axis ? out : 1));
  const w1 = floatConst(t, wShape, x.dtype);
  const w0 = floatConst(t.map((v) => 1 - v), wShape, x.dtype);
  return L.add(L.mul(gatherAxis(x, axis, lo), w0), L.mul(gatherAxis(x, axis, hi), w1));
}

/**
 * `ops.interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None)`.
 * Modes: 'nearest' (src = floor(dst * in / out)), 'nearest-exact', 'linear'
 * (3-D), 'bilinear' (4-D; align_corners False/None = half-pixel centres,
 * True = corners aligned), 'area' (adaptive average). Exactly one of size /
 * scale_factor; a scale gives floor(in * scale) samples.
 */
export function interpolate(input: Tensor, ...rest: unknown[]): Tensor {
  const op = "interpolate";
  const o = optionalArgs(op, rest, {
    size: null as number | number[] | null,
    scale_factor: null as number | number[] | null,
    mode: "nearest" as string,
    align_corners: null as boolean | null,
    recompute_scale_factor: null as boolean | null,
  });
  const x = floatTensor(input, op, "input");
  if (typeof o.mode !== "string" || !(o.mode in MODES)) {
    const known = ["nearest", "nearest-exact", "linear", "bilinear", "area"];
    throw new ValueError(`For '${op}', the 'mode' must be one of [${known.map((m) => `'${m}'`).join(", ")}] in mindspore-ts, but got ${typeof o.mode === "string" ? `'${o.mode}'` : typeName(o.mode)}.`);
  }
  const mode = o.mode as Mode;
  const nsp = x.ndim - 2;
  if (mode === "linear" && nsp !== 1) throw new ValueError(`For '${op}', mode 'linear' needs a 3-D input (N, C, W), but got shape ${fmtShape(x.shape)}.`);
  if (mode === "bilinear" && nsp !== 2) throw new ValueError(`For '${op}', mode 'bilinear' needs a 4-D input (N, C, H, W), but got shape ${fmtShape(x.shape)}.`);
  if (nsp < 1 || nsp > 2) throw new ValueError(`For '${op}', the 'input' must be 3-D or 4-D in mindspore-ts, but got shape ${fmtShape(x.shape)}.`);
  const linear = mode === "linear" || mode === "bilinear";
  if (o.align_corners !== null && !linear) {
    throw new ValueError(`For '${op}', the 'align_corners' option can only be set with 'linear' or 'bilinear' modes, but mode is '${mode}'.`);
  }
  const alignCorners = o.align_corners === null ? false : checkBool(o.align_corners, op, "align_corners");
  if (o.recompute_scale_factor !== null) checkBool(o.recompute_scale_factor, op, "recompute_scale_factor");
  if ((o.size === null) === (o.scale_factor === null)) {
    throw new ValueError(`For '${op}', exactly one of 'size' and 'scale_factor' must be given, but got ${o.size === null ? "neither" : "both"}.`);
  }
  const sizes = x.shape.slice(2);
  let outSizes: number[];
  if (o.size !== null) {
    const list = typeof o.size === "number" ? sizes.map(() => o.size as number) : o.size;
    if (!Array.isArray(list) || list.length !== nsp) throw new ValueError(`For '${op}', the 'size' must be an int or a tuple of ${nsp} ints, but got ${typeName(o.size)}.`);
    outSizes = list.map((v) => checkInt(v, op, "size", 1));
  } else {
    const list = typeof o.scale_factor === "number" ? sizes.map(() => o.scale_factor as number) : o.scale_factor;
    if (!Array.isArray(list) || list.length !== nsp) throw new ValueError(`For '${op}', the 'scale_factor' must be a float or a tuple of ${nsp} floats, but got ${typeName(o.scale_factor)}.`);
    outSizes = list.map((v, i) => {
      const f = checkNumber(v, op, "scale_factor");
      if (!(f > 0)) throw new ValueError(`For '${op}', the 'scale_factor' must be positive, but got ${f}.`);
      const out = Math.floor(sizes[i] * f);
      if (out < 1) throw new ValueError(`For '${op}', the 'scale_factor' ${f} gives an empty output for an input size of ${sizes[i]}.`);
      return out;
    });
  }
  if (mode === "area") {
    const lifted = nsp === 1 ? L.reshape(x, [x.shape[0], x.shape[1], 1, sizes[0]]) : x;
    const pooled = adaptiveAvg(lifted, nsp === 1 ? 1 : outSizes[0], outSizes[nsp - 1]);
    return nsp === 1 ? L.reshape(pooled, [x.shape[0], x.shape[1], outSizes[0]]) : pooled;
  }
  let out = x;
  outSizes.forEach((s, i) => {
    out = resampleAxis(out, 2 + i, s, mode, alignCorners);
  });
  return out;
}

/**
 * `ops.embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False)`:
 * rows of `weight` picked by the int `input`, shape (*input.shape, dim).
 * padding_idx's row gets no gradient; scale_grad_by_freq divides each row's
 * gradient by how often it is picked; max_norm renormalises the picked rows
 * of `weight` in place (set_data on a Parameter) before the lookup.
 */
export function embedding(input: Tensor, weight: Tensor, ...rest: unknown[]): Tensor {
  const op = "embedding";
  const o = optionalArgs(op, rest, {
    padding_idx: null as number | null,
    max_norm: null as number | null,
    norm_type: 2.0 as number,
    scale_grad_by_freq: false as boolean,
  });
  const idx = checkTensor(input, op, "input");
  if (idx.dtype.kind !== "int") throw new TypeError(`For '${op}', the 'input' must be a Tensor of int32 or int64 indices, but got ${idx.dtype.name}.`);
  let w = floatTensor(weight, op, "weight");
  if (w.ndim !== 2) throw new ValueError(`For '${op}', the 'weight' must be 2-D (num_embeddings, embedding_dim), but got shape ${fmtShape(w.shape)}.`);
  const [rows, dim] = w.shape;
  let paddingIdx: number | null = null;
  if (o.padding_idx !== null) {
    const p = checkInt(o.padding_idx, op, "padding_idx");
    if (p < -rows || p >= rows) throw new ValueError(`For '${op}', the 'padding_idx' must be in range [${-rows}, ${rows}), but got ${p}.`);
    paddingIdx = p < 0 ? p + rows : p;
  }
  const scaleByFreq = checkBool(o.scale_grad_by_freq, op, "scale_grad_by_freq");
  const raw = idx._data();
  const picks = new Float64Array(raw.length);
  const counts = new Float64Array(rows);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v < 0 || v >= rows) throw new ValueError(`For '${op}', the 'input' must contain indices in range [0, ${rows}), but got ${v}.`);
    picks[i] = v;
    counts[picks[i]]++;
  }
  if (o.max_norm !== null) w = renormRows(w, weight, picks, checkNumber(o.max_norm, op, "max_norm"), checkNumber(o.norm_type, op, "norm_type"));
  if (paddingIdx !== null || scaleByFreq) {
    // value w, gradient scale * grad: sg(w) + (w - sg(w)) * scale is exactly w forward
    const scale = new Float64Array(rows).fill(1);
    if (scaleByFreq) counts.forEach((n, r) => (scale[r] = n > 0 ? 1 / n : 1));
    if (paddingIdx !== null) scale[paddingIdx] = 0;
    const sg = L.stop_gradient(w);
    w = L.add(sg, L.mul(L.sub(w, sg), floatConst(scale, [rows, 1], w.dtype)));
  }
  const table = L.broadcast_to(int64Const(picks, [picks.length, 1]), [picks.length, dim]);
  return L.reshape(L.take_along_axis(w, table, 0), [...idx.shape, dim]);
}

/**
 * Rows picked by the lookup whose norm exceeds max_norm are scaled to
 * max_norm / (norm + 1e-7), as PyTorch's embedding_renorm_. The weight is
 * updated in place; the gradient flows to it as if unchanged.
 */
function renormRows(w: Tensor, original: Tensor, picks: Float64Array, maxNorm: number, normType: number): Tensor {
  const [rows, dim] = w.shape;
  const data = L.stop_gradient(w)._data();
  const next = Float64Array.from(data);
  const seen = new Set<number>(picks);
  for (const r of seen) {
    let acc = 0;
    for (let j = 0; j < dim; j++) acc += Math.abs(data[r * dim + j]) ** normType;
    const norm = acc ** (1 / normType);
    if (norm > maxNorm) {
      const s = maxNorm / (norm + 1e-7);
      for (let j = 0; j < dim; j++) next[r * dim + j] = data[r * dim + j] * s;
    }
  }
  const renormed = floatConst(next, [rows, dim], w.dtype);
  if (original instanceof Parameter) original.set_data(renormed);
  const sg = L.stop_gradient(w);
  return L.add(renormed, L.sub(w, sg));
}
