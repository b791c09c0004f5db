#!/usr/bin/env python3
"""Reference fixtures for mindspore-ts ops, computed with PyTorch.

Run with Debian's PyTorch (the pyenv python has no torch):

    /usr/bin/python3 tools/gen_fixtures.py

Writes test/fixtures/ops/<group>.json (groups: elementwise, reduction, linalg,
shape, compare, nn).  Every case is written with MindSpore's call (op name,
argument order, keyword names, defaults, dtype rules - see
tools/ops_manifest.json) and this script maps it onto the equivalent PyTorch
computation; every mapping that is not a 1:1 rename is commented below.

How values are computed
-----------------------
* Inputs are drawn from fixed grids of dyadic numbers (multiples of 1/64 or
  1/256), seeded from the case id (crc32), so they are exactly representable
  in float32 and short in JSON; the output does not depend on case order.
* Every float computation runs in float64 from those exact inputs; results are
  then rounded to the MindSpore output dtype (float32 values are written as the
  exact double value of the float32 number).  A float32 case therefore holds
  the correctly rounded float32 result, not PyTorch's float32 round-off.
* Integer inputs run in int64 and are cast to the MindSpore output dtype.
* grad:  d sum_i(out_i * cot_i) / d args[wrt[k]]   (cot: random, output dtype;
         integer/bool outputs of a tuple get a zero cotangent of their dtype).
* grad2: L2 = sum_k sum(grad_k * u_k);  values[k] = d L2 / d args[wrt[k]]
         (the cotangent is held constant).
"""
import json
import math
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANIFEST_PATH = os.path.join(ROOT, "tools", "ops_manifest.json")
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "ops")
GROUPS = ["elementwise", "reduction", "linalg", "shape", "compare", "nn"]

with open(MANIFEST_PATH) as _f:
    MANIFEST = json.load(_f)
SPEC = {o["name"]: o for o in MANIFEST["ops"]}

FLOATS = ("float16", "float32", "float64")
INTS = ("int8", "int16", "int32", "int64", "uint8")
NP_DT = {"float16": np.float16, "float32": np.float32, "float64": np.float64, "int8": np.int8, "int16": np.int16,
         "int32": np.int32, "int64": np.int64, "uint8": np.uint8, "bool": np.bool_}

# Default comparison tolerances: |actual - expected| <= atol + rtol * |expected|.
# Written into every file; a case may override them with "rtol"/"atol".
TOLERANCE = {"float16": {"rtol": 1e-3, "atol": 1e-3},
             "float32": {"rtol": 1e-5, "atol": 1e-5},
             "float64": {"rtol": 1e-10, "atol": 1e-12}}

torch.set_grad_enabled(True)


# --------------------------------------------------------------------------
# argument wrappers
# --------------------------------------------------------------------------
class T:
    """A tensor argument: values (numpy) + MindSpore dtype name."""

    def __init__(self, arr, dtype):
        arr = np.asarray(arr)
        if dtype in FLOATS:
            arr = arr.astype(np.float64)
            if dtype != "float64":  # values must be representable in the dtype
                arr = arr.astype(NP_DT[dtype]).astype(np.float64)
        elif dtype == "bool":
            arr = arr.astype(np.bool_)
        else:
            arr = arr.astype(np.int64)
        self.arr = arr
        self.dtype = dtype

    @property
    def is_float(self):
        return self.dtype in FLOATS


class V:
    """A plain (non-tensor) argument: number, bool, str, None, list/tuple."""

    def __init__(self, v):
        self.v = v


class L:
    """A list/tuple of tensors (ops.concat / ops.stack first argument)."""

    def __init__(self, items):
        self.items = list(items)

    @property
    def is_float(self):
        return all(t.is_float for t in self.items)


# --------------------------------------------------------------------------
# encoding
# --------------------------------------------------------------------------
def enc_float(v, dtype="float64"):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if dtype != "float64":
        v = float(NP_DT[dtype](v))
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def enc_tensor(arr, dtype):
    arr = np.asarray(arr)
    flat = arr.reshape(-1)
    if dtype in FLOATS:
        data = [enc_float(x, dtype) for x in flat.tolist()]
    elif dtype == "bool":
        data = [bool(x) for x in flat.tolist()]
    else:
        data = [int(x) for x in flat.tolist()]
    return {"dtype": dtype, "shape": list(arr.shape), "data": data}


def enc_value(v):
    if isinstance(v, float):
        return enc_float(v)
    if isinstance(v, (list, tuple)):
        return [enc_value(x) for x in v]
    if isinstance(v, dict):
        return {k: enc_value(x) for k, x in v.items()}
    return v  # int, bool, str, None


def enc_arg(a):
    if isinstance(a, T):
        return {"tensor": enc_tensor(a.arr, a.dtype)}
    if isinstance(a, L):
        return {"tensor_list": [enc_tensor(t.arr, t.dtype) for t in a.items]}
    return {"value": enc_value(a.v)}


def cast_np(arr, dtype):
    """Round a float64/int64/bool array to what a MindSpore tensor of `dtype` holds."""
    arr = np.asarray(arr)
    if dtype in FLOATS:
        with np.errstate(over="ignore", invalid="ignore"):
            return arr.astype(np.float64).astype(NP_DT[dtype]).astype(np.float64)
    if dtype == "bool":
        return arr.astype(np.bool_)
    return arr.astype(np.int64)


# --------------------------------------------------------------------------
# random data on exact grids
# --------------------------------------------------------------------------
class Rand:
    def __init__(self, cid):
        self.rng = np.random.default_rng(zlib.crc32(cid.encode()))

    def grid(self, shape, lo=-2.0, hi=2.0, step=1 / 64, avoid=None, distinct=True):
        shape = tuple(shape)
        n = int(np.prod(shape)) if shape else 1
        cand = np.arange(math.ceil(lo / step), math.floor(hi / step) + 1) * step
        cand = cand[(cand >= lo) & (cand <= hi)]
        if avoid is not None:
            cand = cand[~avoid(cand)]
        assert len(cand) > 0, "empty candidate grid"
        if distinct and n <= len(cand):
            vals = self.rng.choice(cand, size=n, replace=False)
        else:
            vals = self.rng.choice(cand, size=n, replace=True)
        return vals.reshape(shape)

    def f(self, shape, dtype="float32", lo=-2.0, hi=2.0, avoid=None, distinct=True, step=None):
        if step is None:
            step = 1 / 64 if dtype != "float64" else 1 / 256
        return T(self.grid(shape, lo, hi, step, avoid, distinct), dtype)

    def i(self, shape, dtype="int32", lo=-5, hi=5):
        return T(self.rng.integers(lo, hi + 1, size=tuple(shape)), dtype)

    def b(self, shape, p=0.5):
        return T(self.rng.random(tuple(shape)) < p, "bool")

    def cot(self, shape, dtype):
        return cast_np(self.grid(shape, -1.0, 1.0, 1 / 64, distinct=False), dtype)


# --------------------------------------------------------------------------
# case runner
# --------------------------------------------------------------------------
CASES = {g: [] for g in GROUPS}
IDS = set()


def _promote_float(dts):
    if "float64" in dts:
        return "float64"
    if "float32" in dts:
        return "float32"
    return "float16" if dts else "float32"


def _promote_int(dts):
    order = ["uint8", "int8", "int16", "int32", "int64"]
    return max(dts, key=order.index) if dts else "int64"


def _to_torch(a, need_grad):
    if isinstance(a, T):
        if a.is_float:
            t = torch.from_numpy(a.arr.copy()).to(torch.float64)
            if need_grad:
                t.requires_grad_(True)
            return t
        if a.dtype == "bool":
            return torch.from_numpy(a.arr.copy())
        return torch.from_numpy(a.arr.copy()).to(torch.int64)
    if isinstance(a, L):
        return [_to_torch(t, need_grad) for t in a.items]
    return a.v


def case(cid, op, args, fn, kwargs=None, out_dtype=None, wrt="auto", grad2="auto", rtol=None, atol=None):
    """Record one fixture case.

    cid       unique id "<op>/<dtype>/<detail>"
    op        mindspore-ts op name (ops.<op>)
    args      list of T / V / L (positional, MindSpore order)
    fn        torch mapping: fn(*torch_args, **kwargs) -> tensor or tuple of tensors
    out_dtype MindSpore output dtype (str, or list for tuple outputs); inferred if None
    wrt       "auto" = every float tensor argument when the op is differentiable
    grad2     "auto" = when the op is marked smooth in the manifest
    """
    assert op in SPEC, f"{op} missing from ops_manifest.json"
    assert cid not in IDS, f"duplicate id {cid}"
    IDS.add(cid)
    spec = SPEC[op]
    kwargs = dict(kwargs or {})
    rnd = Rand(cid + "#grad")

    if wrt == "auto":
        wrt = [i for i, a in enumerate(args) if isinstance(a, (T, L)) and a.is_float] if spec["differentiable"] else []
    if grad2 == "auto":
        grad2 = bool(spec["smooth"])

    targs = [_to_torch(a, i in wrt) for i, a in enumerate(args)]
    res = fn(*targs, **kwargs)
    is_tuple = isinstance(res, (tuple, list))
    outs = list(res) if is_tuple else [res]

    # --- output dtypes (MindSpore rules; see manifest notes) ---
    tensor_args = []
    for a in args:
        if isinstance(a, T):
            tensor_args.append(a)
        elif isinstance(a, L):
            tensor_args.extend(a.items)
    fdts = [a.dtype for a in tensor_args if a.is_float]
    idts = [a.dtype for a in tensor_args if a.dtype in INTS]
    if out_dtype is None:
        out_dts = []
        for o in outs:
            if o.dtype.is_floating_point:
                out_dts.append(_promote_float(fdts))
            elif o.dtype == torch.bool:
                out_dts.append("bool")
            else:
                out_dts.append(_promote_int(idts))
    else:
        out_dts = list(out_dtype) if isinstance(out_dtype, (list, tuple)) else [out_dtype]
    assert len(out_dts) == len(outs), cid

    out_np = [cast_np(o.detach().numpy(), d) for o, d in zip(outs, out_dts)]
    enc_outs = [enc_tensor(a, d) for a, d in zip(out_np, out_dts)]
    rec = {"id": cid, "op": op, "args": [enc_arg(a) for a in args]}
    if kwargs:
        rec["kwargs"] = enc_value(kwargs)
    rec["out"] = {"tuple": enc_outs} if is_tuple else enc_outs[0]

    float_outs = [k for k, d in enumerate(out_dts) if d in FLOATS]
    if wrt and float_outs:
        leaves, owners = [], []
        for i in wrt:
            t = targs[i]
            if isinstance(t, list):
                for j, x in enumerate(t):
                    leaves.append(x)
                    owners.append((i, j))
            else:
                leaves.append(t)
                owners.append((i, None))
        cots = []
        loss = None
        for k, (o, d) in enumerate(zip(outs, out_dts)):
            if d in FLOATS:
                c = rnd.cot(tuple(o.shape), d)
                cots.append(enc_tensor(c, d))
                if o.requires_grad:
                    term = (o * torch.from_numpy(c)).sum()
                    loss = term if loss is None else loss + term
            else:
                cots.append(enc_tensor(np.zeros(tuple(o.shape), dtype=np.int64 if d != "bool" else np.bool_), d))
        if loss is not None:
            grads = torch.autograd.grad(loss, leaves, create_graph=grad2, allow_unused=True)
        else:
            grads = [None] * len(leaves)
        grads = [g if g is not None else torch.zeros_like(x) for g, x in zip(grads, leaves)]
        leaf_dts = [args[i].dtype if j is None else args[i].items[j].dtype for i, j in owners]

        def pack(vals, dts):
            packed = []
            for i in wrt:
                idx = [n for n, (oi, _) in enumerate(owners) if oi == i]
                if isinstance(args[i], L):
                    packed.append({"tuple": [enc_tensor(cast_np(vals[n], dts[n]), dts[n]) for n in idx]})
                else:
                    n = idx[0]
                    packed.append(enc_tensor(cast_np(vals[n], dts[n]), dts[n]))
            return packed

        rec["grad"] = {"wrt": wrt, "cotangent": {"tuple": cots} if is_tuple else cots[0],
                       "values": pack([g.detach().numpy() for g in grads], leaf_dts)}
        if grad2:
            us = [rnd.cot(tuple(x.shape), d) for x, d in zip(leaves, leaf_dts)]
            l2 = None
            for g, u in zip(grads, us):
                if g.requires_grad:
                    term = (g * torch.from_numpy(u)).sum()
                    l2 = term if l2 is None else l2 + term
            if l2 is not None:
                g2 = torch.autograd.grad(l2, leaves, allow_unused=True)
            else:
                g2 = [None] * len(leaves)
            g2 = [x.detach().numpy() if x is not None else np.zeros(tuple(l.shape)) for x, l in zip(g2, leaves)]
            rec["grad2"] = {"u": pack(us, leaf_dts), "values": pack(g2, leaf_dts)}
    if rtol is not None:
        rec["rtol"] = rtol
    if atol is not None:
        rec["atol"] = atol
    CASES[spec["group"]].append(rec)
    return rec


