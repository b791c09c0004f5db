/**
 * nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d (MindSpore 2.3).
 * pad_mode 'valid' (no padding) and 'same' (output ceil(in / stride), the
 * odd padding element at the end, as TensorFlow) are MindSpore's MaxPool /
 * AvgPool primitives; 'pad' uses `padding`, `ceil_mode`, ... as
 * ops.max_pool2d / ops.avg_pool2d. 'same' max pooling pads with -inf; 'same'
 * average pooling divides by the number of real (unpadded) elements.
 */
import { Tensor } from "../../core/tensor.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as ops from "../../ops/index.js";
import * as L from "../../primitives/lax.js";
import { optionalArgs } from "../../ops/args.js";
import { Cell } from "../cell.js";
import { checkBool, checkInput, checkStr, intTupleN, pyFmt } from "./common.js";

type PoolPadMode = "VALID" | "SAME" | "PAD";

/** MindSpore's check: a positive int or a tuple of positive ints; kept as given for the repr. */
function intOrTuple(v: unknown, op: string, arg: string): number | number[] {
  if (typeof v !== "number" && !Array.isArray(v)) throw new TypeError(`For '${op}', the '${arg}' must be int or tuple, but got ${typeName(v)}.`);
  const items = typeof v === "number" ? [v] : (v as unknown[]);
  if (!items.every((d) => typeof d === "number" && Number.isInteger(d) && d > 0)) {
    throw new ValueError(`For '${op}', the '${arg}' must be an positive int number or a tuple, but got ${pyFmt(v)}.`);
  }
  return typeof v === "number" ? v : items.length === 1 ? (items[0] as number) : (items as number[]);
}

