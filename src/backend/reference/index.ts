/**
 * The reference backend: every kernel, in plain TypeScript over TypedArrays.
 * It is the oracle the faster backends are tested against and the fallback
 * for any kernel they lack, so its table is typed complete.
 */
import type { Backend, KernelTable, OutSpec } from "../backend.js";
import type { TypedArray } from "../../core/dtype.js";
import { HostBackend, HostStorage } from "./storage.js";
import { binaryKernel, castKernel, selectKernel, unaryKernel, type MakeStorage } from "./elementwise.js";
import { argKernel, cumsumKernel, maxKernel, minKernel, poolArgmaxKernel, prodKernel, sumKernel } from "./reduce.js";
import {
  concatKernel,
  padKernel,
  scatterAddAlongAxisKernel,
  scatterAlongAxisKernel,
  takeAlongAxisKernel,
} from "./movement.js";
import { matmulKernel } from "./matmul.js";
import { convKernel } from "./conv.js";
import { eighKernel } from "./eigh.js";

const viewOnly = (name: string) => () => {
  // Layout primitives are resolved as views by the dispatcher before a kernel is asked for.
  throw new Error(`internal: '${name}' is a view primitive and has no kernel`);
};

class ReferenceBackend extends HostBackend {
  readonly name = "reference";
  readonly kernels: KernelTable;

  constructor() {
    super();
    const make: MakeStorage = (out: OutSpec, data: TypedArray) => new HostStorage(this, out.dtype, data);
    const u = <P extends Parameters<typeof unaryKernel>[0]>(p: P) => unaryKernel(p, make);
    const b = <P extends Parameters<typeof binaryKernel>[0]>(p: P) => binaryKernel(p, make);
    this.kernels = {
      neg: u("neg"), exp: u("exp"), log: u("log"), sin: u("sin"), cos: u("cos"), tan: u("tan"),
      tanh: u("tanh"), sqrt: u("sqrt"), abs: u("abs"), sign: u("sign"), floor: u("floor"),
      ceil: u("ceil"), round: u("round"), erf: u("erf"), log1p: u("log1p"), expm1: u("expm1"),
      sigmoid: u("sigmoid"), reciprocal: u("reciprocal"), atan: u("atan"), asin: u("asin"),
      acos: u("acos"), sinh: u("sinh"), cosh: u("cosh"), logical_not: u("logical_not"),
      isnan: u("isnan"), isinf: u("isinf"),
      add: b("add"), sub: b("sub"), mul: b("mul"), div: b("div"), pow: b("pow"),
      maximum: b("maximum"), minimum: b("minimum"), atan2: b("atan2"), floor_div: b("floor_div"),
      mod: b("mod"), equal: b("equal"), not_equal: b("not_equal"), less: b("less"),
      less_equal: b("less_equal"), greater: b("greater"), greater_equal: b("greater_equal"),
      logical_and: b("logical_and"), logical_or: b("logical_or"), logical_xor: b("logical_xor"),
      select: selectKernel(make),
      cast: castKernel(make),
      stop_gradient: viewOnly("stop_gradient"),
      sum: sumKernel(make),
      prod: prodKernel(make),
      max: maxKernel(make),
      min: minKernel(make),
      argmax: argKernel<"argmax">((v, best) => v > best, make),
      argmin: argKernel<"argmin">((v, best) => v < best, make),
      cumsum: cumsumKernel(make),
      pool_argmax: poolArgmaxKernel(make),
      reshape: viewOnly("reshape"),
      transpose: viewOnly("transpose"),
      broadcast_to: viewOnly("broadcast_to"),
      slice: viewOnly("slice"),
      pad: padKernel(make),
      concat: concatKernel(make),
      take_along_axis: takeAlongAxisKernel(make),
      scatter_add_along_axis: scatterAddAlongAxisKernel(make),
      scatter_along_axis: scatterAlongAxisKernel(make),
      matmul: matmulKernel(make),
      conv: convKernel(make),
      eigh: eighKernel(make),
    };
  }
}

export const referenceBackend: Backend = new ReferenceBackend();
