/** Activation Cells and the string names Dense's `activation` accepts. */
import type { Tensor } from "../core/tensor.js";
import { ValueError, TypeError, typeName } from "../core/errors.js";
import * as ops from "../ops/index.js";
import { Cell } from "./cell.js";

export class ReLU extends Cell {
  override construct(x: Tensor): Tensor {
    return ops.relu(x);
  }
}
export class Sigmoid extends Cell {
  override construct(x: Tensor): Tensor {
    return ops.sigmoid(x);
  }
}
export class Tanh extends Cell {
  override construct(x: Tensor): Tensor {
    return ops.tanh(x);
  }
}
export class GELU extends Cell {
  constructor(readonly approximate = true) {
    super();
  }
  override construct(x: Tensor): Tensor {
    return ops.gelu(x, this.approximate ? "tanh" : "none");
  }
}
export class SiLU extends Cell {
  override construct(x: Tensor): Tensor {
    return ops.silu(x);
  }
}

/** `nn.LeakyReLU(alpha=0.2)`: x where x > 0, else alpha * x (MindSpore's default slope is 0.2). */
export class LeakyReLU extends Cell {
  readonly alpha: number;
  constructor(alpha = 0.2) {
    super();
    if (typeof alpha !== "number") throw new TypeError(`For 'LeakyReLU', the 'alpha' must be float, but got ${typeName(alpha)}.`);
    this.alpha = alpha;
  }
  override construct(x: Tensor): Tensor {
    // select rather than max(x, alpha*x): the slope at 0 is alpha, as PyTorch's, and alpha > 1 needs no special case
    return ops.where(ops.gt(x, 0), x, ops.mul(x, this.alpha));
  }
}

/** `nn.Softmax(axis=-1)`. */
export class Softmax extends Cell {
  constructor(readonly axis: number = -1) {
    super();
    if (typeof axis !== "number" || !Number.isInteger(axis)) throw new TypeError(`For 'Softmax', the 'axis' must be int, but got ${typeName(axis)}.`);
  }
  override construct(x: Tensor): Tensor {
    return ops.softmax(x, this.axis);
  }
}

/** `nn.LogSoftmax(axis=-1)`. */
export class LogSoftmax extends Cell {
  constructor(readonly axis: number = -1) {
    super();
    if (typeof axis !== "number" || !Number.isInteger(axis)) throw new TypeError(`For 'LogSoftmax', the 'axis' must be int, but got ${typeName(axis)}.`);
  }
  override construct(x: Tensor): Tensor {
    return ops.log_softmax(x, this.axis);
  }
}

const ACTIVATIONS: Record<string, () => Cell> = {
  relu: () => new ReLU(),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
  gelu: () => new GELU(),
  silu: () => new SiLU(),
  leakyrelu: () => new LeakyReLU(),
  softmax: () => new Softmax(),
  logsoftmax: () => new LogSoftmax(),
};

/** `nn.get_activation(name)`. */
export function get_activation(name: string): Cell {
  const make = ACTIVATIONS[name.toLowerCase()];
  if (!make) throw new ValueError(`For 'get_activation', the activation '${name}' is not supported; use one of ${Object.keys(ACTIVATIONS).join(", ")}.`);
  return make();
}

/** An activation given as a name, a Cell or a function, or null for none. */
export function toActivation(act: unknown, op: string): Cell | ((x: Tensor) => Tensor) | null {
  if (act === null || act === undefined) return null;
  if (typeof act === "string") return get_activation(act);
  if (act instanceof Cell || typeof act === "function") return act as Cell;
  throw new TypeError(`For '${op}', the 'activation' must be str, Cell or function, but got ${typeName(act)}.`);
}
