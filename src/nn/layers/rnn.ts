/**
 * nn.RNN, nn.LSTM, nn.GRU with MindSpore 2.3's signatures:
 * (input_size, hidden_size, num_layers=1, has_bias=True, batch_first=False,
 * dropout=0.0, bidirectional=False, dtype=float32); RNN also takes
 * `nonlinearity` ('tanh' | 'relu') by keyword.
 *
 * Parameters are named as MindSpore (and PyTorch) name them:
 * weight_ih_l{k}[_reverse], weight_hh_l{k}[_reverse], bias_ih_l{k}[_reverse],
 * bias_hh_l{k}[_reverse], each U(-1/sqrt(hidden), 1/sqrt(hidden)), and are
 * registered in MindSpore's order (all w_ih, then w_hh, b_ih, b_hh); they
 * are also reachable as w_ih_list, w_hh_list, b_ih_list, b_hh_list.
 * Gate order: LSTM (i, f, g, o), GRU (r, z, n), as MindSpore/PyTorch.
 *
 * construct(x, hx=None, seq_length=None) returns [output, h_n] (LSTM:
 * [output, [h_n, c_n]]). With seq_length, steps past a sequence's length
 * keep its state and output zeros, and the reverse direction reads each
 * sequence backwards from its own last element (MindSpore's ReverseSequence).
 *
 * The input projection x W_ih^T + b_ih of every time step is one matrix
 * product; only h W_hh^T runs per step.
 */
import { Tensor } from "../../core/tensor.js";
import { DType, bool_, float32, int64 } from "../../core/dtype.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as ops from "../../ops/index.js";
import * as L from "../../primitives/lax.js";
import { isPlainObject, optionalArgs } from "../../ops/args.js";
import { Cell } from "../cell.js";
import { Parameter } from "../parameter.js";
import { Uniform } from "../initializer.js";
import { checkBool, checkDtype, checkFloat, checkPositiveInt, makeParam } from "./common.js";
import { Dropout } from "./basic.js";

type Mode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";
type State = Tensor | [Tensor, Tensor];

const GATES: Record<Mode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** Columns [from, from + n) of a 2-D (B, G) tensor. */
const cols = (x: Tensor, from: number, n: number) => L.slice(x, [0, from], [1, 1], [x.shape[0], n]);
/** Time step t of a (T, B, F) tensor, as (B, F). */
const step = (x: Tensor, t: number) => L.reshape(L.slice(x, [t, 0, 0], [1, 1, 1], [1, x.shape[1], x.shape[2]]), [x.shape[1], x.shape[2]]);

abstract class RNNBase extends Cell {
  readonly mode: Mode;
  readonly input_size: number;
  readonly hidden_size: number;
  readonly num_layers: number;
  readonly has_bias: boolean;
  readonly batch_first: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly is_lstm: boolean;
  declare w_ih_list: Parameter[];
  declare w_hh_list: Parameter[];
  declare b_ih_list: Parameter[];
  declare b_hh_list: Parameter[];
  declare dropout_op: Dropout;

