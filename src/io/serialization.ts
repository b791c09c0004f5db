/**
 * The checkpoint API without files: what to save from a Cell / list / dict,
 * how loaded entries become Parameters, and load_param_into_net. checkpoint.ts
 * adds the file I/O; `save_checkpoint_to_bytes` / `load_checkpoint_from_bytes`
 * are the same operations on in-memory bytes (for browsers).
 *
 * A parameter dict is a `Map<string, Parameter | string>` in file order
 * (MindSpore returns a Python dict; a Map keeps the order and any name).
 * Wherever a dict is accepted, a Map or a plain object works.
 */
import { Tensor } from "../core/tensor.js";
import { DType, float16, float32, float64, int16, int32, int64, int8 } from "../core/dtype.js";
import { fmtShape, sizeOf } from "../core/shape.js";
import { RuntimeError, TypeError, ValueError, typeName } from "../core/errors.js";
import { Parameter } from "../nn/parameter.js";
import { Cell } from "../nn/cell.js";
import { isPlainObject, optionalArgs } from "../ops/args.js";
import { concatBytes, decodeCheckpoint, encodeCheckpoint, type CkptEntry } from "./ckpt_format.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";
import { crc32, tensorFromData, tensorToBytes } from "./tensor_bytes.js";

export type ParamDict = Map<string, Parameter | string>;
/** A dict as MindSpore accepts it: a Map or a plain object. */
export type DictLike<V> = Map<string, V> | Record<string, V>;
export type SaveObj = Cell | readonly Parameter[] | readonly { name: string; data: Tensor }[] | DictLike<Parameter | Tensor | string>;
export type CheckpointFormat = "ckpt" | "safetensors";
type AppendValue = number | boolean | string | Tensor;

/** The entries of a Map or plain object, or null for anything else. */
export function dictEntries(v: unknown): [unknown, unknown][] | null {
  if (v instanceof Map) return [...v.entries()];
  if (isPlainObject(v)) return Object.entries(v);
  return null;
}

export function checkBool(op: string, arg: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw new TypeError(`For '${op}', the '${arg}' must be bool, but got ${typeName(v)}.`);
  return v;
}

export function checkFormat(op: string, format: unknown): CheckpointFormat {
  if (format !== "ckpt" && format !== "safetensors") {
    throw new ValueError(`For '${op}', the format must be 'safetensors' or 'ckpt', but got ${String(format)}.`);
  }
  return format;
}

function checkChoiceFunc(op: string, f: unknown): ((name: string) => boolean) | null {
  if (f !== null && typeof f !== "function") throw new TypeError(`For '${op}', the 'choice_func' must be a function or None, but got ${typeName(f)}.`);
  return f as ((name: string) => boolean) | null;
}

// ---------------------------------------------------------------- saving

export interface SaveOptions {
  append_dict: DictLike<AppendValue> | null;
  choice_func: ((name: string) => boolean) | null;
  crc_check: boolean;
  format: CheckpointFormat;
  remove_redundancy: boolean | null;
}

/** Check save_checkpoint's own options (the ones that shape the bytes). */
export function checkSaveOptions(op: string, o: Record<string, unknown>): SaveOptions {
  const format = checkFormat(op, o.format);
  const choice_func = checkChoiceFunc(op, o.choice_func);
  const crc_check = checkBool(op, "crc_check", o.crc_check);
  if (o.remove_redundancy !== null && typeof o.remove_redundancy !== "boolean") {
    throw new TypeError(`For '${op}', the 'remove_redundancy' must be bool or None, but got ${typeName(o.remove_redundancy)}.`);
  }
  const append_dict = o.append_dict;
  if (append_dict !== null) {
    const items = dictEntries(append_dict);
    if (!items) throw new TypeError(`For '${op}', the argument 'append_dict' must be dict, but got ${typeName(append_dict)}.`);
    for (const [k, v] of items) {
      if (typeof k !== "string" || !(typeof v === "number" || typeof v === "boolean" || typeof v === "string" || v instanceof Tensor)) {
        throw new TypeError(`For '${op}', the type of dict 'append_info' must be key: string, value: int, float, bool, str, Parameter or Tensor, but got key: ${typeName(k)}, value: ${typeName(v)}.`);
      }
    }
  }
  return { append_dict: append_dict as SaveOptions["append_dict"], choice_func, crc_check, format, remove_redundancy: o.remove_redundancy as boolean | null };
}

