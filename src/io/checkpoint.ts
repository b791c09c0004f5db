/**
 * save_checkpoint / load_checkpoint: MindSpore's .ckpt files (and, with
 * format="safetensors", safetensors files, as MindSpore >= 2.4), with Node's
 * file system. The bytes themselves are made and read in serialization.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RuntimeError, TypeError, ValueError, typeName } from "../core/errors.js";
import { optionalArgs } from "../ops/args.js";
import { writeFileAtomic } from "./atomic.js";
import {
  checkBool,
  checkFormat,
  checkLoadOptions,
  checkSaveOptions,
  loadFromBytes,
  saveEntries,
  savePieces,
  type ParamDict,
  type SaveObj,
} from "./serialization.js";

/**
 * `save_checkpoint(save_obj, ckpt_file_name, integrated_save=True,
 * async_save=False, append_dict=None, enc_key=None, enc_mode="AES-GCM",
 * choice_func=None, crc_check=False, format="ckpt", remove_redundancy=None)`.
 *
 * save_obj: a Cell (all its parameters, optimizer states included when the
 * Cell holds the optimizer), a list of Parameters, a list of {name, data}
 * records, or a dict name -> Parameter / Tensor / str (Map or plain object).
 * append_dict adds name -> number / bool / str / Tensor entries (an integer
 * number is saved as an Int64 scalar, any other number as Float32, a bool as
 * Bool, as MindSpore does with Python int / float / bool). The name gets
 * ".ckpt" (or ".safetensors") appended unless it already ends with the format.
 *
 * The file is replaced atomically: a failed save leaves the old file intact.
 * Not supported: encryption (enc_key must be None); async_save is accepted
 * and the save is done synchronously; integrated_save only matters in
 * parallel training, which mindspore-ts does not have.
 * Pass options positionally or as a trailing object: `{ append_dict: {...} }`.
 */
export function save_checkpoint(save_obj: SaveObj, ckpt_file_name: string, ...rest: unknown[]): void {
  const op = "save_checkpoint";
  const o = optionalArgs(op, rest, {
    integrated_save: true as unknown,
    async_save: false as unknown,
    append_dict: null as unknown,
    enc_key: null as unknown,
    enc_mode: "AES-GCM" as unknown,
    choice_func: null as unknown,
    crc_check: false as unknown,
    format: "ckpt" as unknown,
    remove_redundancy: null as unknown,
  });
  const format = checkFormat(op, o.format);
  const file = checkSaveFileName(op, save_obj, ckpt_file_name, format);
  checkBool(op, "integrated_save", o.integrated_save);
  if (typeof o.async_save !== "boolean" && o.async_save !== "process" && o.async_save !== "thread") {
    if (typeof o.async_save === "string") throw new ValueError(`For '${op}', the argument 'async_save' can only be 'process' or 'thread', but got ${o.async_save}.`);
    throw new TypeError(`For '${op}', the parameter 'async_save' must be bool or str, but got ${typeName(o.async_save)}.`);
  }
  if (typeof o.enc_mode !== "string") throw new TypeError(`For '${op}', the 'enc_mode' must be str, but got ${typeName(o.enc_mode)}.`);
  if (o.enc_key !== null) {
    if (format === "safetensors") throw new ValueError(`For '${op}', when format is 'safetensors', the parameter 'enc_key' must be set to default value 'None'.`);
    throw new ValueError(`For '${op}', encrypted checkpoints (enc_key) are not supported by mindspore-ts; 'enc_key' must be None.`);
  }
  const so = checkSaveOptions(op, o);
  const entries = saveEntries(op, save_obj, so);
  try {
    writeFileAtomic(file, savePieces(op, entries, so));
  } catch (e) {
    if (e instanceof ValueError || e instanceof TypeError) throw e;
    throw new RuntimeError(
      `Failed to save the checkpoint file ${file}; the previous file, if any, is unchanged. Maybe don't have the permission to write files, or the disk space is insufficient and so on: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/** MindSpore's checks on save_obj and the file name; returns the absolute name with the extension. */
function checkSaveFileName(op: string, save_obj: unknown, name: unknown, format: string): string {
  if (!(save_obj instanceof Object) || typeof save_obj === "string") {
    throw new TypeError(`For '${op}', the parameter 'save_obj' must be nn.Cell, list or dict, but got ${typeName(save_obj)}.`);
  }
  if (typeof name !== "string") {
    throw new TypeError(`For '${op}', the parameter ${String(name)} for checkpoint file name is invalid, 'ckpt_file_name' must be string, but got ${typeName(name)}.`);
  }
  let file = path.resolve(name);
  if (isDirectory(file)) throw new ValueError(`For '${op}', the parameter 'ckpt_file_name': ${file} is a directory, it must be a file name.`);
  if (!file.endsWith(format)) file += `.${format}`;
  return file;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `load_checkpoint(ckpt_file_name, net=None, strict_load=False,
 * filter_prefix=None, dec_key=None, dec_mode="AES-GCM", specify_prefix=None,
 * choice_func=None, crc_check=False, remove_redundancy=False, format="ckpt")`
 * -> Map name -> Parameter (or string, for append_dict strings), in file
 * order; with `net`, also loads them into it (see load_param_into_net).
 *
 * A file that cannot be read, is corrupted or truncated, or holds a dtype
 * mindspore-ts lacks raises ValueError naming the file and the problem; a
 * shape or dtype mismatch with `net` raises RuntimeError; either way `net` is
 * left exactly as it was. Encrypted files (dec_key) are not supported.
 */
export function load_checkpoint(ckpt_file_name: string, ...rest: unknown[]): ParamDict {
  const op = "load_checkpoint";
  const o = optionalArgs(op, rest, {
    net: null as unknown,
    strict_load: false as unknown,
    filter_prefix: null as unknown,
    dec_key: null as unknown,
    dec_mode: "AES-GCM" as unknown,
    specify_prefix: null as unknown,
    choice_func: null as unknown,
    crc_check: false as unknown,
    remove_redundancy: false as unknown,
    format: "ckpt" as unknown,
  });
  if (typeof o.dec_mode !== "string") throw new TypeError(`For '${op}', the 'dec_mode' must be str, but got ${typeName(o.dec_mode)}.`);
  if (o.dec_key !== null) {
    if (o.format === "safetensors") throw new ValueError(`For '${op}', when format is 'safetensors', the parameter 'dec_key' must be set to default value 'None'.`);
    throw new ValueError(`For '${op}', encrypted checkpoints (dec_key) are not supported by mindspore-ts; 'dec_key' must be None.`);
  }
  const lo = checkLoadOptions(op, o);
  const file = checkLoadFileName(op, ckpt_file_name, lo.format);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new ValueError(`Failed to read the checkpoint file ${file}. May not have permission to read it, please check the correct of the file (${(e as Error).message}).`, { cause: e });
  }
  return loadFromBytes(op, bytes, lo, file);
}

function checkLoadFileName(op: string, name: unknown, format: string): string {
  if (typeof name !== "string") throw new TypeError(`For '${op}', the argument 'ckpt_file_name' must be string, but got ${typeName(name)}.`);
  if (!name.endsWith(format)) {
    throw new ValueError(`For '${op}', the checkpoint file format must same with 'format', but got file_name:'${name}', format:'${format}'`);
  }
  const file = path.resolve(name);
  if (!fs.existsSync(file)) {
    throw new ValueError(`For '${op}', the checkpoint file: ${file} does not exist, please check whether the 'ckpt_file_name' is correct.`);
  }
  return file;
}
