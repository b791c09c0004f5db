#!/usr/bin/env python3
"""Reference fixtures for mindspore-ts nn layers and loss Cells, computed with PyTorch.

Run with Debian's PyTorch (the pyenv python has no torch):

    /usr/bin/python3 tools/gen_layer_fixtures.py

Writes test/fixtures/layers/<group>.json (groups: layers, recurrent, attention,
losses), replayed by test/layer_fixtures.test.ts.

Each case describes a MindSpore Cell call and its PyTorch reference:
* "layer", "args", "kwargs": the Cell's class under ms.nn and its MindSpore
  constructor arguments ({"dtype": "float64"} stands for a mindspore dtype).
* "train": whether the Cell runs in training mode (set_train).
* "params": the value of every Parameter, by MindSpore's name (the replay
  checks the names match the Cell's parameters_and_names exactly).
* "inputs": construct's positional arguments ({"tensor": T}, {"tuple": [...]},
  {"value": v}); "call_kwargs": a trailing options object.
* "out": the output tensors, flattened depth-first; "cotangent": one per output.
* "wrt": which tensor leaves of "inputs" (depth-first) are differentiated;
  "input_grads" and "param_grads" (trainable parameters, by name) hold
  d sum_i(out_i * cot_i) / d(...).
* "after": Parameters updated in place by the call (BatchNorm's moving stats).

Values: inputs and parameters come from grids of dyadic numbers (multiples of
1/64) seeded by the crc32 of the case id, so they are exact in float32; every
reference computation runs in float64 from those exact values. MindSpore's
conventions are mapped onto PyTorch explicitly below (momentum 0.9 <-> 0.1,
gamma/beta <-> weight/bias, 'same' padding as TensorFlow's, Conv1d's 4-D
kernel, Conv2dTranspose as the adjoint of Conv2D, ...).
"""
import json
import math
import os
import zlib

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "layers")
torch.set_default_dtype(torch.float64)

TOL = {"float32": {"rtol": 1e-4, "atol": 1e-5}, "float64": {"rtol": 1e-9, "atol": 1e-11}}


def rng_for(case_id):
    return np.random.default_rng(zlib.crc32(case_id.encode()))


def grid(rng, shape, lo=-2.0, hi=2.0, step=64):
    return np.round(rng.uniform(lo, hi, size=shape) * step) / step


def tjson(a, dtype):
    a = np.asarray(a)
    if dtype in ("int32", "int64"):
        data = [int(v) for v in a.reshape(-1)]
    elif dtype == "bool":
        data = [bool(v) for v in a.reshape(-1)]
    else:
        data = [float(v) for v in a.astype(np.float64).reshape(-1)]
    return {"dtype": dtype, "shape": list(a.shape), "data": data}


class Case:
    """Collects one case: inputs and parameters are drawn here, the reference fills the rest."""

    def __init__(self, cid, layer, args=(), kwargs=None, dtype="float32", train=False):
        self.id = cid
        self.rng = rng_for(cid)
        self.layer = layer
        self.args = list(args)
        self.kwargs = dict(kwargs or {})
        self.dtype = dtype
        self.train = train
        self.params = {}  # ms name -> np array
        self.trainable = []
        self.inputs = []  # arg specs
        self.leaves = []  # torch tensors (depth-first) of the inputs
        self.wrt = []
        self.call_kwargs = {}
        self.after = {}
        self.tol = dict(TOL[dtype])

    # ----- drawing
    def param(self, name, shape, lo=-1.0, hi=1.0, trainable=True):
        a = grid(self.rng, shape, lo, hi)
        self.params[name] = a
        if trainable:
            self.trainable.append(name)
        return torch.tensor(a, requires_grad=trainable)

    def tensor(self, shape, lo=-2.0, hi=2.0, grad=True):
        a = grid(self.rng, shape, lo, hi)
        t = torch.tensor(a, requires_grad=grad)
        self.leaves.append(t)
        if grad:
            self.wrt.append(len(self.leaves) - 1)
        return t, {"tensor": tjson(a, self.dtype)}

    def input(self, shape, lo=-2.0, hi=2.0, grad=True):
        t, spec = self.tensor(shape, lo, hi, grad)
        self.inputs.append(spec)
        return t

    def int_input(self, values, dtype="int64"):
        a = np.asarray(values, dtype=np.int64)
        self.leaves.append(torch.tensor(a))
        self.inputs.append({"tensor": tjson(a, dtype)})
        return torch.tensor(a)

    def value(self, v):
        self.inputs.append({"value": v})

    # ----- finishing
    def finish(self, outs, param_tensors, after=None):
        outs = [o for o in flatten(outs)]
        cots = [torch.tensor(grid(self.rng, tuple(o.shape), -1.0, 1.0)) for o in outs]
        total = sum((o * c).sum() for o, c in zip(outs, cots))
        wrt_t = [self.leaves[i] for i in self.wrt]
        ptens = [param_tensors[n] for n in self.trainable]
        grads = torch.autograd.grad(total, wrt_t + ptens, allow_unused=True) if wrt_t + ptens else []
        grads = [torch.zeros_like(t) if g is None else g for g, t in zip(grads, wrt_t + ptens)]
        out = {
            "id": self.id,
            "layer": self.layer,
            "args": self.args,
            "kwargs": self.kwargs,
            "dtype": self.dtype,
            "train": self.train,
            "params": {n: tjson(a, self.dtype) for n, a in self.params.items()},
            "inputs": self.inputs,
            "out": [tjson(o.detach().numpy(), self.dtype) for o in outs],
            "cotangent": [tjson(c.numpy(), self.dtype) for c in cots],
            "wrt": self.wrt,
            "input_grads": [tjson(g.numpy(), self.dtype) for g in grads[: len(wrt_t)]],
            "param_grads": {n: tjson(g.numpy(), self.dtype) for n, g in zip(self.trainable, grads[len(wrt_t):])},
            "rtol": self.tol["rtol"],
            "atol": self.tol["atol"],
        }
        if self.call_kwargs:
            out["call_kwargs"] = self.call_kwargs
        if after:
            out["after"] = {n: tjson(v.detach().numpy(), self.dtype) for n, v in after.items()}
        return out


