/**
 * Training wrappers: nn.WithLossCell (backbone + loss) and
 * nn.TrainOneStepCell (forward, gradients of the optimizer's parameters,
 * optimizer step). Both use auto_prefix=False, as MindSpore's, so wrapping a
 * network does not rename its parameters.
 */
import { Tensor } from "../core/tensor.js";
import { TypeError, ValueError, typeName } from "../core/errors.js";
import * as ops from "../ops/index.js";
import { value_and_grad } from "../autodiff/grad.js";
import { Cell } from "./cell.js";
import { Parameter } from "./parameter.js";

/** `nn.WithLossCell(backbone, loss_fn)`: construct(data, label) = loss_fn(backbone(data), label). */
export class WithLossCell extends Cell {
  declare _backbone: Cell;
  declare _loss_fn: Cell | ((out: any, label: any) => Tensor);
  constructor(backbone: Cell, loss_fn: Cell | ((out: any, label: any) => Tensor)) {
    super(false);
    if (!(backbone instanceof Cell)) throw new TypeError(`For 'WithLossCell', the 'backbone' must be a Cell, but got ${typeName(backbone)}.`);
    if (typeof loss_fn !== "function") throw new TypeError(`For 'WithLossCell', the 'loss_fn' must be a Cell or a function, but got ${typeName(loss_fn)}.`);
    this._backbone = backbone;
    if (loss_fn instanceof Cell) this._loss_fn = loss_fn;
    else Object.defineProperty(this, "_loss_fn", { value: loss_fn, writable: true, enumerable: false, configurable: true });
  }
  override construct(data: Tensor, label: Tensor): Tensor {
    const out = this._backbone(data);
    return this._loss_fn(out, label);
  }
  /** The backbone network. */
  get backbone_network(): Cell {
    return this._backbone;
  }
}

/** What TrainOneStepCell needs of an optimizer: a callable taking the gradients, with its `parameters`. */
export interface OptimizerLike {
  (grads: Tensor[]): unknown;
  parameters: readonly Parameter[];
}

/**
 * `nn.TrainOneStepCell(network, optimizer, sens=None, return_grad=False)`:
 * construct(*inputs) runs `network(*inputs)` (which returns the loss),
 * differentiates it with respect to `optimizer.parameters` with the
 * sensitivity `sens` (None means 1.0; 0 is rejected as in MindSpore), applies
 * `optimizer(grads)` and returns the loss (with return_grad, also a Map
 * parameter name -> gradient).
 */
export class TrainOneStepCell extends Cell {
  declare network: Cell;
  declare optimizer: OptimizerLike & Cell;
  readonly weights: Parameter[];
  readonly sens: number;
  readonly return_grad: boolean;
  private readonly gradFn: (...args: any[]) => [Tensor, Tensor[]];

  constructor(network: Cell, optimizer: OptimizerLike, sens: number | null = null, return_grad = false) {
    super(false);
    if (!(network instanceof Cell)) throw new TypeError(`For 'TrainOneStepCell', the 'network' must be a Cell, but got ${typeName(network)}.`);
    if (typeof optimizer !== "function" || !Array.isArray((optimizer as OptimizerLike).parameters)) {
      throw new TypeError(`For 'TrainOneStepCell', the 'optimizer' must be an optimizer (a callable with 'parameters'), but got ${typeName(optimizer)}.`);
    }
    if (sens !== null && typeof sens !== "number") throw new TypeError(`For 'TrainOneStepCell', the 'sens' must be a number or None, but got ${typeName(sens)}.`);
    if (sens === 0) throw new ValueError("The input argument of 'sens' can not be 0.");
    if (typeof return_grad !== "boolean") throw new TypeError(`For 'TrainOneStepCell', the 'return_grad' must be bool, but got ${typeName(return_grad)}.`);
    this.network = network;
    this.network.set_grad();
    if (optimizer instanceof Cell) this.optimizer = optimizer as OptimizerLike & Cell;
    else Object.defineProperty(this, "optimizer", { value: optimizer, writable: true, enumerable: false, configurable: true });
    this.weights = [...optimizer.parameters];
    this.sens = sens ?? 1.0;
    this.return_grad = return_grad;
    this.gradFn = value_and_grad((...inputs: unknown[]) => this.network(...inputs), null, this.weights);
  }

  override construct(...inputs: unknown[]): Tensor | [Tensor, Map<string, Tensor>] {
    const [loss, rawGrads] = this.gradFn(...inputs);
    // the sensitivity is a constant cotangent: the gradients scale linearly with it
    const grads = this.sens === 1 ? rawGrads : rawGrads.map((g) => ops.mul(g, this.sens));
    this.optimizer(grads);
    if (!this.return_grad) return loss;
    return [loss, new Map(this.weights.map((p, i) => [p.name, grads[i]]))];
  }
}
