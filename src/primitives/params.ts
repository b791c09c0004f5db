/**
 * The closed set of primitives and the parameters each takes. Everything else
 * in `ops` is a composition of these. Adding a name here makes the compiler
 * demand its rule (src/primitives/rules.ts) and its reference kernel
 * (src/backend/reference/).
 */
import type { DType } from "../core/dtype.js";

type None = Record<string, never>;
export interface ReduceParams {
  /** normalised, sorted axes */
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}
export interface ArgReduceParams {
  readonly axis: number;
  readonly keepdims: boolean;
}

/**
 * General 2-D convolution (XLA's conv_general_dilated restricted to NCHW/OIHW):
 * the input is dilated by `lhs_dilation`, padded by `padding` (negative
 * values crop), and correlated with the kernel dilated by `rhs_dilation`,
 * at `stride`. Its own transposes are convolutions of the same kind, which is
 * what makes gradients of any order and transposed convolutions one primitive.
 */
export interface ConvParams {
  /** window strides [sh, sw] */
  readonly stride: readonly number[];
  /** [top, bottom, left, right] */
  readonly padding: readonly number[];
  /** input dilation [dh, dw]: a transposed convolution's stride */
  readonly lhs_dilation: readonly number[];
  /** kernel dilation [dh, dw] */
  readonly rhs_dilation: readonly number[];
  /** input channels and output channels both split into this many groups */
  readonly groups: number;
}

export interface UnaryPrims {
  neg: None;
  exp: None;
  log: None;
  sin: None;
  cos: None;
  tan: None;
  tanh: None;
  sqrt: None;
  abs: None;
  sign: None;
  floor: None;
  ceil: None;
  round: None;
  erf: None;
  log1p: None;
  expm1: None;
  sigmoid: None;
  reciprocal: None;
  atan: None;
  asin: None;
  acos: None;
  sinh: None;
  cosh: None;
  logical_not: None;
  isnan: None;
  isinf: None;
}

export interface BinaryPrims {
  add: None;
  sub: None;
  mul: None;
  div: None;
  pow: None;
  maximum: None;
  minimum: None;
  atan2: None;
  floor_div: None;
  mod: None;
  equal: None;
  not_equal: None;
  less: None;
  less_equal: None;
  greater: None;
  greater_equal: None;
  logical_and: None;
  logical_or: None;
  logical_xor: None;
}

export interface PrimParams extends UnaryPrims, BinaryPrims {
  /** where(cond, x, y) */
  select: None;
  cast: { readonly dtype: DType };
  /** identity forward, no gradient at any level */
  stop_gradient: None;
  sum: ReduceParams;
  prod: ReduceParams;
  max: ReduceParams;
  min: ReduceParams;
  argmax: ArgReduceParams;
  argmin: ArgReduceParams;
  cumsum: { readonly axis: number; readonly reverse: boolean };
  /**
   * Max pooling's selection: x [B, H, W] (already padded) -> int64 [B, OH * OW],
   * the flat index (into H * W) of each window's maximum; the first one on
   * ties, a NaN when the window has one. No gradient: max_pool2d gathers the
   * maxima with take_along_axis, whose rule carries it.
   */
  pool_argmax: {
    readonly kernel: readonly number[];
    readonly stride: readonly number[];
    readonly dilation: readonly number[];
    readonly out: readonly number[];
  };
  // --- layout: views where the strides allow, no data moved ---
  reshape: { readonly shape: readonly number[] };
  transpose: { readonly perm: readonly number[] };
  broadcast_to: { readonly shape: readonly number[] };
  /** basic slicing along every axis; steps may be negative */
  slice: { readonly starts: readonly number[]; readonly steps: readonly number[]; readonly shape: readonly number[] };
  // --- data movement ---
  pad: { readonly before: readonly number[]; readonly after: readonly number[]; readonly value: number };
  concat: { readonly axis: number };
  /** out[..i..] = x[..index[..i..]..] along `axis` (index has x's rank) */
  take_along_axis: { readonly axis: number };
  /** transpose of take_along_axis: zeros of `shape`, then out[..index..] += src */
  scatter_add_along_axis: { readonly axis: number; readonly shape: readonly number[] };
  /** out = x with out[..index..] = src along axis (later writes win) */
  scatter_along_axis: { readonly axis: number };
  // --- compute-heavy ---
  matmul: None;
  /** 2-D convolution, NCHW input and OIHW kernel (see ConvParams) */
  conv: ConvParams;
  /**
   * Symmetric eigendecomposition of (A + Aᵀ)/2, batched over leading axes:
   * [..., n, n] -> [..., n+1, n] packed, row 0 the eigenvalues (ascending),
   * rows 1..n the eigenvectors as columns, so column j is the pair (w_j; v_j).
   */
  eigh: None;
}

export type PrimName = keyof PrimParams;
export type UnaryPrim = keyof UnaryPrims;
export type BinaryPrim = keyof BinaryPrims;
