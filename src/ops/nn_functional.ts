/** MindSpore's NN functional ops (`ops.softmax`, `ops.conv2d`, `ops.cross_entropy`, ...), one file per family under nn/. */
export { softmax, log_softmax, dropout } from "./nn/activation.js";
export { cross_entropy, nll_loss, binary_cross_entropy, binary_cross_entropy_with_logits, mse_loss, l1_loss, smooth_l1_loss } from "./nn/loss.js";
export { conv1d, conv2d, conv_transpose2d } from "./nn/conv.js";
export { max_pool2d, avg_pool2d, adaptive_avg_pool2d } from "./nn/pool.js";
export { layer_norm, batch_norm, group_norm } from "./nn/norm.js";
export { interpolate, embedding } from "./nn/resize.js";