/**
 * What `save_obj` saves, in order: a Cell's parameters (each under its own
 * `name`, so optimizer states held by the Cell are included), a list of
 * Parameters, a list of {name, data} records, or a dict name -> Parameter /
 * Tensor / str (e.g. what load_checkpoint returned); then append_dict.
 */
export function saveEntries(op: string, save_obj: unknown, o: SaveOptions): CkptEntry[] {
  const keep = (name: string) => o.choice_func === null || Boolean(o.choice_func(name));
  const list: CkptEntry[] = [];
  if (save_obj instanceof Cell) {
    for (const [, p] of save_obj.parameters_and_names()) if (keep(p.name)) list.push({ name: p.name, data: p });
  } else if (Array.isArray(save_obj)) {
    if (save_obj.length > 0 && isPlainObject(save_obj[0])) {
      for (const item of save_obj as unknown[]) {
        if (!isPlainObject(item) || !("name" in item) || !("data" in item)) {
          throw new TypeError(`For '${op}', save_obj should be a list of dict items, and the dict should have the keys 'name' and 'data', but got ${typeName(item)}.`);
        }
        if (typeof item.name !== "string") throw new TypeError(`For '${op}', when save_obj is a list of dict items, the name in dict should be string, but got ${typeName(item.name)}.`);
        if (!(item.data instanceof Tensor)) throw new TypeError(`For '${op}', when save_obj is a list of dict items, the data in dict should be Parameter or Tensor, but got ${typeName(item.data)}.`);
        if (keep(item.name)) list.push({ name: item.name, data: item.data });
      }
    } else {
      for (const p of save_obj as unknown[]) {
        if (!(p instanceof Parameter)) throw new TypeError(`For '${op}', when save_obj is made up by list of Parameter, the param should be Parameter, but got ${typeName(p)}.`);
        if (keep(p.name)) list.push({ name: p.name, data: p });
      }
    }
  } else {
    const items = dictEntries(save_obj);
    if (!items) throw new TypeError(`For '${op}', the parameter 'save_obj' must be nn.Cell, list or dict, but got ${typeName(save_obj)}.`);
    for (const [k, v] of items) {
      if (typeof k !== "string" || !(v instanceof Tensor || typeof v === "string")) {
        throw new TypeError(`For '${op}', when save_obj is made up by dict, the key should be str and the value should be Parameter, Tensor or str, but got the type of key is ${typeName(k)} and the type of value is ${typeName(v)}.`);
      }
      if (keep(k)) list.push({ name: k, data: v });
    }
  }
  for (const [k, v] of dictEntries(o.append_dict) ?? []) {
    list.push({ name: k as string, data: typeof v === "string" || v instanceof Tensor ? v : new Tensor(v as number | boolean) });
  }
  // One entry per name, in first-seen position, holding the last value (a Python OrderedDict's update).
  const byName = new Map<string, CkptEntry>();
  for (const e of list) byName.set(e.name, e);
  return [...byName.values()];
}

