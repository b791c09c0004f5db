// MindSpore's value_and_grad docs, example 2: a function with has_aux, gradients w.r.t. inputs 1 and 2.
import * as ms from "mindspore-ts";
const { Tensor, ops } = ms;

function fn(x, y, z) {
  const res = x.mul(ops.exp(y)).mul(ops.pow(z, 2));
  return [res, z];
}
const x = new Tensor(new Float32Array([3, 3]));
const y = new Tensor(new Float32Array([0, 0]));
const z = new Tensor(new Float32Array([5, 5]));
const [output, inputs_gradient] = ms.value_and_grad(fn, [1, 2], null, true)(x, y, z);
ms.print(output);
ms.print(inputs_gradient);