def flatten(x):
    if isinstance(x, (list, tuple)):
        for e in x:
            yield from flatten(e)
    else:
        yield x


def dt(name):
    return {"dtype": name}


def same_pad(size, k, s, d=1):
    """TensorFlow's (MindSpore's) SAME padding: output ceil(size / s), the odd element at the end."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


# ----------------------------------------------------------------- layers

def conv2d_ref(x, w, b, stride, pad_mode, padding, dilation, groups):
    kh, kw = w.shape[2:]
    if pad_mode == "same":
        pt, pb = same_pad(x.shape[2], kh, stride[0], dilation[0])
        pl, pr = same_pad(x.shape[3], kw, stride[1], dilation[1])
    elif pad_mode == "valid":
        pt = pb = pl = pr = 0
    else:
        p = [padding] * 4 if isinstance(padding, int) else (
            [padding[0], padding[0], padding[1], padding[1]] if len(padding) == 2 else list(padding))
        pt, pb, pl, pr = p
    xp = F.pad(x, (pl, pr, pt, pb))
    return F.conv2d(xp, w, b, stride=stride, dilation=dilation, groups=groups)


def case_conv2d(cid, cin, cout, k, dtype="float32", **kw):
    c = Case(cid, "Conv2d", [cin, cout, k], {**kw, **({"dtype": dt(dtype)} if dtype != "float32" else {})}, dtype)
    kk = (k, k) if isinstance(k, int) else tuple(k)
    g = kw.get("group", 1)
    w = c.param("weight", (cout, cin // g, *kk))
    b = c.param("bias", (cout,)) if kw.get("has_bias", False) else None
    x = c.input((2, cin, 7, 6))
    stride = kw.get("stride", 1)
    stride = (stride, stride) if isinstance(stride, int) else tuple(stride)
    dil = kw.get("dilation", 1)
    dil = (dil, dil) if isinstance(dil, int) else tuple(dil)
    y = conv2d_ref(x, w, b, stride, kw.get("pad_mode", "same"), kw.get("padding", 0), dil, g)
    return c.finish(y, {"weight": w, "bias": b})


def case_conv1d(cid, cin, cout, k, **kw):
    c = Case(cid, "Conv1d", [cin, cout, k], kw)
    g = kw.get("group", 1)
    # MindSpore stores Conv1d's kernel 4-D: (C_out, C_in/group, 1, k)
    w4 = c.param("weight", (cout, cin // g, 1, k))
    b = c.param("bias", (cout,)) if kw.get("has_bias", False) else None
    x = c.input((2, cin, 9))
    s = kw.get("stride", 1)
    d = kw.get("dilation", 1)
    mode = kw.get("pad_mode", "same")
    if mode == "same":
        pl, pr = same_pad(9, k, s, d)
    elif mode == "valid":
        pl = pr = 0
    else:
        p = kw.get("padding", 0)
        pl, pr = (p, p) if isinstance(p, int) else tuple(p)
    y = F.conv1d(F.pad(x, (pl, pr)), w4[:, :, 0, :], b, stride=s, dilation=d, groups=g)
    return c.finish(y, {"weight": w4, "bias": b})


def case_conv2d_transpose(cid, cin, cout, k, hw=(4, 5), **kw):
    c = Case(cid, "Conv2dTranspose", [cin, cout, k], kw)
    kk = (k, k) if isinstance(k, int) else tuple(k)
    g = kw.get("group", 1)
    w = c.param("weight", (cin, cout // g, *kk))
    b = c.param("bias", (cout,)) if kw.get("has_bias", False) else None
    x = c.input((2, cin, *hw))
    s = kw.get("stride", 1)
    s = (s, s) if isinstance(s, int) else tuple(s)
    d = kw.get("dilation", 1)
    d = (d, d) if isinstance(d, int) else tuple(d)
    op = kw.get("output_padding", 0)
    op = (op, op) if isinstance(op, int) else tuple(op)
    mode = kw.get("pad_mode", "same")
    p = kw.get("padding", 0)
    pads = [p] * 4 if isinstance(p, int) else ([p[0], p[0], p[1], p[1]] if len(p) == 2 else list(p))
    # MindSpore's Conv2dTranspose is Conv2DBackpropInput: the adjoint of the forward Conv2D
    # (same pad_mode) from an input of the transposed output's size.
    out = []
    for i in range(2):
        full = (hw[i] - 1) * s[i] + d[i] * (kk[i] - 1) + 1
        if mode == "same":
            out.append(hw[i] * s[i])
        elif mode == "valid":
            out.append(full)
        else:
            out.append(full - pads[2 * i] - pads[2 * i + 1] + op[i])
    z = torch.zeros((2, cout, *out), requires_grad=True)
    fwd = conv2d_ref(z, w, None, s, mode, pads, d, g)
    assert tuple(fwd.shape[2:]) == tuple(hw), (fwd.shape, hw)
    y = torch.autograd.grad(fwd, z, grad_outputs=x, create_graph=True)[0]
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return c.finish(y, {"weight": w, "bias": b})


def case_maxpool(cid, shape=(2, 3, 7, 6), **kw):
    c = Case(cid, "MaxPool2d", [], kw)
    # distinct values, so every window has a unique maximum
    n = int(np.prod(shape))
    a = (c.rng.permutation(n) - n / 2) / 16.0
    x = torch.tensor(a.reshape(shape), requires_grad=True)
    c.leaves.append(x)
    c.wrt.append(0)
    c.inputs.append({"tensor": tjson(a.reshape(shape), c.dtype)})
    k = kw.get("kernel_size", 1)
    k = (k, k) if isinstance(k, int) else tuple(k)
    s = kw.get("stride", 1)
    s = (s, s) if isinstance(s, int) else tuple(s)
    xb = x if len(shape) == 4 else x.unsqueeze(0)
    mode = kw.get("pad_mode", "valid")
    if mode == "valid":
        y = F.max_pool2d(xb, k, s)
    elif mode == "same":
        pt, pb = same_pad(shape[-2], k[0], s[0])
        pl, pr = same_pad(shape[-1], k[1], s[1])
        y = F.max_pool2d(F.pad(xb, (pl, pr, pt, pb), value=-math.inf), k, s)
    else:
        y = F.max_pool2d(xb, k, s, kw.get("padding", 0), kw.get("dilation", 1), kw.get("ceil_mode", False))
    if len(shape) == 3:
        y = y.squeeze(0)
    return c.finish(y, {})


def case_avgpool(cid, shape=(2, 3, 7, 6), **kw):
    c = Case(cid, "AvgPool2d", [], kw)
    x = c.input(shape)
    k = kw.get("kernel_size", 1)
    k = (k, k) if isinstance(k, int) else tuple(k)
    s = kw.get("stride", 1)
    s = (s, s) if isinstance(s, int) else tuple(s)
    mode = kw.get("pad_mode", "valid")
    if mode == "valid":
        y = F.avg_pool2d(x, k, s)
    elif mode == "same":
        # TensorFlow's SAME average: the divisor counts only the real elements of each window
        pt, pb = same_pad(shape[-2], k[0], s[0])
        pl, pr = same_pad(shape[-1], k[1], s[1])
        sums = F.avg_pool2d(F.pad(x, (pl, pr, pt, pb)), k, s, divisor_override=1)
        counts = F.avg_pool2d(F.pad(torch.ones_like(x), (pl, pr, pt, pb)), k, s, divisor_override=1)
        y = sums / counts
    else:
        y = F.avg_pool2d(x, k, s, kw.get("padding", 0), kw.get("ceil_mode", False), kw.get("count_include_pad", True),
                         kw.get("divisor_override", None))
    return c.finish(y, {})


def case_batchnorm(cid, layer, shape, train, dtype="float32", **kw):
    kwargs = {**kw, **({"dtype": dt(dtype)} if dtype != "float32" else {})}
    c = Case(cid, layer, [shape[1]], kwargs, dtype, train)
    C = shape[1]
    mm = c.param("moving_mean", (C,), -0.5, 0.5, trainable=False)
    mv = c.param("moving_variance", (C,), 0.5, 1.5, trainable=False)
    affine = kw.get("affine", True)
    gamma = c.param("gamma", (C,), 0.5, 1.5, trainable=affine)
    beta = c.param("beta", (C,), -0.5, 0.5, trainable=affine)
    x = c.input(shape)
    use_batch = kw.get("use_batch_statistics", None)
    training = train if use_batch is None else use_batch
    rm = mm.detach().clone()
    rv = mv.detach().clone()
    # MindSpore momentum m (weight of the old value) is PyTorch's 1 - m
    y = F.batch_norm(x, rm, rv, gamma, beta, training=training, momentum=1 - kw.get("momentum", 0.9), eps=kw.get("eps", 1e-5))
    after = {"moving_mean": rm, "moving_variance": rv} if training else None
    return c.finish(y, {"gamma": gamma, "beta": beta}, after)


def case_layernorm(cid, shape, normalized_shape, bna=-1, bpa=-1, eps=None, dtype="float32"):
    kw = {"begin_norm_axis": bna, "begin_params_axis": bpa}
    if eps is not None:
        kw["epsilon"] = eps
    if dtype != "float32":
        kw["dtype"] = dt(dtype)
    c = Case(cid, "LayerNorm", [list(normalized_shape)], kw, dtype)
    gamma = c.param("gamma", normalized_shape, 0.5, 1.5)
    beta = c.param("beta", normalized_shape, -0.5, 0.5)
    x = c.input(shape)
    r = len(shape)
    nb = bna % r
    y = F.layer_norm(x, shape[nb:], eps=1e-7 if eps is None else eps) * gamma + beta
    return c.finish(y, {"gamma": gamma, "beta": beta})


def case_groupnorm(cid, groups, shape, eps=None):
    kw = {} if eps is None else {"eps": eps}
    c = Case(cid, "GroupNorm", [groups, shape[1]], kw)
    gamma = c.param("gamma", (shape[1],), 0.5, 1.5)
    beta = c.param("beta", (shape[1],), -0.5, 0.5)
    x = c.input(shape)
    y = F.group_norm(x, groups, gamma, beta, eps=1e-5 if eps is None else eps)
    return c.finish(y, {"gamma": gamma, "beta": beta})


def case_dense(cid, cin, cout, has_bias=True, activation=None, dtype="float32"):
    args = [cin, cout, None, None, has_bias, activation] + ([dt(dtype)] if dtype != "float32" else [])
    c = Case(cid, "Dense", args, {}, dtype)
    w = c.param("weight", (cout, cin))
    b = c.param("bias", (cout,)) if has_bias else None
    x = c.input((3, cin))
    y = F.linear(x, w, b)
    if activation == "relu":
        y = F.relu(y)
    elif activation == "tanh":
        y = torch.tanh(y)
    return c.finish(y, {"weight": w, "bias": b})


def case_embedding(cid, vocab, dim, ids, use_one_hot=False, padding_idx=None):
    kw = {"use_one_hot": use_one_hot}
    if padding_idx is not None:
        kw["padding_idx"] = padding_idx
    c = Case(cid, "Embedding", [vocab, dim], kw)
    table = c.param("embedding_table", (vocab, dim))
    ids_t = c.int_input(ids, "int32")
    # MindSpore's Embedding is a plain gather: the padding row still gets gradient (PyTorch's would not)
    y = F.embedding(ids_t, table)
    return c.finish(y, {"embedding_table": table})


def case_activation(cid, layer, args, fn, shape=(3, 5), dtype="float32"):
    c = Case(cid, layer, args, {}, dtype)
    x = c.input(shape)
    return c.finish(fn(x), {})


def case_flatten(cid, shape, **kw):
    c = Case(cid, "Flatten", [], kw)
    x = c.input(shape)
    return c.finish(torch.flatten(x, kw.get("start_dim", 1), kw.get("end_dim", -1)), {})


def case_adaptive(cid, shape, out):
    c = Case(cid, "AdaptiveAvgPool2d", [out], {})
    x = c.input(shape)
    return c.finish(F.adaptive_avg_pool2d(x, out), {})


# -------------------------------------------------------------- recurrent

def case_rnn(cid, kind, I, H, T=5, B=3, num_layers=1, bidirectional=False, batch_first=False, has_bias=True,
             with_hx=False, seq_lengths=None, nonlinearity=None, dtype="float32"):
    kw = {"num_layers": num_layers, "has_bias": has_bias, "batch_first": batch_first, "bidirectional": bidirectional}
    if nonlinearity is not None:
        kw["nonlinearity"] = nonlinearity
    if dtype != "float32":
        kw["dtype"] = dt(dtype)
    c = Case(cid, kind, [I, H], kw, dtype)
    cls = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[kind]
    extra = {"nonlinearity": nonlinearity} if kind == "RNN" and nonlinearity else {}
    mod = cls(I, H, num_layers=num_layers, bias=has_bias, batch_first=batch_first, bidirectional=bidirectional, **extra)
    gates = {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    dirs = 2 if bidirectional else 1
    ptens = {}
    # MindSpore's registration order: every weight_ih, then weight_hh, bias_ih, bias_hh (names identical to PyTorch's)
    names = []
    for prefix in (["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if has_bias else [])):
        for layer in range(num_layers):
            for d in range(dirs):
                names.append(f"{prefix}_l{layer}{'_reverse' if d else ''}")
    for n in names:
        shape = tuple(getattr(mod, n).shape)
        t = c.param(n, shape, -0.75, 0.75)
        ptens[n] = t
    # run PyTorch's module with our tensors as its parameters
    for n in names:
        delattr(mod, n)
        setattr(mod, n, ptens[n])
    mod._flat_weights = [ptens[n] if n in ptens else None for n in mod._flat_weights_names]
    x = c.input((B, T, I) if batch_first else (T, B, I))
    hx = None
    if with_hx:
        sshape = (num_layers * dirs, B, H)
        if kind == "LSTM":
            h0, s0 = c.tensor(sshape, -1, 1)
            c0, s1 = c.tensor(sshape, -1, 1)
            c.inputs.append({"tuple": [s0, s1]})
            hx = (h0, c0)
        else:
            h0, s0 = c.tensor(sshape, -1, 1)
            c.inputs.append(s0)
            hx = h0
    elif seq_lengths is not None:
        c.value(None)
    if seq_lengths is not None:
        lens = torch.tensor(seq_lengths)
        c.int_input(seq_lengths, "int32")
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lens, batch_first=batch_first, enforce_sorted=False)
        out_p, hn = mod(packed, hx)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out_p, batch_first=batch_first, total_length=T)
    else:
        out, hn = mod(x, hx)
    return c.finish([out, hn], ptens)


# -------------------------------------------------------------- attention

def case_mha(cid, E, heads, L=4, S=5, N=2, batch_first=False, kdim=None, vdim=None, has_bias=True, add_bias_kv=False,
             add_zero_attn=False, need_weights=True, average=True, mask=None, kpm=False, unbatched=False):
    kw = {"has_bias": has_bias, "add_bias_kv": add_bias_kv, "add_zero_attn": add_zero_attn, "batch_first": batch_first}
    if kdim is not None:
        kw["kdim"] = kdim
    if vdim is not None:
        kw["vdim"] = vdim
    c = Case(cid, "MultiheadAttention", [E, heads], kw)
    c.tol = {"rtol": 2e-4, "atol": 2e-5}
    mod = torch.nn.MultiheadAttention(E, heads, bias=has_bias, add_bias_kv=add_bias_kv, add_zero_attn=add_zero_attn,
                                      kdim=kdim, vdim=vdim, batch_first=batch_first)
    ptens = {}
    names = []
    if mod._qkv_same_embed_dim:
        names.append(("in_proj_weight", (3 * E, E)))
    else:
        names += [("q_proj_weight", (E, E)), ("k_proj_weight", (E, kdim or E)), ("v_proj_weight", (E, vdim or E))]
    if has_bias:
        names.append(("in_proj_bias", (3 * E,)))
    names.append(("out_proj.weight", (E, E)))
    if has_bias:
        names.append(("out_proj.bias", (E,)))
    if add_bias_kv:
        names += [("bias_k", (1, 1, E)), ("bias_v", (1, 1, E))]
    for n, shape in names:
        ptens[n] = c.param(n, shape, -0.75, 0.75)
    for n, _ in names:
        if n.startswith("out_proj."):
            sub = n.split(".")[1]
            delattr(mod.out_proj, sub)
            setattr(mod.out_proj, sub, ptens[n])
        else:
            delattr(mod, n)
            setattr(mod, n, ptens[n])
    if not has_bias:
        mod.out_proj.bias = None

    def shape3(seq, feat):
        if unbatched:
            return (seq, feat)
        return (N, seq, feat) if batch_first else (seq, N, feat)

    q = c.input(shape3(L, E))
    k = c.input(shape3(S, kdim or E))
    v = c.input(shape3(S, vdim or E))
    kwargs = {"need_weights": need_weights, "average_attn_weights": average}
    ck = {"need_weights": {"value": need_weights}, "average_attn_weights": {"value": average}}
    if mask == "bool":
        m = c.rng.random((L, S)) < 0.3
        m[:, 0] = False
        kwargs["attn_mask"] = torch.tensor(m)
        ck["attn_mask"] = {"tensor": tjson(m, "bool")}
    elif mask == "float":
        m = grid(c.rng, (L, S), -1, 1)
        kwargs["attn_mask"] = torch.tensor(m)
        ck["attn_mask"] = {"tensor": tjson(m, c.dtype)}
    if kpm:
        shape = (S,) if unbatched else (N, S)
        m = c.rng.random(shape) < 0.3
        m[..., 0] = False
        kwargs["key_padding_mask"] = torch.tensor(m)
        ck["key_padding_mask"] = {"tensor": tjson(m, "bool")}
    c.call_kwargs = ck
    out, w = mod(q, k, v, **kwargs)
    return c.finish([out, w] if need_weights else [out], ptens)


def case_encoder_layer(cid, d, heads, ff, batch_first=False, norm_first=False, activation="relu", mask=False):
    kw = {"dim_feedforward": ff, "dropout": 0.0, "activation": activation, "batch_first": batch_first,
          "norm_first": norm_first}
    c = Case(cid, "TransformerEncoderLayer", [d, heads], kw)
    c.tol = {"rtol": 2e-4, "atol": 3e-5}
    mod = torch.nn.TransformerEncoderLayer(d, heads, ff, 0.0, activation, 1e-5, batch_first, norm_first)
    # MindSpore name -> (PyTorch module, attribute)
    mapping = [
        ("self_attn.in_proj_weight", mod.self_attn, "in_proj_weight", (3 * d, d)),
        ("self_attn.in_proj_bias", mod.self_attn, "in_proj_bias", (3 * d,)),
        ("self_attn.out_proj.weight", mod.self_attn.out_proj, "weight", (d, d)),
        ("self_attn.out_proj.bias", mod.self_attn.out_proj, "bias", (d,)),
        ("dense1.weight", mod.linear1, "weight", (ff, d)),
        ("dense1.bias", mod.linear1, "bias", (ff,)),
        ("dense2.weight", mod.linear2, "weight", (d, ff)),
        ("dense2.bias", mod.linear2, "bias", (d,)),
        ("norm1.gamma", mod.norm1, "weight", (d,)),
        ("norm1.beta", mod.norm1, "bias", (d,)),
        ("norm2.gamma", mod.norm2, "weight", (d,)),
        ("norm2.beta", mod.norm2, "bias", (d,)),
    ]
    ptens = {}
    for n, m, attr, shape in mapping:
        lo, hi = (0.5, 1.5) if n.endswith("gamma") else (-0.75, 0.75)
        ptens[n] = c.param(n, shape, lo, hi)
        delattr(m, attr)
        setattr(m, attr, ptens[n])
    S, N = 4, 2
    x = c.input((N, S, d) if batch_first else (S, N, d))
    src_mask = None
    if mask:
        src_mask = torch.triu(torch.ones(S, S, dtype=torch.bool), 1)
        c.inputs.append({"tensor": tjson(src_mask.numpy(), "bool")})
    y = mod(x, src_mask)
    return c.finish(y, ptens)


# ----------------------------------------------------------------- losses

def loss_case(cid, layer, args, kwargs, logits_shape, label, fn, logits_range=(-2, 2), dtype="float32"):
    c = Case(cid, layer, args, kwargs, dtype)
    x = c.input(logits_shape, *logits_range)
    kind, spec = label
    if kind == "int":
        y = c.int_input(spec, "int32")
    elif kind == "int64":
        y = c.int_input(spec, "int64")
    else:
        lo, hi, shape = spec
        y, s = c.tensor(shape, lo, hi, grad=False)
        c.inputs.append(s)
    return c.finish(fn(x, y), {})


def build():
    layers, recurrent, attention, losses = [], [], [], []
    L = layers.append
    # containers are exercised in test/nn_layers.test.ts; here the leaf layers
    L(case_dense("Dense/bias", 4, 3))
    L(case_dense("Dense/nobias/relu", 4, 2, has_bias=False, activation="relu"))
    L(case_dense("Dense/float64/tanh", 5, 3, activation="tanh", dtype="float64"))
    L(case_conv2d("Conv2d/same/default", 3, 4, 3))
    L(case_conv2d("Conv2d/same/stride2/bias", 3, 4, 3, stride=2, has_bias=True))
    L(case_conv2d("Conv2d/same/k2x4/stride(2,1)/dil(1,2)", 2, 3, (2, 4), stride=(2, 1), dilation=(1, 2), has_bias=True))
    L(case_conv2d("Conv2d/valid/bias", 3, 2, 3, pad_mode="valid", has_bias=True))
    L(case_conv2d("Conv2d/pad/1", 3, 4, 3, pad_mode="pad", padding=1, has_bias=True))
    L(case_conv2d("Conv2d/pad/(1,0,2,1)/stride2", 2, 3, 3, pad_mode="pad", padding=[1, 0, 2, 1], stride=2))
    L(case_conv2d("Conv2d/group2", 4, 6, 3, group=2, has_bias=True))
    L(case_conv2d("Conv2d/float64/pad", 2, 3, 3, pad_mode="pad", padding=1, has_bias=True, dtype="float64"))
    L(case_conv1d("Conv1d/same", 3, 4, 3, has_bias=True))
    L(case_conv1d("Conv1d/valid/stride2", 2, 3, 4, pad_mode="valid", stride=2))
    L(case_conv1d("Conv1d/pad/dil2", 2, 4, 3, pad_mode="pad", padding=2, dilation=2, has_bias=True, group=2))
    L(case_conv2d_transpose("Conv2dTranspose/same/stride2", 3, 2, 3, stride=2, has_bias=True))
    L(case_conv2d_transpose("Conv2dTranspose/same/k4/stride2", 2, 3, 4, stride=2))
    L(case_conv2d_transpose("Conv2dTranspose/valid", 2, 3, 3, pad_mode="valid", has_bias=True))
    L(case_conv2d_transpose("Conv2dTranspose/pad/1/stride2/outpad1", 2, 4, 3, pad_mode="pad", padding=1, stride=2,
                            output_padding=1, has_bias=True))
    L(case_conv2d_transpose("Conv2dTranspose/pad/(1,0,0,2)/group2", 4, 2, (3, 2), pad_mode="pad", padding=[1, 0, 0, 2],
                            group=2))
    L(case_maxpool("MaxPool2d/valid/k2s2", kernel_size=2, stride=2))
    L(case_maxpool("MaxPool2d/valid/k3s1", kernel_size=3, stride=1))
    L(case_maxpool("MaxPool2d/same/k3s2", kernel_size=3, stride=2, pad_mode="same"))
    L(case_maxpool("MaxPool2d/pad/k3s2p1/ceil", kernel_size=3, stride=2, pad_mode="pad", padding=1, ceil_mode=True))
    L(case_maxpool("MaxPool2d/valid/3d-input", shape=(3, 6, 5), kernel_size=2, stride=2))
    L(case_avgpool("AvgPool2d/valid/k2s2", kernel_size=2, stride=2))
    L(case_avgpool("AvgPool2d/same/k3s2", kernel_size=3, stride=2, pad_mode="same"))
    L(case_avgpool("AvgPool2d/pad/k3s2p1/exclude", kernel_size=3, stride=2, pad_mode="pad", padding=1,
                   count_include_pad=False))
    L(case_avgpool("AvgPool2d/pad/k2s1p1/include", kernel_size=2, stride=1, pad_mode="pad", padding=1))
    L(case_adaptive("AdaptiveAvgPool2d/(3,2)", (2, 3, 7, 6), (3, 2)))
    L(case_adaptive("AdaptiveAvgPool2d/1", (2, 3, 5, 4), 1))
    L(case_batchnorm("BatchNorm2d/train", "BatchNorm2d", (4, 3, 3, 2), True))
    L(case_batchnorm("BatchNorm2d/eval", "BatchNorm2d", (4, 3, 3, 2), False))
    L(case_batchnorm("BatchNorm2d/train/momentum0.7/eps1e-3", "BatchNorm2d", (3, 2, 2, 3), True, momentum=0.7, eps=1e-3))
    L(case_batchnorm("BatchNorm2d/eval/use_batch_statistics", "BatchNorm2d", (4, 2, 2, 2), False, use_batch_statistics=True))
    L(case_batchnorm("BatchNorm2d/train/float64", "BatchNorm2d", (4, 3, 2, 2), True, dtype="float64"))
    L(case_batchnorm("BatchNorm1d/train/2d", "BatchNorm1d", (6, 4), True))
    L(case_batchnorm("BatchNorm1d/train/3d", "BatchNorm1d", (3, 4, 5), True))
    L(case_batchnorm("BatchNorm1d/eval", "BatchNorm1d", (5, 3), False))
    L(case_layernorm("LayerNorm/last", (3, 4, 5), (5,)))
    L(case_layernorm("LayerNorm/last/eps1e-5/float64", (3, 6), (6,), eps=1e-5, dtype="float64"))
    L(case_layernorm("LayerNorm/begin1", (2, 3, 4), (3, 4), bna=1, bpa=1))
    L(case_layernorm("LayerNorm/norm1/params2", (2, 3, 4), (4,), bna=1, bpa=2))
    L(case_groupnorm("GroupNorm/2groups", 2, (2, 4, 3, 3)))
    L(case_groupnorm("GroupNorm/1group/eps1e-3", 1, (3, 3, 2, 2), eps=1e-3))
    L(case_embedding("Embedding/gather", 6, 4, [[0, 2, 5], [2, 2, 1]]))
    L(case_embedding("Embedding/one_hot/padding", 5, 3, [1, 0, 4, 0], use_one_hot=True, padding_idx=0))
    L(case_flatten("Flatten/default", (2, 3, 4)))
    L(case_flatten("Flatten/0..1", (2, 3, 4), start_dim=0, end_dim=1))
    L(case_activation("ReLU", "ReLU", [], F.relu))
    L(case_activation("LeakyReLU/default", "LeakyReLU", [], lambda x: F.leaky_relu(x, 0.2)))
    L(case_activation("LeakyReLU/0.05", "LeakyReLU", [0.05], lambda x: F.leaky_relu(x, 0.05)))
    L(case_activation("GELU/tanh", "GELU", [], lambda x: F.gelu(x, approximate="tanh")))
    L(case_activation("GELU/erf", "GELU", [False], lambda x: F.gelu(x)))
    L(case_activation("SiLU", "SiLU", [], F.silu))
    L(case_activation("Sigmoid", "Sigmoid", [], torch.sigmoid))
    L(case_activation("Tanh", "Tanh", [], torch.tanh))
    L(case_activation("Softmax/-1", "Softmax", [], lambda x: F.softmax(x, -1)))
    L(case_activation("Softmax/0/float64", "Softmax", [0], lambda x: F.softmax(x, 0), dtype="float64"))
    L(case_activation("LogSoftmax/1", "LogSoftmax", [1], lambda x: F.log_softmax(x, 1), shape=(2, 4, 3)))

    R = recurrent.append
    R(case_rnn("RNN/tanh", "RNN", 3, 4))
    R(case_rnn("RNN/relu/hx/batch_first", "RNN", 3, 4, nonlinearity="relu", with_hx=True, batch_first=True))
    R(case_rnn("RNN/2layers/bidirectional/nobias", "RNN", 2, 3, num_layers=2, bidirectional=True, has_bias=False))
    R(case_rnn("LSTM/basic", "LSTM", 3, 4))
    R(case_rnn("LSTM/hx/batch_first", "LSTM", 3, 4, with_hx=True, batch_first=True))
    R(case_rnn("LSTM/2layers/bidirectional", "LSTM", 3, 2, num_layers=2, bidirectional=True, with_hx=True))
    R(case_rnn("LSTM/seq_length/bidirectional", "LSTM", 2, 3, bidirectional=True, seq_lengths=[5, 2, 4]))
    R(case_rnn("LSTM/float64/2layers", "LSTM", 2, 3, num_layers=2, dtype="float64"))
    R(case_rnn("GRU/basic", "GRU", 3, 4))
    R(case_rnn("GRU/hx/bidirectional/batch_first", "GRU", 2, 3, bidirectional=True, with_hx=True, batch_first=True))
    R(case_rnn("GRU/seq_length", "GRU", 3, 2, seq_lengths=[3, 5, 1], with_hx=True))

    A = attention.append
    A(case_mha("MHA/basic", 4, 2))
    A(case_mha("MHA/batch_first/per-head", 6, 3, batch_first=True, average=False))
    A(case_mha("MHA/kdim-vdim/nobias", 4, 2, kdim=3, vdim=5, has_bias=False))
    A(case_mha("MHA/bias_kv/zero_attn/bool-mask/kpm", 4, 2, add_bias_kv=True, add_zero_attn=True, mask="bool", kpm=True))
    A(case_mha("MHA/float-mask/no-weights", 4, 1, mask="float", need_weights=False))
    A(case_mha("MHA/unbatched", 4, 2, unbatched=True, kpm=True))
    A(case_encoder_layer("TransformerEncoderLayer/post-norm/relu", 4, 2, 8))
    A(case_encoder_layer("TransformerEncoderLayer/pre-norm/gelu/batch_first/mask", 4, 2, 6, batch_first=True,
                         norm_first=True, activation="gelu", mask=True))

    S = losses.append
    S(loss_case("CrossEntropyLoss/mean", "CrossEntropyLoss", [], {}, (4, 5), ("int", [1, 0, 4, 2]),
                lambda x, y: F.cross_entropy(x, y)))
    S(loss_case("CrossEntropyLoss/weight/ignore/smoothing", "CrossEntropyLoss", [],
                {"weight": {"tensor": tjson([0.5, 1.0, 2.0, 1.5], "float32")}, "ignore_index": 3, "label_smoothing": 0.2},
                (5, 4), ("int", [1, 3, 0, 2, 2]),
                lambda x, y: F.cross_entropy(x, y, weight=torch.tensor([0.5, 1.0, 2.0, 1.5]), ignore_index=3,
                                             label_smoothing=0.2)))
    S(loss_case("CrossEntropyLoss/none/spatial", "CrossEntropyLoss", [], {"reduction": "none"}, (2, 3, 4),
                ("int64", [[0, 2, 1, 1], [2, 2, 0, 1]]), lambda x, y: F.cross_entropy(x, y, reduction="none")))
    S(loss_case("CrossEntropyLoss/probabilities/sum", "CrossEntropyLoss", [], {"reduction": "sum"}, (3, 4),
                ("float", (0.0, 1.0, (3, 4))), lambda x, y: F.cross_entropy(x, y, reduction="sum")))
    S(loss_case("NLLLoss/mean/weight", "NLLLoss", [], {"weight": {"tensor": tjson([1.0, 0.5, 2.0], "float32")}},
                (4, 3), ("int", [2, 0, 1, 2]), lambda x, y: F.nll_loss(x, y, weight=torch.tensor([1.0, 0.5, 2.0]))))
    S(loss_case("NLLLoss/sum/ignore", "NLLLoss", [], {"reduction": "sum", "ignore_index": 1}, (4, 3),
                ("int", [2, 1, 1, 0]), lambda x, y: F.nll_loss(x, y, reduction="sum", ignore_index=1)))
    S(loss_case("SmoothL1Loss/none", "SmoothL1Loss", [], {}, (3, 4), ("float", (-2, 2, (3, 4))),
                lambda x, y: F.smooth_l1_loss(x, y, reduction="none")))
    S(loss_case("SmoothL1Loss/beta0.5/mean", "SmoothL1Loss", [], {"beta": 0.5, "reduction": "mean"}, (3, 4),
                ("float", (-2, 2, (3, 4))), lambda x, y: F.smooth_l1_loss(x, y, beta=0.5)))
    S(loss_case("SoftmaxCrossEntropyWithLogits/dense", "SoftmaxCrossEntropyWithLogits", [], {}, (3, 4),
                ("float", (0, 1, (3, 4))), lambda x, y: -(y * F.log_softmax(x, -1)).sum(-1)))
    S(loss_case("SoftmaxCrossEntropyWithLogits/sparse/mean", "SoftmaxCrossEntropyWithLogits", [],
                {"sparse": True, "reduction": "mean"}, (4, 5), ("int", [4, 0, 2, 2]),
                lambda x, y: F.cross_entropy(x, y)))
    S(loss_case("BCELoss/mean", "BCELoss", [], {}, (3, 4), ("float", (0, 1, (3, 4))),
                lambda x, y: F.binary_cross_entropy(x, y), logits_range=(0.05, 0.95)))
    S(loss_case("BCELoss/weight/sum", "BCELoss", [], {"weight": {"tensor": tjson([0.5, 1.0, 2.0, 1.0], "float32")},
                                                      "reduction": "sum"},
                (3, 4), ("float", (0, 1, (3, 4))),
                lambda x, y: F.binary_cross_entropy(x, y, weight=torch.tensor([0.5, 1.0, 2.0, 1.0]), reduction="sum"),
                logits_range=(0.05, 0.95)))
    S(loss_case("BCEWithLogitsLoss/mean", "BCEWithLogitsLoss", [], {}, (3, 4), ("float", (0, 1, (3, 4))),
                lambda x, y: F.binary_cross_entropy_with_logits(x, y)))
    S(loss_case("BCEWithLogitsLoss/pos_weight/none", "BCEWithLogitsLoss", [],
                {"reduction": "none", "pos_weight": {"tensor": tjson([1.0, 2.0, 0.5, 3.0], "float32")}}, (3, 4),
                ("float", (0, 1, (3, 4))),
                lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=torch.tensor([1.0, 2.0, 0.5, 3.0]),
                                                                reduction="none")))
    S(loss_case("KLDivLoss/mean", "KLDivLoss", [], {}, (3, 4), ("float", (0, 1, (3, 4))),
                lambda x, y: F.kl_div(x, y, reduction="mean")))
    S(loss_case("KLDivLoss/batchmean", "KLDivLoss", ["batchmean"], {}, (3, 4), ("float", (0, 1, (3, 4))),
                lambda x, y: F.kl_div(x, y, reduction="batchmean")))
    S(loss_case("MSELoss/mean", "MSELoss", [], {}, (3, 4), ("float", (-2, 2, (3, 4))),
                lambda x, y: F.mse_loss(x, y)))
    S(loss_case("L1Loss/sum", "L1Loss", ["sum"], {}, (3, 4), ("float", (-2, 2, (3, 4))),
                lambda x, y: F.l1_loss(x, y, reduction="sum")))
    return {"layers": layers, "recurrent": recurrent, "attention": attention, "losses": losses}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for group, cases in build().items():
        ids = [c["id"] for c in cases]
        assert len(ids) == len(set(ids)), f"duplicate case ids in {group}"
        doc = {"generator": "tools/gen_layer_fixtures.py", "torch": torch.__version__, "numpy": np.__version__,
               "mindspore_api": "2.3", "group": group, "cases": cases}
        with open(os.path.join(OUT_DIR, f"{group}.json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print(f"{group}: {len(cases)} cases")


if __name__ == "__main__":
    main()