/** The file's pieces, in order (lazy for .ckpt, so tensors are read while writing). */
export function savePieces(op: string, entries: CkptEntry[], o: SaveOptions): Iterable<Uint8Array> {
  if (o.format === "ckpt") return encodeCheckpoint(entries, { crc_check: o.crc_check });
  const tensors: { name: string; tensor: Tensor }[] = [];
  for (const { name, data } of entries) {
    if (typeof data === "string") throw new ValueError(`For '${op}', the safetensors format cannot hold the string '${name}'; save it with format='ckpt'.`);
    tensors.push({ name, tensor: data });
  }
  if (tensors.length === 0) return encodeSafetensors([], null);
  const metadata: Record<string, string> = { format: "ms" };
  if (o.remove_redundancy !== null) metadata.remove_redundancy = o.remove_redundancy ? "True" : "False";
  if (o.crc_check) {
    // MindSpore's crc: over each name and its data bytes, in sorted name order
    let crc = 0;
    for (const { name, tensor } of [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      crc = crc32(new TextEncoder().encode(name), crc);
      crc = crc32(tensorToBytes(tensor), crc);
    }
    metadata.crc_num = String(crc);
  }
  return encodeSafetensors(tensors, metadata);
}

/**
 * `save_checkpoint_to_bytes(save_obj, append_dict=None, choice_func=None,
 * crc_check=False, format="ckpt", remove_redundancy=None)`: the bytes
 * save_checkpoint would write, without a file.
 */
export function save_checkpoint_to_bytes(save_obj: SaveObj, ...rest: unknown[]): Uint8Array {
  const op = "save_checkpoint_to_bytes";
  const o = checkSaveOptions(op, optionalArgs(op, rest, { append_dict: null, choice_func: null, crc_check: false, format: "ckpt", remove_redundancy: null }));
  return concatBytes([...savePieces(op, saveEntries(op, save_obj, o), o)]);
}

// ---------------------------------------------------------------- loading

export interface LoadOptions {
  net: Cell | null;
  strict_load: boolean;
  keep: (name: string) => boolean;
  crc_check: boolean;
  remove_redundancy: boolean;
  format: CheckpointFormat;
}

function checkPrefix(op: string, prefix: unknown): string[] | null {
  if (prefix === null) return null;
  if (typeof prefix !== "string" && !Array.isArray(prefix)) {
    throw new TypeError(`For '${op}', the type of 'specify_prefix' or 'filter_prefix' must be string, list[string] or tuple[string], but got ${typeName(prefix)}.`);
  }
  const list: unknown[] = typeof prefix === "string" ? [prefix] : prefix;
  if (list.length === 0) throw new ValueError(`For '${op}', the argument 'specify_prefix' or 'filter_prefix' can't be empty when 'specify_prefix' or 'filter_prefix' is list or tuple.`);
  list.forEach((p, i) => {
    if (typeof p !== "string") throw new TypeError(`For '${op}', when 'specify_prefix' or 'filter_prefix' is list or tuple, the element in it must be string, but got ${typeName(p)} at index ${i}.`);
    if (p === "") throw new ValueError(`For '${op}', the value of 'specify_prefix' or 'filter_prefix' can't include ''.`);
  });
  return list as string[];
}

/** Check load_checkpoint's options; `keep` combines specify_prefix, filter_prefix and choice_func as MindSpore does. */
export function checkLoadOptions(op: string, o: Record<string, unknown>): LoadOptions {
  if (o.net !== null && !(o.net instanceof Cell)) throw new TypeError(`For '${op}', the argument 'net' should be a Cell or None, but got ${typeName(o.net)}.`);
  const strict_load = checkBool(op, "strict_load", o.strict_load);
  const specify = checkPrefix(op, o.specify_prefix);
  const filter = checkPrefix(op, o.filter_prefix);
  const choice = checkChoiceFunc(op, o.choice_func);
  const crc_check = checkBool(op, "crc_check", o.crc_check);
  const remove_redundancy = checkBool(op, "remove_redundancy", o.remove_redundancy);
  const format = checkFormat(op, o.format);
  const keep = (name: string): boolean => {
    if (specify && !specify.some((p) => name.startsWith(p))) return false;
    if (filter && filter.some((p) => name.startsWith(p))) return false;
    // choice_func applies only when neither prefix is given (the prefixes override it)
    return specify || filter || choice === null ? true : Boolean(choice(name));
  };
  return { net: o.net as Cell | null, strict_load, keep, crc_check, remove_redundancy, format };
}

/** Parse checkpoint bytes into a parameter dict (and load it into `net` when given). */
export function loadFromBytes(op: string, bytes: Uint8Array, o: LoadOptions, source: string): ParamDict {
  const dict: ParamDict = new Map();
  if (o.format === "ckpt") {
    for (const { name, data } of decodeCheckpoint(bytes, { crc_check: o.crc_check, keep: o.keep, source })) {
      dict.set(name, typeof data === "string" ? data : new Parameter(data, name));
    }
  } else {
    const { tensors, metadata } = decodeSafetensors(bytes, source, o.keep);
    if (o.crc_check) checkSafetensorsCrc(bytes, metadata, source);
    for (const { name, tensor } of tensors) dict.set(name, new Parameter(tensor, name));
  }
  if (dict.size === 0) {
    throw new ValueError(`For '${op}', the loaded parameter dict is empty after filter or specify (file ${source}), please check whether 'filter_prefix', 'specify_prefix' or 'choice_func' are set correctly.`);
  }
  if (o.net) load_param_into_net(o.net, dict, o.strict_load, o.remove_redundancy);
  return dict;
}

function checkSafetensorsCrc(bytes: Uint8Array, metadata: Record<string, string> | null, source: string): void {
  if (!metadata || metadata.crc_num === undefined) {
    console.warn(`For 'load_checkpoint', the safetensors file does not contain the crc code, please check the file: ${source}.`);
    return;
  }
  // over every tensor (filtered or not), in sorted name order
  let crc = 0;
  for (const { name, tensor } of decodeSafetensors(bytes, source).tensors) {
    crc = crc32(new TextEncoder().encode(name), crc);
    crc = crc32(tensorToBytes(tensor), crc);
  }
  if (String(crc) !== metadata.crc_num) {
    throw new ValueError(`For 'load_checkpoint', the crc check has failed. Please check whether the file is damaged: ${source}.`);
  }
}

const LOAD_DEFAULTS = {
  net: null,
  strict_load: false,
  filter_prefix: null,
  specify_prefix: null,
  choice_func: null,
  crc_check: false,
  remove_redundancy: false,
  format: "ckpt",
};

/**
 * `load_checkpoint_from_bytes(data, net=None, strict_load=False,
 * filter_prefix=None, specify_prefix=None, choice_func=None, crc_check=False,
 * remove_redundancy=False, format="ckpt")`: load_checkpoint on bytes.
 */
export function load_checkpoint_from_bytes(data: Uint8Array, ...rest: unknown[]): ParamDict {
  const op = "load_checkpoint_from_bytes";
  if (!(data instanceof Uint8Array)) throw new TypeError(`For '${op}', the 'data' must be a Uint8Array, but got ${typeName(data)}.`);
  return loadFromBytes(op, data, checkLoadOptions(op, optionalArgs(op, rest, LOAD_DEFAULTS)), "<bytes>");
}

// ---------------------------------------------------------------- load_param_into_net

const FLOATS: ReadonlySet<DType> = new Set([float16, float32, float64]);
const INTS: ReadonlySet<DType> = new Set([int8, int16, int32, int64]);

/**
 * The value `param` would get from `loaded`, or RuntimeError: shapes must
 * match (except MindSpore's one allowance: extra trailing dimensions of size
 * 1 in the checkpoint, e.g. (12, 2048, 1, 1) into (12, 2048)); dtypes must
 * match unless, without strict_load, both are floats or both are ints.
 */
function valueFor(param: Parameter, loaded: Parameter, strict_load: boolean): Tensor {
  const ps = param.shape;
  const ls = loaded.shape;
  if (ps.length !== ls.length || ps.some((d, i) => d !== ls[i])) {
    const trailingOnes = ls.length > ps.length && ls.slice(ps.length).every((d) => d === 1);
    if (trailingOnes && sizeOf(ls) === sizeOf(ps)) {
      const t = tensorFromData(loaded._data(), ps, loaded.dtype);
      return t.dtype === param.dtype ? t : new Tensor(t, param.dtype);
    }
    throw new RuntimeError(
      `For 'load_param_into_net', ${param.name} in the argument 'net' should have the same shape as ${param.name} in the argument 'parameter_dict'. ` +
        `But got its shape ${fmtShape(ps)} in the argument 'net' and shape ${fmtShape(ls)} in the argument 'parameter_dict'. ` +
        `May you need to check whether the checkpoint you loaded is correct or the batch size and so on in the 'net' and 'parameter_dict' are same.`,
    );
  }
  if (param.dtype === loaded.dtype) return loaded;
  const convertible = (FLOATS.has(param.dtype) && FLOATS.has(loaded.dtype)) || (INTS.has(param.dtype) && INTS.has(loaded.dtype));
  if (!strict_load && convertible) return new Tensor(loaded, param.dtype);
  throw new RuntimeError(
    `For 'load_param_into_net', ${param.name} in the argument 'net' should have the same type as ${param.name} in the argument 'parameter_dict'. ` +
      `But got its type ${param.dtype} in the argument 'net' and type ${loaded.dtype} in the argument 'parameter_dict'. ` +
      `May you need to check whether the checkpoint you loaded is correct.`,
  );
}

/**
 * `load_param_into_net(net, parameter_dict, strict_load=False,
 * remove_redundancy=False)` -> `[param_not_load, ckpt_not_load]`: the names of
 * the net's parameters that got no value, and of the dict's entries that were
 * not used. Matching is by each Parameter's `name`; without strict_load,
 * parameters still missing are then matched by a common name prefix (e.g.
 * "network.fc.weight" in the dict for "fc.weight"), as MindSpore does, which
 * (as in MindSpore) leaves those dict names in ckpt_not_load.
 *
 * All-or-nothing: every shape and dtype is checked before any Parameter
 * changes, so a RuntimeError leaves the network exactly as it was.
 */
export function load_param_into_net(net: Cell, parameter_dict: DictLike<Parameter | string>, ...rest: unknown[]): [string[], string[]] {
  const op = "load_param_into_net";
  const o = optionalArgs(op, rest, { strict_load: false as unknown, remove_redundancy: false as unknown });
  if (!(net instanceof Cell)) throw new TypeError(`For '${op}', the argument 'net' should be a Cell, but got ${typeName(net)}.`);
  const items = dictEntries(parameter_dict);
  if (!items) throw new TypeError(`For '${op}', the argument 'parameter_dict' should be a dict, but got ${typeName(parameter_dict)}.`);
  for (const [k, v] of items) {
    if (typeof k !== "string" || !(v instanceof Parameter || typeof v === "string")) {
      throw new TypeError(`For 'parameter_dict', the element in the argument 'parameter_dict' should be a 'str' and 'Parameter', but got ${typeName(k)} and ${typeName(v)}.`);
    }
  }
  const strict = checkBool(op, "strict_load", o.strict_load);
  if (checkBool(op, "remove_redundancy", o.remove_redundancy)) {
    throw new TypeError("The deduplication feature for loading checkpoint can only be used in parallel scenarios, but got stand_alone.");
  }
  const dict = new Map(items as [string, Parameter | string][]);

  // Plan every assignment first; nothing changes until all of them are valid.
  const plan: [Parameter, Tensor][] = [];
  const paramNotLoad: string[] = [];
  const ckptNotLoad = [...dict.keys()];
  const params = net.parameters_and_names().map(([, p]) => p);
  for (const p of params) {
    const v = dict.get(p.name);
    if (v !== undefined) {
      if (!(v instanceof Parameter)) continue; // a string from append_dict is not a parameter value
      plan.push([p, valueFor(p, v, strict)]);
      const at = ckptNotLoad.indexOf(p.name);
      if (at >= 0) ckptNotLoad.splice(at, 1);
    } else if (!p.name.startsWith("accu_grads")) {
      paramNotLoad.push(p.name);
    }
  }
  if (paramNotLoad.length > 0 && !strict) matchByPrefix(params, dict, paramNotLoad, plan);

  const before = plan.map(([p]) => [p, p._snapshot()] as const);
  try {
    for (const [p, value] of plan) p.set_data(value);
  } catch (e) {
    for (const [p, snap] of before) p._restore(snap);
    throw e;
  }
  return [paramNotLoad, ckptNotLoad];
}

/**
 * MindSpore's second pass: find a dict name that ends with a missing
 * parameter's name, take the rest as a prefix, and load every missing
 * parameter whose prefixed name is in the dict; repeat while that helps.
 */
function matchByPrefix(params: Parameter[], dict: Map<string, Parameter | string>, paramNotLoad: string[], plan: [Parameter, Tensor][]): void {
  const candidates = [...dict.keys()].filter((k) => dict.get(k) instanceof Parameter);
  const longest = paramNotLoad[0];
  let prefix = "";
  while (prefix !== longest && paramNotLoad.length > 0) {
    prefix = longest;
    for (const name of paramNotLoad) {
      const hit = candidates.find((k) => k.endsWith(name));
      if (hit !== undefined) prefix = hit.slice(0, hit.length - name.length);
      if (prefix !== longest) break;
    }
    if (prefix === longest) break;
    for (const p of params) {
      const loaded = dict.get(prefix + p.name);
      if (paramNotLoad.includes(p.name) && loaded instanceof Parameter) {
        plan.push([p, valueFor(p, loaded, false)]);
        paramNotLoad.splice(paramNotLoad.indexOf(p.name), 1);
      }
    }
  }
}
