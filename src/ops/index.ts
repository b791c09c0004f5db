/** `ms.ops`: MindSpore's functional operators. */
export * from "./math.js";
export * from "./reduce.js";
export * from "./array.js";
export * from "./random.js";
export { grad, value_and_grad, get_grad, stop_gradient } from "../autodiff/grad.js";
export { jvp, vjp, jacfwd, jacrev } from "../autodiff/functional.js";
export * from "./indexing.js";
export * from "./linalg.js";
export * from "./nn_functional.js";
