/** nn.Adam and nn.AdamWeightDecay (MindSpore's nn/optim/adam.py with the Adam kernels). */
import { Tensor } from "../../core/tensor.js";
import { float32 } from "../../core/dtype.js";
import { ValueError } from "../../core/errors.js";
import * as ops from "../../ops/index.js";
import { optionalArgs } from "../../ops/args.js";
import { Parameter, ParameterTuple } from "../parameter.js";
import { Optimizer, type LearningRate, type Params, type WeightDecay } from "./optimizer.js";
import { checkBoolType, checkFloat, checkFloatType, checkOpenRange } from "./_checks.js";

/** MindSpore's _check_param_value: beta1, beta2 in (0, 1), eps > 0, all floats. */
function checkAdamHyper(beta1: unknown, beta2: unknown, eps: unknown, prim: string): [number, number, number] {
  checkFloatType(beta1, "beta1", prim);
  checkFloatType(beta2, "beta2", prim);
  checkFloatType(eps, "eps", prim);
  checkOpenRange(beta1 as number, 0.0, 1.0, "beta1", prim);
  checkOpenRange(beta2 as number, 0.0, 1.0, "beta2", prim);
  checkFloat(eps, ">", 0, "eps", prim);
  return [beta1 as number, beta2 as number, eps as number];
}

export interface AdamOptions {
  learning_rate?: LearningRate;
  beta1?: number;
  beta2?: number;
  eps?: number;
  use_locking?: boolean;
  use_nesterov?: boolean;
  weight_decay?: WeightDecay;
  loss_scale?: number;
  use_amsgrad?: boolean;
  /** MindSpore's **kwargs: with dense gradients both give the plain Adam update. */
  use_lazy?: boolean;
  use_offload?: boolean;
}

/**
 * `nn.Adam(params, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
 * use_locking=False, use_nesterov=False, weight_decay=0.0, loss_scale=1.0,
 * use_amsgrad=False, **kwargs)`.
 *
 * With g = (grad + weight_decay·p where the decay applies) / loss_scale and
 * t the step (beta1_power = β1ᵗ, beta2_power = β2ᵗ, Parameters starting at 1):
 *   m += (g − m)(1 − β1);  v += (g² − v)(1 − β2)
 *   lr_t = lr·√(1 − β2ᵗ)/(1 − β1ᵗ)
 *   p −= lr_t·m/(√v + eps)                      (the kernel's form: eps is NOT bias-corrected,
 *                                                unlike PyTorch's m̂/(√v̂ + eps))
 *   use_nesterov:  p −= lr_t·(β1·m + (1 − β1)·g)/(√v + eps)
 *   use_amsgrad:   vhat = max(vhat, v);  p −= lr_t·m/(√vhat + eps)   (nesterov ignored)
 */
export class Adam extends Optimizer {
  declare beta1: Tensor;
  declare beta2: Tensor;
  declare eps: Tensor;
  declare beta1_power: Parameter;
  declare beta2_power: Parameter;
  declare use_locking: boolean;
  declare use_nesterov: boolean;
  declare use_amsgrad: boolean;
  declare use_lazy: boolean;
  declare use_offload: boolean;
  declare moment1: ParameterTuple;
  declare moment2: ParameterTuple;
  declare vhat: ParameterTuple;

  constructor(params: Params, options?: AdamOptions);
  constructor(
    params: Params,
    learning_rate?: LearningRate,
    beta1?: number,
    beta2?: number,
    eps?: number,
    use_locking?: boolean,
    use_nesterov?: boolean,
    weight_decay?: WeightDecay,
    loss_scale?: number,
    use_amsgrad?: boolean,
    options?: AdamOptions,
  );
  constructor(params: Params, ...rest: unknown[]) {
    const o = optionalArgs("Adam", rest, {
      learning_rate: 1e-3 as unknown,
      beta1: 0.9 as unknown,
      beta2: 0.999 as unknown,
      eps: 1e-8 as unknown,
      use_locking: false as unknown,
      use_nesterov: false as unknown,
      weight_decay: 0.0 as unknown,
      loss_scale: 1.0 as unknown,
      use_amsgrad: false as unknown,
      use_lazy: false as unknown,
      use_offload: false as unknown,
    });
    super(o.learning_rate, params, o.weight_decay, o.loss_scale);
    const [beta1, beta2, eps] = checkAdamHyper(o.beta1, o.beta2, o.eps, "Adam");
    this.use_locking = checkBoolType(o.use_locking, "use_locking", "Adam");
    this.use_nesterov = checkBoolType(o.use_nesterov, "use_nesterov", "Adam");
    this.use_amsgrad = checkBoolType(o.use_amsgrad, "use_amsgrad", "Adam");
    this.use_lazy = checkBoolType(o.use_lazy, "use_lazy", "Adam");
    this.use_offload = checkBoolType(o.use_offload, "use_offload", "Adam");
    if (this.use_lazy && this.use_offload) {
      throw new ValueError(`For 'Adam', 'use_lazy' and 'use_offload' can not both be True.But got use_lazy=True, use_offload=True.`);
    }
    if (this.use_amsgrad && (this.use_lazy || this.use_offload)) {
      throw new ValueError("For lazy Adam and Adam with offload, there is no parameter named 'use_amsgrad'.but got 'use_amsgrad'=True.");
    }
    this.beta1 = new Tensor(beta1, float32);
    this.beta2 = new Tensor(beta2, float32);
    this.eps = new Tensor(eps, float32);
    this.beta1_power = new Parameter(new Tensor(1, float32), "beta1_power");
    this.beta2_power = new Parameter(new Tensor(1, float32), "beta2_power");
    this.moment1 = this._clone_state("moment1", 0);
    this.moment2 = this._clone_state("moment2", 0);
    if (this.use_amsgrad) this.vhat = this._clone_state("vhat", 0);
  }