  constructor(op: string, mode: Mode, input_size: number, hidden_size: number, rest: unknown[]) {
    super();
    const o = optionalArgs(op, rest, {
      num_layers: 1 as number,
      has_bias: true as boolean,
      batch_first: false as boolean,
      dropout: 0.0 as number,
      bidirectional: false as boolean,
      dtype: float32 as DType,
    });
    this.mode = mode;
    this.hidden_size = checkPositiveInt(hidden_size, op, "hidden_size");
    this.input_size = checkPositiveInt(input_size, op, "input_size");
    this.num_layers = checkPositiveInt(o.num_layers, op, "num_layers");
    this.dropout = checkFloat(o.dropout, op, "dropout");
    this.has_bias = checkBool(o.has_bias, op, "has_bias");
    this.batch_first = checkBool(o.batch_first, op, "batch_first");
    this.bidirectional = checkBool(o.bidirectional, op, "bidirectional");
    const dtype = checkDtype(o.dtype, op);
    if (!(this.dropout >= 0 && this.dropout < 1)) {
      throw new ValueError(`For '${op}', the 'dropout' must be a number in range [0, 1) representing the probability of an element being zeroed, but got ${this.dropout}.`);
    }
    this.is_lstm = mode === "LSTM";
    this.dropout_op = new Dropout({ p: this.dropout });
    const gate = GATES[mode] * hidden_size;
    const dirs = this.bidirectional ? 2 : 1;
    const stdv = 1 / Math.sqrt(hidden_size);
    const lists: Parameter[][] = [[], [], [], []];
    for (let layer = 0; layer < this.num_layers; layer++) {
      for (let d = 0; d < dirs; d++) {
        const inSize = layer === 0 ? input_size : hidden_size * dirs;
        const sfx = `l${layer}${d === 1 ? "_reverse" : ""}`;
        lists[0].push(makeParam(new Uniform(stdv), [gate, inSize], dtype, `weight_ih_${sfx}`, op, "weight_ih"));
        lists[1].push(makeParam(new Uniform(stdv), [gate, hidden_size], dtype, `weight_hh_${sfx}`, op, "weight_hh"));
        if (this.has_bias) {
          lists[2].push(makeParam(new Uniform(stdv), [gate], dtype, `bias_ih_${sfx}`, op, "bias_ih"));
          lists[3].push(makeParam(new Uniform(stdv), [gate], dtype, `bias_hh_${sfx}`, op, "bias_hh"));
        }
      }
    }
    // MindSpore registers each ParameterTuple's members under their own names
    const self = this as unknown as Record<string, unknown>;
    for (const list of lists) for (const p of list) self[p.name] = p;
    const hidden = (k: string, v: unknown) => Object.defineProperty(this, k, { value: v, writable: true, enumerable: false, configurable: true });
    hidden("w_ih_list", lists[0]);
    hidden("w_hh_list", lists[1]);
    hidden("b_ih_list", lists[2]);
    hidden("b_hh_list", lists[3]);
  }

  /** One recurrent step from the projected input xp (B, G) and the state. */
  private cell(xp: Tensor, h: State, whhT: Tensor, bhh: Tensor | null): State {
    let gh = ops.matmul(this.is_lstm ? (h as [Tensor, Tensor])[0] : (h as Tensor), whhT);
    const H = this.hidden_size;
    if (this.mode === "GRU") {
      // n needs W_hn h + b_hn on its own (scaled by r), so the biases are not merged
      if (bhh) gh = ops.add(gh, bhh);
      const r = ops.sigmoid(ops.add(cols(xp, 0, H), cols(gh, 0, H)));
      const z = ops.sigmoid(ops.add(cols(xp, H, H), cols(gh, H, H)));
      const n = ops.tanh(ops.add(cols(xp, 2 * H, H), ops.mul(r, cols(gh, 2 * H, H))));
      const hPrev = h as Tensor;
      return ops.add(n, ops.mul(z, ops.sub(hPrev, n)));
    }
    let gates = ops.add(xp, gh);
    if (bhh) gates = ops.add(gates, bhh);
    if (this.mode === "RNN_TANH") return ops.tanh(gates);
    if (this.mode === "RNN_RELU") return ops.relu(gates);
    const i = ops.sigmoid(cols(gates, 0, H));
    const f = ops.sigmoid(cols(gates, H, H));
    const g = ops.tanh(cols(gates, 2 * H, H));
    const o = ops.sigmoid(cols(gates, 3 * H, H));
    const c = ops.add(ops.mul(f, (h as [Tensor, Tensor])[1]), ops.mul(i, g));
    return [ops.mul(o, ops.tanh(c)), c];
  }