# --------------------------------------------------------------------------
# helpers for the case tables
# --------------------------------------------------------------------------
def near_int(lo=0.1):
    """avoid values within `lo` of an integer (floor/ceil jumps)."""
    return lambda c: np.abs(c - np.round(c)) < lo


def near_half(lo=0.1):
    """avoid values within `lo` of k + 0.5 (round jumps)."""
    return lambda c: np.abs(c - np.floor(c) - 0.5) < lo


def near_zero(lo=0.1):
    return lambda c: np.abs(c) < lo


def sc(*xs):
    """Python numbers -> 0-d tensors (for torch functions that need tensors)."""
    out = []
    for x in xs:
        if isinstance(x, torch.Tensor):
            out.append(x)
        elif isinstance(x, bool):
            out.append(torch.tensor(x))
        elif isinstance(x, int):
            out.append(torch.tensor(x, dtype=torch.int64))
        else:
            out.append(torch.tensor(float(x), dtype=torch.float64))
    return out


def tup(x):
    return tuple(x) if isinstance(x, (list, tuple)) else x


SPECIAL = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1.0, -1.0, 0.5]


# ==========================================================================
# elementwise
# ==========================================================================
def gen_elementwise():
    # name: (torch fn, lo, hi, avoid)  -- domains keep gradients finite and away from kinks
    unary = {
        "neg": (torch.neg, -2, 2, None),
        "exp": (torch.exp, -3, 3, None),
        "log": (torch.log, 0.1, 4, None),
        "sqrt": (torch.sqrt, 0.1, 4, None),
        "rsqrt": (torch.rsqrt, 0.1, 4, None),
        "square": (torch.square, -2, 2, None),
        "abs": (torch.abs, -2, 2, near_zero()),
        "sin": (torch.sin, -3, 3, None),
        "cos": (torch.cos, -3, 3, None),
        "tan": (torch.tan, -1.2, 1.2, None),
        "tanh": (torch.tanh, -3, 3, None),
        "sigmoid": (torch.sigmoid, -4, 4, None),
        "relu": (torch.relu, -2, 2, near_zero()),
        "floor": (torch.floor, -3, 3, near_int()),
        "ceil": (torch.ceil, -3, 3, near_int()),
        "round": (torch.round, -3, 3, near_half()),
        "sign": (torch.sign, -2, 2, near_zero()),
        "reciprocal": (torch.reciprocal, -2, 2, near_zero(0.2)),
        "erf": (torch.erf, -2.5, 2.5, None),
        "log1p": (torch.log1p, -0.9, 3, None),
        "expm1": (torch.expm1, -2, 2, None),
        "softplus": (F.softplus, -4, 4, None),
        "gelu": (F.gelu, -3, 3, None),
        "silu": (F.silu, -4, 4, None),
    }
    for name, (fn, lo, hi, avoid) in unary.items():
        f1 = lambda x, fn=fn: fn(x)
        for dt, shape, tag in [("float32", (2, 3), "2x3"), ("float64", (3, 4), "3x4"), ("float32", (), "0d"),
                               ("float64", (1, 3, 1), "1x3x1"), ("float32", (0, 3), "empty0x3")]:
            r = Rand(f"{name}/{dt}/{tag}")
            case(f"{name}/{dt}/{tag}", name, [r.f(shape, dt, lo, hi, avoid)], f1)
        # special values (IEEE results): forward only.  sign/relu/round of NaN are left out on purpose:
        # MindSpore's kernels are not documented for them.
        if name not in ("softplus", "gelu", "silu", "tan", "sign", "relu", "round"):
            case(f"{name}/float32/special", name, [T(SPECIAL, "float32")], f1, wrt=[])
        if name in ("neg", "abs", "square", "sign"):
            r = Rand(f"{name}/int32")
            case(f"{name}/int32/2x3", name, [r.i((2, 3))], f1)  # int stays int
    # round: ties go to even (MindSpore example: [0.8,1.5,2.3,2.5,-4.5] -> [1,2,2,2,-4])
    case("round/float32/half_to_even", "round", [T([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.8, 2.3, -4.5, 3.5], "float32")],
         torch.round, wrt=[])
    # softplus(input, beta, threshold): same formula as torch (linear when beta*x > threshold)
    r = Rand("softplus/kw")
    case("softplus/float32/beta=2,threshold=3", "softplus", [r.f((2, 4), "float32", -3, 3, lambda c: np.abs(2 * c - 3) < 0.1)],
         lambda x, beta, threshold: F.softplus(x, beta=beta, threshold=threshold), kwargs={"beta": 2, "threshold": 3})
    case("softplus/float64/positional_beta=0.5,threshold=20", "softplus", [r.f((3,), "float64", -3, 3), V(0.5), V(20)],
         lambda x, b, t: F.softplus(x, beta=b, threshold=t))
    # gelu approximate='tanh'
    r = Rand("gelu/tanh")
    case("gelu/float32/approximate=tanh", "gelu", [r.f((2, 3), "float32", -3, 3)],
         lambda x, approximate: F.gelu(x, approximate=approximate), kwargs={"approximate": "tanh"})
    case("gelu/float64/approximate=none", "gelu", [r.f((4,), "float64", -3, 3)],
         lambda x, approximate: F.gelu(x, approximate=approximate), kwargs={"approximate": "none"})

    # ---- binary arithmetic ----
    binary = {
        "add": (torch.add, -2, 2, None, True),
        "sub": (torch.sub, -2, 2, None, True),
        "mul": (torch.mul, -2, 2, None, True),
        "div": (torch.div, -2, 2, near_zero(0.25), False),
        "maximum": (torch.maximum, -2, 2, None, True),
        "minimum": (torch.minimum, -2, 2, None, True),
        "atan2": (torch.atan2, -2, 2, near_zero(0.1), False),
        "logaddexp": (torch.logaddexp, -3, 3, None, False),
    }
    for name, (fn, lo, hi, avoid_b, ints) in binary.items():
        f2 = lambda a, b, fn=fn: fn(*sc(a, b))
        # distinct values across both operands so maximum/minimum never tie
        def pair(cid, sa, sb, dta, dtb):
            r = Rand(cid)
            n_a = int(np.prod(sa)) if sa else 1
            n_b = int(np.prod(sb)) if sb else 1
            step = 1 / 64 if "float64" not in (dta, dtb) else 1 / 256
            vals = r.grid((n_a + n_b,), lo, hi, step, avoid=avoid_b)
            return T(vals[:n_a].reshape(sa), dta), T(vals[n_a:].reshape(sb), dtb)
        for (sa, sb, dta, dtb, tag) in [((2, 3), (2, 3), "float32", "float32", "2x3"),
                                         ((2, 1, 3), (4, 1), "float64", "float64", "bcast_2x1x3_4x1"),
                                         ((), (3,), "float32", "float32", "bcast_0d_3"),
                                         ((1, 3), (2, 1), "float32", "float32", "bcast_1x3_2x1"),
                                         ((0, 3), (1, 3), "float32", "float32", "empty0x3_1x3"),
                                         ((2, 3), (3,), "float32", "float64", "mixed_f32_f64")]:
            cid = f"{name}/{dta if dta == dtb else 'mixed'}/{tag}"
            a, b = pair(cid, sa, sb, dta, dtb)
            case(cid, name, [a, b], f2)
        # Python scalar operand (weak type: tensor dtype wins)
        cid = f"{name}/float32/scalar_other"
        a, _ = pair(cid, (2, 3), (1,), "float32", "float32")
        case(cid, name, [a, V(1.5)], f2)
        cid = f"{name}/float64/scalar_input"
        _, b = pair(cid, (1,), (3,), "float64", "float64")
        case(cid, name, [V(-0.75), b], f2)
        if ints:
            r = Rand(f"{name}/int32")
            case(f"{name}/int32/2x3", name, [r.i((2, 3)), r.i((2, 3))], f2)
            case(f"{name}/int32/int_tensor_float_scalar", name, [r.i((3,)), V(2.5)], f2)  # -> float32
            case(f"{name}/mixed/int32_float32", name, [r.i((2, 3)), r.f((3,), "float32")], f2)  # -> float32
    # NaN propagation of maximum/minimum (MindSpore returns the NaN element)
    for name in ("maximum", "minimum"):
        case(f"{name}/float32/nan", name, [T([float("nan"), 1.0, 2.0, float("inf")], "float32"),
                                         T([0.0, float("nan"), 3.0, 5.0], "float32")],
             getattr(torch, name), wrt=[])
    # div rounding modes (zero gradient, like MindSpore's FloorDiv/TruncateDiv bprop)
    r = Rand("div/rounding")
    for mode in ("floor", "trunc"):
        a = r.f((2, 4), "float32", -4, 4)
        b = r.f((2, 4), "float32", -2, 2, avoid=near_zero(0.25))
        case(f"div/float32/rounding_mode={mode}", "div", [a, b],
             lambda x, y, rounding_mode: torch.div(x, y, rounding_mode=rounding_mode), kwargs={"rounding_mode": mode})
    case("div/float32/special", "div", [T([1.0, -1.0, 0.0, float("inf"), 2.0], "float32"), T([0.0, 0.0, 0.0, 2.0, float("inf")], "float32")],
         torch.div, wrt=[])

    # ---- pow(input, exponent) ----
    r = Rand("pow")
    case("pow/float32/tensor_scalar2", "pow", [r.f((2, 3), "float32"), V(2)], torch.pow)
    case("pow/float32/tensor_scalar3_negbase", "pow", [r.f((4,), "float32", -2, 2), V(3.0)], torch.pow)
    case("pow/float64/tensor_scalar_frac", "pow", [r.f((2, 3), "float64", 0.2, 3), V(0.5)], torch.pow)
    case("pow/float32/tensor_tensor", "pow", [r.f((2, 3), "float32", 0.2, 3), r.f((2, 3), "float32", -2, 2)], torch.pow)
    case("pow/float64/tensor_tensor_bcast", "pow", [r.f((3, 1), "float64", 0.2, 3), r.f((4,), "float64", -2, 2)], torch.pow)
    case("pow/float32/0d", "pow", [r.f((), "float32", 0.5, 2), r.f((), "float32", -1, 2)], torch.pow)
    case("pow/float32/empty", "pow", [r.f((0, 2), "float32", 0.5, 2), V(2.0)], torch.pow)
    case("pow/int32/int_int", "pow", [r.i((2, 3), lo=-3, hi=3), r.i((2, 3), lo=0, hi=3)], torch.pow)
    case("pow/int32/int_scalar", "pow", [r.i((4,), lo=-3, hi=3), V(2)], torch.pow)

    # ---- clamp(input, min=None, max=None) ----
    r = Rand("clamp")
    avoid_b = lambda c: (np.abs(c + 0.5) < 0.05) | (np.abs(c - 0.75) < 0.05)
    case("clamp/float32/min_max_scalars", "clamp", [r.f((3, 4), "float32", avoid=avoid_b), V(-0.5), V(0.75)],
         lambda x, lo, hi: torch.clamp(x, lo, hi))
    case("clamp/float64/min_only_kw", "clamp", [r.f((2, 3), "float64", avoid=avoid_b)],
         lambda x, min: torch.clamp(x, min=min), kwargs={"min": -0.5})
    case("clamp/float32/max_only_kw", "clamp", [r.f((2, 3), "float32", avoid=avoid_b)],
         lambda x, max: torch.clamp(x, max=max), kwargs={"max": 0.75})
    x = r.f((2, 3), "float32", -2, 2)
    lo_t = r.f((3,), "float32", -1.5, -0.25)
    hi_t = r.f((2, 1), "float32", 0.25, 1.5)
    # nudge x away from the tensor bounds
    xa = x.arr.copy()
    for idx in np.ndindex(xa.shape):
        for bnd in (lo_t.arr[idx[1]], hi_t.arr[idx[0], 0]):
            if abs(xa[idx] - bnd) < 0.05:
                xa[idx] = bnd + 0.125
    case("clamp/float32/tensor_bounds_bcast", "clamp", [T(xa, "float32"), lo_t, hi_t], lambda a, b, c: torch.clamp(a, b, c))
    case("clamp/int32/min_max", "clamp", [r.i((2, 4), lo=-6, hi=6), V(-2), V(3)], lambda x, lo, hi: torch.clamp(x, lo, hi))
    case("clamp/float32/0d", "clamp", [T(1.25, "float32"), V(-1.0), V(1.0)], lambda x, lo, hi: torch.clamp(x, lo, hi))
    case("clamp/float32/empty", "clamp", [r.f((0,), "float32"), V(-1.0), V(1.0)], lambda x, lo, hi: torch.clamp(x, lo, hi))

    # ---- where(condition, input, other) ----
    r = Rand("where")
    wf = lambda c, a, b: torch.where(c, a, b)
    case("where/float32/2x3", "where", [r.b((2, 3)), r.f((2, 3)), r.f((2, 3))], wf)
    case("where/float64/bcast", "where", [r.b((2, 1)), r.f((1, 3), "float64"), r.f((), "float64")], wf)
    case("where/float32/scalar_other", "where", [r.b((4,)), r.f((4,)), V(0.0)], lambda c, a, b: torch.where(c, a, torch.tensor(b, dtype=torch.float64)))
    case("where/mixed/f32_f64", "where", [r.b((3,)), r.f((3,)), r.f((3,), "float64")], wf)
    case("where/int32/2x2", "where", [r.b((2, 2)), r.i((2, 2)), r.i((2, 2))], wf)
    case("where/float32/empty", "where", [r.b((0, 2)), r.f((0, 2)), r.f((1, 2))], wf)


