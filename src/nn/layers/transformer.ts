/**
 * nn.MultiheadAttention and nn.TransformerEncoderLayer (MindSpore 2.3).
 *
 * MultiheadAttention(embed_dim, num_heads, dropout=0.0, has_bias=True,
 * add_bias_kv=False, add_zero_attn=False, kdim=None, vdim=None,
 * batch_first=False, dtype=float32). Parameters: in_proj_weight (3E, E)
 * (XavierUniform) or q/k/v_proj_weight when kdim/vdim differ, in_proj_bias
 * (zeros), out_proj (a Dense), bias_k / bias_v (XavierNormal). construct
 * returns [attn_output, attn_weights], or [attn_output] with
 * need_weights=False (MindSpore returns a 1-tuple there).
 * Boolean masks: True = may not attend (-inf added); float masks are added.
 */
import { Tensor } from "../../core/tensor.js";
import { DType, float32 } from "../../core/dtype.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as ops from "../../ops/index.js";
import * as L from "../../primitives/lax.js";
import { optionalArgs } from "../../ops/args.js";
import { Cell } from "../cell.js";
import { Parameter } from "../parameter.js";
import { Dense } from "../dense.js";
import { HeUniform, Uniform, XavierNormal, XavierUniform } from "../initializer.js";
import { GELU, ReLU } from "../activation.js";
import { checkBool, checkDtype, checkFloat, checkPositiveInt, makeParam } from "./common.js";
import { Dropout } from "./basic.js";
import { LayerNorm } from "./normalization.js";

/** Rows [from, from + n) of a 2-D weight or entries of a 1-D bias. */
const rows = (w: Tensor, from: number, n: number) =>
  w.ndim === 2 ? L.slice(w, [from, 0], [1, 1], [n, w.shape[1]]) : L.slice(w, [from], [1], [n]);

/** A boolean mask as an additive float mask (-inf where True); a float mask cast to `dtype`. */
function additiveMask(m: Tensor, dtype: DType, op: string, name: string): Tensor {
  if (m.dtype.kind === "bool") return ops.masked_fill(ops.zeros(m.shape, dtype), m, -Infinity);
  if (m.dtype.kind !== "float") throw new TypeError(`For '${op}', only bool and floating types of ${name} are supported, but got ${m.dtype.name}.`);
  return ops.cast(m, dtype);
}

export class MultiheadAttention extends Cell {
  readonly embed_dim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly num_heads: number;
  readonly dropout: number;
  readonly batch_first: boolean;
  readonly head_dim: number;
  readonly add_zero_attn: boolean;
  readonly _qkv_same_embed_dim: boolean;
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: Dense;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;

  constructor(embed_dim: number, num_heads: number, ...rest: unknown[]) {
    super();
    const op = "MultiheadAttention";
    const o = optionalArgs(op, rest, {
      dropout: 0.0 as number,
      has_bias: true as boolean,
      add_bias_kv: false as boolean,
      add_zero_attn: false as boolean,
      kdim: null as number | null,
      vdim: null as number | null,
      batch_first: false as boolean,
      dtype: float32 as DType,
    });
    this.embed_dim = checkPositiveInt(embed_dim, op, "embed_dim");
    this.num_heads = checkPositiveInt(num_heads, op, "num_heads");
    this.kdim = o.kdim === null ? embed_dim : checkPositiveInt(o.kdim, op, "kdim");
    this.vdim = o.vdim === null ? embed_dim : checkPositiveInt(o.vdim, op, "vdim");
    this._qkv_same_embed_dim = this.kdim === embed_dim && this.vdim === embed_dim;
    this.dropout = checkFloat(o.dropout, op, "dropout");
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new ValueError(`For '${op}', the 'dropout' must be in range [0, 1), but got ${this.dropout}.`);
    this.batch_first = checkBool(o.batch_first, op, "batch_first");
    const hasBias = checkBool(o.has_bias, op, "has_bias");
    const addBiasKV = checkBool(o.add_bias_kv, op, "add_bias_kv");
    this.add_zero_attn = checkBool(o.add_zero_attn, op, "add_zero_attn");
    const dtype = checkDtype(o.dtype, op);
    this.head_dim = Math.floor(embed_dim / num_heads);
    if (this.head_dim * num_heads !== embed_dim) throw new ValueError("The init argument 'embed_dim' must be divisible by 'num_heads'.");
    const E = embed_dim;
    if (!this._qkv_same_embed_dim) {
      this.q_proj_weight = makeParam(new XavierUniform(), [E, E], dtype, "q_proj_weight", op, "q_proj_weight");
      this.k_proj_weight = makeParam(new XavierUniform(), [E, this.kdim], dtype, "k_proj_weight", op, "k_proj_weight");
      this.v_proj_weight = makeParam(new XavierUniform(), [E, this.vdim], dtype, "v_proj_weight", op, "v_proj_weight");
      this.in_proj_weight = null;
    } else {
      this.in_proj_weight = makeParam(new XavierUniform(), [3 * E, E], dtype, "in_proj_weight", op, "in_proj_weight");
      this.q_proj_weight = null;
      this.k_proj_weight = null;
      this.v_proj_weight = null;
    }
    this.in_proj_bias = hasBias ? makeParam("zeros", [3 * E], dtype, "in_proj_bias", op, "in_proj_bias") : null;
    this.out_proj = new Dense(E, E, new HeUniform(Math.sqrt(5)), new Uniform(1 / Math.sqrt(E)), hasBias, null, dtype);
    if (addBiasKV) {
      this.bias_k = makeParam(new XavierNormal(), [1, 1, E], dtype, "bias_k", op, "bias_k");
      this.bias_v = makeParam(new XavierNormal(), [1, 1, E], dtype, "bias_v", op, "bias_v");
    } else {
      this.bias_k = null;
      this.bias_v = null;
    }
  }

