#!/usr/bin/python3
"""Write test/fixtures/optim/torch_trajectories.json: PyTorch optimizer runs
that MindSpore's optimizers must reproduce.

The problem: a Dense(3 -> 2) regression (y = x W^T + b, W of shape (out, in)
as in both frameworks) with MSELoss('mean') on 8 fixed samples, trained for
20 steps. Each case names a MindSpore optimizer and its MindSpore arguments
(`kwargs`, replayed as `new nn[optimizer](params, kwargs)`), and holds the
weight and bias after every step plus the loss before it, computed by the
PyTorch optimizer configured to follow the same formula:

* SGD (momentum, dampening, nesterov, weight_decay) and Momentum agree with
  torch.optim.SGD exactly (MindSpore's accumulator starts at 0 and
  v = u*v + g, so its first step is v = g like PyTorch's buffer).
* Adam agrees with torch.optim.Adam up to where eps sits: MindSpore uses
  lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v)+eps), PyTorch m_hat/(sqrt(v_hat)+eps);
  with eps=1e-8 the difference stays far below the tolerance.
* Adagrad agrees with torch.optim.Adagrad(initial_accumulator_value=accum,
  eps=0) up to MindSpore's CPU kernel's 1e-6 under the root.
* RMSProp agrees with torch.optim.RMSprop once PyTorch's mean square starts
  at ONE as MindSpore's does (seeded into the optimizer state below) and up
  to eps sitting inside (MindSpore) or outside (PyTorch) the root (1e-10).
* dynamic rates: a per-step list and ExponentialDecayLR are replayed by
  setting PyTorch's lr before each step to the rate MindSpore reads at that
  global_step (0, 1, 2, ...).

Run with Debian's python (it has torch): /usr/bin/python3 tools/gen_optim_fixtures.py
"""
import json
import math
import os

import numpy as np
import torch

STEPS = 20
OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "optim", "torch_trajectories.json")


def problem():
    rng = np.random.default_rng(20240611)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    w_true = np.array([[1.5, -2.0, 0.5], [0.3, 0.8, -1.2]], dtype=np.float32)
    y = (x @ w_true.T + np.array([0.7, -0.4], dtype=np.float32) + 0.05 * rng.normal(size=(8, 2))).astype(np.float32)
    w0 = (0.3 * rng.normal(size=(2, 3))).astype(np.float32)
    b0 = (0.1 * rng.normal(size=(2,))).astype(np.float32)
    return x, y, w0, b0


def exponential_decay(lr, rate, decay_steps, step):
    return lr * rate ** (step / decay_steps)


def run(make_opt, x, y, w0, b0, lr_at=None, seed_state=None):
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.tensor(w0))
    b = torch.nn.Parameter(torch.tensor(b0))
    opt = make_opt([w, b])
    if seed_state:
        seed_state(opt, [w, b])
    xt, yt = torch.tensor(x), torch.tensor(y)
    traj = []
    for step in range(STEPS):
        if lr_at is not None:
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(xt @ w.T + b, yt)
        loss.backward()
        opt.step()
        traj.append({"loss": float(loss), "weight": [float(v) for v in w.detach().flatten()], "bias": [float(v) for v in b.detach()]})
    return traj


def rms_seed(momentum, centered):
    def seed(opt, params):
        for p in params:
            st = opt.state[p]
            st["step"] = 0
            st["square_avg"] = torch.ones_like(p)  # MindSpore's mean_square starts at 1
            if momentum > 0:
                st["momentum_buffer"] = torch.zeros_like(p)
            if centered:
                st["grad_avg"] = torch.zeros_like(p)
    return seed