# ==========================================================================
# reductions
# ==========================================================================
def _dims(x, axis):
    """MindSpore axis (None / int / tuple) -> list of non-negative dims."""
    if axis is None:
        return list(range(x.dim()))
    if isinstance(axis, int):
        axis = [axis]
    return sorted(a % max(x.dim(), 1) for a in axis)


def _reduce(x, axis, keep, f):
    """Apply a single-dim torch reduction f(x, dim, keepdim) over several dims."""
    dims = _dims(x, axis)
    if x.dim() == 0:
        return f(x.reshape(1), 0, False).reshape(())
    for d in sorted(dims, reverse=True):
        x = f(x, d, keep)
    return x


def gen_reduction():
    r = Rand("sum")
    # ops.sum(input, dim=None, keepdim=False, *, dtype=None) -> torch.sum (dim/keepdim names match torch)
    def t_sum(x, dim=None, keepdim=False, dtype=None):
        if dtype is not None:
            x = x.to(torch.float64) if dtype in FLOATS else x
        if dim is None:
            out = x.sum()
            return out.reshape([1] * x.dim()) if keepdim else out
        return torch.sum(x, dim=tup(dim), keepdim=keepdim)
    x234 = r.f((2, 3, 4))
    case("sum/float32/all", "sum", [x234], t_sum)
    case("sum/float32/axis=(0,2)/keep", "sum", [x234, V([0, 2])], t_sum, kwargs={"keepdim": True})
    case("sum/float32/axis=-1", "sum", [x234], t_sum, kwargs={"dim": -1})
    case("sum/float64/axis=1", "sum", [r.f((3, 4), "float64"), V(1)], t_sum)
    case("sum/float64/all/keep", "sum", [r.f((2, 2), "float64"), V(None), V(True)], t_sum)
    case("sum/float32/0d", "sum", [r.f((), "float32")], t_sum)
    case("sum/float32/size1_axis=(1,)", "sum", [r.f((3, 1, 2)), V([1])], t_sum)
    case("sum/float32/empty_axis=1", "sum", [r.f((2, 0)), V(1)], t_sum)
    case("sum/float32/empty_all", "sum", [r.f((0, 3))], t_sum)
    case("sum/int32/axis=0", "sum", [r.i((3, 4)), V(0)], t_sum, out_dtype="int32")  # MindSpore keeps int32 (torch: int64)
    case("sum/int32/dtype=float32", "sum", [r.i((2, 3)), V(1)], t_sum, kwargs={"dtype": "float32"}, out_dtype="float32")

    # ops.mean(input, axis=None, keep_dims=False) -> torch.mean(dim=axis, keepdim=keep_dims)
    def t_mean(x, axis=None, keep_dims=False):
        return _reduce(x, axis, keep_dims, lambda t, d, k: t.mean(d, keepdim=k))
    r = Rand("mean")
    case("mean/float32/all", "mean", [r.f((2, 3, 4))], t_mean)
    case("mean/float32/axis=(0,2)/keep_dims", "mean", [r.f((2, 3, 4)), V([0, 2])], t_mean, kwargs={"keep_dims": True})
    case("mean/float64/axis=-1", "mean", [r.f((3, 5), "float64"), V(-1)], t_mean)
    case("mean/float32/0d", "mean", [r.f(())], t_mean)
    case("mean/float64/size1_axis=1/keep", "mean", [r.f((2, 1, 3), "float64"), V(1), V(True)], t_mean)

    # ops.prod(input, axis=None, keep_dims=False): torch.prod takes one dim -> reduce dims one by one
    def t_prod(x, axis=None, keep_dims=False):
        if axis is None:
            out = x.prod()
            return out.reshape([1] * x.dim()) if keep_dims else out
        return _reduce(x, axis, keep_dims, lambda t, d, k: t.prod(d, keepdim=k))
    r = Rand("prod")
    nz = near_zero(0.25)
    case("prod/float32/all", "prod", [r.f((2, 3), "float32", -1.5, 1.5, nz)], t_prod)
    case("prod/float32/axis=1", "prod", [r.f((3, 4), "float32", -1.5, 1.5, nz), V(1)], t_prod)
    case("prod/float64/axis=(0,2)/keep_dims", "prod", [r.f((2, 3, 2), "float64", -1.5, 1.5, nz), V([0, 2])], t_prod, kwargs={"keep_dims": True})
    case("prod/float32/0d", "prod", [r.f((), "float32", 0.5, 2)], t_prod)
    case("prod/float32/empty_axis=0", "prod", [r.f((0, 3)), V(0)], t_prod)
    case("prod/int32/axis=0", "prod", [r.i((3, 3), lo=-3, hi=3), V(0)], t_prod, out_dtype="int32")

    # ops.max / ops.min(input, axis=None, keepdims=False, *, initial=None, where=None) -> (values, int64 indices)
    # axis=None: reduce all, keepdims ignored, index fixed to 0 (documented MindSpore behaviour).
    for name, tf in (("max", torch.max), ("min", torch.min)):
        def t_mm(x, axis=None, keepdims=False, tf=tf):
            if axis is None:
                v = tf(x)
                return v, torch.zeros((), dtype=torch.int64)
            v, i = tf(x, axis, keepdim=keepdims)
            return v, i
        r = Rand(name)
        case(f"{name}/float32/axis=None", name, [r.f((3, 4))], t_mm, out_dtype=["float32", "int64"])
        case(f"{name}/float32/axis=1", name, [r.f((3, 4)), V(1)], t_mm, out_dtype=["float32", "int64"])
        case(f"{name}/float32/axis=-1/keepdims", name, [r.f((2, 3, 4)), V(-1)], t_mm, kwargs={"keepdims": True}, out_dtype=["float32", "int64"])
        case(f"{name}/float64/axis=0", name, [r.f((4, 3), "float64"), V(0), V(False)], t_mm, out_dtype=["float64", "int64"])
        case(f"{name}/float32/size1_axis=1", name, [r.f((3, 1)), V(1)], t_mm, out_dtype=["float32", "int64"])
        case(f"{name}/int32/axis=1", name, [T(r.rng.permutation(12).reshape(3, 4) - 6, "int32"), V(1)], t_mm, out_dtype=["int32", "int64"])

    # ops.amax / ops.amin(input, axis=None, keepdims=False, *, initial=None, where=None) -> torch.amax/amin
    for name, tf in (("amax", torch.amax), ("amin", torch.amin)):
        def t_am(x, axis=None, keepdims=False, tf=tf):
            return tf(x, dim=_dims(x, axis), keepdim=keepdims) if x.dim() else x.clone()
        r = Rand(name)
        case(f"{name}/float32/all", name, [r.f((3, 4))], t_am)
        case(f"{name}/float32/axis=(0,2)/keepdims", name, [r.f((2, 3, 4)), V([0, 2])], t_am, kwargs={"keepdims": True})
        case(f"{name}/float64/axis=-1", name, [r.f((3, 5), "float64"), V(-1)], t_am)
        case(f"{name}/float32/0d", name, [r.f(())], t_am)
        case(f"{name}/int32/axis=0", name, [T(r.rng.permutation(6).reshape(2, 3), "int32"), V(0)], t_am)

    # ops.argmax(input, dim=None, keepdim=False) / ops.argmin(input, axis=None, keepdims=False) -> int64
    r = Rand("argmax")
    am = lambda x, dim=None, keepdim=False: torch.argmax(x, dim=dim, keepdim=keepdim if dim is not None else False)
    case("argmax/float32/dim=None", "argmax", [r.f((3, 4))], am, out_dtype="int64")
    case("argmax/float32/dim=1/keepdim", "argmax", [r.f((3, 4)), V(1), V(True)], am, out_dtype="int64")
    case("argmax/float64/dim=-1", "argmax", [r.f((2, 3, 4), "float64")], am, kwargs={"dim": -1}, out_dtype="int64")
    case("argmax/int32/dim=0", "argmax", [T(r.rng.permutation(12).reshape(4, 3), "int32"), V(0)], am, out_dtype="int64")
    r = Rand("argmin")
    an = lambda x, axis=None, keepdims=False: torch.argmin(x, dim=axis, keepdim=keepdims if axis is not None else False)
    case("argmin/float32/axis=None", "argmin", [r.f((3, 4))], an, out_dtype="int64")
    case("argmin/float32/axis=1/keepdims", "argmin", [r.f((3, 4)), V(1)], an, kwargs={"keepdims": True}, out_dtype="int64")
    case("argmin/float64/axis=-1", "argmin", [r.f((2, 3, 4), "float64"), V(-1)], an, out_dtype="int64")
    case("argmin/int32/axis=0", "argmin", [T(r.rng.permutation(12).reshape(4, 3), "int32"), V(0)], an, out_dtype="int64")

    # ops.norm(A, ord=None, dim=None, keepdim=False, *, dtype=None) -> torch.linalg.norm (same semantics)
    def t_norm(A, ord=None, dim=None, keepdim=False):
        return torch.linalg.norm(A, ord=ord, dim=tup(dim), keepdim=keepdim)
    r = Rand("norm")
    nz = near_zero(0.1)
    case("norm/float32/default_2d", "norm", [r.f((3, 4), avoid=nz)], t_norm, rtol=2e-5)
    case("norm/float64/default_3d", "norm", [r.f((2, 3, 2), "float64", avoid=nz)], t_norm)
    case("norm/float32/ord=2,dim=1", "norm", [r.f((3, 4), avoid=nz), V(2), V(1)], t_norm, rtol=2e-5)
    case("norm/float64/ord=3,dim=-1,keepdim", "norm", [r.f((2, 4), "float64", avoid=nz), V(3.0), V(-1), V(True)], t_norm)
    case("norm/float32/ord=1,dim=0", "norm", [r.f((3, 4), avoid=nz)], t_norm, kwargs={"ord": 1, "dim": 0}, grad2=False)
    case("norm/float32/ord=inf,dim=1", "norm", [r.f((3, 4), avoid=nz), V(float("inf")), V(1)], t_norm, grad2=False)
    case("norm/float64/ord=fro,dim=(0,1)", "norm", [r.f((2, 3, 2), "float64", avoid=nz), V("fro"), V([0, 1])], t_norm)
    # spectral norms: largest / smallest / sum of the singular values (random grid matrices have distinct ones)
    case("norm/float64/ord=2,2d", "norm", [r.f((4, 3), "float64"), V(2)], t_norm)
    case("norm/float32/ord=-2,dim=(2,0)", "norm", [r.f((3, 2, 3)), V(-2), V([2, 0])], t_norm)
    case("norm/float64/ord=nuc,dim=(0,1),keepdim", "norm", [r.f((3, 4, 2), "float64"), V("nuc"), V([0, 1]), V(True)], t_norm)
    case("norm/float32/ord=nuc,2d", "norm", [r.f((2, 3)), V("nuc")], t_norm)

    # ops.logsumexp(input, axis, keep_dims=False): axis required
    lse = lambda x, axis, keep_dims=False: torch.logsumexp(x, dim=tup(axis), keepdim=keep_dims)
    r = Rand("logsumexp")
    case("logsumexp/float32/axis=1", "logsumexp", [r.f((3, 4), "float32", -3, 3), V(1)], lse)
    case("logsumexp/float64/axis=(0,2)/keep_dims", "logsumexp", [r.f((2, 3, 2), "float64", -3, 3), V([0, 2]), V(True)], lse)
    case("logsumexp/float32/large_values", "logsumexp", [T([[100.0, 101.0, 99.5], [-100.0, -101.0, -99.0]], "float32"), V(-1)], lse)
    case("logsumexp/float32/size1", "logsumexp", [r.f((2, 1)), V(1)], lse, kwargs={"keep_dims": True})

    # ops.cumsum(x, axis, dtype=None): axis required
    cs = lambda x, axis, dtype=None: torch.cumsum(x, dim=axis)
    r = Rand("cumsum")
    case("cumsum/float32/axis=0", "cumsum", [r.f((3, 4)), V(0)], cs)
    case("cumsum/float64/axis=-1", "cumsum", [r.f((2, 3, 4), "float64"), V(-1)], cs)
    case("cumsum/int32/axis=1", "cumsum", [r.i((2, 4)), V(1)], cs, out_dtype="int32")
    case("cumsum/float32/empty", "cumsum", [r.f((0, 3)), V(1)], cs)
    case("cumsum/float32/1d", "cumsum", [r.f((5,)), V(0)], cs)

    # ops.var / ops.std(input, axis=None, ddof=0, keepdims=False): divisor N - ddof (default 0 = biased,
    # unlike torch's default unbiased). Computed explicitly: mean, squared deviations, / (N - ddof).
    def t_var(x, axis=None, ddof=0, keepdims=False):
        dims = _dims(x, axis)
        n = 1
        for d in dims:
            n *= x.shape[d]
        m = x.mean(dim=dims, keepdim=True)
        return ((x - m) ** 2).sum(dim=dims, keepdim=keepdims) / (n - int(ddof))
    t_std = lambda *a, **k: torch.sqrt(t_var(*a, **k))
    for name, fn in (("var", t_var), ("std", t_std)):
        r = Rand(name)
        case(f"{name}/float32/all", name, [r.f((3, 4))], fn, rtol=1e-4, atol=1e-5)
        case(f"{name}/float32/axis=1,ddof=1", name, [r.f((3, 4)), V(1), V(1)], fn, rtol=1e-4, atol=1e-5)
        case(f"{name}/float64/axis=(0,2),keepdims", name, [r.f((2, 3, 4), "float64"), V([0, 2])], fn, kwargs={"keepdims": True})
        case(f"{name}/float64/ddof=True", name, [r.f((5,), "float64")], fn, kwargs={"ddof": True})
        case(f"{name}/float32/axis=-1,keepdims", name, [r.f((2, 3)), V(-1), V(0), V(True)], fn, rtol=1e-4, atol=1e-5)

    # ops.all / ops.any(input, axis=None, keep_dims=False) -> bool
    for name in ("all", "any"):
        red = (lambda t, d, k: t.all(d, keepdim=k)) if name == "all" else (lambda t, d, k: t.any(d, keepdim=k))
        def t_b(x, axis=None, keep_dims=False, red=red):
            return _reduce(x.bool(), axis, keep_dims, red)
        r = Rand(name)
        case(f"{name}/bool/all", name, [r.b((3, 4), 0.8 if name == "all" else 0.15)], t_b)
        case(f"{name}/bool/axis=1/keep_dims", name, [r.b((3, 4), 0.7)], t_b, kwargs={"axis": 1, "keep_dims": True})
        case(f"{name}/bool/axis=(0,2)", name, [r.b((2, 3, 2), 0.6), V([0, 2])], t_b)
        case(f"{name}/bool/all_true", name, [T(np.ones((2, 2), bool), "bool")], t_b)
        case(f"{name}/bool/empty_axis=1", name, [T(np.zeros((2, 0), bool), "bool"), V(1)], t_b)
        case(f"{name}/bool/0d", name, [T(False, "bool")], t_b)
        # non-bool inputs are cast to bool first (nonzero = True)
        case(f"{name}/float32/nonzero_is_true", name, [T([[0.0, 1.5, -2.0], [0.0, 0.0, 0.25]], "float32"), V(1)], t_b)
        case(f"{name}/float64/all", name, [T([0.5, -1.0, 3.0], "float64")], t_b)


