/**
 * Initialisers (`ms.common.initializer`): objects that fill a new tensor of a
 * given shape, and their string names. All draw from the seeded generator.
 */
import { Tensor } from "../core/tensor.js";
import { DType, float32, float64 } from "../core/dtype.js";
import { sizeOf } from "../core/shape.js";
import { TypeError, ValueError, typeName } from "../core/errors.js";
import { generatorFor } from "../core/random.js";
import * as L from "../primitives/lax.js";

/** fan_in and fan_out as PyTorch and MindSpore compute them (receptive field included). */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) {
    const n = shape.length === 0 ? 1 : shape[0];
    return [n, n];
  }
  const receptive = sizeOf(shape.slice(2));
  return [shape[1] * receptive, shape[0] * receptive];
}

/** Gain for a nonlinearity (calculate_gain). */
export function calculate_gain(nonlinearity: string, param: number | null = null): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
    default:
      throw new ValueError(`For 'calculate_gain', the 'nonlinearity' '${nonlinearity}' is not supported.`);
  }
}

export abstract class Initializer {
  /** Values for a tensor of `shape`, as float64. */
  protected abstract draw(shape: readonly number[]): Float64Array;
  /** A new tensor of `shape` and `dtype`. */
  init(shape: readonly number[], dtype: DType = float32): Tensor {
    return L.cast(L.reshape(new Tensor(this.draw(shape), float64), shape), dtype);
  }
}

const filled = (shape: readonly number[], f: () => number) => Float64Array.from({ length: sizeOf(shape) }, f);
const uniformDraw = (shape: readonly number[], bound: number) => {
  const g = generatorFor(null);
  return filled(shape, () => (2 * g.random() - 1) * bound);
};
const normalDraw = (shape: readonly number[], mean: number, sigma: number) => {
  const g = generatorFor(null);
  return filled(shape, () => mean + sigma * g.normal());
};

export class Zero extends Initializer {
  protected draw(shape: readonly number[]) {
    return new Float64Array(sizeOf(shape));
  }
}
export class One extends Initializer {
  protected draw(shape: readonly number[]) {
    return new Float64Array(sizeOf(shape)).fill(1);
  }
}
export class Constant extends Initializer {
  constructor(readonly value: number) {
    super();
  }
  protected draw(shape: readonly number[]) {
    return new Float64Array(sizeOf(shape)).fill(this.value);
  }
}
/** U(-scale, scale). */
export class Uniform extends Initializer {
  constructor(readonly scale = 0.07) {
    super();
  }
  protected draw(shape: readonly number[]) {
    return uniformDraw(shape, this.scale);
  }
}
/** N(mean, sigma²). */
export class Normal extends Initializer {
  constructor(
    readonly sigma = 0.01,
    readonly mean = 0,
  ) {
    super();
  }
  protected draw(shape: readonly number[]) {
    return normalDraw(shape, this.mean, this.sigma);
  }
}
/** N(mean, sigma²) truncated to [a, b] by redrawing. */
export class TruncatedNormal extends Initializer {
  constructor(
    readonly sigma = 0.01,
    readonly mean = 0,
    readonly a = -2,
    readonly b = 2,
  ) {
    super();
  }
  protected draw(shape: readonly number[]) {
    const g = generatorFor(null);
    return filled(shape, () => {
      for (;;) {
        const v = this.mean + this.sigma * g.normal();
        if (v >= this.a && v <= this.b) return v;
      }
    });
  }
}
type FanMode = "fan_in" | "fan_out";
function fanFor(shape: readonly number[], mode: FanMode): number {
  const [fanIn, fanOut] = computeFans(shape);
  return mode === "fan_in" ? fanIn : fanOut;
}
/** Kaiming uniform: U(-b, b), b = gain * sqrt(3 / fan). */
export class HeUniform extends Initializer {
  constructor(
    readonly negative_slope = 0,
    readonly mode: FanMode = "fan_in",
    readonly nonlinearity = "leaky_relu",
  ) {
    super();
  }
  protected draw(shape: readonly number[]) {
    const gain = calculate_gain(this.nonlinearity, this.negative_slope);
    return uniformDraw(shape, gain * Math.sqrt(3 / fanFor(shape, this.mode)));
  }
}
/** Kaiming normal: N(0, (gain / sqrt(fan))²). */
export class HeNormal extends Initializer {
  constructor(
    readonly negative_slope = 0,
    readonly mode: FanMode = "fan_in",
    readonly nonlinearity = "leaky_relu",
  ) {
    super();
  }
  protected draw(shape: readonly number[]) {
    const gain = calculate_gain(this.nonlinearity, this.negative_slope);
    return normalDraw(shape, 0, gain / Math.sqrt(fanFor(shape, this.mode)));
  }
}
/** Glorot uniform: U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)). */
export class XavierUniform extends Initializer {
  constructor(readonly gain = 1) {
    super();
  }
  protected draw(shape: readonly number[]) {
    const [fi, fo] = computeFans(shape);
    return uniformDraw(shape, this.gain * Math.sqrt(6 / (fi + fo)));
  }
}
/** Glorot normal: N(0, gain² * 2 / (fan_in + fan_out)). */
export class XavierNormal extends Initializer {
  constructor(readonly gain = 1) {
    super();
  }
  protected draw(shape: readonly number[]) {
    const [fi, fo] = computeFans(shape);
    return normalDraw(shape, 0, this.gain * Math.sqrt(2 / (fi + fo)));
  }
}

const BY_NAME: Record<string, () => Initializer> = {
  zeros: () => new Zero(),
  zero: () => new Zero(),
  ones: () => new One(),
  one: () => new One(),
  normal: () => new Normal(),
  uniform: () => new Uniform(),
  truncatednormal: () => new TruncatedNormal(),
  heuniform: () => new HeUniform(),
  he_uniform: () => new HeUniform(),
  henormal: () => new HeNormal(),
  he_normal: () => new HeNormal(),
  xavieruniform: () => new XavierUniform(),
  xavier_uniform: () => new XavierUniform(),
  xaviernormal: () => new XavierNormal(),
  xavier_normal: () => new XavierNormal(),
};

/**
 * `initializer(init, shape, dtype=float32)`: a Tensor from an Initializer, its
 * string name, a number (constant), or a Tensor (checked against `shape`).
 */
export function initializer(init: Initializer | string | number | Tensor, shape: readonly number[], dtype: DType = float32): Tensor {
  if (init instanceof Tensor) {
    if (init.shape.join() !== shape.join()) {
      throw new ValueError(`For 'initializer', the shape of the Tensor init [${init.shape}] must equal the requested shape [${shape}].`);
    }
    return L.cast(init, dtype);
  }
  if (typeof init === "number") return new Constant(init).init(shape, dtype);
  if (typeof init === "string") {
    const make = BY_NAME[init.toLowerCase()];
    if (!make) throw new ValueError(`For 'initializer', the init name '${init}' is unknown; use one of ${Object.keys(BY_NAME).join(", ")}.`);
    return make().init(shape, dtype);
  }
  if (init instanceof Initializer) return init.init(shape, dtype);
  throw new TypeError(`For 'initializer', the 'init' must be an Initializer, str, number or Tensor, but got ${typeName(init)}.`);
}
