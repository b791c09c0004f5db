// MindSpore's value_and_grad docs, example 1: a Cell, gradient w.r.t. input 1.
import * as ms from "mindspore-ts";
const { Tensor, nn } = ms;

class Net extends nn.Cell {
  construct(x, y, z) {
    return x.mul(y).mul(z);
  }
}
const x = new Tensor([1, 2], ms.float32);
const y = new Tensor([-2, 3], ms.float32);
const z = new Tensor([0, 3], ms.float32);
const net = new Net();
const grad_fn = ms.value_and_grad(net, 1);
const [output, inputs_gradient] = grad_fn(x, y, z);
ms.print(output);
ms.print(inputs_gradient);