# ==========================================================================
# linear algebra
# ==========================================================================
def gen_linalg():
    r = Rand("matmul")
    mm = lambda a, b: torch.matmul(a, b)
    case("matmul/float32/2x3@3x4", "matmul", [r.f((2, 3)), r.f((3, 4))], mm)
    case("matmul/float64/vec@vec", "matmul", [r.f((3,), "float64"), r.f((3,), "float64")], mm)
    case("matmul/float32/mat@vec", "matmul", [r.f((2, 3)), r.f((3,))], mm)
    case("matmul/float32/vec@mat", "matmul", [r.f((3,)), r.f((3, 2))], mm)
    case("matmul/float32/batched_bcast", "matmul", [r.f((2, 1, 2, 3)), r.f((3, 3, 2))], mm)
    case("matmul/float64/batched", "matmul", [r.f((2, 2, 3), "float64"), r.f((2, 3, 4), "float64")], mm)
    case("matmul/float32/batch@vec", "matmul", [r.f((2, 3, 4)), r.f((4,))], mm)
    case("matmul/float32/empty", "matmul", [r.f((0, 3)), r.f((3, 2))], mm)
    case("matmul/float32/size1", "matmul", [r.f((1, 1)), r.f((1, 3))], mm)

    r = Rand("bmm")
    case("bmm/float32/2x2x3@2x3x4", "bmm", [r.f((2, 2, 3)), r.f((2, 3, 4))], torch.bmm)
    case("bmm/float64/3x1x2@3x2x2", "bmm", [r.f((3, 1, 2), "float64"), r.f((3, 2, 2), "float64")], torch.bmm)
    case("bmm/float32/4d", "bmm", [r.f((2, 2, 2, 3)), r.f((2, 2, 3, 1))], torch.matmul)

    # ops.dot: numpy.dot for rank >= 2 (last axis of a with second-to-last of b) -> tensordot
    dot = lambda a, b: torch.tensordot(a, b, dims=([a.dim() - 1], [b.dim() - 2]))
    r = Rand("dot")
    case("dot/float32/2x3.3x4", "dot", [r.f((2, 3)), r.f((3, 4))], dot)
    case("dot/float32/2x3.1x3x2", "dot", [r.f((2, 3)), r.f((1, 3, 2))], dot)
    case("dot/float32/1x2x3.2x3x2", "dot", [r.f((1, 2, 3)), r.f((2, 3, 2))], dot)

    # ops.tensor_dot(x1, x2, axes) -> torch.tensordot(dims=axes)
    td = lambda a, b, axes: torch.tensordot(a, b, dims=axes)
    r = Rand("tensor_dot")
    case("tensor_dot/float32/axes=1", "tensor_dot", [r.f((2, 3)), r.f((3, 4)), V(1)], td)
    case("tensor_dot/float64/axes=2", "tensor_dot", [r.f((2, 3, 4), "float64"), r.f((3, 4, 2), "float64"), V(2)], td)
    case("tensor_dot/float32/axes_pairs", "tensor_dot", [r.f((3, 2, 4)), r.f((4, 3, 5)), V([[0, 2], [1, 0]])], td)
    case("tensor_dot/float32/axes=0", "tensor_dot", [r.f((2,)), r.f((3,)), V(0)], td)

    r = Rand("outer")
    case("outer/float32/3x4", "outer", [r.f((3,)), r.f((4,))], torch.outer)
    case("outer/float64/2x2", "outer", [r.f((2,), "float64"), r.f((2,), "float64")], torch.outer)
    case("outer/float32/empty", "outer", [r.f((0,)), r.f((3,))], torch.outer)
    case("outer/int32/3x2", "outer", [r.i((3,)), r.i((2,))], torch.outer)

    # ops.einsum(equation, *operands): operands are separate positional args
    ein = lambda eq, *ops: torch.einsum(eq, *ops)
    r = Rand("einsum")
    for eq, shapes, dt in [("ij,jk->ik", [(2, 3), (3, 4)], "float32"),
                           ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)], "float64"),
                           ("i,i->", [(4,), (4,)], "float32"),
                           ("ij->ji", [(2, 3)], "float32"),
                           ("ij->", [(2, 3)], "float64"),
                           ("i,j->ij", [(2,), (3,)], "float32"),
                           ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 2, 4)], "float32"),
                           ("ij,j->i", [(3, 4), (4,)], "float64"),
                           ("ijk->kj", [(2, 3, 2)], "float32")]:
        case(f"einsum/{dt}/{eq}", "einsum", [V(eq)] + [r.f(s, dt) for s in shapes], ein, rtol=2e-5 if dt == "float32" else None)

    # ops.transpose(input, input_perm): full permutation (torch.permute), not a two-dim swap
    tp = lambda x, perm: x.permute(*perm) if perm else x.clone()
    r = Rand("transpose")
    case("transpose/float32/perm=(2,0,1)", "transpose", [r.f((2, 3, 4)), V([2, 0, 1])], tp)
    case("transpose/float64/perm=(1,0)", "transpose", [r.f((2, 3), "float64"), V([1, 0])], tp)
    case("transpose/float32/0d", "transpose", [r.f(()), V([])], tp)
    case("transpose/float32/empty", "transpose", [r.f((0, 2, 1)), V([1, 2, 0])], tp)
    case("transpose/int32/perm=(1,0)", "transpose", [r.i((2, 3)), V([1, 0])], tp)

    r = Rand("t")
    case("t/float32/2x3", "t", [r.f((2, 3))], lambda x: x.t())
    case("t/float64/1d", "t", [r.f((3,), "float64")], lambda x: x.t())
    case("t/float32/1x4", "t", [r.f((1, 4))], lambda x: x.t())


