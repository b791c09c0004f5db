/**
 * nn.Conv2d, nn.Conv1d and nn.Conv2dTranspose with MindSpore 2.3's
 * signatures and defaults (pad_mode='same', has_bias=False, HeUniform(sqrt(5))
 * weights, Uniform(1/sqrt(fan_in)) bias). Weight layouts as MindSpore's:
 * Conv2d (C_out, C_in/group, kH, kW); Conv1d (C_out, C_in/group, 1, k)
 * (MindSpore runs Conv1d as a height-1 Conv2d and stores the 4-D kernel);
 * Conv2dTranspose (C_in, C_out/group, kH, kW).
 */
import { Tensor } from "../../core/tensor.js";
import { DType, float32 } from "../../core/dtype.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as ops from "../../ops/index.js";
import * as L from "../../primitives/lax.js";
import { optionalArgs } from "../../ops/args.js";
import { Cell } from "../cell.js";
import { Parameter } from "../parameter.js";
import { HeUniform, Uniform, computeFans } from "../initializer.js";
import { checkBool, checkDtype, checkInput, checkPositiveInt, checkStr, intTupleN, makeParam, pyFmt, type Init } from "./common.js";

type PadMode = "same" | "valid" | "pad";

/** `padding`: a non-negative int, or a tuple of `lengths` non-negative ints. */
function checkPadding(v: unknown, lengths: readonly number[], op: string): number | number[] {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new TypeError(`For '${op}', the type of 'padding' must be int or tuple(int), but got float.`);
    if (v < 0) throw new ValueError(`For '${op}', the 'padding' must be >= 0, but got ${v}.`);
    return v;
  }
  if (!Array.isArray(v)) throw new TypeError(`For '${op}', the type of 'padding' must be int or tuple(int), but got ${typeName(v)}.`);
  if (!v.every((d) => typeof d === "number" && Number.isInteger(d))) throw new TypeError(`For '${op}', every element of 'padding' must be int, but got ${pyFmt(v)}.`);
  if (v.some((d: number) => d < 0)) throw new ValueError(`For '${op}', every element of 'padding' must be >= 0, but got ${pyFmt(v)}.`);
  if (!lengths.includes(v.length)) throw new ValueError(`For '${op}', the 'padding' must be an int or a tuple of ${lengths.join(" or ")} ints, but got a tuple of length ${v.length}.`);
  return [...v] as number[];
}

const isZeroPad = (p: number | number[]) => (typeof p === "number" ? p === 0 : p.every((d) => d === 0));

interface ConvSpec {
  in_channels: number;
  out_channels: number;
  kernel_size: number[];
  stride: number[];
  pad_mode: PadMode;
  padding: number | number[];
  dilation: number[];
  group: number;
  has_bias: boolean;
  weight_init: Init;
  bias_init: Init;
  dtype: DType;
}

/** Shared construction: argument checks and the weight/bias Parameters (MindSpore's _Conv). */
abstract class ConvBase extends Cell {
  readonly in_channels: number;
  readonly out_channels: number;
  readonly kernel_size: number[];
  readonly stride: number[];
  readonly pad_mode: PadMode;
  readonly padding: number | number[];
  readonly dilation: number[];
  readonly group: number;
  readonly has_bias: boolean;
  readonly weight_init: Init;
  readonly bias_init: Init;
  readonly data_format: string = "NCHW";
  declare weight: Parameter;
  declare bias: Parameter | null;

