/**
 * conv1d, conv2d and conv_transpose2d: thin wrappers over the one `conv`
 * primitive (NCHW input, OIHW kernel). conv1d is conv2d with a height of 1;
 * conv_transpose2d is a convolution of the input dilated by the stride with
 * the flipped kernel.
 */
import type { Tensor } from "../../core/tensor.js";
import { fmtShape, shapesEqual } from "../../core/shape.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as L from "../../primitives/lax.js";
import { optionalArgs } from "../args.js";
import { checkInt, checkRank, floatTensor, fmtTuple, intTuple, optionalFloat } from "./common.js";

interface ConvArgs {
  bias: Tensor | null;
  stride: number | number[];
  pad_mode: string;
  padding: number | number[];
  dilation: number | number[];
  groups: number;
}

const CONV_DEFAULTS: ConvArgs = { bias: null, stride: 1, pad_mode: "valid", padding: 0, dilation: 1, groups: 1 };

/** Spatial padding [before0, after0, before1, after1, ...] from an int, one int per axis, or explicit pairs. */
function explicitPadding(v: unknown, nsp: number, op: string): number[] {
  const list = typeof v === "number" ? [v] : Array.isArray(v) ? (v as unknown[]) : null;
  if (list === null || !list.every((d) => typeof d === "number" && Number.isInteger(d))) {
    throw new TypeError(`For '${op}', the 'padding' must be an int or a tuple of ints, but got ${typeName(v)}.`);
  }
  const nums = list as number[];
  if (nums.some((d) => d < 0)) throw new ValueError(`For '${op}', the 'padding' must be non-negative, but got ${fmtTuple(nums)}.`);
  if (nums.length === 1) return new Array<number>(2 * nsp).fill(nums[0]);
  if (nums.length === nsp) return nums.flatMap((d) => [d, d]);
  if (nums.length === 2 * nsp) return nums;
  throw new ValueError(`For '${op}', the 'padding' must be an int or a tuple of ${nsp === 1 ? "1 or 2" : `${nsp} or ${2 * nsp}`} ints, but got ${fmtTuple(nums)}.`);
}

const windowOut = (size: number, k: number, stride: number, dilation: number, before: number, after: number) =>
  Math.floor((size + before + after - (k - 1) * dilation - 1) / stride) + 1;