/** TF 'SAME' padding along one axis: [before, after]. */
function samePad(size: number, k: number, s: number): [number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

abstract class Pool2d extends Cell {
  readonly kernel_size: number | number[];
  readonly stride: number | number[];
  readonly pad_mode: PoolPadMode;
  protected readonly k: number[];
  protected readonly s: number[];

  constructor(op: string, kernel_size: unknown, stride: unknown, pad_mode: unknown) {
    super();
    this.pad_mode = checkStr(typeof pad_mode === "string" ? pad_mode.toUpperCase() : pad_mode, ["VALID", "SAME", "PAD"] as const, op, "pad_mode");
    this.kernel_size = intOrTuple(kernel_size, op, "kernel_size");
    this.stride = intOrTuple(stride, op, "stride");
    this.k = intTupleN(this.kernel_size, 2, op, "kernel_size");
    this.s = intTupleN(this.stride, 2, op, "stride");
  }

  /** (N, C, H, W) view of a 3-D or 4-D input, and a function undoing it. */
  protected batched(x: Tensor): [Tensor, (t: Tensor) => Tensor] {
    if (x.ndim === 4) return [x, (t) => t];
    return [ops.expand_dims(x, 0), (t) => ops.squeeze(t, 0)];
  }

  override extend_repr(): string {
    return `kernel_size=${pyFmt(this.kernel_size)}, stride=${pyFmt(this.stride)}, pad_mode=${this.pad_mode}`;
  }
}

/**
 * `nn.MaxPool2d(kernel_size=1, stride=1, pad_mode='valid', padding=0, dilation=1,
 * return_indices=False, ceil_mode=False, data_format='NCHW')`; padding,
 * dilation, return_indices and ceil_mode need pad_mode='pad'.
 */
export class MaxPool2d extends Pool2d {
  readonly padding: number | number[];
  readonly dilation: number | number[];
  readonly return_indices: boolean;
  readonly ceil_mode: boolean;
  constructor(...rest: unknown[]) {
    const op = "MaxPool2d";
    const o = optionalArgs(op, rest, {
      kernel_size: 1 as number | number[],
      stride: 1 as number | number[],
      pad_mode: "valid" as string,
      padding: 0 as number | number[],
      dilation: 1 as number | number[],
      return_indices: false as boolean,
      ceil_mode: false as boolean,
      data_format: "NCHW" as string,
    });
    super(op, o.kernel_size, o.stride, o.pad_mode);
    if (o.data_format !== "NCHW") throw new ValueError(`For '${op}', the 'data_format' must be 'NCHW' (NHWC is GPU-only in MindSpore), but got '${String(o.data_format)}'.`);
    this.return_indices = checkBool(o.return_indices, op, "return_indices");
    this.ceil_mode = checkBool(o.ceil_mode, op, "ceil_mode");
    intTupleN(o.padding, 2, op, "padding", 0);
    intTupleN(o.dilation, 2, op, "dilation", 1);
    this.padding = o.padding;
    this.dilation = o.dilation;
    const nonDefault = (typeof o.padding === "number" ? o.padding !== 0 : o.padding.some((d) => d !== 0)) ||
      (typeof o.dilation === "number" ? o.dilation !== 1 : o.dilation.some((d) => d !== 1)) || this.return_indices || this.ceil_mode;
    if (this.pad_mode !== "PAD" && nonDefault) {
      throw new ValueError(`For '${op}', the parameter 'padding', 'dilation', 'return_indices', 'ceil_mode' can not be set to non-default value when pad_mode is not 'pad', but got pad_mode:${String(o.pad_mode)}.`);
    }
  }

  override construct(x: Tensor): Tensor | [Tensor, Tensor] {
    checkInput(x, "MaxPool2d", [3, 4]);
    const [xb, unbatch] = this.batched(x);
    if (this.pad_mode === "PAD") {
      const r = ops.max_pool2d(xb, this.k, this.s, this.padding, this.dilation, this.return_indices, this.ceil_mode);
      return Array.isArray(r) ? [unbatch(r[0]), unbatch(r[1])] : unbatch(r);
    }
    let input = xb;
    if (this.pad_mode === "SAME") {
      const [pt, pb] = samePad(xb.shape[2], this.k[0], this.s[0]);
      const [pl, pr] = samePad(xb.shape[3], this.k[1], this.s[1]);
      if (pt + pb + pl + pr > 0) input = L.pad(xb, [0, 0, pt, pl], [0, 0, pb, pr], xb.dtype.kind === "float" ? -Infinity : -(2 ** 31));
    }
    if (input.shape[2] < this.k[0] || input.shape[3] < this.k[1]) {
      throw new ValueError(`For 'MaxPool2d', the input height and width (${input.shape[2]}, ${input.shape[3]}) must be at least the kernel size ${pyFmt(this.k)}.`);
    }
    return unbatch(ops.max_pool2d(input, this.k, this.s) as Tensor);
  }
}

/**
 * `nn.AvgPool2d(kernel_size=1, stride=1, pad_mode='valid', padding=0, ceil_mode=False,
 * count_include_pad=True, divisor_override=None, data_format='NCHW')`; padding,
 * ceil_mode, count_include_pad and divisor_override apply with pad_mode='pad'.
 */
export class AvgPool2d extends Pool2d {
  readonly padding: number | number[];
  readonly ceil_mode: boolean;
  readonly count_include_pad: boolean;
  readonly divisor_override: number | null;
  constructor(...rest: unknown[]) {
    const op = "AvgPool2d";
    const o = optionalArgs(op, rest, {
      kernel_size: 1 as number | number[],
      stride: 1 as number | number[],
      pad_mode: "valid" as string,
      padding: 0 as number | number[],
      ceil_mode: false as boolean,
      count_include_pad: true as boolean,
      divisor_override: null as number | null,
      data_format: "NCHW" as string,
    });
    super(op, o.kernel_size, o.stride, o.pad_mode);
    if (o.data_format !== "NCHW") throw new ValueError(`For '${op}', the 'data_format' must be 'NCHW' (NHWC is GPU-only in MindSpore), but got '${String(o.data_format)}'.`);
    this.ceil_mode = checkBool(o.ceil_mode, op, "ceil_mode");
    this.count_include_pad = checkBool(o.count_include_pad, op, "count_include_pad");
    if (o.divisor_override !== null) {
      if (typeof o.divisor_override !== "number" || !Number.isInteger(o.divisor_override)) throw new TypeError(`For '${op}', the 'divisor_override' must be int, but got ${typeName(o.divisor_override)}.`);
      if (o.divisor_override <= 0) throw new ValueError(`For '${op}', the 'divisor_override' must be > 0, but got ${o.divisor_override}.`);
    }
    this.divisor_override = o.divisor_override;
    if (Array.isArray(o.padding) && o.padding.length === 4) intTupleN(o.padding, 4, op, "padding", 0);
    else intTupleN(o.padding, 2, op, "padding", 0);
    this.padding = o.padding;
    const padded = typeof o.padding === "number" ? o.padding !== 0 : o.padding.some((d) => d !== 0);
    if (this.pad_mode !== "PAD" && (padded || this.ceil_mode || this.divisor_override !== null || !this.count_include_pad)) {
      throw new ValueError(`For '${op}', the parameter 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override' can not be set to non-default value when pad_mode is not 'pad', but got pad_mode:${String(o.pad_mode)}.`);
    }
  }

  override construct(x: Tensor): Tensor {
    checkInput(x, "AvgPool2d", [3, 4]);
    const [xb, unbatch] = this.batched(x);
    if (this.pad_mode === "PAD") {
      return unbatch(ops.avg_pool2d(xb, this.k, this.s, this.padding, this.ceil_mode, this.count_include_pad, this.divisor_override ?? 0));
    }
    if (this.pad_mode === "SAME") {
      const [pt, pb] = samePad(xb.shape[2], this.k[0], this.s[0]);
      const [pl, pr] = samePad(xb.shape[3], this.k[1], this.s[1]);
      return unbatch(ops.avg_pool2d(xb, this.k, this.s, [pt, pb, pl, pr], false, false, 0));
    }
    if (xb.shape[2] < this.k[0] || xb.shape[3] < this.k[1]) {
      throw new ValueError(`For 'AvgPool2d', the input height and width (${xb.shape[2]}, ${xb.shape[3]}) must be at least the kernel size ${pyFmt(this.k)}.`);
    }
    return unbatch(ops.avg_pool2d(xb, this.k, this.s));
  }
}

/** `nn.AdaptiveAvgPool2d(output_size)`: an int or (H, W), None keeping that axis' size. */
export class AdaptiveAvgPool2d extends Cell {
  readonly output_size: number | (number | null)[];
  constructor(output_size: number | (number | null)[]) {
    super();
    const items = typeof output_size === "number" ? [output_size] : Array.isArray(output_size) ? output_size : null;
    if (items === null || (Array.isArray(output_size) && output_size.length !== 2)) {
      throw new TypeError(`For 'AdaptiveAvgPool2d', the 'output_size' must be an int or a tuple of 2 ints (or None), but got ${typeName(output_size)}.`);
    }
    for (const d of items) {
      if (d !== null && (typeof d !== "number" || !Number.isInteger(d))) throw new TypeError(`For 'AdaptiveAvgPool2d', the 'output_size' must contain int or None, but got ${typeName(d)}.`);
      if (d !== null && d < 1) throw new ValueError(`For 'AdaptiveAvgPool2d', the 'output_size' must be positive, but got ${pyFmt(output_size)}.`);
    }
    this.output_size = output_size;
  }
  override construct(x: Tensor): Tensor {
    checkInput(x, "AdaptiveAvgPool2d", [3, 4]);
    return ops.adaptive_avg_pool2d(x, this.output_size);
  }
  override extend_repr(): string {
    return `output_size=${pyFmt(this.output_size)}`;
  }
}