  override construct(gradients: readonly Tensor[]): boolean {
    // offload Adam skips grad centralization, as MindSpore's construct does
    const checked = this.flatten_gradients(this._check_gradients(gradients));
    const decayed = this.decay_weight(checked);
    const grads = this.scale_grad(this.use_offload ? decayed : this.gradients_centralization(decayed));
    const lrs = this._current_lrs();
    const b1p = ops.mul(this.beta1_power.value(), this.beta1);
    const b2p = ops.mul(this.beta2_power.value(), this.beta2);
    const updates: [Parameter, Tensor][] = [
      [this.beta1_power, b1p],
      [this.beta2_power, b2p],
    ];
    const correction = ops.div(ops.sqrt(ops.sub(1, b2p)), ops.sub(1, b1p));
    this.parameters.forEach((param, i) => {
      const p = param.value();
      const g = grads[i];
      const dt = p.dtype;
      const [b1, b2, eps] = [ops.cast(this.beta1, dt), ops.cast(this.beta2, dt), ops.cast(this.eps, dt)];
      const lr_t = ops.cast(ops.mul(lrs[i], correction), dt);
      const m = ops.add(this.moment1[i].value(), ops.mul(ops.sub(g, this.moment1[i].value()), ops.sub(1, b1)));
      const v = ops.add(this.moment2[i].value(), ops.mul(ops.sub(ops.square(g), this.moment2[i].value()), ops.sub(1, b2)));
      updates.push([this.moment1[i], m], [this.moment2[i], v]);
      let numer = m;
      let denom: Tensor;
      if (this.use_amsgrad) {
        const vhat = ops.maximum(this.vhat[i].value(), v);
        updates.push([this.vhat[i], vhat]);
        denom = ops.add(ops.sqrt(vhat), eps);
      } else {
        if (this.use_nesterov) numer = ops.add(ops.mul(m, b1), ops.mul(ops.sub(1, b1), g));
        denom = ops.add(ops.sqrt(v), eps);
      }
      updates.push([param, ops.sub(p, ops.div(ops.mul(lr_t, numer), denom))]);
    });
    this._commit(updates);
    return true;
  }
}

export interface AdamWeightDecayOptions {
  learning_rate?: LearningRate;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weight_decay?: WeightDecay;
}

/**
 * `nn.AdamWeightDecay(params, learning_rate=1e-3, beta1=0.9, beta2=0.999,
 * eps=1e-6, weight_decay=0.0)`: Adam with decoupled weight decay and NO bias
 * correction (MindSpore's AdamWeightDecay kernel), no loss_scale argument:
 *   m += (g − m)(1 − β1);  v += (g² − v)(1 − β2)
 *   p −= lr·(m/(√v + eps) + weight_decay·p)     (decay only where it applies)
 * State: `adam_m.*`, `adam_v.*`. (MindSpore 2.3 has no nn.AdamW; its AdamW is
 * mindspore.experimental.optim.AdamW, a PyTorch-style API not provided here.)
 */
export class AdamWeightDecay extends Optimizer {
  declare beta1: Tensor;
  declare beta2: Tensor;
  declare eps: Tensor;
  declare moments1: ParameterTuple;
  declare moments2: ParameterTuple;

  constructor(params: Params, options?: AdamWeightDecayOptions);
  constructor(
    params: Params,
    learning_rate?: LearningRate,
    beta1?: number,
    beta2?: number,
    eps?: number,
    weight_decay?: WeightDecay,
    options?: AdamWeightDecayOptions,
  );
  constructor(params: Params, ...rest: unknown[]) {
    const o = optionalArgs("AdamWeightDecay", rest, {
      learning_rate: 1e-3 as unknown,
      beta1: 0.9 as unknown,
      beta2: 0.999 as unknown,
      eps: 1e-6 as unknown,
      weight_decay: 0.0 as unknown,
    });
    super(o.learning_rate, params, o.weight_decay);
    const [beta1, beta2, eps] = checkAdamHyper(o.beta1, o.beta2, o.eps, "AdamWeightDecay");
    this.beta1 = new Tensor([beta1], float32);
    this.beta2 = new Tensor([beta2], float32);
    this.eps = new Tensor([eps], float32);
    this.moments1 = this._clone_state("adam_m", 0);
    this.moments2 = this._clone_state("adam_v", 0);
  }

  override construct(gradients: readonly Tensor[]): boolean {
    const grads = this.flatten_gradients(this._check_gradients(gradients));
    const wds = this._current_weight_decays();
    const lrs = this._current_lrs();
    const updates: [Parameter, Tensor][] = [];
    this.parameters.forEach((param, i) => {
      const p = param.value();
      const g = grads[i];
      const dt = p.dtype;
      const [b1, b2, eps] = [ops.reshape(ops.cast(this.beta1, dt), []), ops.reshape(ops.cast(this.beta2, dt), []), ops.reshape(ops.cast(this.eps, dt), [])];
      const m = ops.add(this.moments1[i].value(), ops.mul(ops.sub(g, this.moments1[i].value()), ops.sub(1, b1)));
      const v = ops.add(this.moments2[i].value(), ops.mul(ops.sub(ops.square(g), this.moments2[i].value()), ops.sub(1, b2)));
      const wd = wds[i];
      const decay = wd instanceof Tensor ? ops.cast(wd, dt) : wd;
      const update = ops.add(ops.div(m, ops.add(ops.sqrt(v), eps)), ops.mul(decay, p));
      updates.push([this.moments1[i], m], [this.moments2[i], v], [param, ops.sub(p, ops.mul(ops.cast(lrs[i], dt), update))]);
    });
    this._commit(updates);
    return true;
  }
}