  override construct(query: Tensor, key: Tensor, value: Tensor, ...rest: unknown[]): Tensor[] {
    const op = "MultiheadAttention";
    const o = optionalArgs(op, rest, {
      key_padding_mask: null as Tensor | null,
      need_weights: true as boolean,
      attn_mask: null as Tensor | null,
      average_attn_weights: true as boolean,
    });
    for (const [n, t] of [["query", query], ["key", key], ["value", value]] as const) {
      if (!(t instanceof Tensor)) throw new TypeError(`For '${op}', the '${n}' must be a Tensor, but got ${typeName(t)}.`);
      if (t.dtype.kind !== "float") throw new TypeError(`For '${op}', the '${n}' must be a float Tensor, but got ${t.dtype.name}.`);
    }
    const batched = query.ndim === 3;
    if (!batched && query.ndim !== 2) throw new ValueError(`For '${op}', the 'query' must be 2-D (unbatched) or 3-D, but got shape (${query.shape.join(", ")}).`);
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) throw new ValueError(`For '${op}', the 'query', 'key' and 'value' must have the same rank, but got ${query.ndim}, ${key.ndim} and ${value.ndim}.`);
    let q = query;
    let k = key;
    let v = value;
    let kpm = o.key_padding_mask;
    if (!batched) {
      [q, k, v] = [q, k, v].map((t) => ops.expand_dims(t, 1));
      if (kpm) kpm = ops.expand_dims(kpm, 0);
    } else if (this.batch_first) {
      [q, k, v] = [q, k, v].map((t) => ops.transpose(t, [1, 0, 2]));
    }
    const [out, weights] = this.attend(q, k, v, kpm, o.attn_mask, o.average_attn_weights);
    let output = out;
    if (!batched) output = ops.squeeze(output, 1);
    else if (this.batch_first) output = ops.transpose(output, [1, 0, 2]);
    if (!o.need_weights) return [output];
    return [output, batched ? weights : ops.squeeze(weights, 0)];
  }

  /** Sequence-first attention: q (L, N, E), k (S, N, kdim), v (S, N, vdim). Returns (L, N, E) and the weights (N, L, S) or (N, H, L, S). */
  private attend(q: Tensor, k: Tensor, v: Tensor, kpmArg: Tensor | null, maskArg: Tensor | null, average: boolean): [Tensor, Tensor] {
    const op = "MultiheadAttention";
    const [Lq, N, Eq] = q.shape;
    const E = this.embed_dim;
    const H = this.num_heads;
    const hd = this.head_dim;
    const dt = q.dtype;
    if (Eq !== E) throw new ValueError(`For '${op}', the query embedding dimension must be ${E}, but got ${Eq}.`);
    if (k.shape[0] !== v.shape[0] || k.shape[1] !== N || v.shape[1] !== N) {
      throw new ValueError(`For '${op}', the key (${k.shape.join(", ")}) and value (${v.shape.join(", ")}) must have the same sequence length and batch size ${N}.`);
    }
    if (k.shape[2] !== this.kdim || v.shape[2] !== this.vdim) {
      throw new ValueError(`For '${op}', the key and value feature sizes must be kdim=${this.kdim} and vdim=${this.vdim}, but got ${k.shape[2]} and ${v.shape[2]}.`);
    }
    const cast = (t: Tensor | null) => (t ? ops.cast(t, dt) : null);
    const wq = cast(this.in_proj_weight ? rows(this.in_proj_weight, 0, E) : this.q_proj_weight)!;
    const wk = cast(this.in_proj_weight ? rows(this.in_proj_weight, E, E) : this.k_proj_weight)!;
    const wv = cast(this.in_proj_weight ? rows(this.in_proj_weight, 2 * E, E) : this.v_proj_weight)!;
    const bias = cast(this.in_proj_bias);
    const proj = (x: Tensor, w: Tensor, b: Tensor | null) => {
      const y = ops.matmul(x, ops.t(w));
      return b ? ops.add(y, b) : y;
    };
    const qp = proj(q, wq, bias ? rows(bias, 0, E) : null);
    let kp = proj(k, wk, bias ? rows(bias, E, E) : null);
    let vp = proj(v, wv, bias ? rows(bias, 2 * E, E) : null);

    let mask = maskArg ? additiveMask(maskArg, dt, op, "attn_mask") : null;
    let kpm = kpmArg ? additiveMask(kpmArg, dt, op, "key_padding_mask") : null;
    if (mask) {
      const S0 = kp.shape[0];
      if (mask.ndim === 2) {
        if (mask.shape[0] !== Lq || mask.shape[1] !== S0) throw new ValueError(`For '${op}', the shape of the 2D attn_mask is (${mask.shape.join(", ")}), but should be (${Lq}, ${S0}).`);
        mask = ops.expand_dims(mask, 0);
      } else if (mask.ndim === 3) {
        if (mask.shape[0] !== N * H || mask.shape[1] !== Lq || mask.shape[2] !== S0) {
          throw new ValueError(`For '${op}', the shape of the 3D attn_mask is (${mask.shape.join(", ")}), but should be (${N * H}, ${Lq}, ${S0}).`);
        }
      } else {
        throw new ValueError(`For '${op}', the attn_mask's dimension ${mask.ndim} is not supported (2 or 3).`);
      }
    }
    if (kpm && (kpm.ndim !== 2 || kpm.shape[0] !== N || kpm.shape[1] !== kp.shape[0])) {
      throw new ValueError(`For '${op}', the key_padding_mask must have shape (${N}, ${kp.shape[0]}), but got (${kpm.shape.join(", ")}).`);
    }
    const padLast = (t: Tensor | null) => (t ? L.pad(t, t.shape.map(() => 0), t.shape.map((_, i) => (i === t.ndim - 1 ? 1 : 0))) : null);
    if (this.bias_k && this.bias_v) {
      kp = ops.concat([kp, ops.broadcast_to(ops.cast(this.bias_k, dt), [1, N, E])], 0);
      vp = ops.concat([vp, ops.broadcast_to(ops.cast(this.bias_v, dt), [1, N, E])], 0);
      mask = padLast(mask);
      kpm = padLast(kpm);
    }
    // (S, N, E) -> (N * H, S, hd)
    const heads = (t: Tensor) => ops.transpose(ops.reshape(t, [t.shape[0], N * H, hd]), [1, 0, 2]);
    let qh = heads(qp);
    let kh = heads(kp);
    let vh = heads(vp);
    if (this.add_zero_attn) {
      kh = ops.concat([kh, ops.zeros([N * H, 1, hd], dt)], 1);
      vh = ops.concat([vh, ops.zeros([N * H, 1, hd], dt)], 1);
      mask = padLast(mask);
      kpm = padLast(kpm);
    }
    const S = kh.shape[1];
    qh = ops.mul(qh, 1 / Math.sqrt(hd));
    let scores = ops.matmul(qh, ops.transpose(kh, [0, 2, 1]));
    if (mask) scores = ops.add(scores, mask);
    if (kpm) {
      const expanded = ops.reshape(ops.broadcast_to(ops.reshape(kpm, [N, 1, 1, S]), [N, H, 1, S]), [N * H, 1, S]);
      scores = ops.add(scores, expanded);
    }
    let attn = ops.softmax(scores, -1);
    if (this.training && this.dropout > 0) attn = ops.dropout(attn, this.dropout, true);
    const ctx = ops.matmul(attn, vh); // (N*H, L, hd)
    const merged = ops.reshape(ops.transpose(ctx, [1, 0, 2]), [Lq * N, E]);
    const out = ops.reshape(this.out_proj(merged), [Lq, N, E]);
    const perHead = ops.reshape(attn, [N, H, Lq, S]);
    return [out, average ? ops.mean(perHead, 1) : perHead];
  }
}

