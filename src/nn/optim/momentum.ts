/** nn.Momentum: MindSpore's Momentum optimizer (nn/optim/momentum.py with ApplyMomentum). */
import { Tensor } from "../../core/tensor.js";
import { float32 } from "../../core/dtype.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as ops from "../../ops/index.js";
import { optionalArgs } from "../../ops/args.js";
import { Parameter, ParameterTuple } from "../parameter.js";
import { Optimizer, type LearningRate, type Params, type WeightDecay } from "./optimizer.js";
import { pyFloat } from "./_checks.js";

export interface MomentumOptions {
  learning_rate?: LearningRate;
  momentum?: number;
  weight_decay?: WeightDecay;
  loss_scale?: number;
  use_nesterov?: boolean;
}

/**
 * `nn.Momentum(params, learning_rate, momentum, weight_decay=0.0,
 * loss_scale=1.0, use_nesterov=False)`; learning_rate and momentum are required.
 *
 * With g = (grad + weight_decay·p where the decay applies) / loss_scale
 * (ApplyMomentum, the accumulator `moments.*` starting at 0):
 *   v = momentum·v + g
 *   p −= lr·v,   or with use_nesterov   p −= lr·g + lr·momentum·v
 */
export class Momentum extends Optimizer {
  declare momentum: Parameter;
  declare use_nesterov: boolean;
  declare moments: ParameterTuple;

  constructor(params: Params, options: MomentumOptions & { learning_rate: LearningRate; momentum: number });
  constructor(
    params: Params,
    learning_rate: LearningRate,
    momentum: number,
    weight_decay?: WeightDecay,
    loss_scale?: number,
    use_nesterov?: boolean,
    options?: MomentumOptions,
  );
  constructor(params: Params, ...rest: unknown[]) {
    const o = optionalArgs("Momentum", rest, {
      learning_rate: undefined as unknown,
      momentum: undefined as unknown,
      weight_decay: 0.0 as unknown,
      loss_scale: 1.0 as unknown,
      use_nesterov: false as unknown,
    });
    const missing = ["learning_rate", "momentum"].filter((k) => (o as Record<string, unknown>)[k] === undefined);
    if (missing.length > 0) {
      throw new TypeError(
        `Momentum.__init__() missing ${missing.length} required positional argument${missing.length > 1 ? "s" : ""}: ${missing.map((k) => `'${k}'`).join(" and ")}`,
      );
    }
    super(o.learning_rate, params, o.weight_decay, o.loss_scale);
    const momentum = o.momentum;
    if (typeof momentum !== "number") throw new TypeError(`For 'Momentum', the type of 'momentum' should be 'float', but got type '${typeName(momentum)}'.`);
    if (momentum < 0.0) throw new ValueError(`For 'Momentum', the argument 'momentum' must be at least 0.0, but got ${pyFloat(momentum)}`);
    this.momentum = new Parameter(new Tensor(momentum, float32), "momentum");
    if (typeof o.use_nesterov !== "boolean") throw new TypeError(`The input value must be a bool, but got ${typeName(o.use_nesterov)}.`);
    this.use_nesterov = o.use_nesterov;
    this.moments = this._clone_state("moments", 0);
  }

  override construct(gradients: readonly Tensor[]): boolean {
    const grads = this._preprocessed(gradients);
    const lrs = this._current_lrs();
    const updates: [Parameter, Tensor][] = [];
    this.parameters.forEach((param, i) => {
      const p = param.value();
      const g = grads[i];
      const lr = ops.cast(lrs[i], p.dtype);
      const m = ops.cast(this.momentum.value(), p.dtype);
      const v = ops.add(ops.mul(this.moments[i].value(), m), g);
      const step = this.use_nesterov ? ops.add(ops.mul(g, lr), ops.mul(ops.mul(v, m), lr)) : ops.mul(lr, v);
      updates.push([this.moments[i], v], [param, ops.sub(p, step)]);
    });
    this._commit(updates);
    return true;
  }
}
