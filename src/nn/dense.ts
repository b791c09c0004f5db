/** nn.Dense: y = x Wᵀ + b, with MindSpore 2.x default initialisers. */
import { Tensor } from "../core/tensor.js";
import { DType, float32 } from "../core/dtype.js";
import { ValueError, TypeError, typeName } from "../core/errors.js";
import * as ops from "../ops/index.js";
import { Cell } from "./cell.js";
import { Parameter } from "./parameter.js";
import { HeUniform, Initializer, Uniform, initializer } from "./initializer.js";
import { toActivation } from "./activation.js";

type Init = Initializer | string | number | Tensor | null;

function positiveInt(v: unknown, op: string, arg: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`For '${op}', the '${arg}' must be int, but got ${typeName(v)}.`);
  if (v <= 0) throw new ValueError(`For '${op}', the '${arg}' must be a positive int, but got ${v}.`);
  return v;
}

export class Dense extends Cell {
  readonly in_channels: number;
  readonly out_channels: number;
  readonly has_bias: boolean;
  weight: Parameter;
  bias: Parameter | null = null;
  private readonly act: ((x: Tensor) => Tensor) | null;

  /**
   * `nn.Dense(in_channels, out_channels, weight_init=None, bias_init=None,
   * has_bias=True, activation=None, dtype=float32)`; the weight has shape
   * (out_channels, in_channels). Defaults: HeUniform(sqrt(5)) weight and
   * Uniform(1/sqrt(in_channels)) bias, as MindSpore >= 2.2.
   */
  constructor(
    in_channels: number,
    out_channels: number,
    weight_init: Init = null,
    bias_init: Init = null,
    has_bias = true,
    activation: unknown = null,
    dtype: DType = float32,
  ) {
    super();
    this.in_channels = positiveInt(in_channels, "Dense", "in_channels");
    this.out_channels = positiveInt(out_channels, "Dense", "out_channels");
    if (typeof has_bias !== "boolean") throw new TypeError(`For 'Dense', the 'has_bias' must be bool, but got ${typeName(has_bias)}.`);
    this.has_bias = has_bias;
    if (weight_init instanceof Tensor && (weight_init.ndim !== 2 || weight_init.shape[0] !== out_channels || weight_init.shape[1] !== in_channels)) {
      throw new ValueError(`For 'Dense', weight init shape error. The shape of 'weight_init' must be (${out_channels}, ${in_channels}), but got [${weight_init.shape}].`);
    }
    this.weight = new Parameter(initializer(weight_init ?? new HeUniform(Math.sqrt(5)), [out_channels, in_channels], dtype), "weight");
    if (has_bias) {
      if (bias_init instanceof Tensor && (bias_init.ndim !== 1 || bias_init.shape[0] !== out_channels)) {
        throw new ValueError(`For 'Dense', bias init shape error. The shape of 'bias_init' must be (${out_channels},), but got [${bias_init.shape}].`);
      }
      this.bias = new Parameter(initializer(bias_init ?? new Uniform(1 / Math.sqrt(in_channels)), [out_channels], dtype), "bias");
    }
    this.act = toActivation(activation, "Dense");
  }

  override construct(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new TypeError(`For 'Dense', the input must be a Tensor, but got ${typeName(x)}.`);
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.in_channels) {
      throw new ValueError(`For 'Dense', the last dimension of the input must equal in_channels (${this.in_channels}), but got input shape [${x.shape}].`);
    }
    let y = ops.matmul(x, ops.t(this.weight));
    if (this.bias) y = ops.add(y, this.bias);
    return this.act ? this.act(y) : y;
  }

  override extend_repr(): string {
    return `input_channels=${this.in_channels}, output_channels=${this.out_channels}, has_bias=${this.has_bias ? "True" : "False"}`;
  }
}
