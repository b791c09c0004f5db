/**
 * Containers: SequentialCell, CellList, CellDict. Children are registered as
 * attributes named "0", "1", ... (or by their keys), so their parameters are
 * named "0.weight", "conv.weight", ... as in MindSpore; a container attached
 * to a parent gets the parent's prefix in front ("features.0.weight").
 * Re-indexing after insert/delete renames the parameters the way MindSpore's
 * containers do: the prefix before the index is kept, the index replaced.
 */
import { Tensor } from "../../core/tensor.js";
import { IndexError, KeyError, TypeError, ValueError, typeName } from "../../core/errors.js";
import { isPlainObject } from "../../ops/args.js";
import { Cell } from "../cell.js";

function checkCell(cell: unknown, op: string): Cell {
  if (!(cell instanceof Cell)) throw new TypeError(`For '${op}', each cell must be subclass of Cell, but got ${typeName(cell)}.`);
  return cell;
}

function checkIndex(index: unknown, len: number, op: string): number {
  if (typeof index !== "number" || !Number.isInteger(index)) throw new TypeError(`For '${op}', the type of 'index' must be int or slice, but got ${typeName(index)}.`);
  if (index < -len || index >= len) throw new IndexError(`For '${op}', the argument 'index' must be in range [${-len}, ${len}), but got ${index}.`);
  return index < 0 ? index + len : index;
}

/** Python slice semantics on a list: [start, stop) with a step. */
function sliceList<T>(items: readonly T[], start: number | null, stop: number | null, step = 1): T[] {
  const n = items.length;
  const norm = (v: number | null, dflt: number) => (v === null ? dflt : v < 0 ? Math.max(v + n, 0) : Math.min(v, n));
  const out: T[] = [];
  if (step > 0) for (let i = norm(start, 0); i < norm(stop, n); i += step) out.push(items[i]);
  else for (let i = start === null ? n - 1 : norm(start, n - 1); i > (stop === null ? -1 : norm(stop, 0)); i += step) if (i < n) out.push(items[i]);
  return out;
}

/**
 * Shared bookkeeping: an ordered list of [key, cell, dynamic] entries mirrored
 * into attributes. Dynamic keys are positions and follow the cell's index.
 */
abstract class IndexedContainer extends Cell {
  declare _entries: { key: string; dynamic: boolean }[];

  constructor() {
    super();
    Object.defineProperty(this, "_entries", { value: [], writable: true, enumerable: false, configurable: true });
  }

  /** The part of the parameter names in front of this container's keys ("" or "features."). */
  protected _namePrefix(): string {
    for (const { key } of this._entries) {
      const cell = this._cells.get(key)!;
      for (const [rel, p] of cell.parameters_and_names()) {
        const tail = `${key}.${rel}`;
        if (p.name.endsWith(tail)) return p.name.slice(0, p.name.length - tail.length);
        return "";
      }
    }
    return "";
  }

  /** Re-register every child under its (possibly new) key, renaming its parameters prefix + key + "." + path. */
  protected _rebuild(cells: Cell[], entries: { key: string; dynamic: boolean }[]): void {
    const prefix = this._namePrefix();
    const self = this as unknown as Record<string, unknown>;
    for (const { key } of this._entries) delete self[key];
    const auto = this._auto_prefix;
    this._auto_prefix = false;
    try {
      entries.forEach((e, i) => {
        self[e.key] = cells[i];
        if (auto) for (const [rel, p] of cells[i].parameters_and_names()) p.name = `${prefix}${e.key}.${rel}`;
      });
    } finally {
      this._auto_prefix = auto;
    }
    this._entries = entries;
  }

  protected _cellList(): Cell[] {
    return this._entries.map((e) => this._cells.get(e.key)!);
  }

  /** Re-key dynamic entries to their positions. */
  protected static _renumber(entries: { key: string; dynamic: boolean }[]): { key: string; dynamic: boolean }[] {
    return entries.map((e, i) => (e.dynamic ? { key: String(i), dynamic: true } : e));
  }

  __len__(): number {
    return this._entries.length;
  }
  get length(): number {
    return this._entries.length;
  }
  [Symbol.iterator](): Iterator<Cell> {
    return this._cellList()[Symbol.iterator]();
  }

