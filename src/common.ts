/** `ms.common`: the initializer namespace, as `mindspore.common.initializer`. */
export * as initializer from "./nn/initializer.js";