# ==========================================================================
# shape and indexing
# ==========================================================================
def gen_shape():
    r = Rand("reshape")
    rs = lambda x, shape: x.reshape(shape)
    case("reshape/float32/2x3x4->4x-1", "reshape", [r.f((2, 3, 4)), V([4, -1])], rs)
    case("reshape/float64/6->1x2x3", "reshape", [r.f((6,), "float64"), V([1, 2, 3])], rs)
    case("reshape/float32/0d->1", "reshape", [r.f(()), V([1])], rs)
    case("reshape/float32/1->0d", "reshape", [r.f((1,)), V([])], rs)
    case("reshape/float32/empty0x3->3x0", "reshape", [r.f((0, 3)), V([3, 0])], rs)
    case("reshape/int32/2x3->3x2", "reshape", [r.i((2, 3)), V([3, 2])], rs)
    case("reshape/bool/4->2x2", "reshape", [r.b((4,)), V([2, 2])], rs)

    # ops.squeeze(input, axis=None); MindSpore errors on a non-1 axis (never exercised here)
    def sq(x, axis=None):
        if axis is None:
            return x.squeeze()
        for a in sorted([axis] if isinstance(axis, int) else [d % x.dim() for d in axis], reverse=True):
            x = x.squeeze(a)
        return x
    r = Rand("squeeze")
    case("squeeze/float32/all", "squeeze", [r.f((1, 3, 1, 2))], sq)
    case("squeeze/float32/axis=0", "squeeze", [r.f((1, 3, 1, 2)), V(0)], sq)
    case("squeeze/float64/axis=(0,2)", "squeeze", [r.f((1, 3, 1, 2), "float64"), V([0, 2])], sq)
    case("squeeze/float32/axis=-1", "squeeze", [r.f((2, 1))], sq, kwargs={"axis": -1})
    case("squeeze/float32/1->0d", "squeeze", [r.f((1,))], sq)
    case("squeeze/float32/0d", "squeeze", [r.f(())], sq)
    case("squeeze/int32/all", "squeeze", [r.i((1, 2, 1))], sq)
    case("squeeze/float32/empty_axis=1", "squeeze", [r.f((0, 1)), V(1)], sq)

    r = Rand("expand_dims")
    ed = lambda x, axis: x.unsqueeze(axis)
    case("expand_dims/float32/axis=0", "expand_dims", [r.f((2, 3)), V(0)], ed)
    case("expand_dims/float32/axis=-1", "expand_dims", [r.f((2, 3)), V(-1)], ed)
    case("expand_dims/float64/axis=1", "expand_dims", [r.f((2, 3), "float64"), V(1)], ed)
    case("expand_dims/float32/0d", "expand_dims", [r.f(()), V(0)], ed)
    case("expand_dims/int32/axis=2", "expand_dims", [r.i((2, 3)), V(2)], ed)
    r = Rand("unsqueeze")
    case("unsqueeze/float32/dim=1", "unsqueeze", [r.f((2, 3)), V(1)], ed)
    case("unsqueeze/float64/dim=-1", "unsqueeze", [r.f((3,), "float64")], lambda x, dim: x.unsqueeze(dim), kwargs={"dim": -1})
    case("unsqueeze/float32/empty", "unsqueeze", [r.f((0, 2)), V(0)], ed)

    # ops.concat(tensors, axis=0) / ops.stack(tensors, axis=0): first argument is a list of tensors
    cat = lambda ts, axis=0: torch.cat(ts, dim=axis)
    r = Rand("concat")
    case("concat/float32/axis=0", "concat", [L([r.f((2, 3)), r.f((1, 3))])], cat)
    case("concat/float64/axis=1", "concat", [L([r.f((2, 1), "float64"), r.f((2, 3), "float64")]), V(1)], cat)
    case("concat/float32/axis=-1_three", "concat", [L([r.f((2, 1)), r.f((2, 2)), r.f((2, 1))])], cat, kwargs={"axis": -1})
    case("concat/float32/with_empty", "concat", [L([r.f((0, 3)), r.f((2, 3))]), V(0)], cat)
    case("concat/int32/axis=0", "concat", [L([r.i((1, 2)), r.i((2, 2))])], cat)
    st = lambda ts, axis=0: torch.stack(ts, dim=axis)
    r = Rand("stack")
    case("stack/float32/axis=0", "stack", [L([r.f((2, 3)), r.f((2, 3)), r.f((2, 3))])], st)
    case("stack/float64/axis=-1", "stack", [L([r.f((2, 3), "float64"), r.f((2, 3), "float64")]), V(-1)], st)
    case("stack/float32/0d", "stack", [L([r.f(()), r.f(()), r.f(())])], st)
    case("stack/float32/empty", "stack", [L([r.f((0, 2)), r.f((0, 2))]), V(1)], st)
    case("stack/int32/axis=1", "stack", [L([r.i((2,)), r.i((2,))])], st, kwargs={"axis": 1})

    # ops.split(tensor, split_size_or_sections, axis=0) -> tuple
    spl = lambda x, s, axis=0: tuple(torch.split(x, s, dim=axis))
    r = Rand("split")
    case("split/float32/size=2", "split", [r.f((6, 2)), V(2)], spl, out_dtype=["float32"] * 3)
    case("split/float32/size=2_uneven", "split", [r.f((5, 2)), V(2)], spl, out_dtype=["float32"] * 3)
    case("split/float64/sections=[1,3],axis=1", "split", [r.f((2, 4), "float64"), V([1, 3]), V(1)], spl, out_dtype=["float64"] * 2)
    case("split/float32/axis=-1_kw", "split", [r.f((2, 4)), V(2)], spl, kwargs={"axis": -1}, out_dtype=["float32"] * 2)
    case("split/int32/size=1", "split", [r.i((2, 2)), V(1)], spl, out_dtype=["int32"] * 2)

    r = Rand("tile")
    tl = lambda x, dims: torch.tile(x, tuple(dims))
    case("tile/float32/dims=(2,1)", "tile", [r.f((2, 3)), V([2, 1])], tl)
    case("tile/float64/dims_longer=(2,1,2)", "tile", [r.f((2, 3), "float64"), V([2, 1, 2])], tl)
    case("tile/float32/dims_shorter=(3,)", "tile", [r.f((2, 2)), V([3])], tl)
    case("tile/float32/dims_with_0", "tile", [r.f((2,)), V([0])], tl)
    case("tile/float32/empty", "tile", [r.f((0, 2)), V([2, 1])], tl)
    case("tile/int32/dims=(1,2)", "tile", [r.i((2, 2)), V([1, 2])], tl)

    r = Rand("broadcast_to")
    bt = lambda x, shape: x.expand(*shape).clone()  # -1 keeps the dim (same in torch.expand)
    case("broadcast_to/float32/3->2x3", "broadcast_to", [r.f((3,)), V([2, 3])], bt)
    case("broadcast_to/float32/2x1->-1x4", "broadcast_to", [r.f((2, 1)), V([-1, 4])], bt)
    case("broadcast_to/float64/1->2x3x1", "broadcast_to", [r.f((1,), "float64"), V([2, 3, 1])], bt)
    case("broadcast_to/float32/0d->2x2", "broadcast_to", [r.f(()), V([2, 2])], bt)
    case("broadcast_to/float32/1x0->3x0", "broadcast_to", [r.f((1, 0)), V([3, 0])], bt)
    case("broadcast_to/int32/1x3->2x3", "broadcast_to", [r.i((1, 3)), V([2, 3])], bt)

    # ops.flatten(input, order='C', *, start_dim=1, end_dim=-1): default start_dim=1 (torch: 0)
    fl = lambda x, order="C", start_dim=1, end_dim=-1: torch.flatten(x, start_dim, end_dim)
    r = Rand("flatten")
    case("flatten/float32/default_start_dim=1", "flatten", [r.f((2, 3, 4))], fl)
    case("flatten/float32/start_dim=0", "flatten", [r.f((2, 3, 4))], fl, kwargs={"start_dim": 0})
    case("flatten/float64/start=1,end=2", "flatten", [r.f((2, 3, 2, 2), "float64")], fl, kwargs={"start_dim": 1, "end_dim": 2})
    case("flatten/int32/default", "flatten", [r.i((2, 2, 2))], fl)
    case("flatten/float32/empty", "flatten", [r.f((2, 0, 3))], fl)

    # ops.gather(input_params, input_indices, axis, batch_dims=0): numpy.take along `axis`
    def ga(p, idx, axis, batch_dims=0):
        axis = axis % p.dim()
        if batch_dims == 0:
            out = torch.index_select(p, axis, idx.reshape(-1))
            return out.reshape(p.shape[:axis] + idx.shape + p.shape[axis + 1:])
        assert batch_dims == 1
        return torch.stack([ga(p[b], idx[b], axis - 1) for b in range(p.shape[0])])
    r = Rand("gather")
    case("gather/float32/axis=0", "gather", [r.f((5, 3)), T([4, 0, 2, 0], "int32"), V(0)], ga)
    case("gather/float32/idx2d_axis=1", "gather", [r.f((3, 4)), T([[3, 1], [0, 3]], "int32"), V(1)], ga)
    case("gather/float64/axis=-1", "gather", [r.f((2, 3), "float64"), T([2, 2, 0], "int64"), V(-1)], ga)
    case("gather/float32/idx0d", "gather", [r.f((3, 2)), T(1, "int32"), V(0)], ga)
    case("gather/float32/batch_dims=1", "gather", [r.f((2, 4, 3)), T([[1, 3], [0, 0]], "int32"), V(1), V(1)], ga)
    case("gather/float32/empty_indices", "gather", [r.f((3, 2)), T(np.zeros((0,), np.int64), "int32"), V(0)], ga)
    case("gather/int32/axis=0", "gather", [r.i((4, 2)), T([3, 1], "int32"), V(0)], ga, out_dtype="int32")

    # ops.gather_d(x, dim, index) = torch.gather
    gd = lambda x, dim, index: torch.gather(x, dim, index)
    r = Rand("gather_d")
    case("gather_d/float32/dim=1", "gather_d", [r.f((3, 4)), V(1), T([[0, 3], [2, 2], [1, 0]], "int32")], gd)
    case("gather_d/float64/dim=0", "gather_d", [r.f((3, 2), "float64"), V(0), T([[2, 0], [1, 1]], "int64")], gd)
    case("gather_d/int32/dim=-1", "gather_d", [r.i((2, 3)), V(-1), T([[2], [0]], "int32")], gd, out_dtype="int32")

    # ops.index_select(input, axis, index)
    isel = lambda x, axis, index: torch.index_select(x, axis, index)
    r = Rand("index_select")
    case("index_select/float32/axis=1", "index_select", [r.f((3, 4)), V(1), T([0, 2, 2], "int32")], isel)
    case("index_select/float64/axis=0", "index_select", [r.f((3, 2), "float64"), V(0), T([2, 0], "int64")], isel)
    case("index_select/float32/empty_index", "index_select", [r.f((3, 2)), V(0), T(np.zeros((0,), np.int64), "int32")], isel)
    case("index_select/int32/axis=-1", "index_select", [r.i((2, 3)), V(-1), T([1], "int32")], isel, out_dtype="int32")

    # ops.scatter(input, axis, index, src) = torch.scatter (replace; no duplicate indices)
    sct = lambda x, axis, index, src: torch.scatter(x, axis, index, src)
    r = Rand("scatter")
    case("scatter/float32/axis=1", "scatter", [r.f((3, 5)), V(1), T([[0, 4], [2, 1], [3, 0]], "int32"), r.f((3, 2))], sct)
    case("scatter/float64/axis=0", "scatter", [r.f((3, 2), "float64"), V(0), T([[2, 0]], "int64"), r.f((1, 2), "float64")], sct)
    case("scatter/int32/axis=1", "scatter", [r.i((2, 3)), V(1), T([[1], [2]], "int32"), r.i((2, 1))], sct, out_dtype="int32")

    # ops.tensor_scatter_elements(input_x, indices, updates, axis=0, reduction='none'|'add')
    def tse(x, idx, upd, axis=0, reduction="none"):
        return torch.scatter_add(x, axis, idx, upd) if reduction == "add" else torch.scatter(x, axis, idx, upd)
    r = Rand("tensor_scatter_elements")
    case("tensor_scatter_elements/float32/none_axis=1", "tensor_scatter_elements",
         [r.f((2, 4)), T([[3, 0], [1, 2]], "int32"), r.f((2, 2)), V(1)], tse)
    case("tensor_scatter_elements/float32/add_duplicates", "tensor_scatter_elements",
         [r.f((3, 3)), T([[0, 1, 0], [0, 2, 2]], "int32"), r.f((2, 3))], tse, kwargs={"axis": 0, "reduction": "add"})
    case("tensor_scatter_elements/float64/add_axis=-1", "tensor_scatter_elements",
         [r.f((2, 3), "float64"), T([[1, 1], [0, 2]], "int64"), r.f((2, 2), "float64"), V(-1), V("add")], tse)

    # ops.tensor_scatter_add(input_x, indices, updates): N-D indices (..., K) -> index_put(accumulate=True)
    def tsa(x, idx, upd):
        k = idx.shape[-1]
        return torch.index_put(x, tuple(idx[..., j] for j in range(k)), upd, accumulate=True)
    r = Rand("tensor_scatter_add")
    case("tensor_scatter_add/float32/K=1_duplicates", "tensor_scatter_add",
         [r.f((4, 3)), T([[1], [3], [1]], "int32"), r.f((3, 3))], tsa)
    case("tensor_scatter_add/float64/K=2", "tensor_scatter_add",
         [r.f((3, 4), "float64"), T([[0, 1], [2, 3], [0, 1]], "int64"), r.f((3,), "float64")], tsa)
    case("tensor_scatter_add/int32/K=1", "tensor_scatter_add", [r.i((3, 2)), T([[0], [2]], "int32"), r.i((2, 2))], tsa, out_dtype="int32")

    # ops.one_hot(indices, depth, on_value=1, off_value=0, axis=-1); output dtype = on_value dtype
    def oh(idx, depth, on_value=1, off_value=0, axis=-1):
        nd = idx.dim() + 1
        axis = axis % nd
        shape = [1] * nd
        shape[axis] = depth
        hit = idx.unsqueeze(axis) == torch.arange(depth).reshape(shape)
        on, off = sc(on_value, off_value)
        return torch.where(hit, on, off)
    case("one_hot/int64/defaults", "one_hot", [T([0, 2, -1, 1], "int32"), V(3)], oh, out_dtype="int64")
    # JS numbers cannot say "1.0 is a float": float on/off values are non-integral (or 0-d tensors) here
    case("one_hot/float32/float_values", "one_hot", [T([[0, 2], [1, 3]], "int32"), V(4), V(0.75), V(0.25)], oh, out_dtype="float32")
    case("one_hot/float32/tensor_values_axis=0", "one_hot", [T([1, 0, 2], "int64"), V(3), T(5.0, "float32"), T(-1.0, "float32"), V(0)],
         oh, out_dtype="float32", wrt=[])
    case("one_hot/int64/axis=0_kw", "one_hot", [T([[1, 0], [2, 2]], "int32"), V(3)], oh, kwargs={"on_value": 7, "off_value": 2, "axis": 0}, out_dtype="int64")
    case("one_hot/float64/tensor_values", "one_hot", [T([2, 0], "int32"), V(3), T(1.0, "float64"), T(0.0, "float64")], oh,
         out_dtype="float64")
    case("one_hot/float32/0d_index", "one_hot", [T(1, "int32"), V(3), V(1.5), V(-0.5)], oh, out_dtype="float32")

    # ops.masked_fill(input_x, mask, value)
    mf = lambda x, m, v: torch.where(m, v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=x.dtype), x)
    r = Rand("masked_fill")
    case("masked_fill/float32/scalar", "masked_fill", [r.f((2, 3)), r.b((2, 3)), V(0.5)], mf)
    case("masked_fill/float32/mask_bcast", "masked_fill", [r.f((2, 3)), r.b((3,)), V(-2.0)], mf)
    case("masked_fill/float64/tensor_value", "masked_fill", [r.f((2, 3), "float64"), r.b((2, 3)), T(1.25, "float64")], mf)
    case("masked_fill/float32/empty", "masked_fill", [r.f((0, 3)), r.b((3,)), V(1.0)], mf)
    case("masked_fill/int32/int_value", "masked_fill", [r.i((2, 2)), r.b((2, 2)), V(9)], mf, out_dtype="int32")

    # ops.narrow(input, axis, start, length)
    nw = lambda x, axis, start, length: torch.narrow(x, axis, start, length)
    r = Rand("narrow")
    case("narrow/float32/axis=0", "narrow", [r.f((4, 3)), V(0), V(1), V(2)], nw)
    case("narrow/float64/axis=-1", "narrow", [r.f((2, 5), "float64"), V(-1), V(2), V(3)], nw)
    case("narrow/float32/length=0", "narrow", [r.f((3, 2)), V(1), V(1), V(0)], nw)

    # ops.slice(input_x, begin, size): size -1 = to the end
    def slc(x, begin, size):
        idx = tuple(slice(b, x.shape[d] if s == -1 else b + s) for d, (b, s) in enumerate(zip(begin, size)))
        return x[idx]
    r = Rand("slice")
    case("slice/float32/3d", "slice", [r.f((3, 4, 5)), V([0, 1, 2]), V([2, -1, 2])], slc)
    case("slice/float64/2d", "slice", [r.f((2, 3), "float64"), V([1, 0]), V([1, 3])], slc)
    case("slice/int32/1d", "slice", [r.i((5,)), V([2]), V([2])], slc, out_dtype="int32")

    # ops.pad(input_x, padding, mode='constant', value=None): torch F.pad padding order (last dim first)
    pd = lambda x, padding, mode="constant", value=None: F.pad(x, tuple(padding), mode=mode, value=0.0 if value is None else value) \
        if mode == "constant" else F.pad(x, tuple(padding), mode=mode)
    r = Rand("pad")
    case("pad/float32/last_dim", "pad", [r.f((2, 3)), V([1, 2])], pd)
    case("pad/float32/two_dims_value", "pad", [r.f((1, 2, 3)), V([1, 1, 2, 0]), V("constant"), V(1.5)], pd)
    case("pad/float64/negative_crop", "pad", [r.f((2, 4), "float64"), V([-1, 1])], pd)
    case("pad/float32/reflect", "pad", [r.f((1, 2, 4)), V([2, 1])], pd, kwargs={"mode": "reflect"})
    case("pad/float32/replicate", "pad", [r.f((1, 1, 3, 3)), V([1, 1, 1, 1]), V("replicate")], pd)
    case("pad/int32/constant", "pad", [r.i((2, 2)), V([1, 0, 0, 1])], lambda x, p: F.pad(x, tuple(p)), out_dtype="int32")

    r = Rand("flip")
    fp = lambda x, dims: torch.flip(x, tuple(dims))
    case("flip/float32/dims=(0,)", "flip", [r.f((3, 2)), V([0])], fp)
    case("flip/float64/dims=(0,2)", "flip", [r.f((2, 3, 2), "float64"), V([0, 2])], fp)
    case("flip/int32/dims=(-1,)", "flip", [r.i((2, 3)), V([-1])], fp, out_dtype="int32")

    # ops.roll(input, shifts, dims=None)
    rl = lambda x, shifts, dims=None: torch.roll(x, tup(shifts), tup(dims))
    r = Rand("roll")
    case("roll/float32/shift=1,dim=0", "roll", [r.f((3, 2)), V(1), V(0)], rl)
    case("roll/float64/shifts=(1,-2),dims=(0,1)", "roll", [r.f((2, 3), "float64"), V([1, -2]), V([0, 1])], rl)
    case("roll/float32/dims=None", "roll", [r.f((2, 3)), V(2)], rl)
    case("roll/int32/shift=-1", "roll", [r.i((4,)), V(-1)], rl, kwargs={"dims": 0}, out_dtype="int32")


