/** `ms.nn` optimizers and learning-rate schedules (MindSpore 2.3's nn.optim, learning_rate_schedule, dynamic_lr). */
export { Optimizer, NotImplementedError, type LearningRate, type WeightDecay, type ParamGroup, type Params } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Momentum, type MomentumOptions } from "./momentum.js";
export { Adam, AdamWeightDecay, type AdamOptions, type AdamWeightDecayOptions } from "./adam.js";
export { RMSProp, type RMSPropOptions } from "./rmsprop.js";
export { Adagrad, type AdagradOptions } from "./ada_grad.js";
export {
  LearningRateSchedule,
  ExponentialDecayLR,
  NaturalExpDecayLR,
  InverseDecayLR,
  CosineDecayLR,
  PolynomialDecayLR,
  WarmUpLR,
} from "./learning_rate_schedule.js";
export {
  piecewise_constant_lr,
  exponential_decay_lr,
  natural_exp_decay_lr,
  inverse_decay_lr,
  cosine_decay_lr,
  polynomial_decay_lr,
  warmup_lr,
} from "./dynamic_lr.js";
