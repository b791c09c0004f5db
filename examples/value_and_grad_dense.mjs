// MindSpore's value_and_grad docs, example 3: nn.Dense + nn.MSELoss, gradients w.r.t. inputs, weights, or both.
import * as ms from "mindspore-ts";
const { ops, nn } = ms;

const net = new nn.Dense(10, 1);
const loss_fn = new nn.MSELoss();
function forward(inputs, labels) {
  const logits = net(inputs);
  const loss = loss_fn(logits, labels);
  return [loss, logits];
}
const inputs = ops.randn(16, 10);
const labels = ops.randn(16, 1);
const weights = net.trainable_params();

// Case 1: gradient with respect to inputs; only loss contributes (has_aux).
let grad_fn = ms.value_and_grad(forward, 0, null, true);
let [[loss, logits], inputs_gradient] = grad_fn(inputs, labels);
ms.print(logits.shape);
ms.print(inputs.shape, inputs_gradient.shape);

// Case 2: gradient with respect to weights.
grad_fn = ms.value_and_grad(forward, null, weights, true);
let params_gradient;
[[loss, logits], params_gradient] = grad_fn(inputs, labels);
ms.print(logits.shape);
ms.print(weights.length, params_gradient.length);

// Case 3: gradient with respect to inputs and weights; both outputs contribute (has_aux=false).
grad_fn = ms.value_and_grad(forward, 0, weights, false);
[[loss, logits], [inputs_gradient, params_gradient]] = grad_fn(inputs, labels);
ms.print(logits.shape);
ms.print(inputs.shape, inputs_gradient.shape);
ms.print(weights.length, params_gradient.length);
void loss;
