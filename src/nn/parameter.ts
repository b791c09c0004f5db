/** Parameter and ParameterTuple: named, trainable Tensors. */
import { Tensor, type TensorLike } from "../core/tensor.js";
import type { Storage } from "../backend/backend.js";
import { TypeError, ValueError, typeName } from "../core/errors.js";
import { fmtShape, shapesEqual } from "../core/shape.js";
import * as L from "../primitives/lax.js";

const INSPECT = Symbol.for("nodejs.util.inspect.custom");
/** MindSpore's placeholder name, replaced when the Parameter is assigned into a Cell. */
export const AUTO_NAME = "Parameter";

/**
 * Every Parameter alive, weakly held: `jit` makes each one an input of the
 * graph it traces, so a compiled function reads the current values on every
 * call, as MindSpore's graphs do.
 */
const alive = new Set<WeakRef<Parameter>>();

/** The Parameters that still exist (drops the collected ones from the registry). */
export function liveParameters(): Parameter[] {
  const out: Parameter[] = [];
  for (const ref of alive) {
    const p = ref.deref();
    if (p) out.push(p);
    else alive.delete(ref);
  }
  return out;
}

export class Parameter extends Tensor {
  name: string;
  private _requiresGrad: boolean;
  /**
   * Set while this Parameter's storage was made by a compiled step for it alone and nothing has read it
   * outside a compiled step since: then no Tensor but this one can hold that storage, and the next
   * compiled assignment frees it at once instead of leaving it to the GC (see jit's assignEffects).
   * Every read from outside (`_concrete`, `_snapshot`) and every other change of value (`_init`) clears it.
   */
  private _sole = false;

  constructor(default_input: TensorLike, name: string | null = null, requires_grad = true) {
    super(default_input);
    if (name !== null && typeof name !== "string") throw new TypeError(`For 'Parameter', the 'name' must be str or None, but got ${typeName(name)}.`);
    if (typeof requires_grad !== "boolean") {
      throw new TypeError(`For 'Parameter', the 'requires_grad' must be bool, but got ${typeName(requires_grad)}.`);
    }
    this.name = name ?? AUTO_NAME;
    this._requiresGrad = requires_grad;
    alive.add(new WeakRef(this));
  }

  get requires_grad(): boolean {
    return this._requiresGrad;
  }
  set requires_grad(v: boolean) {
    if (typeof v !== "boolean") throw new TypeError(`For 'Parameter', the 'requires_grad' must be bool, but got ${typeName(v)}.`);
    this._requiresGrad = v;
  }

  /** The Parameter itself (MindSpore's `param.data`). */
  get data(): this {
    return this;
  }

  /** A plain Tensor holding the current value (shares storage, no copy). */
  value(): Tensor {
    return new Tensor(this);
  }

  /**
   * Replace the value in place. The new data must have the same shape; it is
   * converted to the Parameter's dtype. Fails without changing anything.
   */
  set_data(data: Tensor | TensorLike): this {
    const t = data instanceof Tensor ? data : new Tensor(data, this.dtype);
    if (!shapesEqual(t.shape, this.shape)) {
      throw new ValueError(`For 'Parameter.set_data', the new data of shape ${fmtShape(t.shape)} must have the shape ${fmtShape(this.shape)} of Parameter '${this.name}'.`);
    }
    const value = L.cast(L.stop_gradient(t), this.dtype);
    const traced = value._liveTracer();
    if (traced) {
      // inside `jit`: the Parameter holds the traced value until the trace ends; the compiled graph writes it
      this._init(null, traced, this.shape, this.dtype);
      return this;
    }
    const concrete = value._concrete();
    this._init(concrete._view, null, this.shape, this.dtype);
    return this;
  }

  override _init(...args: Parameters<Tensor["_init"]>): void {
    super._init(...args);
    this._sole = false;
  }

  override _concrete(): Tensor {
    this._sole = false;
    return super._concrete();
  }

  /** Internal (jit): the value as a compiled step reads it, over the same storage; not a read from outside. */
  _stepRead(): Tensor {
    const c = super._concrete();
    return Tensor._fromView(c._view!, this.dtype);
  }

  /** Internal (jit): the storage that only this Parameter holds, or null when others may hold it too. */
  _soleStorage(): Storage | null {
    return this._sole && this._view ? this._view.storage : null;
  }

  /** Internal (jit): take a compiled step's new value; `sole` when nothing else holds its storage. */
  _assign(t: Tensor, sole: boolean): void {
    this._restore(t);
    this._sole = sole;
  }

  /** Internal (jit): a compiled step's result shares this Parameter's storage. */
  _disown(): void {
    this._sole = false;
  }

  /** Internal: this Parameter's current state as a separate Tensor object. */
  _snapshot(): Tensor {
    this._sole = false;
    const t = Object.create(Tensor.prototype) as Tensor;
    t._init(this._view, this._tracer, this.shape, this.dtype);
    return t;
  }

  /** Internal: put back a state taken by `_snapshot`. */
  _restore(t: Tensor): void {
    this._init(t._view, t._tracer, t.shape, t.dtype);
  }

  clone(prefix = ""): Parameter {
    return new Parameter(new Tensor(this).copy(), prefix ? `${prefix}.${this.name}` : this.name, this.requires_grad);
  }

  private describe(): string {
    return `Parameter (name=${this.name}, shape=${fmtShape(this.shape)}, dtype=${this.dtype.name}, requires_grad=${this.requires_grad ? "True" : "False"})`;
  }
  override toString(): string {
    return this.describe();
  }
  [INSPECT](): string {
    return this.describe();
  }
}

/** A fixed tuple of Parameters (a JS array subclass); rejects anything else. */
export class ParameterTuple extends Array<Parameter> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  constructor(params: Iterable<Parameter> = []) {
    super();
    let i = 0;
    for (const p of params) {
      if (!(p instanceof Parameter)) {
        throw new TypeError(`For 'ParameterTuple', every element must be a Parameter, but element ${i} is ${typeName(p)}.`);
      }
      this.push(p);
      i++;
    }
    Object.freeze(this);
  }
  clone(prefix: string): ParameterTuple {
    return new ParameterTuple(this.map((p) => p.clone(prefix)));
  }
}