/** MindSpore's (TensorFlow's) SAME: output ceil(in / stride), the odd padding element at the end. */
function samePadding(size: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Shared by conv1d and conv2d: `nsp` spatial axes (1 or 2), x and w already of rank 2 + nsp. */
function convForward(op: string, x: Tensor, w: Tensor, o: ConvArgs, nsp: number): Tensor {
  if (x.dtype !== w.dtype) throw new TypeError(`For '${op}', the 'input' and 'weight' must have the same dtype, but got ${x.dtype.name} and ${w.dtype.name}.`);
  const stride = intTuple(o.stride, nsp, op, "stride", 1);
  const dilation = intTuple(o.dilation, nsp, op, "dilation", 1);
  const groups = checkInt(o.groups, op, "groups", 1);
  if (typeof o.pad_mode !== "string") throw new TypeError(`For '${op}', the 'pad_mode' must be str, but got ${typeName(o.pad_mode)}.`);
  const padMode = o.pad_mode.toLowerCase();
  if (!["valid", "same", "pad"].includes(padMode)) {
    throw new ValueError(`For '${op}', the 'pad_mode' must be one of ['valid', 'same', 'pad'], but got '${o.pad_mode}'.`);
  }
  const explicit = explicitPadding(o.padding, nsp, op);
  if (padMode !== "pad" && explicit.some((d) => d !== 0)) {
    throw new ValueError(`For '${op}', the 'padding' must be 0 when 'pad_mode' is '${padMode}' (it is only used with pad_mode='pad'), but got ${fmtTuple(explicit)}.`);
  }
  const [n, cin] = x.shape;
  const [cout, cg] = w.shape;
  if (cin % groups !== 0 || cout % groups !== 0) {
    throw new ValueError(`For '${op}', the input channels (${cin}) and output channels (${cout}) must both be divisible by 'groups' (${groups}).`);
  }
  if (cg * groups !== cin) {
    throw new ValueError(`For '${op}', weight.shape[1] * groups must equal the input channels: ${cg} * ${groups} != ${cin} (input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}).`);
  }
  const sizes = x.shape.slice(2);
  const ks = w.shape.slice(2);
  const padding = padMode === "same" ? sizes.flatMap((s, i) => samePadding(s, ks[i], stride[i], dilation[i])) : explicit;
  sizes.forEach((s, i) => {
    if (windowOut(s, ks[i], stride[i], dilation[i], padding[2 * i], padding[2 * i + 1]) < 1) {
      throw new ValueError(`For '${op}', the padded input ${fmtShape(sizes)} is smaller than the dilated kernel ${fmtShape(ks.map((k, j) => (k - 1) * dilation[j] + 1))}.`);
    }
  });
  const bias = optionalFloat(o.bias, op, "bias", x.dtype);
  if (bias && !shapesEqual(bias.shape, [cout])) throw new ValueError(`For '${op}', the 'bias' must have shape (C_out,) = (${cout},), but got ${fmtShape(bias.shape)}.`);

  // 1-D: a height-1 image and kernel
  const lift = (t: Tensor) => (nsp === 1 ? L.reshape(t, [t.shape[0], t.shape[1], 1, t.shape[2]]) : t);
  const two = (v: number[], one: number) => (nsp === 1 ? [one, v[0]] : v);
  let out = L.conv(lift(x), lift(w), {
    stride: two(stride, 1),
    padding: nsp === 1 ? [0, 0, padding[0], padding[1]] : padding,
    lhs_dilation: [1, 1],
    rhs_dilation: two(dilation, 1),
    groups,
  });
  if (nsp === 1) out = L.reshape(out, [n, cout, out.shape[3]]);
  return bias ? L.add(out, L.reshape(bias, [cout, ...sizes.map(() => 1)])) : out;
}

/**
 * `ops.conv2d(input, weight, bias=None, stride=1, pad_mode='valid', padding=0, dilation=1, groups=1)`.
 * input (N, C_in, H, W), weight (C_out, C_in / groups, kH, kW). pad_mode
 * 'valid' (no padding), 'same' (output ceil(in / stride)), or 'pad' (use
 * `padding`: an int, (pad_h, pad_w) or (top, bottom, left, right)).
 */
export function conv2d(input: Tensor, weight: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("conv2d", rest, { ...CONV_DEFAULTS });
  const x = floatTensor(input, "conv2d", "input");
  const w = floatTensor(weight, "conv2d", "weight");
  checkRank(x, [4], "conv2d", "input", "(N, C_in, H_in, W_in)");
  checkRank(w, [4], "conv2d", "weight", "(C_out, C_in / groups, kH, kW)");
  return convForward("conv2d", x, w, o, 2);
}

/**
 * `ops.conv1d(input, weight, bias=None, stride=1, pad_mode='valid', padding=0, dilation=1, groups=1)`:
 * input (N, C_in, L), weight (C_out, C_in / groups, k).
 */
export function conv1d(input: Tensor, weight: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("conv1d", rest, { ...CONV_DEFAULTS });
  const x = floatTensor(input, "conv1d", "input");
  const w = floatTensor(weight, "conv1d", "weight");
  checkRank(x, [3], "conv1d", "input", "(N, C_in, L_in)");
  checkRank(w, [3], "conv1d", "weight", "(C_out, C_in / groups, k)");
  return convForward("conv1d", x, w, o, 1);
}

/**
 * `conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1)`,
 * the signature of mint.nn.functional.conv_transpose2d (MindSpore 2.3 has no
 * functional form under ops). weight (C_in, C_out / groups, kH, kW); output
 * size (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.
 */
export function conv_transpose2d(input: Tensor, weight: Tensor, ...rest: unknown[]): Tensor {
  const op = "conv_transpose2d";
  const o = optionalArgs(op, rest, {
    bias: null as Tensor | null,
    stride: 1 as number | number[],
    padding: 0 as number | number[],
    output_padding: 0 as number | number[],
    groups: 1 as number,
    dilation: 1 as number | number[],
  });
  let x = floatTensor(input, op, "input");
  const w = floatTensor(weight, op, "weight");
  checkRank(x, [3, 4], op, "input", "(N, C_in, H_in, W_in) or (C_in, H_in, W_in)");
  checkRank(w, [4], op, "weight", "(C_in, C_out / groups, kH, kW)");
  if (x.dtype !== w.dtype) throw new TypeError(`For '${op}', the 'input' and 'weight' must have the same dtype, but got ${x.dtype.name} and ${w.dtype.name}.`);
  const unbatched = x.ndim === 3;
  if (unbatched) x = L.reshape(x, [1, ...x.shape]);
  const stride = intTuple(o.stride, 2, op, "stride", 1);
  const padding = intTuple(o.padding, 2, op, "padding", 0);
  const outPad = intTuple(o.output_padding, 2, op, "output_padding", 0);
  const dilation = intTuple(o.dilation, 2, op, "dilation", 1);
  const groups = checkInt(o.groups, op, "groups", 1);
  const [, cin, h, wd] = x.shape;
  const [wcin, og, kh, kw] = w.shape;
  if (wcin !== cin) throw new ValueError(`For '${op}', weight.shape[0] (${wcin}) must equal the input channels (${cin}).`);
  if (cin % groups !== 0) throw new ValueError(`For '${op}', the input channels (${cin}) must be divisible by 'groups' (${groups}).`);
  outPad.forEach((p, i) => {
    if (p >= stride[i] && p >= dilation[i]) {
      throw new ValueError(`For '${op}', the 'output_padding' must be smaller than either 'stride' or 'dilation', but got output_padding=${fmtTuple(outPad)}, stride=${fmtTuple(stride)}, dilation=${fmtTuple(dilation)}.`);
    }
  });
  const ks = [kh, kw];
  const outSizes = [h, wd].map((s, i) => (s - 1) * stride[i] - 2 * padding[i] + dilation[i] * (ks[i] - 1) + outPad[i] + 1);
  if (outSizes.some((s) => s < 1)) throw new ValueError(`For '${op}', the output size ${fmtShape(outSizes)} must be positive; input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}.`);
  const cout = og * groups;
  const bias = optionalFloat(o.bias, op, "bias", x.dtype);
  if (bias && !shapesEqual(bias.shape, [cout])) throw new ValueError(`For '${op}', the 'bias' must have shape (C_out,) = (${cout},), but got ${fmtShape(bias.shape)}.`);

  // the equivalent forward kernel: (C_out, C_in / groups, kH, kW), spatially flipped
  const cg = cin / groups;
  let wf = L.reshape(L.transpose(L.reshape(w, [groups, cg, og, kh, kw]), [0, 2, 1, 3, 4]), [cout, cg, kh, kw]);
  wf = L.slice(wf, [0, 0, kh - 1, kw - 1], [1, 1, -1, -1], wf.shape);
  const pads = [0, 1].flatMap((i) => {
    const before = dilation[i] * (ks[i] - 1) - padding[i];
    return [before, before + outPad[i]];
  });
  let out = L.conv(x, wf, { stride: [1, 1], padding: pads, lhs_dilation: stride, rhs_dilation: dilation, groups });
  if (bias) out = L.add(out, L.reshape(bias, [cout, 1, 1]));
  return unbatched ? L.reshape(out, out.shape.slice(1)) : out;
}
