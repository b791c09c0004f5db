/**
 * nn.Cell: MindSpore's module base. Instances are callable (`net(x)` runs
 * `construct`). Parameters and sub-Cells assigned as attributes are
 * registered in assignment order, as MindSpore's `__setattr__` does; a Proxy
 * sees every attribute definition, so plain `this.fc = new nn.Dense(...)`
 * and class fields both register.
 */
import { Tensor } from "../core/tensor.js";
import { AttributeError, ValueError, TypeError, typeName } from "../core/errors.js";
import { AUTO_NAME, Parameter } from "./parameter.js";
import { ReverseTrace, ReverseTracer } from "../autodiff/reverse.js";

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

// Declaration merging gives instances a call signature; the constructor returns a callable Proxy.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Cell {
  (...args: any[]): any;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Cell {
  /** own Parameters by attribute name, in assignment order */
  declare _params: Map<string, Parameter>;
  /** direct sub-Cells by attribute name, in assignment order */
  declare _cells: Map<string, Cell>;
  declare training: boolean;
  declare _auto_prefix: boolean;
  declare _requires_grad: boolean;

  constructor(auto_prefix = true) {
    const target = (() => undefined) as unknown as Record<string, unknown>;
    // an arrow function's own `name`/`length` would shadow user attributes of those names
    delete target.name;
    delete target.length;
    Object.setPrototypeOf(target, new.target.prototype);
    const hidden = (k: string, value: unknown) => Object.defineProperty(target, k, { value, writable: true, enumerable: false, configurable: true });
    hidden("_params", new Map());
    hidden("_cells", new Map());
    hidden("training", false);
    hidden("_auto_prefix", auto_prefix);
    hidden("_requires_grad", false);
    const proxy: Cell = new Proxy(target, {
      apply: (_t, _this, args: unknown[]) => proxy.__call__(...args),
      defineProperty: (t, key, desc) => {
        if (typeof key === "string" && "value" in desc) (proxy as Cell)._register(key, desc.value);
        return Reflect.defineProperty(t, key, desc);
      },
      deleteProperty: (t, key) => {
        if (typeof key === "string") (proxy as Cell)._register(key, undefined);
        return Reflect.deleteProperty(t, key);
      },
    }) as unknown as Cell;
    return proxy;
  }

  /** Bookkeeping behind attribute assignment (MindSpore's __setattr__). */
  _register(key: string, value: unknown): void {
    if (key.startsWith("_") && !(value instanceof Parameter) && !(value instanceof Cell)) return;
    this._params.delete(key);
    this._cells.delete(key);
    if (value instanceof Parameter) {
      if (value.name === AUTO_NAME) value.name = key;
      this._params.set(key, value);
    } else if (value instanceof Cell) {
      if (this._auto_prefix) value.update_parameters_name(`${key}.`);
      this._cells.set(key, value);
    }
  }

  /** The computation. Subclasses override it. */
  construct(..._args: any[]): any {
    throw new AttributeError("For 'Cell', the method 'construct' is not defined.");
  }

  /** What `cell(...)` runs: `construct`, or `bprop` as its custom backward when one is defined. */
  __call__(...args: any[]): any {
    if (this.construct === Cell.prototype.construct) throw new AttributeError("For 'Cell', the method 'construct' is not defined.");
    const bprop = (this as { bprop?: (...a: any[]) => any }).bprop;
    if (typeof bprop === "function") {
      const trace = topReverseTrace(args);
      if (trace) return this._callWithBprop(trace, args, bprop);
    }
    return this.construct(...args);
  }

  /** Record one tape node whose backward is the user's `bprop(...inputs, out, dout)`. */
  private _callWithBprop(trace: ReverseTrace, args: any[], bprop: (...a: any[]) => any): any {
    const tensorPos = args.flatMap((a, i) => (a instanceof Tensor ? [i] : []));
    const withPrimals = (primals: readonly Tensor[]) => {
      const a = args.slice();
      tensorPos.forEach((p, k) => (a[p] = primals[k]));
      return a;
    };
    return trace.custom(
      tensorPos.map((p) => args[p] as Tensor),
      (primals) => {
        const out = this.construct(...withPrimals(primals));
        if (!(out instanceof Tensor)) throw new TypeError(`For 'Cell.bprop', 'construct' must return a single Tensor, but got ${typeName(out)}.`);
        // Parameters read inside a Cell with bprop get no gradient (as in MindSpore)
        const tr = out._liveTracer();
        return tr instanceof ReverseTracer && tr.trace === trace ? tr.primal : out;
      },
      (primals, out, dout) => {
        const grads = bprop.call(this, ...withPrimals(primals), out, dout);
        if (!Array.isArray(grads)) throw new TypeError(`For 'Cell.bprop', bprop must return a tuple of gradients (one per input), but got ${typeName(grads)}.`);
        if (grads.length !== args.length) {
          throw new ValueError(`For 'Cell.bprop', bprop must return ${args.length} gradients (one per construct input), but returned ${grads.length}.`);
        }
        return tensorPos.map((p) => (grads[p] instanceof Tensor ? (grads[p] as Tensor) : null));
      },
    );
  }

  /** Prefix every parameter name below this cell (MindSpore does this when a cell is attached). */
  update_parameters_name(prefix = ""): void {
    for (const [, p] of this.parameters_and_names()) p.name = prefix + p.name;
  }

  /** `[qualified_name, param]` pairs: own params first, then sub-cells depth-first; each param once. */
  parameters_and_names(name_prefix = "", expand = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const cells: [string, Cell][] = expand ? this.cells_and_names(name_prefix) : [[name_prefix, this]];
    for (const [prefix, cell] of cells) {
      for (const [key, p] of cell._params) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${key}` : key, p]);
      }
    }
    return out;
  }

  /** `[name, cell]` pairs: `['', this]` first, then sub-cells depth-first (each once). */
  cells_and_names(name_prefix = ""): [string, Cell][] {
    const out: [string, Cell][] = [];
    const seen = new Set<Cell>();
    const walk = (prefix: string, cell: Cell) => {
      if (seen.has(cell)) return;
      seen.add(cell);
      out.push([prefix, cell]);
      for (const [key, sub] of cell._cells) walk(prefix ? `${prefix}.${key}` : key, sub);
    };
    walk(name_prefix, this);
    return out;
  }

  get_parameters(expand = true): Parameter[] {
    return this.parameters_and_names("", expand).map(([, p]) => p);
  }
  /** Parameters with requires_grad=true. */
  trainable_params(recurse = true): Parameter[] {
    return this.get_parameters(recurse).filter((p) => p.requires_grad);
  }
  untrainable_params(recurse = true): Parameter[] {
    return this.get_parameters(recurse).filter((p) => !p.requires_grad);
  }
  /** name -> Parameter, keyed by each Parameter's own name. */
  parameters_dict(recurse = true): Map<string, Parameter> {
    return new Map(this.get_parameters(recurse).map((p) => [p.name, p]));
  }
  cells(): Cell[] {
    return [...this._cells.values()];
  }
  name_cells(): Map<string, Cell> {
    return new Map(this._cells);
  }
  insert_param_to_cell(param_name: string, param: Parameter): void {
    if (!(param instanceof Parameter)) throw new TypeError(`For 'insert_param_to_cell', the 'param' must be a Parameter, but got ${typeName(param)}.`);
    (this as unknown as Record<string, unknown>)[param_name] = param;
  }
  insert_child_to_cell(child_name: string, child_cell: Cell): void {
    if (!(child_cell instanceof Cell)) throw new TypeError(`For 'insert_child_to_cell', the 'child_cell' must be a Cell, but got ${typeName(child_cell)}.`);
    (this as unknown as Record<string, unknown>)[child_name] = child_cell;
  }
  /** Raise ValueError when two parameters share a name. */
  check_names(): void {
    const names = new Set<string>();
    for (const p of this.get_parameters()) {
      if (names.has(p.name)) throw new ValueError(`The value of ${p.name} is duplicated. Please set a unique name for each Parameter.`);
      names.add(p.name);
    }
  }
  /** Training mode for this cell and every sub-cell (Dropout, BatchNorm read it). */
  set_train(mode = true): this {
    for (const [, c] of this.cells_and_names()) c.training = mode;
    return this;
  }
  set_grad(requires_grad = true): this {
    this._requires_grad = requires_grad;
    return this;
  }
  /** Extra text inside the repr, e.g. `input_channels=3, output_channels=4, has_bias=True`. */
  extend_repr(): string {
    return "";
  }
  toString(): string {
    const extra = this.extend_repr();
    let s = `${this.constructor.name}<`;
    if (this._cells.size > 0) {
      let sub = "\n";
      if (extra) sub += `${extra}\n`;
      for (const [k, c] of this._cells) sub += `(${k}): ${String(c)}\n`;
      s += sub.replace(/\n/g, "\n  ") + ">";
    } else {
      s += `${extra}>`;
    }
    return s;
  }
  [INSPECT](): string {
    return this.toString();
  }
}

/** The innermost live reverse trace among the arguments' tensors, if any. */
function topReverseTrace(args: readonly unknown[]): ReverseTrace | null {
  let top: ReverseTrace | null = null;
  for (const a of args) {
    if (!(a instanceof Tensor)) continue;
    const tr = a._liveTracer();
    if (tr && tr.trace instanceof ReverseTrace && (!top || tr.trace.level > top.level)) top = tr.trace;
  }
  return top;
}