/** The activation of the feed-forward block: 'relu' | 'gelu', an nn.ReLU / nn.GELU, or ops.relu / ops.gelu. */
function feedForwardActivation(act: unknown): (x: Tensor) => Tensor {
  if (typeof act === "string") {
    if (act === "relu") return ops.relu;
    if (act === "gelu") return (x: Tensor) => ops.gelu(x);
    throw new ValueError(`activation should be relu/gelu, not ${act}`);
  }
  if (act instanceof Cell) {
    if (!(act instanceof ReLU) && !(act instanceof GELU)) throw new ValueError(`The argument 'activation' must be nn.ReLU or nn.GELU instance, but get ${String(act)}.`);
    return act as unknown as (x: Tensor) => Tensor;
  }
  if (typeof act === "function") {
    if (act !== ops.relu && act !== ops.gelu) throw new ValueError("The argument 'activation' must be ops.relu or ops.gelu instance.");
    return act as (x: Tensor) => Tensor;
  }
  throw new ValueError(`The argument 'activation' must be str, callable or Cell instance, but get ${typeName(act)}.`);
}

/**
 * `nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation='relu',
 * layer_norm_eps=1e-5, batch_first=False, norm_first=False, dtype=float32)`.
 * Sub-cells as MindSpore names them: self_attn, dense1, dropout, dense2,
 * norm1, norm2, dropout1, dropout2. construct(src, src_mask=None, src_key_padding_mask=None).
 */