def cases():
    O = torch.optim
    piecewise = [0.1] * 5 + [0.05] * 10 + [0.01] * 5
    return [
        ("SGD/plain", "SGD", {"learning_rate": 0.1}, lambda p: O.SGD(p, lr=0.1), {}),
        ("SGD/momentum", "SGD", {"learning_rate": 0.05, "momentum": 0.9}, lambda p: O.SGD(p, lr=0.05, momentum=0.9), {}),
        ("SGD/momentum+dampening", "SGD", {"learning_rate": 0.05, "momentum": 0.9, "dampening": 0.3},
         lambda p: O.SGD(p, lr=0.05, momentum=0.9, dampening=0.3), {}),
        ("SGD/nesterov", "SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True},
         lambda p: O.SGD(p, lr=0.05, momentum=0.9, nesterov=True), {}),
        ("SGD/weight_decay+momentum", "SGD", {"learning_rate": 0.05, "momentum": 0.8, "weight_decay": 0.05},
         lambda p: O.SGD(p, lr=0.05, momentum=0.8, weight_decay=0.05), {}),
        ("SGD/momentum/piecewise-list", "SGD", {"learning_rate": {"list": piecewise}, "momentum": 0.9},
         lambda p: O.SGD(p, lr=0.1, momentum=0.9), {"lr_at": lambda s: piecewise[s]}),
        ("Momentum", "Momentum", {"learning_rate": 0.05, "momentum": 0.9}, lambda p: O.SGD(p, lr=0.05, momentum=0.9), {}),
        ("Momentum/nesterov+weight_decay", "Momentum", {"learning_rate": 0.05, "momentum": 0.9, "use_nesterov": True, "weight_decay": 0.01},
         lambda p: O.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01), {}),
        ("Adam", "Adam", {"learning_rate": 0.05}, lambda p: O.Adam(p, lr=0.05), {}),
        ("Adam/betas+weight_decay", "Adam", {"learning_rate": 0.03, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.1},
         lambda p: O.Adam(p, lr=0.03, betas=(0.8, 0.99), weight_decay=0.1), {}),
        ("Adam/ExponentialDecayLR", "Adam", {"learning_rate": {"schedule": "ExponentialDecayLR", "args": [0.05, 0.9, 5, False]}},
         lambda p: O.Adam(p, lr=0.05), {"lr_at": lambda s: exponential_decay(0.05, 0.9, 5, s)}),
        ("Adagrad", "Adagrad", {"accum": 0.1, "learning_rate": 0.1},
         lambda p: O.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=0.0), {}),
        ("Adagrad/weight_decay", "Adagrad", {"accum": 0.5, "learning_rate": 0.2, "weight_decay": 0.02},
         lambda p: O.Adagrad(p, lr=0.2, initial_accumulator_value=0.5, eps=0.0, weight_decay=0.02), {}),
        ("RMSProp", "RMSProp", {"learning_rate": 0.01, "decay": 0.9},
         lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-10), {"seed_state": rms_seed(0.0, False)}),
        ("RMSProp/momentum", "RMSProp", {"learning_rate": 0.01, "decay": 0.8, "momentum": 0.5},
         lambda p: O.RMSprop(p, lr=0.01, alpha=0.8, eps=1e-10, momentum=0.5), {"seed_state": rms_seed(0.5, False)}),
        ("RMSProp/centered+momentum", "RMSProp", {"learning_rate": 0.01, "decay": 0.9, "momentum": 0.5, "centered": True},
         lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-10, momentum=0.5, centered=True), {"seed_state": rms_seed(0.5, True)}),
    ]


def main():
    x, y, w0, b0 = problem()
    out = {
        "generator": "tools/gen_optim_fixtures.py",
        "torch": torch.__version__,
        "numpy": np.__version__,
        "mindspore_api": "2.3",
        "steps": STEPS,
        "problem": {
            "x": {"shape": list(x.shape), "data": [float(v) for v in x.flatten()]},
            "y": {"shape": list(y.shape), "data": [float(v) for v in y.flatten()]},
            "weight": {"shape": list(w0.shape), "data": [float(v) for v in w0.flatten()]},
            "bias": {"shape": list(b0.shape), "data": [float(v) for v in b0.flatten()]},
        },
        "tolerance": {"rtol": 2e-4, "atol": 2e-5},
        "cases": [],
    }
    for cid, name, kwargs, make, extra in cases():
        traj = run(make, x, y, w0, b0, **extra)
        assert all(math.isfinite(v) for t in traj for v in t["weight"] + t["bias"])
        out["cases"].append({"id": cid, "optimizer": name, "kwargs": kwargs, "trajectory": traj})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"{len(out['cases'])} cases -> {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