  /** Run one direction of one layer over time-major x (T, B, I); returns outputs (T, B, H) and the last state. */
  private runLayer(x: Tensor, h0: State, idx: number, mask: Tensor[] | null): [Tensor, State] {
    const dt = x.dtype;
    const wih = ops.cast(this.w_ih_list[idx], dt);
    const whhT = ops.t(ops.cast(this.w_hh_list[idx], dt));
    const bih = this.has_bias ? ops.cast(this.b_ih_list[idx], dt) : null;
    const bhh = this.has_bias ? ops.cast(this.b_hh_list[idx], dt) : null;
    const [T, B, I] = x.shape;
    let proj = ops.matmul(ops.reshape(x, [T * B, I]), ops.t(wih));
    if (bih) proj = ops.add(proj, bih);
    proj = ops.reshape(proj, [T, B, proj.shape[1]]);
    const outs: Tensor[] = [];
    let h = h0;
    for (let t = 0; t < T; t++) {
      const next = this.cell(step(proj, t), h, whhT, bhh);
      if (mask) {
        const m = mask[t];
        const keep = (a: Tensor, b: Tensor) => ops.where(m, a, b);
        h = Array.isArray(next) ? [keep(next[0], (h as [Tensor, Tensor])[0]), keep(next[1], (h as [Tensor, Tensor])[1])] : keep(next, h as Tensor);
        const hNew = Array.isArray(next) ? next[0] : next;
        outs.push(keep(hNew, ops.zeros_like(hNew)));
      } else {
        h = next;
        outs.push(Array.isArray(next) ? next[0] : next);
      }
    }
    return [ops.stack(outs, 0), h];
  }

  override construct(x: Tensor, hx: State | null = null, seq_length: Tensor | null = null): [Tensor, State] {
    const op = this.constructor.name;
    if (!(x instanceof Tensor)) throw new TypeError(`For '${op}', the 'x' must be a Tensor, but got ${typeName(x)}.`);
    if (x.ndim !== 3) throw new ValueError(`For '${op}', the 'x' must be a 3-D Tensor (seq_len, batch, input_size) or (batch, seq_len, input_size) with batch_first, but got shape (${x.shape.join(", ")}).`);
    if (x.dtype.kind !== "float") throw new TypeError(`For '${op}', the 'x' must be a Tensor of float16, float32 or float64, but got ${x.dtype.name}.`);
    if (x.shape[2] !== this.input_size) throw new ValueError(`For '${op}', the last dimension of 'x' must equal input_size (${this.input_size}), but got shape (${x.shape.join(", ")}).`);
    const dirs = this.bidirectional ? 2 : 1;
    const batch = this.batch_first ? x.shape[0] : x.shape[1];
    const stateShape = [this.num_layers * dirs, batch, this.hidden_size];
    const checkState = (t: unknown, name: string): Tensor => {
      if (!(t instanceof Tensor)) throw new TypeError(`For '${op}', the '${name}' must be a Tensor, but got ${typeName(t)}.`);
      if (t.dtype !== x.dtype) throw new TypeError(`For '${op}', the '${name}' must have the same dtype as 'x' (${x.dtype.name}), but got ${t.dtype.name}.`);
      if (t.shape.join() !== stateShape.join()) throw new ValueError(`For '${op}', the '${name}' must have shape (${stateShape.join(", ")}), but got (${t.shape.join(", ")}).`);
      return t;
    };
    let h0: Tensor;
    let c0: Tensor | null = null;
    if (hx === null || hx === undefined) {
      h0 = ops.zeros(stateShape, x.dtype);
      if (this.is_lstm) c0 = ops.zeros(stateShape, x.dtype);
    } else if (this.is_lstm) {
      if (!Array.isArray(hx)) throw new TypeError(`For '${op}', the 'hx' must be a tuple (h_0, c_0), but got ${typeName(hx)}.`);
      if (hx.length !== 2) throw new TypeError(`For '${op}', the length of 'hx' must be '2', but got '${hx.length}'.`);
      h0 = checkState(hx[0], "hx[0]");
      c0 = checkState(hx[1], "hx[1]");
    } else {
      h0 = checkState(hx, "hx");
    }
    let lengths: number[] | null = null;
    if (seq_length !== null && seq_length !== undefined) {
      if (!(seq_length instanceof Tensor) || seq_length.dtype.kind !== "int") {
        throw new TypeError(`For '${op}', the 'seq_length' must be a Tensor of int32 or int64, but got ${seq_length instanceof Tensor ? seq_length.dtype.name : typeName(seq_length)}.`);
      }
      if (seq_length.ndim !== 1 || seq_length.shape[0] !== batch) {
        throw new ValueError(`For '${op}' batch size of x and seq_length must be equal, but got ${batch} of x and ${seq_length.shape[0] ?? 0} of seq_length.`);
      }
      lengths = Array.from(seq_length._data(), Number);
    }

    let input = this.batch_first ? ops.transpose(x, [1, 0, 2]) : x;
    const T = input.shape[0];
    const mask = lengths ? Array.from({ length: T }, (_, t) => ops.reshape(new Tensor(lengths!.map((n) => t < n), bool_), [batch, 1])) : null;
    const reverseIndex = lengths ? reverseSequenceIndex(T, lengths) : null;
    const flip = (t: Tensor) => (reverseIndex ? L.take_along_axis(t, L.broadcast_to(reverseIndex, t.shape), 0) : ops.flip(t, [0]));
    const hn: Tensor[] = [];
    const cn: Tensor[] = [];
    const stateAt = (k: number): State => {
      const pick = (s: Tensor) => ops.squeeze(L.slice(s, [k, 0, 0], [1, 1, 1], [1, batch, this.hidden_size]), 0);
      return this.is_lstm ? [pick(h0), pick(c0!)] : pick(h0);
    };
    for (let layer = 0; layer < this.num_layers; layer++) {
      const results: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const k = layer * dirs + d;
        const [out, last] = d === 0 ? this.runLayer(input, stateAt(k), k, mask) : this.runLayer(flip(input), stateAt(k), k, mask);
        results.push(d === 0 ? out : flip(out));
        if (Array.isArray(last)) {
          hn.push(last[0]);
          cn.push(last[1]);
        } else {
          hn.push(last);
        }
      }
      const output = dirs === 2 ? ops.concat(results, 2) : results[0];
      input = this.dropout !== 0 && layer < this.num_layers - 1 ? this.dropout_op(output) : output;
    }
    let output = input;
    if (this.batch_first) output = ops.transpose(output, [1, 0, 2]);
    const hN = ops.stack(hn, 0);
    return this.is_lstm ? [output, [hN, ops.stack(cn, 0)]] : [output, hN];
  }
}