  constructor(op: string, s: ConvSpec, weightShape: number[]) {
    super();
    this.in_channels = checkPositiveInt(s.in_channels, op, "in_channels");
    this.out_channels = checkPositiveInt(s.out_channels, op, "out_channels");
    this.group = checkPositiveInt(s.group, op, "group");
    this.has_bias = checkBool(s.has_bias, op, "has_bias");
    this.kernel_size = s.kernel_size;
    this.stride = s.stride;
    this.dilation = s.dilation;
    this.pad_mode = s.pad_mode;
    this.padding = s.padding;
    if (this.pad_mode !== "pad" && !isZeroPad(this.padding)) {
      throw new ValueError(`For '${op}', the 'padding' must be zero when 'pad_mode' is not 'pad', but got padding=${pyFmt(this.padding)} and pad_mode='${this.pad_mode}'.`);
    }
    if (s.in_channels % s.group !== 0) {
      throw new ValueError(`For '${op}', the attr 'in_channels' must be divisible by attr 'group', but got 'in_channels': ${s.in_channels} and 'group': ${s.group}.`);
    }
    if (s.out_channels % s.group !== 0) {
      throw new ValueError(`For '${op}', the 'out_channels' must be divisible by attr 'group', but got 'out_channels': ${s.out_channels} and 'group': ${s.group}.`);
    }
    const dtype = checkDtype(s.dtype, op);
    this.weight_init = s.weight_init ?? new HeUniform(Math.sqrt(5));
    this.weight = makeParam(this.weight_init, weightShape, dtype, "weight", op, "weight_init");
    this.bias_init = s.bias_init;
    if (this.has_bias) {
      if (this.bias_init === null) {
        // the fan_in of the weight as stored (for the transposed layout that is C_out/group * kH * kW)
        const [fanIn] = computeFans(weightShape);
        this.bias_init = fanIn !== 0 ? new Uniform(1 / Math.sqrt(fanIn)) : "zeros";
      }
      this.bias = makeParam(this.bias_init, [s.out_channels], dtype, "bias", op, "bias_init");
    } else {
      this.bias = null;
    }
  }

  override extend_repr(): string {
    return (
      `input_channels=${this.in_channels}, output_channels=${this.out_channels}, kernel_size=${pyFmt(this.kernel_size)}, ` +
      `stride=${pyFmt(this.stride)}, pad_mode=${this.pad_mode}, padding=${pyFmt(this.padding)}, dilation=${pyFmt(this.dilation)}, ` +
      `group=${this.group}, has_bias=${pyFmt(this.has_bias)}, weight_init=${pyFmt(this.weight_init)}, bias_init=${pyFmt(this.bias_init)}, format=${this.data_format}`
    );
  }
}

function parseCommon(op: string, rest: unknown[], withOutputPadding: boolean) {
  const spec = {
    stride: 1 as number | number[],
    pad_mode: "same" as string,
    padding: 0 as number | number[],
    ...(withOutputPadding ? { output_padding: 0 as number | number[] } : {}),
    dilation: 1 as number | number[],
    group: 1 as number,
    has_bias: false as boolean,
    weight_init: null as Init,
    bias_init: null as Init,
    ...(op === "Conv2d" ? { data_format: "NCHW" as string } : {}),
    dtype: float32 as DType,
  };
  return optionalArgs(op, rest, spec) as typeof spec & { output_padding?: number | number[]; data_format?: string };
}

/** The 2-D layers' shared arguments, validated (Conv2d and Conv2dTranspose differ only in the weight layout). */
function conv2dConfig(op: string, o: ReturnType<typeof parseCommon>, in_channels: number, out_channels: number, k: number[]) {
  return {
    in_channels,
    out_channels,
    kernel_size: k,
    stride: intTupleN(o.stride, 2, op, "stride"),
    pad_mode: checkStr(o.pad_mode, ["same", "valid", "pad"] as const, op, "pad_mode"),
    padding: checkPadding(o.padding, [2, 4], op),
    dilation: intTupleN(o.dilation, 2, op, "dilation"),
    group: o.group,
    has_bias: o.has_bias,
    weight_init: o.weight_init,
    bias_init: o.bias_init,
    dtype: o.dtype,
  };
}

/**
 * `nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, pad_mode='same', padding=0,
 * dilation=1, group=1, has_bias=False, weight_init=None, bias_init=None, data_format='NCHW', dtype=float32)`.
 * padding: an int, or (top, bottom, left, right) (a pair (pad_h, pad_w) is also accepted).
 */