  /** `container[index]` for an int (negative counts from the end). */
  getitem(index: number): Cell {
    return this._cellList()[checkIndex(index, this.length, this.constructor.name)];
  }

  /** `container[index] = cell`. */
  setitem(index: number, cell: Cell): void {
    checkCell(cell, this.constructor.name);
    const i = checkIndex(index, this.length, this.constructor.name);
    const cells = this._cellList();
    cells[i] = cell;
    this._rebuild(cells, this._entries.slice());
  }

  /** `del container[index]`, or a slice as [start, stop, step]. */
  delitem(index: number | [number | null, number | null, number?]): void {
    const cells = this._cellList();
    let drop: Set<number>;
    if (Array.isArray(index)) {
      const [start, stop, step] = index;
      drop = new Set(sliceList(cells.map((_, i) => i), start, stop, step ?? 1));
    } else {
      drop = new Set([checkIndex(index, this.length, this.constructor.name)]);
    }
    const keep = cells.map((_, i) => i).filter((i) => !drop.has(i));
    this._rebuild(keep.map((i) => cells[i]), IndexedContainer._renumber(keep.map((i) => this._entries[i])));
  }

  append(cell: Cell): this {
    checkCell(cell, this.constructor.name);
    const entries = [...this._entries, { key: String(this.length), dynamic: true }];
    this._rebuild([...this._cellList(), cell], IndexedContainer._renumber(entries));
    return this;
  }

  /** Insert `cell` before `index` (Python's list.insert). */
  insert(index: number, cell: Cell): void {
    checkCell(cell, this.constructor.name);
    if (typeof index !== "number" || !Number.isInteger(index)) throw new TypeError(`For '${this.constructor.name}', the type of 'index' must be int, but got ${typeName(index)}.`);
    const n = this.length;
    const at = index < 0 ? Math.max(index + n, 0) : Math.min(index, n);
    const cells = this._cellList();
    const entries = this._entries.slice();
    cells.splice(at, 0, cell);
    entries.splice(at, 0, { key: "", dynamic: true });
    this._rebuild(cells, IndexedContainer._renumber(entries));
  }
}

/**
 * `nn.SequentialCell(*args)`: cells run in order, each output feeding the
 * next. Takes cells as arguments, one list of cells, or one ordered
 * name -> Cell mapping (a Map or a plain object).
 */
export class SequentialCell extends IndexedContainer {
  constructor(...args: unknown[]) {
    super();
    const op = "SequentialCell";
    let cells: Cell[];
    let entries: { key: string; dynamic: boolean }[];
    if (args.length === 1 && !(args[0] instanceof Cell)) {
      const a = args[0];
      if (Array.isArray(a)) {
        cells = a.map((c) => checkCell(c, op));
        entries = cells.map((_, i) => ({ key: String(i), dynamic: true }));
      } else if (a instanceof Map || isPlainObject(a)) {
        const pairs: [unknown, unknown][] = a instanceof Map ? [...a.entries()] : Object.entries(a);
        cells = pairs.map(([, c]) => checkCell(c, op));
        entries = pairs.map(([k]) => {
          if (typeof k !== "string") throw new TypeError(`For '${op}', the keys of the ordered dict must be str, but got ${typeName(k)}.`);
          return { key: k, dynamic: false };
        });
      } else {
        throw new TypeError(`For '${op}', the 'args[0]' must be list or orderedDict, but got ${typeName(a)}.`);
      }
    } else {
      cells = args.map((c) => checkCell(c, op));
      entries = cells.map((_, i) => ({ key: String(i), dynamic: true }));
    }
    this._rebuild(cells, entries);
  }

  /** `seq[index]`, or a slice [start, stop, step] as a new SequentialCell (as MindSpore, which re-prefixes the names). */
  override getitem(index: number): Cell;
  override getitem(index: [number | null, number | null, number?]): SequentialCell;
  override getitem(index: number | [number | null, number | null, number?]): Cell {
    if (Array.isArray(index)) return new SequentialCell(sliceList(this._cellList(), index[0], index[1], index[2] ?? 1));
    return super.getitem(index);
  }

  override construct(input_data: unknown): any {
    let x: unknown = input_data;
    for (const cell of this._cellList()) x = cell(x);
    return x;
  }
}

