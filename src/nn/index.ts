/** `ms.nn`: Cells, layers, losses. */
export { Cell } from "./cell.js";
export { Dense } from "./dense.js";
export { ReLU, Sigmoid, Tanh, GELU, SiLU, LeakyReLU, Softmax, LogSoftmax, get_activation } from "./activation.js";
export {
  LossBase,
  MSELoss,
  L1Loss,
  CrossEntropyLoss,
  NLLLoss,
  SmoothL1Loss,
  SoftmaxCrossEntropyWithLogits,
  BCELoss,
  BCEWithLogitsLoss,
  KLDivLoss,
  type Reduction,
} from "./loss.js";
export * from "./layers/index.js";
export { WithLossCell, TrainOneStepCell, type OptimizerLike } from "./wrap.js";
export * from "./optim/index.js";
