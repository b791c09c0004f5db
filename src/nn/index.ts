/** `ms.nn`: Cells, layers, losses. */
export { Cell } from "./cell.js";
export { Dense } from "./dense.js";
export { ReLU, Sigmoid, Tanh, GELU, SiLU, get_activation } from "./activation.js";
export { LossBase, MSELoss, L1Loss, type Reduction } from "./loss.js";