/** `nn.CellList(args=None)`: an indexable list of cells (no construct of its own). */
export class CellList extends IndexedContainer {
  constructor(args: Iterable<Cell> | null = null) {
    super();
    if (args !== null && args !== undefined) this.extend(args);
  }

  override getitem(index: number): Cell;
  override getitem(index: [number | null, number | null, number?]): CellList;
  override getitem(index: number | [number | null, number | null, number?]): Cell {
    if (Array.isArray(index)) return new CellList(sliceList(this._cellList(), index[0], index[1], index[2] ?? 1));
    return super.getitem(index);
  }

  extend(cells: Iterable<Cell>): this {
    if (cells === null || typeof (cells as Iterable<Cell>)[Symbol.iterator] !== "function" || cells instanceof Tensor) {
      throw new TypeError(`For 'CellList', the new cells wanted to append should be instance of list, but got ${typeName(cells)}.`);
    }
    const add = [...cells].map((c) => checkCell(c, "CellList"));
    const entries = [...this._entries, ...add.map(() => ({ key: "", dynamic: true }))];
    this._rebuild([...this._cellList(), ...add], IndexedContainer._renumber(entries));
    return this;
  }
}

/** `nn.CellDict(args=None)`: cells by string key, in insertion order (no construct of its own). */
export class CellDict extends Cell {
  constructor(args: Map<string, Cell> | Record<string, Cell> | [string, Cell][] | null = null) {
    super();
    if (args !== null && args !== undefined) this.update(args);
  }

  private _checkKey(key: unknown): string {
    if (typeof key !== "string") throw new TypeError(`For 'CellDict', the type of key should be str, but got ${typeName(key)}.`);
    if (key === "") throw new KeyError("For 'CellDict', the key can not be empty string.");
    if (key.includes(".")) throw new KeyError(`For 'CellDict', the key can not contain '.', but got '${key}'.`);
    if (key in this && !this._cells.has(key)) throw new KeyError(`For 'CellDict', the key can not be an attribute of CellDict, but got '${key}'.`);
    return key;
  }

  get length(): number {
    return this._cells.size;
  }
  __len__(): number {
    return this._cells.size;
  }
  /** `key in cell_dict`. */
  contains(key: string): boolean {
    return this._cells.has(key);
  }
  get(key: string): Cell {
    const c = this._cells.get(key);
    if (!c) throw new KeyError(`'${key}'`);
    return c;
  }
  set(key: string, cell: Cell): this {
    checkCell(cell, "CellDict");
    (this as unknown as Record<string, unknown>)[this._checkKey(key)] = cell;
    return this;
  }
  delete(key: string): void {
    this.get(key);
    delete (this as unknown as Record<string, unknown>)[key];
  }
  /** Remove `key` and return its cell. */
  pop(key: string): Cell {
    const c = this.get(key);
    this.delete(key);
    return c;
  }
  clear(): void {
    for (const k of [...this._cells.keys()]) this.delete(k);
  }
  keys(): string[] {
    return [...this._cells.keys()];
  }
  values(): Cell[] {
    return [...this._cells.values()];
  }
  items(): [string, Cell][] {
    return [...this._cells.entries()];
  }
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
  /** Add or replace cells from a Map, a plain object, a CellDict or [key, cell] pairs. */
  update(cells: Map<string, Cell> | Record<string, Cell> | [string, Cell][] | CellDict): void {
    let pairs: [unknown, unknown][];
    if (cells instanceof CellDict) pairs = cells.items();
    else if (cells instanceof Map) pairs = [...cells.entries()];
    else if (Array.isArray(cells)) {
      pairs = cells.map((e, i) => {
        if (!Array.isArray(e) || e.length !== 2) throw new ValueError(`For 'CellDict', the element ${i} of the update sequence must be a (key, cell) pair, but got ${typeName(e)}.`);
        return [e[0], e[1]];
      });
    } else if (isPlainObject(cells)) pairs = Object.entries(cells);
    else throw new TypeError(`For 'CellDict', the cells should be a dict, an OrderedDict, a CellDict or an iterable of (key, cell) pairs, but got ${typeName(cells)}.`);
    for (const [k, c] of pairs) this.set(k as string, c as Cell);
  }
}