export class Conv2d extends ConvBase {
  constructor(in_channels: number, out_channels: number, kernel_size: number | number[], ...rest: unknown[]) {
    const op = "Conv2d";
    const o = parseCommon(op, rest, false);
    if (o.data_format !== "NCHW") {
      throw new ValueError(`For '${op}', the 'data_format' must be 'NCHW' (NHWC is only supported on GPU in MindSpore), but got '${String(o.data_format)}'.`);
    }
    const k = intTupleN(kernel_size, 2, op, "kernel_size");
    const g = typeof o.group === "number" ? o.group : NaN;
    super(op, conv2dConfig(op, o, in_channels, out_channels, k), [out_channels, in_channels / g, ...k]);
  }

  override construct(x: Tensor): Tensor {
    checkInput(x, "Conv2d", [4]);
    if (x.shape[1] !== this.in_channels) {
      throw new ValueError(`For 'Conv2d', the input channels (x.shape[1]) must equal in_channels (${this.in_channels}), but got x of shape (${x.shape.join(", ")}).`);
    }
    return ops.conv2d(x, this.weight, this.bias, this.stride, this.pad_mode, this.padding, this.dilation, this.group);
  }
}

/**
 * `nn.Conv1d(in_channels, out_channels, kernel_size, stride=1, pad_mode='same', padding=0,
 * dilation=1, group=1, has_bias=False, weight_init=None, bias_init=None, dtype=float32)`.
 * Input (N, C_in, L); the weight Parameter is (C_out, C_in/group, 1, k) as in
 * MindSpore; a Tensor weight_init may be given 3-D (C_out, C_in/group, k).
 */
export class Conv1d extends ConvBase {
  constructor(in_channels: number, out_channels: number, kernel_size: number, ...rest: unknown[]) {
    const op = "Conv1d";
    const o = parseCommon(op, rest, false);
    for (const [name, v] of [["kernel_size", kernel_size], ["stride", o.stride], ["dilation", o.dilation]] as const) {
      if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`For '${op}', the '${name}' must be int, but got ${typeName(v)}.`);
      if (v < 1) throw new ValueError(`For '${op}', the '${name}' must be >= 1, but got ${v}.`);
    }
    let weightInit = o.weight_init;
    if (weightInit instanceof Tensor && weightInit.ndim === 3) weightInit = ops.expand_dims(weightInit, 2);
    const g = typeof o.group === "number" ? o.group : NaN;
    super(op, {
      in_channels,
      out_channels,
      kernel_size: [1, kernel_size],
      stride: [1, o.stride as number],
      pad_mode: checkStr(o.pad_mode, ["same", "valid", "pad"] as const, op, "pad_mode"),
      padding: checkPadding(o.padding, [1, 2], op),
      dilation: [1, o.dilation as number],
      group: o.group,
      has_bias: o.has_bias,
      weight_init: weightInit,
      bias_init: o.bias_init,
      dtype: o.dtype,
    }, [out_channels, in_channels / g, 1, kernel_size]);
  }

  override construct(x: Tensor): Tensor {
    checkInput(x, "Conv1d", [3]);
    if (x.shape[1] !== this.in_channels) {
      throw new ValueError(`For 'Conv1d', the input channels (x.shape[1]) must equal in_channels (${this.in_channels}), but got x of shape (${x.shape.join(", ")}).`);
    }
    const p = this.padding;
    const pad1d = typeof p === "number" ? p : p.length === 1 ? p[0] : p;
    const w = ops.squeeze(this.weight, 2);
    return ops.conv1d(x, w, this.bias, this.stride[1], this.pad_mode, pad1d, this.dilation[1], this.group);
  }
}

