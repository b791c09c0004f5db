/** nn.SGD: MindSpore's SGD optimizer (nn/optim/sgd.py with the SGD kernel). */
import { Tensor } from "../../core/tensor.js";
import { float32 } from "../../core/dtype.js";
import { TypeError, ValueError } from "../../core/errors.js";
import * as ops from "../../ops/index.js";
import { optionalArgs } from "../../ops/args.js";
import { Parameter, ParameterTuple } from "../parameter.js";
import { Optimizer, type LearningRate, type Params, type WeightDecay } from "./optimizer.js";
import { checkBoolType, pyClass, pyFloat } from "./_checks.js";

export interface SGDOptions {
  learning_rate?: LearningRate;
  momentum?: number;
  dampening?: number;
  weight_decay?: number;
  nesterov?: boolean;
  loss_scale?: number;
}

/**
 * `nn.SGD(params, learning_rate=0.1, momentum=0.0, dampening=0.0,
 * weight_decay=0.0, nesterov=False, loss_scale=1.0)`.
 *
 * Per element (the SGD kernel), with g the gradient divided by loss_scale:
 *   g += weight_decay·p                       (every parameter: no 'beta'/'gamma' filter)
 *   if momentum > 0: v = g on the first step, then v = momentum·v + (1 − dampening)·g;
 *                    g = nesterov ? g + momentum·v : v
 *   p −= lr·g
 * Without groups the decay is the raw `weight_decay`; with groups it is each
 * group's value times loss_scale (MindSpore's quirk, kept).
 */
export class SGD extends Optimizer {
  declare momentum: Parameter;
  /** the momentum given to the constructor: decides the update's form where the Parameter is traced (jit) */
  private momentumAtInit = 0;
  declare dampening: number;
  declare nesterov: boolean;
  declare accum: ParameterTuple;
  declare stat: ParameterTuple;
  /** The decay the kernel adds, per parameter. */
  declare _kernel_weight_decay: number[];

  constructor(params: Params, options?: SGDOptions);
  constructor(
    params: Params,
    learning_rate?: LearningRate,
    momentum?: number,
    dampening?: number,
    weight_decay?: WeightDecay,
    nesterov?: boolean,
    loss_scale?: number,
    options?: SGDOptions,
  );
  constructor(params: Params, ...rest: unknown[]) {
    const o = optionalArgs("SGD", rest, {
      learning_rate: 0.1 as unknown,
      momentum: 0.0 as unknown,
      dampening: 0.0 as unknown,
      weight_decay: 0.0 as unknown,
      nesterov: false as unknown,
      loss_scale: 1.0 as unknown,
    });
    super(o.learning_rate, params, o.weight_decay, o.loss_scale);
    const { momentum, dampening, nesterov } = o;
    if (typeof momentum !== "number") throw new TypeError(`For 'SGD', the argument 'momentum' must be float type, but got ${pyClass(momentum)}.`);
    if (momentum < 0.0) throw new ValueError(`For 'SGD', the argument 'momentum' must be at least 0.0, but got ${pyFloat(momentum)}.`);
    if (typeof dampening !== "number") throw new TypeError(`For 'SGD', the argument 'dampening' must be float type, but got ${pyClass(dampening)}.`);
    if (dampening < 0.0) throw new ValueError(`For 'SGD', the argument 'dampening' must be at least 0.0, but got 'dampening' ${pyFloat(dampening)}`);
    this.dampening = dampening;
    checkBoolType(nesterov, "nesterov", "SGD");
    if (nesterov && (momentum <= 0.0 || dampening !== 0.0)) {
      throw new ValueError(
        `For 'SGD', if 'nesterov' is true, 'momentum' must be > 0.0 and 'dampening' must equal to 0.0, but got 'momentum' ${pyFloat(momentum)}, 'dampening' ${pyFloat(dampening)}`,
      );
    }
    this.nesterov = nesterov as boolean;
    if (this.dynamic_weight_decay) {
      throw new TypeError(
        "For 'SGD', dynamic weight decay is currently not supported, the argument 'weight_decay' or 'weight_decay' set in grouped 'params' must be float or int type.",
      );
    }
    this._kernel_weight_decay = this.is_group
      ? (this.weight_decay as number[]).slice()
      : this.parameters.map(() => o.weight_decay as number);
    this.momentum = new Parameter(new Tensor(momentum, float32), "momentum");
    this.momentumAtInit = momentum;
    this.accum = this._clone_state("accum", 0);
    this.stat = this._clone_state("stat", 1);
  }

  override construct(gradients: readonly Tensor[]): boolean {
    // SGD applies no decay_weight: the decay is inside the kernel
    const grads = this.scale_grad(this.gradients_centralization(this.flatten_gradients(this._check_gradients(gradients))));
    const lrs = this._current_lrs();
    const momentum = this.momentum.value();
    // under jit the value is staged (no data): the branch then follows the momentum given at construction
    const useMomentum = momentum._liveTracer() ? this.momentumAtInit > 0 : (momentum.item() as number) > 0;
    const updates: [Parameter, Tensor][] = [];
    this.parameters.forEach((param, i) => {
      const p = param.value();
      let g = grads[i];
      const wd = this._kernel_weight_decay[i];
      if (wd > 0) g = ops.add(g, ops.mul(p, wd));
      if (useMomentum) {
        const stat = this.stat[i].value();
        const first = ops.gt(stat, 0);
        const m = ops.cast(momentum, p.dtype);
        const accum = ops.where(first, g, ops.add(ops.mul(this.accum[i].value(), m), ops.mul(g, 1 - this.dampening)));
        updates.push([this.accum[i], accum], [this.stat[i], ops.where(first, ops.zeros_like(stat), stat)]);
        g = this.nesterov ? ops.add(g, ops.mul(accum, m)) : accum;
      }
      updates.push([param, ops.sub(p, ops.mul(ops.cast(lrs[i], p.dtype), g))]);
    });
    this._commit(updates);
    return true;
  }
}
