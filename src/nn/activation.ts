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

const ACTIVATIONS: Record<string, () => Cell> = {
  relu: () => new ReLU(),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
  gelu: () => new GELU(),
  silu: () => new SiLU(),
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