/** Time index for MindSpore's ReverseSequence(seq_dim=0, batch_dim=1): the first len[b] steps reversed, the rest in place; shape (T, B, 1). */
function reverseSequenceIndex(T: number, lengths: number[]): Tensor {
  const B = lengths.length;
  const idx = new Float64Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) idx[t * B + b] = t < lengths[b] ? lengths[b] - 1 - t : t;
  return L.reshape(new Tensor(idx, int64), [T, B, 1]);
}

/**
 * `nn.RNN(input_size, hidden_size, num_layers=1, has_bias=True, batch_first=False, dropout=0.0,
 * bidirectional=False, dtype=float32)`, `nonlinearity='tanh'` by keyword (trailing options object).
 */
export class RNN extends RNNBase {
  readonly nonlinearity: "tanh" | "relu";
  constructor(input_size: number, hidden_size: number, ...rest: unknown[]) {
    let nonlinearity: unknown = "tanh";
    const last = rest[rest.length - 1];
    let args = rest;
    if (isPlainObject(last) && "nonlinearity" in last) {
      const { nonlinearity: nl, ...others } = last;
      nonlinearity = nl;
      args = [...rest.slice(0, -1), others];
    }
    if (nonlinearity !== "tanh" && nonlinearity !== "relu") {
      throw new ValueError(`For 'RNN', the 'nonlinearity' must be in ['tanh', 'relu'], but got ${String(nonlinearity)}.`);
    }
    super("RNN", nonlinearity === "tanh" ? "RNN_TANH" : "RNN_RELU", input_size, hidden_size, args);
    this.nonlinearity = nonlinearity;
  }
}

/** `nn.LSTM(input_size, hidden_size, num_layers=1, has_bias=True, batch_first=False, dropout=0.0, bidirectional=False, dtype=float32)`. */
export class LSTM extends RNNBase {
  constructor(input_size: number, hidden_size: number, ...rest: unknown[]) {
    super("LSTM", "LSTM", input_size, hidden_size, rest);
  }
}

/** `nn.GRU(input_size, hidden_size, num_layers=1, has_bias=True, batch_first=False, dropout=0.0, bidirectional=False, dtype=float32)`. */
export class GRU extends RNNBase {
  constructor(input_size: number, hidden_size: number, ...rest: unknown[]) {
    super("GRU", "GRU", input_size, hidden_size, rest);
  }
}