# ==========================================================================
# comparison and logic
# ==========================================================================
def gen_compare():
    cmp = {"equal": torch.eq, "ne": torch.ne, "gt": torch.gt, "ge": torch.ge, "lt": torch.lt, "le": torch.le}
    for name, fn in cmp.items():
        f2 = lambda a, b, fn=fn: fn(*sc(a, b))
        r = Rand(name)
        # values on a coarse grid so that equal elements actually occur
        g = lambda shape, dt="float32": T(r.grid(shape, -1.0, 1.0, 0.5, distinct=False), dt)
        case(f"{name}/float32/2x3", name, [g((2, 3)), g((2, 3))], f2)
        case(f"{name}/float64/bcast", name, [g((2, 1), "float64"), g((3,), "float64")], f2)
        case(f"{name}/float32/scalar", name, [g((4,)), V(0.5)], f2)
        case(f"{name}/int32/2x2", name, [r.i((2, 2), lo=-1, hi=1), r.i((2, 2), lo=-1, hi=1)], f2)
        case(f"{name}/mixed/int32_float32", name, [r.i((3,), lo=-1, hi=1), T([0.5, 0.0, -1.0], "float32")], f2)
        case(f"{name}/float32/nan_inf", name, [T([float("nan"), 1.0, float("inf"), float("-inf"), float("nan")], "float32"),
                                              T([float("nan"), float("nan"), float("inf"), 0.0, 1.0], "float32")], f2)
        case(f"{name}/float32/empty", name, [g((0, 2)), g((1, 2))], f2)
        case(f"{name}/float32/0d", name, [g(()), g(())], f2)
    r = Rand("logical")
    for name, fn in (("logical_and", torch.logical_and), ("logical_or", torch.logical_or)):
        case(f"{name}/bool/2x3", name, [r.b((2, 3)), r.b((2, 3))], fn)
        case(f"{name}/bool/bcast", name, [r.b((2, 1)), r.b((1, 3))], fn)
        case(f"{name}/int32/nonzero_is_true", name, [r.i((4,), lo=-1, hi=1), r.i((4,), lo=0, hi=1)], fn)
        case(f"{name}/bool/empty", name, [r.b((0,)), r.b((0,))], fn)
    case("logical_not/bool/2x3", "logical_not", [r.b((2, 3))], torch.logical_not)
    case("logical_not/int32/4", "logical_not", [T([0, 2, -1, 0], "int32")], torch.logical_not)
    case("logical_not/bool/0d", "logical_not", [T(True, "bool")], torch.logical_not)
    sp = T([float("nan"), float("inf"), float("-inf"), 0.0, -1.5, 3.0], "float32")
    for name, fn in (("isnan", torch.isnan), ("isinf", torch.isinf), ("isfinite", torch.isfinite)):
        case(f"{name}/float32/special", name, [sp], fn)
        case(f"{name}/float64/2x2", name, [T([[float("nan"), 1.0], [float("-inf"), 2.0]], "float64")], fn)
        case(f"{name}/float32/empty", name, [T(np.zeros((0, 2)), "float32")], fn)
    case("isfinite/int32/3", "isfinite", [T([1, -2, 3], "int32")], torch.isfinite)


