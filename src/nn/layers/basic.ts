/** nn.Flatten, nn.Dropout and nn.Embedding (MindSpore 2.3 signatures). */
import { Tensor } from "../../core/tensor.js";
import { DType, float32, int32 } from "../../core/dtype.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as ops from "../../ops/index.js";
import { optionalArgs } from "../../ops/args.js";
import { Cell } from "../cell.js";
import { Parameter } from "../parameter.js";
import { Normal } from "../initializer.js";
import { checkBool, checkDtype, checkInput, checkPositiveInt, makeParam, pyFloat, pyFmt, type Init } from "./common.js";

/** `nn.Flatten(start_dim=1, end_dim=-1)`: merge the axes start_dim..end_dim (MindSpore 2.x keeps the batch axis). */
export class Flatten extends Cell {
  readonly start_dim: number;
  readonly end_dim: number;
  constructor(...rest: unknown[]) {
    super();
    const o = optionalArgs("Flatten", rest, { start_dim: 1 as number, end_dim: -1 as number });
    for (const k of ["start_dim", "end_dim"] as const) {
      if (typeof o[k] !== "number" || !Number.isInteger(o[k])) throw new TypeError(`For 'Flatten', the '${k}' must be int, but got ${typeName(o[k])}.`);
    }
    this.start_dim = o.start_dim;
    this.end_dim = o.end_dim;
  }
  override construct(x: Tensor): Tensor {
    checkInput(x, "Flatten", null);
    const ndim = Math.max(x.ndim, 1);
    for (const a of [this.start_dim, this.end_dim]) {
      if (a < -ndim || a >= ndim) throw new ValueError(`For 'Flatten', 'start_dim' or 'end_dim' out of range: got start_dim=${this.start_dim}, end_dim=${this.end_dim} for a ${x.ndim}-D input.`);
    }
    return ops.flatten(x, { start_dim: this.start_dim, end_dim: this.end_dim });
  }
}

/**
 * `nn.Dropout(keep_prob=None, p=None, dtype=float32)`: in training, zero
 * each element with probability p and scale the rest by 1/(1-p); identity in
 * evaluation. `keep_prob` (deprecated in MindSpore 2.x, still first
 * positionally) gives p = 1 - keep_prob; with neither, p = 0.5.
 */
export class Dropout extends Cell {
  readonly p: number;
  readonly keep_prob: number | null;
  constructor(...rest: unknown[]) {
    super();
    const o = optionalArgs("Dropout", rest, { keep_prob: null as number | null, p: null as number | null, dtype: float32 as DType });
    checkDtype(o.dtype, "Dropout");
    if (o.keep_prob !== null) {
      if (typeof o.keep_prob !== "number") throw new TypeError(`For 'Dropout', the 'keep_prob' must be float, but got ${typeName(o.keep_prob)}.`);
      if (!(o.keep_prob > 0 && o.keep_prob <= 1)) throw new ValueError(`For 'Dropout', the 'keep_prob' must be a number in range (0, 1], but got ${o.keep_prob}.`);
      this.keep_prob = o.keep_prob;
      this.p = 1 - o.keep_prob;
    } else {
      this.keep_prob = null;
      if (o.p !== null) {
        if (typeof o.p !== "number") throw new TypeError(`For 'Dropout', the 'p' must be float, but got ${typeName(o.p)}.`);
        if (!(o.p >= 0 && o.p < 1)) throw new ValueError(`For 'Dropout', the 'p' must be a number in range [0, 1), but got ${o.p}.`);
        this.p = o.p;
      } else {
        this.p = 0.5;
      }
    }
  }
  override construct(x: Tensor): Tensor {
    checkInput(x, "Dropout", null);
    if (!this.training || this.p === 0) return x;
    return ops.dropout(x, this.p, true);
  }
  override extend_repr(): string {
    return `p=${pyFloat(this.p)}`;
  }
}

/**
 * `nn.Embedding(vocab_size, embedding_size, use_one_hot=False,
 * embedding_table='normal', dtype=int32, padding_idx=None)`: rows of the
 * (vocab_size, embedding_size) `embedding_table` picked by int ids. The
 * padding_idx row starts at zero; as in MindSpore (unlike PyTorch) it still
 * receives gradient.
 */
export class Embedding extends Cell {
  readonly vocab_size: number;
  readonly embedding_size: number;
  readonly use_one_hot: boolean;
  readonly dtype: DType;
  readonly padding_idx: number | null;
  declare embedding_table: Parameter;
  constructor(vocab_size: number, embedding_size: number, ...rest: unknown[]) {
    super();
    const op = "Embedding";
    const o = optionalArgs(op, rest, {
      use_one_hot: false as boolean,
      embedding_table: "normal" as Init,
      dtype: int32 as DType,
      padding_idx: null as number | null,
    });
    this.vocab_size = checkPositiveInt(vocab_size, op, "vocab_size");
    this.embedding_size = checkPositiveInt(embedding_size, op, "embedding_size");
    this.use_one_hot = checkBool(o.use_one_hot, op, "use_one_hot");
    this.dtype = checkDtype(o.dtype, op);
    if (this.dtype.kind !== "int") throw new TypeError(`For '${op}', the 'dtype' must be an int type (the ids' dtype), but got ${this.dtype.name}.`);
    if (o.padding_idx !== null) {
      if (typeof o.padding_idx !== "number" || !Number.isInteger(o.padding_idx)) throw new TypeError(`For '${op}', the 'padding_idx' must be int, but got ${typeName(o.padding_idx)}.`);
      if (o.padding_idx < 0 || o.padding_idx >= vocab_size) {
        throw new ValueError(`For '${op}', the 'padding_idx' must be in range [0, ${vocab_size}), but got ${o.padding_idx}.`);
      }
    }
    this.padding_idx = o.padding_idx;
    const init = o.embedding_table ?? new Normal();
    // a Tensor table keeps its float dtype (MindSpore's initializer does); otherwise float32
    const tableDtype = init instanceof Tensor && init.dtype.kind === "float" ? init.dtype : float32;
    const table = makeParam(typeof init === "string" && init.toLowerCase() === "normal" ? new Normal() : init, [vocab_size, embedding_size], tableDtype, "embedding_table", op, "embedding_table");
    if (this.padding_idx !== null) {
      const rowMask = ops.reshape(ops.ne(ops.arange(0, vocab_size), this.padding_idx), [vocab_size, 1]);
      table.set_data(ops.mul(table, ops.cast(rowMask, table.dtype)));
    }
    this.embedding_table = table;
  }
  override construct(ids: Tensor): Tensor {
    const x = checkInput(ids, "Embedding", null, "ids");
    if (x.dtype.kind !== "int") throw new TypeError(`For 'Embedding', the 'ids' must be a Tensor of int32 or int64, but got ${x.dtype.name}.`);
    const flat = ops.reshape(x, [-1]);
    const rows = this.use_one_hot
      ? ops.matmul(ops.one_hot(flat, this.vocab_size, new Tensor(1, this.embedding_table.dtype), new Tensor(0, this.embedding_table.dtype)), this.embedding_table)
      : ops.gather(this.embedding_table, flat, 0);
    return ops.reshape(rows, [...x.shape, this.embedding_size]);
  }
  override extend_repr(): string {
    return `vocab_size=${this.vocab_size}, embedding_size=${this.embedding_size}, use_one_hot=${pyFmt(this.use_one_hot)}, embedding_table=${String(this.embedding_table)}, dtype=${this.dtype.name}, padding_idx=${pyFmt(this.padding_idx)}`;
  }
}