export class TransformerEncoderLayer extends Cell {
  readonly d_model: number;
  readonly nhead: number;
  readonly dim_feedforward: number;
  readonly norm_first: boolean;
  readonly batch_first: boolean;
  declare self_attn: MultiheadAttention;
  declare dense1: Dense;
  declare dropout: Dropout;
  declare dense2: Dense;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare activation: (x: Tensor) => Tensor;

  constructor(d_model: number, nhead: number, ...rest: unknown[]) {
    super();
    const op = "TransformerEncoderLayer";
    const o = optionalArgs(op, rest, {
      dim_feedforward: 2048 as number,
      dropout: 0.1 as number,
      activation: "relu" as unknown,
      layer_norm_eps: 1e-5 as number,
      batch_first: false as boolean,
      norm_first: false as boolean,
      dtype: float32 as DType,
    });
    this.d_model = checkPositiveInt(d_model, op, "d_model");
    this.nhead = checkPositiveInt(nhead, op, "nhead");
    this.dim_feedforward = checkPositiveInt(o.dim_feedforward, op, "dim_feedforward");
    this.batch_first = checkBool(o.batch_first, op, "batch_first");
    this.norm_first = checkBool(o.norm_first, op, "norm_first");
    const p = checkFloat(o.dropout, op, "dropout");
    const eps = checkFloat(o.layer_norm_eps, op, "layer_norm_eps");
    const dtype = checkDtype(o.dtype, op);
    const ff = this.dim_feedforward;
    this.self_attn = new MultiheadAttention(d_model, nhead, { dropout: p, batch_first: this.batch_first, dtype });
    this.dense1 = new Dense(d_model, ff, new HeUniform(Math.sqrt(5)), new Uniform(1 / Math.sqrt(d_model)), true, null, dtype);
    this.dropout = new Dropout({ p });
    this.dense2 = new Dense(ff, d_model, new HeUniform(Math.sqrt(5)), new Uniform(1 / Math.sqrt(ff)), true, null, dtype);
    this.norm1 = new LayerNorm([d_model], { epsilon: eps, dtype });
    this.norm2 = new LayerNorm([d_model], { epsilon: eps, dtype });
    this.dropout1 = new Dropout({ p });
    this.dropout2 = new Dropout({ p });
    const act = feedForwardActivation(o.activation);
    // a function is kept off the cell registry; an activation Cell is registered as MindSpore does
    if (act instanceof Cell) this.activation = act as unknown as (x: Tensor) => Tensor;
    else Object.defineProperty(this, "activation", { value: act, writable: true, enumerable: false, configurable: true });
  }

  override construct(src: Tensor, src_mask: Tensor | null = null, src_key_padding_mask: Tensor | null = null): Tensor {
    if (src_key_padding_mask !== null && src_key_padding_mask !== undefined) {
      const kind = src_key_padding_mask.dtype.kind;
      if (kind !== "bool" && kind !== "float") throw new TypeError("only bool and floating types of key_padding_mask are supported");
    }
    let x = src;
    if (this.norm_first) {
      x = ops.add(x, this.saBlock(this.norm1(x), src_mask, src_key_padding_mask));
      x = ops.add(x, this.ffBlock(this.norm2(x)));
    } else {
      x = this.norm1(ops.add(x, this.saBlock(x, src_mask, src_key_padding_mask)));
      x = this.norm2(ops.add(x, this.ffBlock(x)));
    }
    return x;
  }

  private saBlock(x: Tensor, mask: Tensor | null, kpm: Tensor | null): Tensor {
    const out = this.self_attn(x, x, x, { attn_mask: mask, key_padding_mask: kpm, need_weights: false })[0] as Tensor;
    return this.dropout1(out);
  }

  private ffBlock(x: Tensor): Tensor {
    return this.dropout2(this.dense2(this.dropout(this.activation(this.dense1(x)))));
  }
}