# ==========================================================================
# nn functional
# ==========================================================================
def _nll_from_logp(logp, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """MindSpore nll_loss / cross_entropy (class indices) on log-probabilities.

    Class dim is 1 (0 for 1-D input).  l_n = -w[y_n] * logp[n, y_n], ignored targets give 0;
    'mean' divides by sum_n w[y_n] over non-ignored n.  label_smoothing eps:
    (1-eps)*nll + eps/C * smooth, smooth_n = -sum_c w_c * logp[n, c]  (weight=None: w=1).
    The fixtures only use label_smoothing with weight=None and no ignored targets, where all
    MindSpore releases agree (see the manifest note).
    """
    cdim = 0 if logp.dim() == 1 else 1
    C = logp.shape[cdim]
    if logp.dim() == 1:  # (C,) with a 0-d target -> treat as a batch of one
        logp = logp.unsqueeze(0)
        target = target.reshape(1)
        squeeze = True
    else:
        squeeze = False
    w = weight if weight is not None else torch.ones(C, dtype=logp.dtype)
    valid = target != ignore_index
    safe_t = torch.where(valid, target, torch.zeros_like(target))
    picked = torch.gather(logp, 1, safe_t.unsqueeze(1)).squeeze(1)
    wy = w[safe_t] * valid.to(logp.dtype)
    nll = -picked * wy
    wshape = [1, C] + [1] * (logp.dim() - 2)
    smooth = -(logp * w.reshape(wshape)).sum(1) * valid.to(logp.dtype)
    if reduction == "mean":
        nll_r, smooth_r = nll.sum() / wy.sum(), smooth.sum() / wy.sum()
    elif reduction == "sum":
        nll_r, smooth_r = nll.sum(), smooth.sum()
    else:
        nll_r, smooth_r = nll, smooth
        if squeeze:
            nll_r, smooth_r = nll_r.reshape(()), smooth_r.reshape(())
    if label_smoothing:
        return (1 - label_smoothing) * nll_r + label_smoothing / C * smooth_r
    return nll_r


def _ce(x, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """ops.cross_entropy: class indices (int target) or class probabilities (float target, same shape)."""
    cdim = 0 if x.dim() == 1 else 1
    logp = torch.log_softmax(x, cdim)
    if target.dtype.is_floating_point:
        C = x.shape[cdim]
        y = target * (1 - label_smoothing) + label_smoothing / C if label_smoothing else target
        wshape = [1] * x.dim()
        wshape[cdim] = C
        w = weight.reshape(wshape) if weight is not None else 1.0
        l = -(logp * y * w).sum(cdim)
        if reduction == "mean":
            return l.sum() / (x.numel() / C)  # divide by the number of samples, not by weights
        return l.sum() if reduction == "sum" else l
    return _nll_from_logp(logp, target, weight, ignore_index, reduction, label_smoothing)


def _reduce_loss(l, reduction):
    return l.mean() if reduction == "mean" else (l.sum() if reduction == "sum" else l)


def _same_pads(size, k, s, d):
    """MindSpore pad_mode='same': out = ceil(in/stride); extra padding goes to the end."""
    out = -(-size // s)
    total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
    return total // 2, total - total // 2


def _conv(x, w, b=None, stride=1, pad_mode="valid", padding=0, dilation=1, groups=1):
    """ops.conv1d / ops.conv2d -> explicit zero padding + torch convolution with padding 0."""
    nd = x.dim() - 2
    st = (stride,) * nd if isinstance(stride, int) else tuple(stride)
    dl = (dilation,) * nd if isinstance(dilation, int) else tuple(dilation)
    ks = w.shape[2:]
    if pad_mode == "valid":
        pads = [(0, 0)] * nd
    elif pad_mode == "same":
        pads = [_same_pads(x.shape[2 + i], ks[i], st[i], dl[i]) for i in range(nd)]
    else:  # 'pad': int -> all sides; (ph, pw) -> per dim; 4 values -> top, bottom, left, right
        p = (padding,) * nd if isinstance(padding, int) else tuple(padding)
        if len(p) == 2 * nd:
            pads = [(p[2 * i], p[2 * i + 1]) for i in range(nd)]
        else:
            pads = [(pi, pi) for pi in p]
    flat = []
    for lo, hi in reversed(pads):  # F.pad order: last dim first
        flat += [lo, hi]
    x = F.pad(x, flat)
    conv = F.conv1d if nd == 1 else F.conv2d
    return conv(x, w, b, stride=st, padding=0, dilation=dl, groups=groups)


def gen_nn():
    # ops.softmax(input, axis=-1, *, dtype=None)
    r = Rand("softmax")
    smx = lambda x, axis=-1, dtype=None: torch.softmax(x, dim=axis)
    case("softmax/float32/axis=-1", "softmax", [r.f((2, 5), "float32", -3, 3)], smx)
    case("softmax/float64/axis=0", "softmax", [r.f((3, 2), "float64", -3, 3), V(0)], smx)
    case("softmax/float32/axis=1_3d", "softmax", [r.f((2, 3, 4), "float32", -3, 3)], smx, kwargs={"axis": 1})
    case("softmax/float32/large", "softmax", [T([[1000.0, 1001.0, 999.0], [-50.0, 0.0, 50.0]], "float32")], smx)
    case("softmax/float32/dtype=float64", "softmax", [r.f((4,), "float32", -3, 3)], smx, kwargs={"dtype": "float64"},
         out_dtype="float64")
    # ops.log_softmax(logits, axis=-1)
    r = Rand("log_softmax")
    lsm = lambda x, axis=-1: torch.log_softmax(x, dim=axis)
    case("log_softmax/float32/axis=-1", "log_softmax", [r.f((2, 5), "float32", -3, 3)], lsm)
    case("log_softmax/float64/axis=0", "log_softmax", [r.f((3, 2), "float64", -3, 3), V(0)], lsm)
    case("log_softmax/float32/large", "log_softmax", [T([[1000.0, 1001.0, 999.0]], "float32")], lsm, kwargs={"axis": 1})
    case("log_softmax/float32/empty_rows", "log_softmax", [r.f((0, 3))], lsm)

    # ops.dropout(input, p=0.5, training=True, seed=None): only deterministic cases
    r = Rand("dropout")
    case("dropout/float32/training=False", "dropout", [r.f((2, 3))], lambda x, p=0.5, training=True: x.clone(),
         kwargs={"p": 0.5, "training": False})
    case("dropout/float64/p=0", "dropout", [r.f((3,), "float64"), V(0.0)], lambda x, p: x.clone())

    # ops.cross_entropy(input, target, weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)
    r = Rand("cross_entropy")
    x35 = r.f((3, 5), "float32", -3, 3)
    t3 = T([1, 0, 4], "int32")
    w5 = r.f((5,), "float32", 0.25, 2)
    case("cross_entropy/float32/indices_mean", "cross_entropy", [x35, t3], _ce)
    case("cross_entropy/float32/indices_sum", "cross_entropy", [x35, t3], _ce, kwargs={"reduction": "sum"})
    case("cross_entropy/float32/indices_none", "cross_entropy", [x35, t3], _ce, kwargs={"reduction": "none"})
    case("cross_entropy/float32/indices_weight", "cross_entropy", [x35, t3, w5], _ce)
    case("cross_entropy/float32/indices_weight_ignore_index=0", "cross_entropy", [r.f((4, 5), "float32", -3, 3), T([1, 0, 4, 0], "int32"), w5],
         _ce, kwargs={"ignore_index": 0})
    case("cross_entropy/float32/indices_default_ignore=-100", "cross_entropy", [r.f((4, 3), "float32", -3, 3), T([2, -100, 0, 1], "int32")],
         _ce, kwargs={"reduction": "mean"})
    case("cross_entropy/float32/indices_ignore_none", "cross_entropy", [r.f((3, 3), "float32", -3, 3), T([2, 1, 1], "int32"), V(None), V(1), V("none")], _ce)
    case("cross_entropy/float32/indices_label_smoothing", "cross_entropy", [x35, t3], _ce, kwargs={"label_smoothing": 0.1})
    case("cross_entropy/float64/indices_label_smoothing_sum", "cross_entropy", [r.f((2, 4), "float64", -3, 3), T([3, 0], "int32")],
         _ce, kwargs={"reduction": "sum", "label_smoothing": 0.2})
    case("cross_entropy/float32/indices_4d", "cross_entropy", [r.f((2, 4, 3, 2), "float32", -3, 3),
                                                               T(r.rng.integers(0, 4, (2, 3, 2)), "int32")], _ce, rtol=2e-5)
    case("cross_entropy/float64/indices_1d_input", "cross_entropy", [r.f((5,), "float64", -3, 3), T(2, "int32")], _ce)
    probs = r.rng.dirichlet(np.ones(5), size=3)
    probs = np.round(probs * 64) / 64
    probs[:, -1] = 1 - probs[:, :-1].sum(1)
    pt = T(probs, "float32")
    case("cross_entropy/float32/probs_mean", "cross_entropy", [x35, pt], _ce)
    case("cross_entropy/float32/probs_weight_smoothing_sum", "cross_entropy", [x35, pt, w5], _ce,
         kwargs={"reduction": "sum", "label_smoothing": 0.15})
    case("cross_entropy/float64/probs_none", "cross_entropy", [r.f((3, 5), "float64", -3, 3), T(probs, "float64")], _ce,
         kwargs={"reduction": "none"})

    # ops.nll_loss(inputs, target, weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)
    r = Rand("nll_loss")
    lp = lambda shape, dt="float32", dim=1: T(torch.log_softmax(torch.tensor(r.grid(shape, -3, 3, 1 / 64)), dim).numpy(), dt)
    nll = lambda x, t, w=None, ignore_index=-100, reduction="mean", label_smoothing=0.0: _nll_from_logp(x, t, w, ignore_index, reduction, label_smoothing)
    lp35 = lp((3, 5))
    case("nll_loss/float32/mean", "nll_loss", [lp35, t3], nll)
    case("nll_loss/float32/weight_sum", "nll_loss", [lp35, t3, w5], nll, kwargs={"reduction": "sum"})
    case("nll_loss/float32/weight_ignore_index=4_mean", "nll_loss", [lp35, t3, w5, V(4)], nll)
    case("nll_loss/float64/none", "nll_loss", [lp((4, 3), "float64"), T([2, 0, 1, 1], "int32")], nll, kwargs={"reduction": "none"})
    case("nll_loss/float32/label_smoothing", "nll_loss", [lp35, t3], nll, kwargs={"label_smoothing": 0.1})
    case("nll_loss/float32/4d", "nll_loss", [lp((2, 3, 2, 2)), T(r.rng.integers(0, 3, (2, 2, 2)), "int32")], nll)

    # ops.binary_cross_entropy(logits, labels, weight=None, reduction='mean'): logits are probabilities
    def bce(x, y, w=None, reduction="mean"):
        l = -(y * torch.log(x) + (1 - y) * torch.log(1 - x))
        if w is not None:
            l = l * w
        return _reduce_loss(l, reduction)
    r = Rand("binary_cross_entropy")
    case("binary_cross_entropy/float32/mean", "binary_cross_entropy", [r.f((2, 3), "float32", 0.05, 0.95), r.f((2, 3), "float32", 0, 1)], bce)
    case("binary_cross_entropy/float32/weight_bcast_sum", "binary_cross_entropy",
         [r.f((2, 3), "float32", 0.05, 0.95), T(r.rng.integers(0, 2, (2, 3)), "float32"), r.f((3,), "float32", 0.5, 2)], bce, kwargs={"reduction": "sum"})
    case("binary_cross_entropy/float64/none", "binary_cross_entropy", [r.f((4,), "float64", 0.05, 0.95), r.f((4,), "float64", 0, 1), V(None), V("none")], bce)

    # ops.binary_cross_entropy_with_logits(logits, label, weight=None, pos_weight=None, reduction='mean')
    def bcel(x, y, w=None, pw=None, reduction="mean"):
        log_sig = F.logsigmoid(x)
        log_1m = F.logsigmoid(-x)
        pwt = pw if pw is not None else 1.0
        l = -(pwt * y * log_sig + (1 - y) * log_1m)
        if w is not None:
            l = l * w
        return _reduce_loss(l, reduction)
    r = Rand("bce_with_logits")
    op = "binary_cross_entropy_with_logits"
    case(f"{op}/float32/mean", op, [r.f((2, 3), "float32", -3, 3), r.f((2, 3), "float32", 0, 1)], bcel)
    case(f"{op}/float32/weight_pos_weight_sum", op, [r.f((2, 3), "float32", -3, 3), r.f((2, 3), "float32", 0, 1),
                                                     r.f((2, 3), "float32", 0.5, 2), r.f((3,), "float32", 0.5, 3)], bcel, kwargs={"reduction": "sum"})
    case(f"{op}/float64/pos_weight_only_none", op, [r.f((2, 2), "float64", -3, 3), r.f((2, 2), "float64", 0, 1), V(None),
                                                    r.f((2,), "float64", 0.5, 3), V("none")], bcel)
    case(f"{op}/float32/extreme_logits", op, [T([30.0, -30.0, 0.0], "float32"), T([0.0, 1.0, 0.5], "float32")], bcel)

    # ops.mse_loss / ops.l1_loss(input, target, reduction='mean'); smooth_l1_loss default reduction='none'
    r = Rand("mse_loss")
    mse = lambda x, y, reduction="mean": _reduce_loss((x - y) ** 2, reduction)
    case("mse_loss/float32/mean", "mse_loss", [r.f((2, 3)), r.f((2, 3))], mse)
    case("mse_loss/float64/sum", "mse_loss", [r.f((3,), "float64"), r.f((3,), "float64")], mse, kwargs={"reduction": "sum"})
    case("mse_loss/float32/none_bcast", "mse_loss", [r.f((2, 3)), r.f((3,)), V("none")], mse)
    case("mse_loss/float32/0d", "mse_loss", [r.f(()), r.f(())], mse)
    r = Rand("l1_loss")
    l1 = lambda x, y, reduction="mean": _reduce_loss(torch.abs(x - y), reduction)
    xa, ya = r.f((2, 4)), r.f((2, 4))
    case("l1_loss/float32/mean", "l1_loss", [xa, ya], l1)
    case("l1_loss/float64/sum", "l1_loss", [r.f((3,), "float64", -2, 2), T([5.0, -5.0, 0.5], "float64")], l1, kwargs={"reduction": "sum"})
    case("l1_loss/float32/none", "l1_loss", [xa, ya, V("none")], l1)
    r = Rand("smooth_l1_loss")
    sl1 = lambda x, y, beta=1.0, reduction="none": _reduce_loss(F.smooth_l1_loss(x, y, reduction="none", beta=beta), reduction)
    # |input - target| stays away from beta (0.5 and 1.0) where the loss switches branch
    d_ok = lambda c: (np.abs(np.abs(c) - 1.0) < 0.05) | (np.abs(np.abs(c) - 0.5) < 0.05)
    xs = r.f((2, 4), "float32", -2.5, 2.5, avoid=d_ok)
    ys = T(np.zeros((2, 4)), "float32")
    case("smooth_l1_loss/float32/default_none", "smooth_l1_loss", [xs, ys], sl1)
    case("smooth_l1_loss/float32/beta=0.5_mean", "smooth_l1_loss", [xs, ys], sl1, kwargs={"beta": 0.5, "reduction": "mean"})
    case("smooth_l1_loss/float64/sum", "smooth_l1_loss", [r.f((4,), "float64", -2.5, 2.5, avoid=d_ok), T(np.zeros(4), "float64"), V(1.0), V("sum")], sl1)

    # ops.conv1d / ops.conv2d(input, weight, bias=None, stride=1, pad_mode='valid', padding=0, dilation=1, groups=1)
    CT = {}
    r = Rand("conv1d")
    case("conv1d/float32/valid", "conv1d", [r.f((2, 3, 7)), r.f((4, 3, 3))], _conv, **CT)
    case("conv1d/float32/bias_pad=1_stride=2", "conv1d", [r.f((1, 2, 6)), r.f((3, 2, 3)), r.f((3,))], _conv,
         kwargs={"stride": 2, "pad_mode": "pad", "padding": 1}, **CT)
    case("conv1d/float32/same_dilation=2", "conv1d", [r.f((1, 2, 6)), r.f((2, 2, 3))], _conv, kwargs={"pad_mode": "same", "dilation": 2}, **CT)
    case("conv1d/float32/same_even_kernel", "conv1d", [r.f((1, 1, 5)), r.f((1, 1, 4))], _conv, kwargs={"pad_mode": "same"}, **CT)
    case("conv1d/float64/groups=3", "conv1d", [r.f((2, 3, 5), "float64"), r.f((6, 1, 2), "float64"), r.f((6,), "float64")], _conv,
         kwargs={"groups": 3})
    r = Rand("conv2d")
    case("conv2d/float32/valid", "conv2d", [r.f((1, 2, 5, 5)), r.f((3, 2, 3, 3))], _conv, **CT)
    case("conv2d/float32/bias_pad=1_stride=2", "conv2d", [r.f((2, 2, 5, 5)), r.f((2, 2, 3, 3)), r.f((2,)), V(2), V("pad"), V(1)], _conv, **CT)
    case("conv2d/float32/pad_tuple=(1,0)", "conv2d", [r.f((1, 1, 4, 4)), r.f((2, 1, 3, 3))], _conv,
         kwargs={"pad_mode": "pad", "padding": [1, 0]}, **CT)
    case("conv2d/float32/same_even_kernel", "conv2d", [r.f((1, 2, 4, 5)), r.f((1, 2, 2, 2))], _conv, kwargs={"pad_mode": "same"}, **CT)
    case("conv2d/float32/same_stride=2", "conv2d", [r.f((1, 1, 6, 5)), r.f((2, 1, 3, 3)), V(None), V(2), V("same")], _conv, **CT)
    case("conv2d/float32/dilation=2", "conv2d", [r.f((1, 1, 6, 6)), r.f((1, 1, 2, 3))], _conv, kwargs={"dilation": 2}, **CT)
    case("conv2d/float64/groups=2_stride=(1,2)", "conv2d", [r.f((1, 4, 4, 5), "float64"), r.f((4, 2, 2, 2), "float64"), r.f((4,), "float64")],
         _conv, kwargs={"stride": [1, 2], "groups": 2})

    # conv_transpose2d (mint.nn.functional signature == torch)
    r = Rand("conv_transpose2d")
    ctr = lambda x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1: \
        F.conv_transpose2d(x, w, b, tup(stride), tup(padding), tup(output_padding), groups, tup(dilation))
    case("conv_transpose2d/float32/basic", "conv_transpose2d", [r.f((1, 2, 3, 3)), r.f((2, 3, 2, 2))], ctr, **CT)
    case("conv_transpose2d/float32/stride2_pad1_outpad1_bias", "conv_transpose2d", [r.f((1, 2, 3, 3)), r.f((2, 2, 3, 3)), r.f((2,))], ctr,
         kwargs={"stride": 2, "padding": 1, "output_padding": 1}, **CT)
    case("conv_transpose2d/float32/groups=2_dilation=2", "conv_transpose2d", [r.f((1, 2, 3, 2)), r.f((2, 1, 2, 2)), V(None), V(1), V(0), V(0), V(2), V(2)],
         ctr, **CT)
    case("conv_transpose2d/float64/stride=(2,1)", "conv_transpose2d", [r.f((2, 1, 2, 3), "float64"), r.f((1, 2, 2, 3), "float64")], ctr,
         kwargs={"stride": [2, 1]})

    # ops.max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)
    def mp(x, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        res = F.max_pool2d(x, tup(kernel_size), tup(stride) if stride is not None else None, tup(padding), tup(dilation),
                           ceil_mode=ceil_mode, return_indices=return_indices)
        return tuple(res) if return_indices else res
    r = Rand("max_pool2d")
    case("max_pool2d/float32/k=2", "max_pool2d", [r.f((1, 2, 4, 5)), V(2)], mp)
    case("max_pool2d/float32/k=3_s=1_p=1", "max_pool2d", [r.f((1, 1, 4, 4)), V(3), V(1), V(1)], mp)
    case("max_pool2d/float32/return_indices", "max_pool2d", [r.f((1, 2, 4, 4)), V(2)], mp, kwargs={"return_indices": True},
         out_dtype=["float32", "int64"])
    case("max_pool2d/float32/ceil_mode", "max_pool2d", [r.f((1, 1, 5, 5)), V(2)], mp, kwargs={"stride": 2, "ceil_mode": True})
    case("max_pool2d/float64/k=(2,3)_dilation=(1,2)", "max_pool2d", [r.f((2, 1, 4, 7), "float64"), V([2, 3])], mp,
         kwargs={"stride": [1, 2], "dilation": [1, 2]})

    # ops.avg_pool2d(input_x, kernel_size=1, stride=1, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=0)
    def ap(x, kernel_size=1, stride=1, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=0):
        if isinstance(padding, (list, tuple)) and len(padding) == 4:  # (top, bottom, left, right), symmetric here
            assert padding[0] == padding[1] and padding[2] == padding[3]
            padding = (padding[0], padding[2])
        return F.avg_pool2d(x, tup(kernel_size), tup(stride), tup(padding), ceil_mode, count_include_pad,
                            divisor_override if divisor_override else None)
    r = Rand("avg_pool2d")
    case("avg_pool2d/float32/defaults_identity", "avg_pool2d", [r.f((1, 2, 2, 3))], ap)
    case("avg_pool2d/float32/k=2_s=2", "avg_pool2d", [r.f((1, 2, 4, 4)), V(2), V(2)], ap)
    case("avg_pool2d/float32/k=2_default_stride=1", "avg_pool2d", [r.f((1, 1, 3, 3)), V(2)], ap)
    case("avg_pool2d/float32/pad=1_exclude_pad", "avg_pool2d", [r.f((1, 1, 4, 4)), V(3), V(1), V(1)], ap, kwargs={"count_include_pad": False})
    case("avg_pool2d/float32/pad4_include_pad", "avg_pool2d", [r.f((1, 1, 3, 4)), V(3), V(2), V([1, 1, 1, 1])], ap)
    # ceil_mode=True is not covered: the divisor of a partial (overhanging) window is not documented for MindSpore.
    case("avg_pool2d/float64/k=(2,3)_s=(1,2)", "avg_pool2d", [r.f((1, 2, 3, 5), "float64"), V([2, 3]), V([1, 2])], ap)
    case("avg_pool2d/float32/divisor_override=3", "avg_pool2d", [r.f((1, 1, 4, 4)), V([2, 2]), V([2, 2])], ap, kwargs={"divisor_override": 3})

    # ops.adaptive_avg_pool2d(input, output_size); None entries keep the input size
    def aap(x, output_size):
        if isinstance(output_size, (list, tuple)):
            output_size = tuple(x.shape[-2 + i] if s is None else s for i, s in enumerate(output_size))
        return F.adaptive_avg_pool2d(x, output_size)
    r = Rand("adaptive_avg_pool2d")
    case("adaptive_avg_pool2d/float32/(2,3)", "adaptive_avg_pool2d", [r.f((1, 2, 5, 7)), V([2, 3])], aap)
    case("adaptive_avg_pool2d/float32/int=3", "adaptive_avg_pool2d", [r.f((2, 1, 4, 4)), V(3)], aap)
    case("adaptive_avg_pool2d/float64/(None,2)", "adaptive_avg_pool2d", [r.f((1, 1, 3, 5), "float64"), V([None, 2])], aap)
    case("adaptive_avg_pool2d/float32/3d_input", "adaptive_avg_pool2d", [r.f((2, 4, 4)), V(1)], aap)

    # ops.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5)
    LN = dict(rtol=1e-4, atol=1e-5)
    r = Rand("layer_norm")
    ln = lambda x, ns, w=None, b=None, eps=1e-5: F.layer_norm(x, tuple(ns), w, b, eps)
    case("layer_norm/float32/last_dim_affine", "layer_norm", [r.f((2, 3, 4)), V([4]), r.f((4,), "float32", 0.5, 1.5), r.f((4,))], ln, **LN)
    case("layer_norm/float32/two_dims_no_affine", "layer_norm", [r.f((2, 3, 4)), V([3, 4])], ln, **LN)
    case("layer_norm/float64/eps=1e-3", "layer_norm", [r.f((3, 5), "float64"), V([5]), r.f((5,), "float64", 0.5, 1.5), r.f((5,), "float64")],
         ln, kwargs={"eps": 1e-3})
    # ops.batch_norm(input_x, running_mean, running_var, weight, bias, training=False, momentum=0.1, eps=1e-5)
    r = Rand("batch_norm")
    bn = lambda x, rm, rv, w, b, training=False, momentum=0.1, eps=1e-5: F.batch_norm(x, rm.detach().clone(), rv.detach().clone(), w, b, training, momentum, eps)
    case("batch_norm/float32/inference", "batch_norm", [r.f((3, 2, 4)), r.f((2,)), r.f((2,), "float32", 0.5, 2), r.f((2,), "float32", 0.5, 1.5), r.f((2,))],
         bn, wrt=[0, 3, 4], **LN)
    case("batch_norm/float32/training", "batch_norm", [r.f((3, 2, 4)), r.f((2,)), r.f((2,), "float32", 0.5, 2), r.f((2,), "float32", 0.5, 1.5), r.f((2,)), V(True)],
         bn, wrt=[0, 3, 4], **LN)
    case("batch_norm/float64/training_4d", "batch_norm", [r.f((2, 3, 2, 2), "float64"), T(np.zeros(3), "float64"), T(np.ones(3), "float64"),
                                                          r.f((3,), "float64", 0.5, 1.5), r.f((3,), "float64")], bn, kwargs={"training": True, "eps": 1e-3},
         wrt=[0, 3, 4])
    # ops.group_norm(input, num_groups, weight=None, bias=None, eps=1e-5)
    r = Rand("group_norm")
    gn = lambda x, g, w=None, b=None, eps=1e-5: F.group_norm(x, g, w, b, eps)
    case("group_norm/float32/affine", "group_norm", [r.f((2, 4, 3)), V(2), r.f((4,), "float32", 0.5, 1.5), r.f((4,))], gn, **LN)
    case("group_norm/float64/no_affine_4d", "group_norm", [r.f((2, 6, 2, 2), "float64"), V(3)], gn)

    # ops.interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None)
    # Integer scale factors only: the output size is floor(in*scale) and the coordinate mapping uses in/out.
    def interp(x, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        nd = x.dim() - 2
        if size is None:
            sf = (scale_factor,) * nd if not isinstance(scale_factor, (list, tuple)) else scale_factor
            size = tuple(int(math.floor(x.shape[2 + i] * sf[i])) for i in range(nd))
        ac = bool(align_corners) if mode == "bilinear" else None
        return F.interpolate(x, size=tup(size), mode=mode, align_corners=ac)
    r = Rand("interpolate")
    case("interpolate/float32/nearest_scale=2", "interpolate", [r.f((1, 1, 2, 3))], interp, kwargs={"scale_factor": 2.0})
    case("interpolate/float32/nearest_size", "interpolate", [r.f((1, 2, 2, 3)), V([3, 5])], interp)
    case("interpolate/float32/bilinear_size", "interpolate", [r.f((1, 1, 2, 3))], interp, kwargs={"size": [4, 5], "mode": "bilinear"})
    case("interpolate/float32/bilinear_align_corners", "interpolate", [r.f((1, 1, 3, 3))], interp,
         kwargs={"size": [4, 5], "mode": "bilinear", "align_corners": True})
    case("interpolate/float64/bilinear_scale=2", "interpolate", [r.f((2, 1, 2, 2), "float64"), V(None), V([2.0, 2.0]), V("bilinear"), V(False)], interp)
    case("interpolate/float32/nearest_downsample", "interpolate", [r.f((1, 1, 4, 6))], interp, kwargs={"size": [2, 4]})

    # ops.embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False)
    r = Rand("embedding")
    emb = lambda i, w, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False: \
        F.embedding(i, w, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq)
    idx = T([[1, 0, 3], [3, 3, 2]], "int32")
    case("embedding/float32/basic", "embedding", [idx, r.f((4, 3))], emb)
    case("embedding/float32/padding_idx=3", "embedding", [idx, r.f((4, 3))], emb, kwargs={"padding_idx": 3})
    case("embedding/float64/scale_grad_by_freq", "embedding", [idx, r.f((4, 2), "float64")], emb, kwargs={"scale_grad_by_freq": True})
    case("embedding/float32/0d_index", "embedding", [T(2, "int64"), r.f((4, 3))], emb)


# ==========================================================================
# main
# ==========================================================================
def main():
    gen_elementwise()
    gen_reduction()
    gen_linalg()
    gen_shape()
    gen_compare()
    gen_nn()
    # every manifest op has cases, every case op is in the manifest
    seen = {c["op"] for g in GROUPS for c in CASES[g]}
    missing = sorted(set(SPEC) - seen)
    if missing:
        sys.exit(f"ops without fixtures: {missing}")
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for g in GROUPS:
        cases = CASES[g]
        head = {"generator": "tools/gen_fixtures.py", "torch": torch.__version__, "numpy": np.__version__,
                "mindspore_api": MANIFEST.get("mindspore_version"), "group": g, "tolerance": TOLERANCE}
        text = json.dumps(head, allow_nan=False)[:-1] + ',\n"cases": [\n'
        text += ",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases)
        text += "\n]}\n"
        path = os.path.join(OUT_DIR, f"{g}.json")
        with open(path, "w") as f:
            f.write(text)
        total += len(cases)
        print(f"{os.path.relpath(path, ROOT)}: {len(cases)} cases, {len(text)} bytes")
    print(f"{len(seen)} ops, {total} cases")


if __name__ == "__main__":
    main()