/**
 * `nn.Conv2dTranspose(in_channels, out_channels, kernel_size, stride=1, pad_mode='same', padding=0,
 * output_padding=0, dilation=1, group=1, has_bias=False, weight_init=None, bias_init=None, dtype=float32)`.
 * Output height: 'same' H*stride; 'valid' (H-1)*stride + dilation*(k-1) + 1;
 * 'pad' (H-1)*stride - (top+bottom) + dilation*(k-1) + output_padding + 1.
 */
export class Conv2dTranspose extends ConvBase {
  readonly output_padding: number[];
  constructor(in_channels: number, out_channels: number, kernel_size: number | number[], ...rest: unknown[]) {
    const op = "Conv2dTranspose";
    const o = parseCommon(op, rest, true);
    const k = intTupleN(kernel_size, 2, op, "kernel_size");
    const g = typeof o.group === "number" ? o.group : NaN;
    super(op, conv2dConfig(op, o, in_channels, out_channels, k), [in_channels, out_channels / g, ...k]);
    this.output_padding = intTupleN(o.output_padding ?? 0, 2, op, "output_padding", 0);
    if (this.pad_mode !== "pad" && this.output_padding.some((d) => d !== 0)) {
      throw new ValueError(`For '${op}', the 'output_padding' must be zero when 'pad_mode' is not 'pad', but got ${pyFmt(this.output_padding)}.`);
    }
    this.output_padding.forEach((d, i) => {
      if (d >= Math.max(this.stride[i], this.dilation[i])) {
        throw new ValueError(`For '${op}', the 'output_padding' must be smaller than 'stride' or 'dilation', but got output_padding=${pyFmt(this.output_padding)}, stride=${pyFmt(this.stride)}, dilation=${pyFmt(this.dilation)}.`);
      }
    });
  }

  /** [before, after] crop (negative: zero padding) of the full transposed output along spatial axis i. */
  private _crop(size: number, i: number): [number, number, number] {
    const k = this.kernel_size[i];
    const s = this.stride[i];
    const d = this.dilation[i];
    const full = (size - 1) * s + d * (k - 1) + 1;
    if (this.pad_mode === "valid") return [0, full, full];
    if (this.pad_mode === "same") {
      // adjoint of a 'same' forward convolution of an input of size*stride (TF padding, odd element at the end)
      const out = size * s;
      const total = Math.max(full - out, 0);
      return [Math.floor(total / 2), out, full];
    }
    const p = this.padding;
    const pads = typeof p === "number" ? [p, p, p, p] : p.length === 2 ? [p[0], p[0], p[1], p[1]] : p;
    const before = pads[2 * i];
    const after = pads[2 * i + 1];
    return [before, full - before - after + this.output_padding[i], full];
  }

  override construct(x: Tensor): Tensor {
    checkInput(x, "Conv2dTranspose", [4]);
    if (x.shape[1] !== this.in_channels) {
      throw new ValueError(`For 'Conv2dTranspose', the input channels (x.shape[1]) must equal in_channels (${this.in_channels}), but got x of shape (${x.shape.join(", ")}).`);
    }
    // the full (unpadded) transposed convolution, then the window of the requested output
    let y = ops.conv_transpose2d(x, this.weight, null, this.stride, 0, 0, this.group, this.dilation);
    const crops = [0, 1].map((i) => this._crop(x.shape[2 + i], i));
    if (crops.some(([, out]) => out < 1)) {
      throw new ValueError(`For 'Conv2dTranspose', the output size (${crops.map(([, o]) => o).join(", ")}) must be positive for input of shape (${x.shape.join(", ")}).`);
    }
    const needEnd = crops.map(([b, out, full]) => Math.max(b + out - full, 0));
    if (needEnd.some((e) => e > 0)) y = L.pad(y, [0, 0, 0, 0], [0, 0, needEnd[0], needEnd[1]]);
    y = L.slice(y, [0, 0, crops[0][0], crops[1][0]], [1, 1, 1, 1], [y.shape[0], y.shape[1], crops[0][1], crops[1][1]]);
    return this.bias ? ops.add(y, ops.reshape(this.bias, [-1, 1, 1])) : y;
  }
}
